//! The test system (`components/test.toml`) with the real guest modules: every violation gets
//! its error, the spinner is preempted without starving the pipeline, the crashers follow their
//! restart policies, and everything else goes on.

mod common;

use common::{FakePlatform, TICKS_PER_SECOND, component_manifest, guest_module, mount, step};
use ruvix_manifest::RvfManifest;
use ruvix_runtime::{ComponentState, LogLevel, Runtime, StopReason, TaskState};

const MILESTONE: &str =
    "sink: 10000 messages received in order (0 lost, 0 duplicated, 0 reordered)";

/// Every case of the violator and the result it must log.
const VIOLATIONS: [(&str, &str); 25] = [
    ("foreign-handle", "bad-handle"),
    ("huge-handle", "bad-handle"),
    ("region-size", "ok"),
    ("read-read-only", "ok"),
    ("write-read-only", "denied"),
    ("write32-read-only", "denied"),
    ("read-to-end", "ok"),
    ("read-out-of-bounds", "out-of-bounds"),
    ("read-offset-wraps", "out-of-bounds"),
    ("read32-out-of-bounds", "out-of-bounds"),
    ("read32-unaligned", "unaligned"),
    ("oversize-message", "too-large"),
    ("oversize-message-blocking", "too-large"),
    ("write32-on-queue", "wrong-kind"),
    ("send-on-region", "wrong-kind"),
    ("send-on-receive-end", "denied"),
    ("receive-on-send-end", "denied"),
    ("lookup-timer", "denied"),
    ("lookup-gpio", "denied"),
    ("time-now", "denied"),
    ("time-sleep", "denied"),
    ("try-receive-empty", "would-block"),
    ("try-send", "ok"),
    ("try-send-full", "would-block"),
    ("try-receive", "ok"),
];

fn mount_manifest(manifest: &RvfManifest) -> Runtime<FakePlatform> {
    let wasm: Vec<Vec<u8>> = manifest
        .components
        .iter()
        .map(|c| guest_module(&c.wasm))
        .collect();
    mount(manifest, &wasm)
        .unwrap_or_else(|e| panic!("mount: {e}"))
        .0
}

/// test.toml, optionally without the spinner.
fn test_manifest(with_spinner: bool) -> RvfManifest {
    let mut manifest = component_manifest("test.toml");
    if !with_spinner {
        // The spinner has no regions or queues, so removing it renumbers nothing it is part of;
        // later components' indices shift, so fix up the references by name.
        let names: Vec<String> = manifest.components.iter().map(|c| c.name.clone()).collect();
        let spinner = names.iter().position(|n| n == "spinner").unwrap();
        manifest.components.remove(spinner);
        let shift = |index: &mut ruvix_manifest::ComponentIndex| {
            if index.get() > spinner {
                index.0 -= 1;
            }
        };
        for region in &mut manifest.regions {
            for access in &mut region.access {
                shift(&mut access.component);
            }
        }
        for queue in &mut manifest.queues {
            shift(&mut queue.from.component);
            shift(&mut queue.to.component);
        }
    }
    manifest
}

/// Runs until the sink's milestone; returns the fuel all tasks spent by then (simulated time)
/// and the messages the sink had received.
fn run_to_milestone(runtime: &mut Runtime<FakePlatform>) -> (u64, u64) {
    let mut slices = 0u64;
    while !runtime.platform().logged("sink", MILESTONE) {
        for _ in 0..100 {
            step(runtime);
        }
        slices += 100;
        assert!(slices < 5_000_000, "no milestone after {slices} slices");
    }
    let fuel = runtime.tasks().map(|t| t.stats.fuel).sum();
    (fuel, runtime.queue_stats()[1].received)
}

#[test]
fn misbehaving_components_are_contained_and_the_pipeline_goes_on() {
    // Long slices: see tests/native_stack.rs.
    common::with_big_stack(misbehaving_components_are_contained_and_the_pipeline_goes_on_body);
}

