//! Stage 3 and the running system, on both boards: the demo's pipeline moves numbered
//! messages with none lost, duplicated or reordered; blinky's pin toggles as read back from the
//! GPIO registers; SEC-001 holds (the root keeps exactly its minimum, RAM outside the minimal
//! map faults); and in the test system every capability violation is refused with its error,
//! the runaway is preempted, the crasher restarts per its policy, and the rest keep running.

use std::cell::RefCell;
use std::path::PathBuf;

use ruvix_qemu_tests::*;

fn test_package() -> PathBuf {
    package(ruvix_runner::package::TEST_MANIFEST)
}

/// Boot the demo and stop once `done` has seen what it waits for.
fn run_demo_until(board: Board, done: impl Fn(&str) -> bool) -> Outcome {
    let run = Qemu::for_test(board)
        .unwrap_or_else(|e| panic!("{e}"))
        .semihosting_args(["run", "seconds=60"])
        .timeout(TIMEOUT)
        .run_until(done)
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(run.stopped, "the expected line never came\n{}", run.log());
    run
}

fn demo_pipeline_moves_10000_messages_in_order(board: Board) {
    // The sink checks every message (in order, none lost or duplicated) and says so at 10,000
    // and in its summary every 5 s; wait for the milestone and two summaries.
    let summaries = |line: &str| line.contains("sink: ") && line.contains(" messages in order");
    let seen = RefCell::new(0);
    let run = run_demo_until(board, |line| {
        if summaries(line) {
            *seen.borrow_mut() += 1;
        }
        *seen.borrow() >= 2
    });
    run.assert_line("stage 3 mount: ok");
    run.assert_line("5 components mounted, 2 queues connected, 5 tasks spawned");
    run.assert_line("sink: 10000 messages received in order (0 lost, 0 duplicated, 0 reordered)");
    let counts: Vec<u64> = run
        .lines
        .iter()
        .filter(|l| summaries(l))
        .map(|l| {
            assert!(
                l.ends_with(" messages in order, 0 lost, 0 duplicated, 0 reordered"),
                "{l}"
            );
            number_after(l, "sink: ")
        })
        .collect();
    assert_eq!(counts.len(), 2, "\n{}", run.log());
    assert!(
        counts[0] > 10_000 && counts[1] > counts[0],
        "summaries must count up past the milestone: {counts:?}"
    );
    // Every component reports a summary, not a flood.
    run.assert_line("readings sent");
    run.assert_line("readings forwarded");
    run.expect_no_line("messages, ")
        .unwrap_or_else(|e| panic!("{e}"));
    run.expect_no_line("fault:")
        .unwrap_or_else(|e| panic!("{e}"));
}

fn blinky_pin_toggles_as_read_back(board: Board) {
    let levels = RefCell::new(Vec::new());
    let run = run_demo_until(board, |line| {
        if let Some(level) = line.split("blinky: gpio21 level ").nth(1) {
            levels.borrow_mut().push(level.trim().to_string());
        }
        levels.borrow().len() >= 6
    });
    let levels = levels.into_inner();
    assert_eq!(levels, ["1", "0", "1", "0", "1", "0"], "\n{}", run.log());
    run.assert_line("blinky: gpio21 is an output");
}

fn sec001_root_keeps_exactly_the_minimum(board: Board) {
    let run = boot_scenario(board, "sec001-read");
    let line = run.assert_line("SEC-001: root holds");
    // "root holds 3 capabilities: 1=timer, 2=interrupt queue, 3=witness log (manifest minimum:
    // timer, interrupt-queue, witness-log); table sealed, mint token consumed"
    let held_part = line
        .split("capabilities: ")
        .nth(1)
        .and_then(|r| r.split(" (manifest").next());
    let mut held: Vec<String> = held_part
        .expect("held list")
        .split(", ")
        .map(|entry| entry.split('=').nth(1).unwrap_or(entry).replace(' ', "-"))
        .collect();
    let minimum_part = line
        .split("manifest minimum: ")
        .nth(1)
        .and_then(|r| r.split(')').next());
    let mut minimum: Vec<String> = minimum_part
        .expect("minimum list")
        .split(", ")
        .map(str::to_string)
        .collect();
    held.sort();
    minimum.sort();
    assert_eq!(
        held, minimum,
        "the root must hold exactly the manifest's minimum: {line}"
    );
    assert!(line.contains("table sealed, mint token consumed"), "{line}");
}

