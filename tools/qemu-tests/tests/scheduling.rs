//! The scheduler on both boards: priorities mean something and time is charged to whoever
//! spends it. Beside the demo pipeline run three flooders — a pure-wasm spinner, a
//! `time.now-us` loop and a `try-receive` loop on an empty queue — first at the least urgent
//! priority (the pipeline must keep ≥ 80 % of what it delivers alone in the same time), then at
//! the pipeline's own priority (each gets no more than a fair share of the CPU, by the kernel's
//! accounting, which includes the kernel's work in their host calls).

use ruvix_qemu_tests::*;
use ruvix_runner::package::{DEMO_MANIFEST, FLOODERS};

/// Guest seconds under `-icount` (about 2–5 s of QEMU each).
const SECONDS: u32 = 1;

/// `manifest`'s system as an initrd, run for [`SECONDS`] of deterministic guest time.
fn run_system(board: Board, manifest: &str) -> Outcome {
    let arg = format!("seconds={SECONDS}");
    let run = boot_with_initrd_icount(board, &["run", arg.as_str()], &package(manifest));
    run.assert_exit(EXIT_OK);
    run
}

/// Messages the sink received (the pipeline's last queue, "filtered").
fn delivered(run: &Outcome) -> u64 {
    let line = run.assert_line("stats: queue 1: ");
    number_after(line, " sent, ")
}

/// The sink reported its sequence check, and only ever "in order" (it reports anything lost,
/// duplicated or reordered in another form, as a warning).
fn assert_in_order(run: &Outcome) {
    let reports: Vec<&String> = run
        .lines
        .iter()
        .filter(|l| l.contains("[sink]") && l.contains(" lost"))
        .collect();
    assert!(!reports.is_empty(), "no sink report\n{}", run.log());
    for line in reports {
        assert!(line.contains("in order"), "{line}");
    }
}

/// Ticks the kernel charged to `component`.
fn used(run: &Outcome, component: &str) -> u64 {
    run.component_ticks(component)
        .unwrap_or_else(|| panic!("no statistics for {component}\n{}", run.log()))
}

fn flooders_at_the_least_urgent_priority_leave_the_pipeline_its_throughput(board: Board) {
    let alone = run_system(board, DEMO_MANIFEST);
    let flooded = run_system(board, "components/flood-low.toml");
    for flooder in FLOODERS {
        flooded.assert_line(&format!("{flooder}: start"));
        // They do run: when the pipeline waits, and for their guaranteed share.
        assert!(used(&flooded, flooder) > 0, "{flooder} never ran");
    }
    let (alone, flooded_delivered) = (delivered(&alone), delivered(&flooded));
    println!(
        "{board:?}: pipeline alone {alone} messages in {SECONDS} s, beside the flooders {flooded_delivered}"
    );
    assert!(
        flooded_delivered * 5 >= alone * 4,
        "the pipeline moved {flooded_delivered} messages beside the flooders, {alone} alone"
    );
    assert_in_order(&flooded);
}

fn flooders_at_the_pipelines_priority_get_at_most_a_fair_share(board: Board) {
    let run = run_system(board, "components/flood-equal.toml");
    let elapsed = number_after(run.assert_line("ticks elapsed at"), "run: ");
    let times: Vec<u64> = FLOODERS.iter().map(|f| used(&run, f)).collect();
    let (least, most) = (
        *times.iter().min().expect("three"),
        *times.iter().max().expect("three"),
    );
    println!(
        "{board:?}: flooders used {times:?} of {elapsed} ticks; the pipeline moved {}",
        delivered(&run)
    );
    // Fair by time used: the two that spend their time in host calls get no more than the one
    // that spins in wasm.
    assert!(
        most * 4 <= least * 5,
        "flooders' times {times:?} are not within 25 % of each other"
    );
    // Six components share priority 4; the pipeline's three want less than a share each, so
    // the flooders may take what is left, but none more than a third of the machine.
    for (flooder, time) in FLOODERS.iter().zip(&times) {
        assert!(
            time * 3 <= elapsed,
            "{flooder} used {time} of {elapsed} ticks"
        );
    }
    // The pipeline still moves, in order.
    assert!(delivered(&run) > 0, "the pipeline stopped\n{}", run.log());
    assert_in_order(&run);
}

on_both_boards!(
    flooders_at_the_least_urgent_priority_leave_the_pipeline_its_throughput,
    flooders_at_the_pipelines_priority_get_at_most_a_fair_share,
);
