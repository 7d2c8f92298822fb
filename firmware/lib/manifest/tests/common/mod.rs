//! Helpers shared by the integration tests.

#![allow(dead_code)]

use ruvix_manifest::{BoardLimits, Diagnostic, RvfManifest, parse_toml};

/// Both real boards, as the `rvf` tool passes them.
pub const BOARDS: [BoardLimits; 2] = [BoardLimits::RPI3, BoardLimits::RPI4];

/// A valid system with three components (`a`, `b`, `c`) and nothing else; tests append items.
pub const BASE: &str = r#"[system]
name = "t"
boards = ["rpi3", "rpi4"]

[root]
minimum = ["timer"]

[[component]]
name = "a"
wasm = "a.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]

[[component]]
name = "b"
wasm = "b.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]

[[component]]
name = "c"
wasm = "c.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]
"#;

/// `BASE` followed by `extra`.
pub fn with(extra: &str) -> String {
    format!("{BASE}\n{extra}")
}

/// The `t.toml:line:column` of the first occurrence of `needle` in `source`. A `|` in the
/// needle marks the exact column (`"fuel_slice = |0"` points at the `0`).
pub fn at(source: &str, needle: &str) -> String {
    at_nth(source, needle, 0)
}

/// Like [`at`], for the occurrence `n` (from 0) of `needle`.
pub fn at_nth(source: &str, needle: &str, n: usize) -> String {
    let (head, tail) = needle.split_once('|').unwrap_or(("", needle));
    let text = format!("{head}{tail}");
    let offset = source
        .match_indices(&text)
        .nth(n)
        .unwrap_or_else(|| panic!("{text:?} is not in the source {} times", n + 1))
        .0
        + head.len();
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("t.toml:{line}:{column}")
}

/// Parses `source` as `t.toml` for both boards.
pub fn parse(source: &str) -> Result<RvfManifest, Vec<Diagnostic>> {
    parse_toml("t.toml", source, &BOARDS)
}

/// The diagnostics of a source that must fail, as strings.
pub fn errors(source: &str) -> Vec<String> {
    errors_for(source, &BOARDS)
}

/// The diagnostics of a source that must fail for these boards, as strings.
pub fn errors_for(source: &str, boards: &[BoardLimits]) -> Vec<String> {
    match parse_toml("t.toml", source, boards) {
        Ok(_) => panic!("manifest unexpectedly valid:\n{source}"),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts that `source` fails with exactly one diagnostic: `<place of needle>: <message>`.
pub fn assert_error(source: &str, needle: &str, message: &str) {
    assert_eq!(
        errors(source),
        [format!("{}: {message}", at(source, needle))],
        "source:\n{source}"
    );
}
