//! The generic-timer interrupt ticks at the configured rate (BCM2836 local controller on the
//! Pi 3, GIC-400 on the Pi 4), counted over an interval measured on the counter.

use ruvix_qemu_tests::*;

fn timer_ticks_at_the_configured_rate(board: Board) {
    let run = boot_scenario(board, "timer");
    assert_ticks_at_configured_rate(&run);
    run.assert_line("selftest timer: ok");
    run.assert_exit(EXIT_OK);
}

on_both_boards!(timer_ticks_at_the_configured_rate);