fn sec001_ram_outside_the_minimal_map_faults(board: Board) {
    let run = boot_scenario(board, "sec001-read");
    let address = hex_after(run.assert_line("selftest: reading RAM at"), " at ");
    run.expect_in_order(&[
        "SEC-001: boot map of all RAM dropped",
        "stage 3 mount: ok",
        "stage 4 attest: ok",
        "selftest: reading RAM at",
        "class: data abort, same EL",
        "fault: translation fault",
        &format!("FAR {address:#018x}"),
        "diagnosis: access outside every mapping",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    // The boot map had it: the same address was inside a mapped RAM range before the drop.
    run.assert_exit(EXIT_EXCEPTION);
}

/// The test system (`components/test.toml`) as an initrd, for `seconds`.
fn run_test_system(board: Board, seconds: u32) -> Outcome {
    let arg = format!("seconds={seconds}");
    let run = boot_with_initrd(board, &["run", arg.as_str()], &test_package());
    run.assert_exit(EXIT_OK);
    run
}

fn count(run: &Outcome, needle: &str) -> usize {
    run.lines.iter().filter(|l| l.contains(needle)).count()
}

fn misbehaving_components_are_contained(board: Board) {
    let run = run_test_system(board, 12);
    run.assert_line("9 components mounted, 3 queues connected, 9 tasks spawned");

    // Every violation is refused with its own error, and the violator lives on.
    for (case, error) in [
        ("foreign-handle", "bad-handle"),
        ("write-read-only", "denied"),
        ("read-out-of-bounds", "out-of-bounds"),
        ("read32-unaligned", "unaligned"),
        ("oversize-message", "too-large"),
        ("write32-on-queue", "wrong-kind"),
        ("send-on-receive-end", "denied"),
        ("lookup-gpio", "denied"),
        ("time-now", "denied"),
        ("try-send-full", "would-block"),
    ] {
        run.assert_line(&format!("violator: {case}: {error}"));
    }
    run.assert_line("violator: 25 cases, all as expected");
    run.assert_line("denied: violator: call into \"time\" denied: no capability granted");

    // The runaway's process is preempted by the timer, again and again.
    run.assert_line("spinner: start, spinning for ever");
    let spinner = run.assert_line("stats: process spinner:");
    let preempted = number_after(spinner, " slices, ");
    assert!(
        preempted > 10,
        "spinner preempted only {preempted} times: {spinner}"
    );

    // ... and, at the least urgent priority, it gets little more than its guaranteed share
    // (one slice per 100 ms) of the time: the kernel's accounting says so.
    let elapsed = number_after(run.assert_line("ticks elapsed at"), "run: ");
    let used = run
        .component_ticks("spinner")
        .unwrap_or_else(|| panic!("no statistics for the spinner\n{}", run.log()));
    assert!(
        used * 10 <= elapsed,
        "the spinner used {used} of {elapsed} ticks"
    );
    let delivered = number_after(run.assert_line("stats: queue 1: "), "stats: queue 1: ");
    assert!(delivered >= 10_000, "the pipeline moved only {delivered}");

    // The crasher comes back three times (not faster than its 100 ms minimum run time), then
    // stays down; its `never` twin stays down at once.
    assert_eq!(
        count(&run, "restart: crasher: restarted ("),
        3,
        "\n{}",
        run.log()
    );
    run.assert_line("stopped: crasher: stopped for good: faulted again after 3 restart(s)");
    let starts: Vec<u64> = run
        .lines
        .iter()
        .filter(|l| l.contains("restart: crasher: restart ") && l.contains(" at tick "))
        .map(|l| number_after(l, " at tick "))
        .collect();
    assert_eq!(starts.len(), 3, "\n{}", run.log());
    let frequency = number_after(run.assert_line("clocks: ARM"), "counter ");
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= frequency / 10,
            "restarts closer than 100 ms: {starts:?}"
        );
    }
    assert_eq!(count(&run, "crasher-never: start"), 1, "\n{}", run.log());
    run.assert_line("stopped: crasher-never: stopped for good: restart policy \"never\"");
    // Its scratch region had no other holder: teardown unmapped it.
    run.expect_in_order(&[
        "stopped: crasher-never: stopped for good",
        "teardown: region scratch (",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.expect_no_line("teardown: region summary")
        .unwrap_or_else(|e| panic!("{e}"));

    // Everyone else keeps going: the pipeline, blinky and the counter.
    run.assert_line("sink: 10000 messages received in order (0 lost, 0 duplicated, 0 reordered)");
    assert!(count(&run, "blinky: gpio21 level") >= 4, "\n{}", run.log());
    run.assert_line("counter: ");
    let sink = run.assert_line("stats: process sink:");
    assert!(sink.ends_with(", 0 faults"), "{sink}");
}

on_both_boards!(
    demo_pipeline_moves_10000_messages_in_order,
    blinky_pin_toggles_as_read_back,
    sec001_root_keeps_exactly_the_minimum,
    sec001_ram_outside_the_minimal_map_faults,
    misbehaving_components_are_contained,
);
