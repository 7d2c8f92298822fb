//! The compute suite's native baseline (issue 10): the same kernels (`ruvix-bench-suite`) run
//! natively at EL1 by the test kernel's `compute` scenario and, in the same boot, compiled to
//! wasm in the `bench-compute` component, under `-icount shift=0`. Both are counted in guest
//! instructions — native: counter ticks × 10⁹ / CNTFRQ; wasm: microseconds × 1,000 — and the
//! figure is their ratio per kernel and the geometric mean over the suite. The two builds must
//! return the same checksum for each kernel, or the comparison means nothing.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use super::{Figure, Table, Unit, find, instructions, test_image};
use crate::package::{BENCH_COMPUTE_MANIFEST, pack, package_path, qemu_dtb_path};
use crate::{Board, Outcome, number_after};

/// The suite, as both builds name its kernels (`ruvix_bench_suite::Kernel::name`).
const KERNELS: [&str; 5] = ["crc32", "matmul", "fib", "heapsort", "parse"];

/// Guest seconds the system runs after the native kernels: the component needs well under
/// one (about 0.3 s of guest instructions), the rest is margin.
const SECONDS: u32 = 2;

/// One kernel's two measurements.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pair {
    native_instructions: u64,
    wasm_instructions: u64,
    native_checksum: u32,
    wasm_checksum: u32,
}

impl Pair {
    fn ratio(&self) -> f64 {
        self.wasm_instructions as f64 / self.native_instructions.max(1) as f64
    }
}

/// The hexadecimal number after `marker` in `line` (`"checksum 0x1f"` with marker
/// `"checksum "` → 0x1f).
fn hex_after(line: &str, marker: &str) -> Option<u32> {
    let rest = line.split_once(marker)?.1.trim_start();
    let digits: String = rest
        .trim_start_matches("0x")
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    u32::from_str_radix(&digits, 16).ok()
}

/// Boots the test image of `board` with the `compute` scenario and the bench-compute package,
/// under `-icount shift=0`, to its end.
fn boot(board: Board) -> Result<Outcome> {
    let seconds = format!("seconds={SECONDS}");
    let outcome = test_image(board, &["compute", seconds.as_str()], true)
        .dtb(qemu_dtb_path(board))
        .initrd(package_path(BENCH_COMPUTE_MANIFEST))
        .run()?;
    if outcome.exit_code != Some(0) {
        bail!("the compute run failed\n{}", outcome.log());
    }
    Ok(outcome)
}

/// Each kernel's native and wasm figures from a `compute` run, in [`KERNELS`] order.
fn pairs(run: &Outcome) -> Result<Vec<(&'static str, Pair)>> {
    let hz = number_after(find(run, "compute native: counter at ")?, " at ")
        .context("counter frequency")?;
    if run.find("bench-compute: done").is_none() {
        bail!(
            "bench-compute did not finish in {SECONDS} guest seconds\n{}",
            run.log()
        );
    }
    let mut pairs = Vec::new();
    for name in KERNELS {
        let native_marker = format!("compute native {name}: ");
        let native = find(run, &native_marker)?;
        let wasm_marker = format!("bench-compute {name}: ");
        let wasm = find(run, &wasm_marker)?;
        let ticks = number_after(native, &native_marker).context("native ticks")?;
        let us = number_after(wasm, &wasm_marker).context("wasm microseconds")?;
        pairs.push((
            name,
            Pair {
                native_instructions: instructions(ticks, hz),
                // 1 µs of guest time is 1,000 instructions under `-icount shift=0`.
                wasm_instructions: us * 1000,
                native_checksum: hex_after(native, "checksum ").context("native checksum")?,
                wasm_checksum: hex_after(wasm, "checksum ").context("wasm checksum")?,
            },
        ));
    }
    Ok(pairs)
}

/// The geometric mean of `ratios` (0 for none).
fn geometric_mean(ratios: &[f64]) -> f64 {
    if ratios.is_empty() {
        return 0.0;
    }
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp()
}

pub fn figures(board: Board, report: &mut String, table: &mut Table) -> Result<()> {
    pack(BENCH_COMPUTE_MANIFEST)?;
    let run = boot(board)?;
    let pairs = pairs(&run)?;
    for (name, pair) in &pairs {
        if pair.native_checksum != pair.wasm_checksum {
            bail!(
                "compute {name}: native checksum {:#010x}, wasm {:#010x}: the builds disagree\n{}",
                pair.native_checksum,
                pair.wasm_checksum,
                run.log()
            );
        }
    }
    writeln!(
        report,
        "\n- compute suite, the same Rust natively at EL1 and as a wasm component (wasmi), one boot:\n\n| kernel | native instructions | wasm instructions | wasm / native |\n| --- | ---: | ---: | ---: |"
    )?;
    let mut ratios = Vec::new();
    for (name, pair) in &pairs {
        let ratio = pair.ratio();
        ratios.push(ratio);
        writeln!(
            report,
            "| {name} | {} | {} | {ratio:.1} × |",
            pair.native_instructions, pair.wasm_instructions
        )?;
        table.push(
            board,
            Figure::new(format!("compute {name}: wasm / native"), ratio, Unit::Times),
        );
    }
    let mean = geometric_mean(&ratios);
    writeln!(report, "| geometric mean | | | {mean:.1} × |")?;
    table.push(
        board,
        Figure::new(
            "wasm / native, geometric mean of the suite",
            mean,
            Unit::Times,
        )
        .at_most(20.0),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_builds_lines() {
        let run = Outcome {
            lines: [
                "compute native: counter at 62500000 Hz",
                "compute native crc32: 625 ticks, checksum 0x0000abcd",
                "[bench-compute] bench-compute crc32: 30 us, checksum 0x0000abcd",
                "bench-compute: done",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            exit_code: Some(0),
            ..Outcome::default()
        };
        // Only crc32 is there: the others are missing.
        assert!(pairs(&run).is_err());
        assert_eq!(hex_after(run.lines[1].as_str(), "checksum "), Some(0xabcd));
        assert_eq!(
            number_after(&run.lines[1], "compute native crc32: "),
            Some(625)
        );
    }

    #[test]
    fn the_geometric_mean() {
        assert!((geometric_mean(&[2.0, 8.0]) - 4.0).abs() < 1e-9);
        assert_eq!(geometric_mean(&[]), 0.0);
    }
}
