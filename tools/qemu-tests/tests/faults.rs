//! Faults are caught and reported readably on both boards: a data abort, W^X (writing rodata,
//! executing data) and a stack overflow into the guard page.

use ruvix_qemu_tests::*;

fn report_line<'a>(run: &'a Outcome, needle: &str) -> &'a str {
    run.assert_line(needle)
}

fn data_abort_is_reported(board: Board) {
    let run = boot_scenario(board, "data-abort");
    let address = hex_after(
        run.assert_line("selftest: reading unmapped address"),
        " address ",
    );
    run.expect_in_order(&[
        "exception: synchronous from current EL",
        "class: data abort, same EL (EC 0x25)",
        "fault: translation fault",
        &format!("FAR {address:#018x}"),
        "diagnosis: null pointer dereference",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    report_line(&run, "x00 0x");
    report_line(&run, "x30 0x");
    run.assert_exit(EXIT_EXCEPTION);
}

fn writing_rodata_faults(board: Board) {
    let run = boot_scenario(board, "write-rodata");
    let address = hex_after(run.assert_line("selftest: writing to rodata at"), " at ");
    run.expect_in_order(&[
        "class: data abort, same EL",
        "fault: permission fault, level 3 (write)",
        &format!("FAR {address:#018x}"),
        "diagnosis: W^X: writing to a read-only page",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_exit(EXIT_EXCEPTION);
}

fn executing_data_faults(board: Board) {
    let run = boot_scenario(board, "exec-data");
    let address = hex_after(run.assert_line("selftest: executing from data at"), " at ");
    run.expect_in_order(&[
        "class: instruction abort, same EL (EC 0x21)",
        "fault: permission fault, level 3 (instruction fetch)",
        &format!("FAR {address:#018x}"),
        "diagnosis: W^X: executing from a non-executable page",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_exit(EXIT_EXCEPTION);
}

fn stack_overflow_hits_the_guard_page(board: Board) {
    let run = boot_scenario(board, "stack-overflow");
    let line = run.assert_line("selftest: recursing into the stack guard page at");
    let guard_start = hex_after(line, " at ");
    let guard_end = hex_after(line, "..");
    let far = hex_after(run.assert_line("FAR 0x"), "FAR ");
    assert!(
        (guard_start..guard_end).contains(&far),
        "fault at {far:#x} is outside the guard page {guard_start:#x}..{guard_end:#x}\n{}",
        run.log()
    );
    run.assert_line("diagnosis: stack overflow: the kernel stack ran into its guard page");
    run.assert_exit(EXIT_EXCEPTION);
}

on_both_boards!(
    data_abort_is_reported,
    writing_rodata_faults,
    executing_data_faults,
    stack_overflow_hits_the_guard_page
);
