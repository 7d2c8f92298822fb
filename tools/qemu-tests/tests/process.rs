//! A process at EL0 in its own address space, on both boards (the `el0` scenario): supervisor
//! calls keep every register, the MMU — not a software check — confines the process to its own
//! pages (loads from the kernel, stores into its read-only code, a jump into its stack and a
//! touch of its guard page each fault the process only, and the report says what it hit), and
//! a process that spins at EL0 is preempted by the timer.

use ruvix_qemu_tests::*;

fn a_process_runs_confined_at_el0(board: Board) {
    let run = boot_scenario(board, "el0");
    run.expect_in_order(&[
        "stage 4 attest: ok",
        "selftest el0: start",
        "el0: process table ",
        "el0: 10000 null supervisor calls in ",
        "el0: load from kernel rodata: process fault: data abort, lower EL, permission fault (read)",
        "el0: store into its own code: process fault: data abort, lower EL, permission fault (write) at FAR 0x4000000000",
        "el0: load from its stack guard page: process fault: data abort, lower EL, translation fault (read) at FAR 0x40000ff000",
        "el0: jump into its stack: process fault: instruction abort, lower EL, permission fault (instruction fetch) at FAR 0x4000100000",
        "el0: a process spinning at EL0 was preempted by the timer after ",
        "el0: the kernel is unharmed",
        "selftest el0: ok",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_line("general and FP/SIMD registers kept");
    run.assert_line("hit the kernel (EL1 only)");
    run.assert_line("hit its code (user RO X)");
    run.assert_line("hit its stack guard page (unmapped)");
    run.assert_line("hit its stack (user RW XN)");
    // The kernel's own fault report never appears: every fault was the process's.
    run.expect_no_line("exception: synchronous")
        .unwrap_or_else(|e| panic!("{e}"));
    run.assert_exit(EXIT_OK);
}

on_both_boards!(a_process_runs_confined_at_el0);
