//! The checks `pack` and `verify` share: what stage 1 checks after the signature (the manifest
//! decodes and validates for its boards, its components are the package's blobs) and what
//! stage 3 checks of each blob (a valid core module exporting every entry point).

use ruvix_manifest::{BoardLimits, ComponentDecl, RvfManifest};
use ruvix_rvf::Package;

use crate::wasm::module_exports;

/// One problem with a component's entry points, and which entry point it is about (for the
/// source line), if one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// Index into the component's `entry_points`, when the problem is about one of them.
    pub entry: Option<usize>,
    /// The message, starting with `component "name":`.
    pub message: String,
}

/// Checks that `wasm` is a valid core module that exports every entry point of `component` as
/// a function taking and returning nothing.
pub fn entry_point_problems(component: &ComponentDecl, wasm: &[u8]) -> Vec<EntryProblem> {
    let exports = match module_exports(wasm) {
        Ok(exports) => exports,
        Err(why) => {
            return vec![EntryProblem {
                entry: None,
                message: format!("component \"{}\": {} {why}", component.name, component.wasm),
            }];
        }
    };
    let mut problems = Vec::new();
    for (index, entry) in component.entry_points.iter().enumerate() {
        let message = match exports.function(&entry.export) {
            None => format!(
                "component \"{}\": entry point \"{}\" is not exported by {} (exports: {})",
                component.name,
                entry.export,
                component.wasm,
                exports.function_list()
            ),
            Some(function) if !function.is_unit => format!(
                "component \"{}\": entry point \"{}\" of {} has type {}, but an entry point takes \
                 and returns nothing",
                component.name, entry.export, component.wasm, function.signature
            ),
            Some(_) => continue,
        };
        problems.push(EntryProblem {
            entry: Some(index),
            message,
        });
    }
    // Then everything else stage 3 checks: imports against the WIT world (module, name,
    // exact core signature), `memory` and `cabi_realloc` exported.
    if problems.is_empty()
        && let Err(error) = ruvix_runtime::check_component(component, wasm)
    {
        problems.push(EntryProblem {
            entry: None,
            message: format!("{error} ({})", component.wasm),
        });
    }
    problems
}

/// The build-time limits of every board the manifest targets.
pub fn target_boards(manifest: &RvfManifest) -> Vec<BoardLimits> {
    manifest
        .boards
        .iter()
        .map(|board| BoardLimits::for_board(*board))
        .collect()
}

/// Everything stage 1 checks once the signature and hashes are good, plus stage 3's export
/// check: returns the decoded manifest and the problems found (empty if none).
pub fn package_contents(package: &Package<'_>) -> Result<(RvfManifest, Vec<String>), String> {
    let manifest = RvfManifest::decode(package.manifest())
        .map_err(|e| format!("the manifest does not decode: {e}"))?;
    let mut problems: Vec<String> = Vec::new();
    if manifest.boards.is_empty() {
        problems.push("the manifest names no target board".into());
    }
    for board in target_boards(&manifest) {
        for error in manifest.validate_all(&board) {
            let line = format!("manifest ({}): {error}", board.name);
            if !problems.contains(&line) {
                problems.push(line);
            }
        }
    }
    if let Err(e) = package.check_components(manifest.components.iter().map(|c| c.name.as_str())) {
        problems.push(e.to_string());
    }
    for component in &manifest.components {
        if let Some(blob) = package.component(&component.name) {
            problems.extend(
                entry_point_problems(component, blob.wasm)
                    .into_iter()
                    .map(|p| p.message),
            );
        }
    }
    Ok((manifest, problems))
}