fn misbehaving_components_are_contained_and_the_pipeline_goes_on_body() {
    let manifest = test_manifest(true);
    let mut runtime = mount_manifest(&manifest);
    let started = std::time::Instant::now();
    let (fuel, received) = run_to_milestone(&mut runtime);
    let slices_at_milestone = runtime.slices();

    // Go on until the violator has yielded 10,000 times, the counter has reported its rate and
    // both crashers have settled.
    let mut slices = 0u64;
    loop {
        let done = {
            let p = runtime.platform();
            p.logged("violator", "violator: alive after 10000 yields")
                && p.lines("counter").iter().any(|l| l.ends_with("per second"))
                && !p.events_with("crasher: stopped for good").is_empty()
                && p.lines("blinky").len() >= 5
        };
        if done {
            break;
        }
        for _ in 0..1000 {
            step(&mut runtime);
        }
        slices += 1000;
        if slices >= 2_000_000 {
            let p = runtime.platform();
            panic!(
                "test system did not settle: clock {}, violator {:?}, counter {:?}, crasher events {:?}, blinky {:?}",
                p.clock,
                p.lines("violator").last(),
                p.lines("counter").last(),
                p.events_with("crasher"),
                p.lines("blinky").last()
            );
        }
    }
    let elapsed = started.elapsed();
    let platform = runtime.platform();

    // Violator: each case its specific error, logged at info (as expected).
    let violator = platform.lines("violator");
    for (case, result) in VIOLATIONS {
        let line = format!("violator: {case}: {result}");
        assert!(
            violator.contains(&line.as_str()),
            "missing {line:?} in {violator:#?}"
        );
    }
    assert!(platform.logged("violator", "violator: 25 cases, all as expected"));
    assert!(platform.logged("violator", "violator: done"));
    assert!(
        platform
            .logs
            .iter()
            .filter(|(c, _, _)| c == "violator")
            .all(|(_, level, _)| *level == LogLevel::Info),
        "a violator line at warn: a case was not as expected"
    );
    // Its calls into `time` without the timer grant were reported, once.
    assert_eq!(
        platform
            .events_with("violator: call into \"time\" denied")
            .len(),
        1
    );

    // Spinner: started, then only ever preempted at its fuel slice.
    assert_eq!(
        platform.lines("spinner"),
        ["spinner: start, spinning for ever"]
    );
    drop(platform);
    let spinner = runtime.tasks().find(|t| t.component == "spinner").unwrap();
    assert_eq!(spinner.state, TaskState::Ready);
    assert!(
        spinner.stats.preempted >= spinner.stats.slices - 1,
        "{:?}",
        spinner.stats
    );
    let per_slice = spinner.stats.fuel / spinner.stats.slices;
    assert!(
        (9_900..=10_100).contains(&per_slice),
        "spinner fuel per slice {per_slice}"
    );

    // Crasher: 4 starts (3 restarts), at least min_run_ms = 100 ms apart, then stopped.
    let platform = runtime.platform();
    let starts = platform
        .lines("crasher")
        .iter()
        .filter(|l| **l == "crasher: start")
        .count();
    assert_eq!(starts, 4);
    let restarts = platform.event_times("crasher: restarted");
    assert_eq!(restarts.len(), 3);
    let mut previous_start = 0;
    for at in restarts {
        assert!(
            at - previous_start >= TICKS_PER_SECOND / 10,
            "restart after {} ticks",
            at - previous_start
        );
        previous_start = at;
    }
    assert_eq!(platform.events_with("crasher: stopped for good").len(), 1);
    // Crasher-never: one start, stopped by its policy.
    assert_eq!(
        platform
            .lines("crasher-never")
            .iter()
            .filter(|l| **l == "crasher-never: start")
            .count(),
        1
    );
    assert_eq!(
        platform
            .events_with("crasher-never: stopped for good: restart policy \"never\"")
            .len(),
        1
    );
    assert_eq!(
        platform
            .events_with("faulted: trap: wasm `unreachable` instruction executed")
            .len(),
        5
    );
    drop(platform);
    let state = |name: &str| runtime.components().find(|c| c.name == name).unwrap().state;
    assert_eq!(
        state("crasher"),
        ComponentState::Stopped(StopReason::RestartsExhausted { restarts: 3 })
    );
    assert_eq!(
        state("crasher-never"),
        ComponentState::Stopped(StopReason::Never)
    );
    for name in [
        "sensor", "filter", "sink", "blinky", "violator", "spinner", "counter",
    ] {
        assert_eq!(state(name), ComponentState::Running, "{name}");
    }

    // Blinky and the counter went on.
    let platform = runtime.platform();
    let levels: Vec<&str> = platform
        .lines("blinky")
        .into_iter()
        .filter(|l| l.contains("level"))
        .collect();
    assert!(levels.len() >= 4);
    assert!(levels.iter().step_by(2).all(|l| l.ends_with("level 1")));
    assert!(
        levels
            .iter()
            .skip(1)
            .step_by(2)
            .all(|l| l.ends_with("level 0"))
    );
    let counter_rate = platform
        .lines("counter")
        .into_iter()
        .rfind(|l| l.ends_with("per second"))
        .unwrap()
        .to_owned();
    drop(platform);

    // Throughput with the spinner, against the same system without it, per simulated time
    // (fuel): the spinner must leave the pipeline at least 80 % of it.
    let mut without = mount_manifest(&test_manifest(false));
    let (fuel_without, received_without) = run_to_milestone(&mut without);
    let with_rate = received as f64 / fuel as f64;
    let without_rate = received_without as f64 / fuel_without as f64;
    let ratio = with_rate / without_rate;
    println!(
        "test system: {received} messages by the milestone, {slices_at_milestone} slices, {fuel} fuel; \
         without spinner {received_without} messages, {} slices, {fuel_without} fuel; throughput ratio {ratio:.2}; \
         {counter_rate}; {elapsed:?}",
        without.slices()
    );
    for task in runtime.tasks() {
        println!(
            "  {}.{}: {:?} {:?}",
            task.component, task.export, task.state, task.stats
        );
    }
    // The spinner is less urgent than the pipeline: it runs only when the pipeline waits, or
    // for its guaranteed share.
    assert!(
        ratio >= 0.8,
        "pipeline throughput with the spinner is {ratio:.2} of without"
    );
}
