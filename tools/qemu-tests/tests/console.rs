//! The console (both boards): what is typed on the first serial port (UART0, whose output is
//! the log) reaches the demo's `shell`, which answers in log lines from the kernel's system
//! reports. The commands are written into QEMU's stdin before the boot; they wait in the
//! UART's FIFO and the pipe until the kernel takes them. The first byte is an empty line: a
//! byte that arrives before the kernel sets the UART up is lost when its FIFO is reset (as on
//! a real board).

use std::time::Duration;

use ruvix_qemu_tests::*;
use ruvix_runner::Input;
use ruvix_runner::package::DEMO_MANIFEST;

fn typed_commands_reach_the_shell_and_are_answered(board: Board) {
    let qemu = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["run", "seconds=2"])
        .dtb(dtb(board))
        .initrd(package(DEMO_MANIFEST))
        .input(Input::Script(vec![
            (
                Duration::ZERO,
                b"\nhelp\nuptime\ntasks\r\nqueues\nlog\nfrobnicate\n".to_vec(),
            ),
            // Once the pipeline runs, `tasks` shows who waits for what.
            (Duration::from_millis(1200), b"tasks\n".to_vec()),
        ]))
        .timeout(TIMEOUT);
    let run = qemu
        .run()
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(!run.timed_out, "QEMU timed out\n{}", run.log());
    run.assert_exit(EXIT_OK);
    run.assert_line("console: what is typed on the log UART goes to its reader");
    run.assert_line("[shell] shell: ready, type help");
    run.assert_line("[shell] shell: > help");
    run.assert_line("[shell] shell: commands: help, uptime, tasks, queues, log");
    run.assert_line("[shell] shell: > uptime");
    let uptime = run.assert_line("[shell] shell: uptime ");
    assert!(uptime.contains(", 5 components, 2 queues"), "{uptime}");
    // `tasks` lists every component, with its state.
    run.assert_line("[shell] shell: > tasks");
    for component in ["sensor", "filter", "sink", "blinky", "shell"] {
        let line = run.assert_line(&format!("[shell] shell: {component}: "));
        assert!(
            line.contains(" restarts, ") && line.contains(" calls"),
            "{line}"
        );
    }
    run.assert_line("[shell] shell: readings: 0/8, ");
    run.assert_line("[shell] shell: sensor: 0 lines written, 0 dropped over budget");
    // The second `tasks`, with the pipeline running: whoever waits on a queue says which
    // (the sink is the slowest stage, so a sender upstream of it is usually blocked).
    let tasks = run
        .lines
        .iter()
        .filter(|l| l.contains("[shell] shell: > tasks"))
        .count();
    assert_eq!(tasks, 2, "{}", run.log());
    assert!(
        run.lines.iter().any(|l| l.contains("[shell] shell: ")
            && l.contains(", blocked on ")
            && l.contains(" on queue ")),
        "nobody waits on a queue\n{}",
        run.log()
    );
    assert!(
        run.lines
            .iter()
            .filter(|l| l.contains("[shell] shell: sensor: ") && l.contains(" ms used"))
            .any(|l| !l.contains(" 0 ms used")),
        "the pipeline ran between the two reports\n{}",
        run.log()
    );
    run.assert_line("[shell] shell: console input: ");
    run.assert_line("[shell] shell: unknown command \"frobnicate\", type help");
    run.expect_no_line("fault: shell")
        .unwrap_or_else(|e| panic!("{e}"));
}

on_both_boards!(typed_commands_reach_the_shell_and_are_answered);
