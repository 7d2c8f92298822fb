//! The log on both boards: it never holds the tick off, a flood hurts only the flooder (its
//! lines are dropped over its budget and counted; the pipeline keeps at least 80 % of its
//! throughput; the kernel's stage, fault and restart lines all appear), a fault report after
//! a flood is complete, and the demo fits a real 115200-baud line.

use std::path::PathBuf;

use ruvix_qemu_tests::*;

/// Seconds of guest time each throughput run lasts (`-icount shift=0`: guest time follows
/// executed instructions, so the two runs compare work, not how busy the host was).
const RUN_SECONDS: u32 = 3;

fn flood_package() -> PathBuf {
    let path = ruvix_runner::package::package_path(ruvix_runner::package::LOG_FLOOD_MANIFEST);
    assert!(
        path.exists(),
        "{}: build first (just build)",
        path.display()
    );
    path
}

/// Runs the `run` scenario for `RUN_SECONDS` of guest time, the demo (embedded) or `initrd`.
fn run_counted(board: Board, initrd: Option<&std::path::Path>) -> Outcome {
    let seconds = format!("seconds={RUN_SECONDS}");
    let mut qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["run", seconds.as_str()])
        .extra_args(["-icount", "shift=0"])
        .timeout(ICOUNT_TIMEOUT);
    if let Some(initrd) = initrd {
        qemu = qemu.dtb(dtb(board)).initrd(initrd);
    }
    let run = qemu
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!run.timed_out, "QEMU timed out\n{}", run.log());
    run.assert_exit(EXIT_OK);
    run
}

/// Messages the sink received during the run (queue 1, `filtered`).
fn delivered(run: &Outcome) -> u64 {
    number_after(run.assert_line("stats: queue 1: "), "stats: queue 1: ")
}

fn budget_line<'a>(run: &'a Outcome, component: &str) -> &'a str {
    run.assert_line(&format!("stats: log budget {component}: "))
}

