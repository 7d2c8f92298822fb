//! The MMU confines, not only the checks (both boards): beside the demo pipeline, components
//! whose component host — outside wasm, past every software check — loads from another
//! process's heap, stores to a region granted to another component, stores to a region it
//! holds read-only, loads from kernel memory, jumps into its own heap, makes supervisor calls
//! with bad arguments (or without the capability they need), floods the log past its own budget, or loops for ever without fuel (`components/attacks.toml`, the hook in
//! `firmware/component-host/src/inject.rs`). Each fault ends only that process, reported with
//! the component, the class, the address and the mapping it hit; the bad calls are refused;
//! the loop is preempted by the timer; the pipeline keeps moving, in order.

use ruvix_qemu_tests::*;
use ruvix_runner::package::{
    ATTACK_MANIFEST, DEMO_MANIFEST, FAULTING_ATTACKS, MOUNT_ATTACK_MANIFEST,
};

/// Guest seconds under `-icount`.
const SECONDS: u32 = 1;

fn run_system(board: Board, manifest: &str) -> Outcome {
    let arg = format!("seconds={SECONDS}");
    let run = boot_with_initrd_icount(board, &["run", arg.as_str()], &package(manifest));
    run.assert_exit(EXIT_OK);
    run
}

fn delivered(run: &Outcome) -> u64 {
    number_after(run.assert_line("stats: queue 1: "), " sent, ")
}

fn attacks_fault_only_the_attacker(board: Board) {
    let run = run_system(board, ATTACK_MANIFEST);
    for (attacker, mapping) in FAULTING_ATTACKS {
        let attempt = run.assert_line(&format!("[{attacker}] inject: "));
        let address = hex_after(attempt, " at ");
        let fault = run.assert_line(&format!("fault: {attacker}: "));
        assert!(
            fault.contains(&format!(" at {address:#x}")),
            "the report names another address than the attempt ({address:#x}):\n{fault}"
        );
        assert!(fault.contains(mapping), "{fault} does not say {mapping:?}");
        assert!(fault.contains("abort, lower EL"), "{fault}");
        run.expect_no_line("NOT CONFINED")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // The read-only store is retried by each restart, which re-creates the process.
    let ro_faults = run
        .lines
        .iter()
        .filter(|l| l.contains("fault: inject-ro-region: "))
        .count();
    assert_eq!(ro_faults, 3, "first start and two restarts\n{}", run.log());
    run.assert_line("restart: inject-ro-region: restarted (2 of 2)");
    run.assert_line("stopped: inject-ro-region: stopped for good");
    // Bad supervisor calls: refused, not faults.
    run.assert_line("[inject-bad-svc] inject: bad-svc: 16 bad calls, 0 not refused as expected");
    // A host that skips its own log budget meets the kernel's: a burst (20) gets through,
    // the rest is dropped and counted against it.
    let flood = run.assert_line("[inject-bad-svc] inject: log-flood: 100 lines at once");
    let written = number_after(flood, "budget: ");
    let dropped = number_after(flood, " written, ");
    assert!(
        written <= 21 && written + dropped == 100,
        "the kernel let {written} of 100 through:\n{flood}"
    );
    let counted = number_after(
        run.assert_line("stats: log budget inject-bad-svc: "),
        " lines written, ",
    );
    assert!(
        counted >= dropped,
        "the kernel counted {counted} drops, the host saw {dropped}"
    );
    run.expect_no_line("fault: inject-bad-svc")
        .unwrap_or_else(|e| panic!("{e}"));
    // The endless loop outside wasm is preempted: it used time, and so did everyone else.
    run.assert_line("[inject-loop] inject: looping for ever outside wasm");
    run.expect_no_line("fault: inject-loop")
        .unwrap_or_else(|e| panic!("{e}"));
    let looped = run
        .component_ticks("inject-loop")
        .expect("inject-loop statistics");
    assert!(looped > 0);
    // The kernel never faulted, and the pipeline moved on, in order.
    run.expect_no_line("exception: synchronous")
        .unwrap_or_else(|e| panic!("{e}"));
    let alone = delivered(&run_system(board, DEMO_MANIFEST));
    let beside = delivered(&run);
    println!("{board:?}: pipeline alone {alone} messages, beside the attackers {beside}");
    // The attackers that live on (the loop, the counter after the bad calls) run at the least
    // urgent priority: the pipeline keeps at least 80 % of its throughput.
    assert!(
        beside * 5 >= alone * 4,
        "the pipeline moved {beside} messages beside the attackers, {alone} alone"
    );
    for line in run
        .lines
        .iter()
        .filter(|l| l.contains("[sink]") && l.contains(" lost"))
    {
        assert!(
            line.contains("in order") || line.contains("0 lost"),
            "{line}"
        );
    }
}

/// A component host that never mounts (it loops before) cannot hold up the boot: the timer
/// stops it at the mount time limit and stage 3 fails, naming it.
fn a_host_that_never_mounts_fails_the_boot_in_time(board: Board) {
    let run = boot_with_initrd(
        board,
        &["run", "seconds=1"],
        &package(MOUNT_ATTACK_MANIFEST),
    );
    run.assert_line("[inject-mount-loop] inject: looping for ever before mount");
    run.assert_line(
        "stage 3 mount: failed: inject-mount-loop: did not mount within 5000 ms (the component host was stopped)",
    );
    run.assert_exit(4);
}

on_both_boards!(
    attacks_fault_only_the_attacker,
    a_host_that_never_mounts_fails_the_boot_in_time
);
