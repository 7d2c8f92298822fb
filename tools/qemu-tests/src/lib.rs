//! Helpers shared by the QEMU boot tests in `tests/`: boot a scenario of the test image on a
//! board, and pull numbers out of log lines.
//!
//! The images must be built first (`just qemu-test` does it: `ruvix-runner build --all`).

use std::time::Duration;

pub use ruvix_runner::{Board, Outcome, Qemu};

/// Generous: a cold QEMU on a loaded 2-core machine boots in well under a second, but CI
/// machines vary.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// For runs under `-icount`, which last a number of guest seconds, not wall seconds: a guest
/// second is 10⁹ instructions however long the host takes for them, and a busy system (the
/// ticker at 1 kHz beside the pipeline, with a process switch every few thousand
/// instructions) takes close to a minute for three of them beside the other tests.
pub const ICOUNT_TIMEOUT: Duration = Duration::from_secs(240);

/// Exit statuses the kernel uses (board::ExitCode).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_EXCEPTION: i32 = 3;

/// Boot the test image of `board` with `scenario` on the semihosting command line.
pub fn boot_scenario(board: Board, scenario: &str) -> Outcome {
    let qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args([scenario])
        .timeout(TIMEOUT);
    let outcome = qemu
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!outcome.timed_out, "QEMU timed out\n{}", outcome.log());
    outcome
}

/// The signed package `ruvix-runner build` packed from `manifest` (a path such as
/// `components/test.toml`).
pub fn package(manifest: &str) -> std::path::PathBuf {
    let path = ruvix_runner::package::package_path(manifest);
    assert!(
        path.exists(),
        "{}: build first (just build)",
        path.display()
    );
    path
}

/// The minimal device tree `ruvix-runner build` makes for `-initrd` runs on `board`.
pub fn dtb(board: Board) -> std::path::PathBuf {
    ruvix_runner::package::qemu_dtb_path(board)
}

/// Boot the test image of `board` with the semihosting `args` and `initrd` loaded as a
/// separate package (announced through the minimal device tree), to the end.
pub fn boot_with_initrd(board: Board, args: &[&str], initrd: &std::path::Path) -> Outcome {
    boot_initrd_with_qemu_args(board, args, initrd, &[])
}

/// As [`boot_with_initrd`], under `-icount shift=0`: guest time follows executed instructions
/// (1 instruction = 1 ns), so what a run achieves in a guest second does not depend on how
/// busy the host is. For tests that compare throughput between boots.
pub fn boot_with_initrd_icount(board: Board, args: &[&str], initrd: &std::path::Path) -> Outcome {
    boot_initrd_with_qemu_args(board, args, initrd, &["-icount", "shift=0"])
}

fn boot_initrd_with_qemu_args(
    board: Board,
    args: &[&str],
    initrd: &std::path::Path,
    qemu_args: &[&str],
) -> Outcome {
    let icount = qemu_args.contains(&"-icount");
    let qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(args.iter().copied())
        .dtb(dtb(board))
        .initrd(initrd)
        .extra_args(qemu_args.iter().copied())
        .timeout(if icount { ICOUNT_TIMEOUT } else { TIMEOUT });
    let outcome = qemu
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!outcome.timed_out, "QEMU timed out\n{}", outcome.log());
    outcome
}

/// The hexadecimal number that follows `marker` in `line` (`"at 0x8c348"` → 0x8c348).
pub fn hex_after(line: &str, marker: &str) -> u64 {
    let rest = line
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in {line:?}"))
        .1
        .trim_start();
    let digits: String = rest
        .trim_start_matches("0x")
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    u64::from_str_radix(&digits, 16)
        .unwrap_or_else(|e| panic!("bad hex after {marker:?} in {line:?}: {e}"))
}

/// The decimal number that follows `marker` in `line`.
pub fn number_after(line: &str, marker: &str) -> u64 {
    ruvix_runner::number_after(line, marker)
        .unwrap_or_else(|| panic!("no number after {marker:?} in {line:?}"))
}

/// The `selftest: timer ticks …` line of `run` says the tick interrupt counted at its
/// configured rate over the interval measured on the counter (±1 tick); returns the line.
pub fn assert_ticks_at_configured_rate(run: &Outcome) -> &str {
    let line = run.assert_line("selftest: timer ticks");
    let ticks = number_after(line, " ticks ");
    let cycles = number_after(line, " in ");
    let frequency = number_after(line, " at ");
    let configured = number_after(line, "(configured ");
    // What the counter says should have happened in the measured interval.
    let expected = cycles * configured / frequency;
    assert!(expected >= 10, "interval too short to judge: {line}");
    assert!(
        ticks.abs_diff(expected) <= 1,
        "{ticks} ticks where the counter says {expected}\n{}",
        run.log()
    );
    line
}

/// Generate one `#[test]` per board for a check `fn(Board)`.
#[macro_export]
macro_rules! on_both_boards {
    ($($check:ident),* $(,)?) => {
        mod rpi3 {
            $( #[test] fn $check() { super::$check($crate::Board::Rpi3) } )*
        }
        mod rpi4 {
            $( #[test] fn $check() { super::$check($crate::Board::Rpi4) } )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers() {
        assert_eq!(hex_after("writing to rodata at 0x8c348", " at "), 0x8c348);
        assert_eq!(hex_after("FAR 0x0000000000000008  ELR", "FAR "), 8);
        assert_eq!(number_after("timer ticks 50 in 31250000", " ticks "), 50);
    }
}