fn a_flood_leaves_the_pipeline_its_throughput(board: Board) {
    let baseline = run_counted(board, None);
    let flooded = run_counted(board, Some(&flood_package()));
    let (without, with) = (delivered(&baseline), delivered(&flooded));
    println!(
        "{board}: pipeline {without} messages in {RUN_SECONDS} s without the flooders, {with} with them ({:.1} %)",
        with as f64 * 100.0 / without.max(1) as f64
    );
    assert!(without > 1000, "the baseline moved too little: {without}");
    assert!(
        with * 100 >= without * 80,
        "the flood cost the pipeline more than 20 %: {with} vs {without}\n{}",
        flooded.log()
    );

    // Both flooders are held to their budgets, and their drops are reported.
    for flooder in ["flood-low", "flood-same"] {
        let line = budget_line(&flooded, flooder);
        println!("{board}: {line}");
        let written = number_after(line, &format!("{flooder}: "));
        let dropped = number_after(line, "written, ");
        assert!(dropped > 0, "{line}");
        assert!(written > 0, "{line}");
    }
    let low = budget_line(&flooded, "flood-low");
    // 2 lines/s with a burst of 20 over the run (plus the boot).
    assert!(
        number_after(low, "flood-low: ") <= 20 + 2 * u64::from(RUN_SECONDS) + 4,
        "{low}"
    );
    // The pipeline's own components lost nothing to the flood.
    for quiet in ["sensor", "filter", "sink"] {
        let line = budget_line(&flooded, quiet);
        assert!(line.ends_with(", 0 dropped over budget"), "{line}");
    }
    flooded
        .expect_no_line("stage 3 mount: failed")
        .unwrap_or_else(|e| panic!("{e}"));
    flooded
        .expect_in_order(&[
            "stage 0 hardware: ok",
            "stage 1 verify: ok",
            "stage 2 create: ok",
            "stage 3 mount: ok",
            "stage 4 attest: ok",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
}

fn kernel_lines_all_appear_under_the_flood(board: Board) {
    let flooded = run_counted(board, Some(&flood_package()));
    assert!(
        flooded.lines.iter().any(|l| l.contains("flood: line ")),
        "the flooders never got a line out\n{}",
        flooded.log()
    );
    // The crasher traps at once: every fault, restart and the final stop are kept lines.
    let count = |needle: &str| flooded.lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("fault: crasher"), 4, "\n{}", flooded.log());
    assert_eq!(
        count("restart: crasher: restarted ("),
        3,
        "\n{}",
        flooded.log()
    );
    flooded.assert_line("stopped: crasher: stopped for good: faulted again after 3 restart(s)");
    // Grants and mounts of every component.
    for component in [
        "sensor",
        "filter",
        "sink",
        "blinky",
        "flood-low",
        "flood-same",
    ] {
        flooded.assert_line(&format!("mount: {component}"));
    }
    flooded.assert_line("selftest run: ok");
}

fn a_fault_report_after_a_flood_is_complete(board: Board) {
    let run = boot_scenario(board, "flood-fault");
    let flooded = run.assert_line("selftest: flooded: ");
    assert!(number_after(flooded, "flooded: ") > 0, "{flooded}");
    println!("{board}: {flooded}");
    let mut expected: Vec<String> = (0..20)
        .map(|n| format!("selftest: kept line {n} of 20 before the fault"))
        .collect();
    expected.extend(
        [
            "selftest: flooded: ",
            "exception: synchronous from current EL",
            "class: data abort, same EL",
            "fault: translation fault",
            "FAR 0x0000000000000008",
            "x00 ",
            "x04 ",
            "x08 ",
            "x12 ",
            "x16 ",
            "x20 ",
            "x24 ",
            "x28 ",
            "diagnosis: null pointer dereference",
        ]
        .map(String::from),
    );
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    run.expect_in_order(&expected)
        .unwrap_or_else(|e| panic!("{e}"));
    run.assert_exit(EXIT_EXCEPTION);
}

fn dropped_lines_are_reported_once_there_is_room(board: Board) {
    let run = boot_scenario(board, "flood-notice");
    let dropped = number_after(run.assert_line("selftest: flooded: "), "flooded: ");
    assert!(dropped > 0, "\n{}", run.log());
    println!("{board}: {}", run.assert_line(" lines dropped ("));
    // Component 0 of the demo is the sensor.
    run.expect_in_order(&[
        "selftest: flooded: ",
        &format!("log: {dropped} lines dropped (sensor {dropped})"),
        "selftest flood-notice: ok",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_exit(EXIT_OK);
}

fn the_tick_counts_at_its_rate_under_log_load(board: Board) {
    // Under -icount guest time follows executed instructions, so a busy host (two cores
    // shared by QEMU runs and builds) cannot stall the guest past a tick: what is measured is
    // whether the guest itself held interrupts off.
    let run = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["timer-log"])
        .extra_args(["-icount", "shift=0"])
        .timeout(ICOUNT_TIMEOUT)
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!run.timed_out, "QEMU timed out\n{}", run.log());
    let line = assert_ticks_at_configured_rate(&run);
    println!("{board}: {line}");
    // The log was fed at the wire's rate, and the UART's transmit interrupt drained it.
    assert!(number_after(line, "log load: ") >= 90, "{line}");
    assert!(number_after(line, "lines logged, ") > 0, "{line}");
    let masked = number_after(line, "longest masked ");
    let per_tick = number_after(line, " ticks of ");
    assert!(masked * 10 < per_tick, "{line}");
    run.assert_line("selftest timer-log: ok");
    run.assert_exit(EXIT_OK);
}

/// 10 % of a 115200-baud line (8N1: 11,520 bytes/s).
const WIRE_BUDGET_BYTES_PER_SECOND: u64 = 1152;

fn the_demo_fits_a_real_uart(board: Board) {
    let run = run_counted(board, None);
    let line = run.assert_line("log bytes queued");
    let bytes = number_after(line, "run: ");
    let per_second = bytes / u64::from(RUN_SECONDS);
    println!("{board}: demo log {per_second} bytes/s ({bytes} bytes in {RUN_SECONDS} s)");
    assert!(
        per_second <= WIRE_BUDGET_BYTES_PER_SECOND,
        "{per_second} bytes/s: {line}"
    );
    assert!(line.contains(", 0 lines dropped by the ring"), "{line}");
}

on_both_boards!(
    a_flood_leaves_the_pipeline_its_throughput,
    kernel_lines_all_appear_under_the_flood,
    a_fault_report_after_a_flood_is_complete,
    dropped_lines_are_reported_once_there_is_room,
    the_tick_counts_at_its_rate_under_log_load,
    the_demo_fits_a_real_uart,
);
