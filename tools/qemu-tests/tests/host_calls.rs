//! `bench-calls` (components/bench-calls.toml), the component `just bench` times host calls
//! with, runs to its end on both boards: every measurement is reported with calls that all
//! succeeded, every timed `log.write` at `info` is printed, no line is dropped, and the boot
//! reports the kernel heap and what the process's own table maps. Correctness only: the
//! numbers themselves are the benchmark's.

use ruvix_qemu_tests::*;
use ruvix_runner::package::BENCH_CALLS_MANIFEST;

/// What `bench-calls` times, as its lines name them.
const TIMED: [&str; 6] = ["loop", "now-us", "lookup", "read", "log debug", "log info"];

fn bench_calls_reports_every_call(board: Board) {
    let run = boot_with_initrd_icount(board, &["run", "seconds=2"], &package(BENCH_CALLS_MANIFEST));
    run.assert_exit(EXIT_OK);
    run.assert_line("bench-calls: done");
    for name in TIMED {
        let marker = format!("bench-calls {name}: ");
        let line = run.assert_line(&marker);
        let calls = number_after(line, &marker);
        let us = number_after(line, " calls in ");
        assert!(calls > 0 && us > 0, "{line}");
        assert!(line.ends_with(" us, 0 failed"), "{line}");
    }
    let info_lines = number_after(run.assert_line("bench-calls log info: "), "log info: ");
    let printed = run
        .lines
        .iter()
        .filter(|l| l.contains("[bench-calls] bench-calls: a short line"))
        .count();
    assert_eq!(printed as u64, info_lines, "\n{}", run.log());
    let ring = run.assert_line(" lines dropped by the ring");
    assert_eq!(number_after(ring, "log bytes queued, "), 0, "{ring}");
    let budget = run.assert_line("stats: log budget bench-calls: ");
    assert!(budget.ends_with(", 0 dropped over budget"), "{budget}");

    for duration in [100, 1000, 5000] {
        let line = run.assert_line(&format!("bench-calls sleep {duration} us: "));
        assert!(number_after(line, " us: ") > 0, "{line}");
        // Each duration was slept and its lateness reported.
        assert!(line.contains(" sleeps, late "), "{line}");
        assert!(line.contains(" us in all, max "), "{line}");
    }

    let heap = run.assert_line("heap after boot: ");
    let used = number_after(heap, "heap after boot: ");
    let processes = number_after(heap, " bytes used (");
    assert!(used > 0 && processes > 0 && processes < used, "{heap}");
    let mapped = run.assert_line("mapped: bench-calls: ");
    let pages = number_after(mapped, "mapped: bench-calls: ");
    let kib = number_after(mapped, " pages (");
    assert_eq!(pages * 4, kib, "{mapped}");
    // The 4 KiB `data` region, and a heap of at least its 2 MiB memory.
    assert_eq!(number_after(mapped, "regions "), 4, "{mapped}");
    assert!(number_after(mapped, "heap ") >= 2048, "{mapped}");
    for kind in ["code ", "read-only data ", ", data ", "stack ", "inputs "] {
        assert!(number_after(mapped, kind) > 0, "{kind}in {mapped}");
    }
}

#[test]
fn rpi3_bench_calls_reports_every_call() {
    bench_calls_reports_every_call(Board::Rpi3);
}

#[test]
fn rpi4_bench_calls_reports_every_call() {
    bench_calls_reports_every_call(Board::Rpi4);
}
