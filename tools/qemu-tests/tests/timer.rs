//! The generic-timer interrupt ticks at the configured rate (BCM2836 local controller on the
//! Pi 3, GIC-400 on the Pi 4), counted over an interval measured on the counter.

use ruvix_qemu_tests::*;

fn timer_ticks_at_the_configured_rate(board: Board) {
    let run = boot_scenario(board, "timer");
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
    run.assert_line("selftest timer: ok");
    run.assert_exit(EXIT_OK);
}

on_both_boards!(timer_ticks_at_the_configured_rate);
