//! Tasks over their life: preemption at the fuel slice, sleeping and the idle loop's wake-up,
//! restarts (fresh instance, same capabilities, rate-limited, bounded), components with
//! several entry points.

mod common;

use common::wat::{boot, component, module, ram_region, run_until, system};
use common::{FakePlatform, step};
use ruvix_caps::RegionId;
use ruvix_runtime::{ComponentState, Runtime, SliceOutcome, Step, StopReason, TaskState};

const NEVER: &str = r#"{ policy = "never" }"#;

fn word(runtime: &Runtime<FakePlatform>, offset: usize) -> u32 {
    let bytes = runtime.read_region(RegionId(0), offset, 4).unwrap();
    u32::from_le_bytes(bytes.try_into().unwrap())
}

fn state(runtime: &Runtime<FakePlatform>, name: &str) -> ComponentState {
    runtime.components().find(|c| c.name == name).unwrap().state
}

/// A loop of about `n` × 5 instructions.
fn burn(n: u32) -> String {
    format!(
        r#"(local.set $i (i32.const {n}))
           (loop $burn (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $burn (local.get $i)))"#
    )
}

#[test]
fn restarts_give_a_fresh_instance_the_same_capabilities_at_the_rate_limit() {
    // Long slices: see tests/native_stack.rs.
    common::with_big_stack(
        restarts_give_a_fresh_instance_the_same_capabilities_at_the_rate_limit_body,
    );
}

fn restarts_give_a_fresh_instance_the_same_capabilities_at_the_rate_limit_body() {
    let manifest = system(&[
        component(
            "phoenix",
            100_000,
            "",
            r#"{ policy = "restart", max_restarts = 2, min_run_ms = 50 }"#,
        ),
        component("steady", 100_000, "", NEVER),
        ram_region("out", r#"phoenix = "rw", steady = "rw""#),
    ]);
    // Counts its starts in the region, records what its (fresh) memory held, then traps.
    let phoenix = module(
        r#"
  (func (export "run")
    (call $init)
    (call $read32 (global.get $out) (i32.const 0) (i32.const 0x100))
    (call $write32 (global.get $out) (i32.const 0)
      (i32.add (i32.load (i32.const 0x104)) (i32.const 1)) (i32.const 0x108))
    (call $write32 (global.get $out) (i32.const 4) (i32.load (i32.const 0x500)) (i32.const 0x108))
    (i32.store (i32.const 0x500) (i32.const 99))
    unreachable)
"#,
    );
    let steady = module(&format!(
        r#"
  (func (export "run") (local $i i32) (local $n i32)
    (call $init)
    (loop $forever
      {}
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (i32.store (i32.const 0x200) (local.get $n))
      (call $dump (i32.const 8) (i32.const 0x200) (i32.const 4))
      (call $yield)
      (br $forever)))
"#,
        burn(2000)
    ));
    let mut runtime = boot(&manifest, vec![phoenix, steady]);
    run_until(&mut runtime, 100_000, |r| {
        state(r, "phoenix") != ComponentState::Running
            && matches!(state(r, "phoenix"), ComponentState::Stopped(_))
    });
    assert_eq!(
        state(&runtime, "phoenix"),
        ComponentState::Stopped(StopReason::RestartsExhausted { restarts: 2 })
    );
    assert_eq!(word(&runtime, 0), 3, "three starts");
    assert_eq!(word(&runtime, 4), 0, "each start had fresh memory");
    let platform = runtime.platform();
    assert_eq!(
        platform.events_with("phoenix.run (task 0) faulted").len(),
        3
    );
    let restarts = platform.event_times("phoenix: restarted");
    assert_eq!(restarts.len(), 2);
    assert!(restarts[0] >= 50_000, "first restart at {}", restarts[0]);
    assert!(
        restarts[1] - restarts[0] >= 50_000,
        "second restart {} after the first",
        restarts[1] - restarts[0]
    );
    assert_eq!(
        platform
            .events_with("phoenix: restart 1 of 2 at tick 50000")
            .len(),
        1
    );
    drop(platform);
    // The other component ran all along.
    let steady = runtime.tasks().find(|t| t.component == "steady").unwrap();
    assert_eq!(steady.state, TaskState::Ready);
    assert!(word(&runtime, 8) > 100);
    assert_eq!(
        runtime
            .components()
            .find(|c| c.name == "phoenix")
            .unwrap()
            .restarts,
        2
    );
}

#[test]
fn the_idle_loop_sleeps_until_the_next_deadline() {
    let manifest = system(&[
        component("sleeper", 100_000, r#"timer = "ro""#, NEVER),
        ram_region("out", r#"sleeper = "rw""#),
    ]);
    let sleeper = module(
        r#"
  (func (export "run")
    (call $init)
    (call $sleep (i64.const 1000000) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100))
    (call $now (i32.const 0x108))
    (call $dump (i32.const 0) (i32.const 0x110) (i32.const 8)))
"#,
    );
    let mut runtime = boot(&manifest, vec![sleeper]);
    runtime.platform_mut().clock = 1000;
    let task = ruvix_runtime::TaskId(0);
    assert_eq!(
        runtime.run_slice(),
        Step::Ran {
            task,
            outcome: SliceOutcome::Sleeping {
                until_ticks: 1_001_000
            }
        }
    );
    assert_eq!(
        runtime.run_slice(),
        Step::Idle {
            next_wakeup_ticks: Some(1_001_000)
        }
    );
    runtime.platform_mut().clock = 1_000_999;
    assert!(
        matches!(runtime.run_slice(), Step::Idle { .. }),
        "not before the deadline"
    );
    runtime.platform_mut().clock = 1_001_000;
    assert_eq!(
        runtime.run_slice(),
        Step::Ran {
            task,
            outcome: SliceOutcome::Finished
        }
    );
    assert_eq!(word(&runtime, 0), 1_001_000, "now-us after the sleep");
    assert_eq!(
        runtime.run_slice(),
        Step::Idle {
            next_wakeup_ticks: None
        }
    );
    assert_eq!(
        runtime
            .platform()
            .events_with("sleeper.run (task 0) returned")
            .len(),
        1
    );
}

#[test]
fn a_step_larger_than_the_fuel_slice_still_completes() {
    // memory.fill of 64 KiB costs ~1024 fuel, ten times the slice: the task gets what the
    // step needs instead of being preempted for ever.
    let manifest = system(&[component("filler", 100, "", NEVER)]);
    let filler = module(
        r#"(func (export "run") (memory.fill (i32.const 0) (i32.const 7) (i32.const 0x10000)))"#,
    );
    let mut runtime = boot(&manifest, vec![filler]);
    let steps = run_until(&mut runtime, 10, |r| {
        r.tasks().all(|t| t.state == TaskState::Finished)
    });
    assert!(steps.len() >= 2);
    assert!(
        runtime
            .task(ruvix_runtime::TaskId(0))
            .unwrap()
            .stats
            .preempted
            >= 1
    );
}

#[test]
fn calling_a_large_function_late_in_a_slice_does_not_trap() {
    // Lazy translation is not metered (see `engine_config`): a tiny slice still calls a
    // function whose translation would otherwise cost more fuel than the slice has left.
    let mut big = String::new();
    for _ in 0..400 {
        big.push_str("(drop (i32.add (i32.const 1) (i32.const 2)))\n");
    }
    let manifest = system(&[component("lazy", 30, "", NEVER)]);
    let lazy = module(&format!(
        r#"(func $big {big})
           (func (export "run") (local $i i32) {} (call $big) {} (call $big))"#,
        burn(5),
        burn(5)
    ));
    let mut runtime = boot(&manifest, vec![lazy]);
    run_until(&mut runtime, 1000, |r| {
        r.tasks().all(|t| t.state == TaskState::Finished)
    });
    assert!(runtime.platform().events_with("faulted").is_empty());
}

#[test]
fn entry_points_share_an_instance_and_restart_together() {
    let duo = r#"
[[component]]
name = "duo"
wasm = "duo.wasm"
memory = "128 KiB"
fuel_slice = 100000
entry_points = [{ export = "a", priority = 1 }, { export = "b", priority = 1 }]
restart = { policy = "restart", max_restarts = 1, min_run_ms = 1 }
"#;
    // The observer keeps the region held (and so readable here) after duo stops for good.
    let observer =
        component("observer", 1000, "", NEVER).replace("\"run\" }", "\"run\", priority = 1 }");
    let manifest = system(&[
        duo.to_string(),
        observer,
        ram_region("out", r#"duo = "rw", observer = "ro""#),
    ]);
    // a: counts in shared memory and publishes it; b: counts its own runs in the region,
    // yields three times, then traps.
    let wasm = module(
        r#"
  (func (export "a")
    (call $init)
    (loop $forever
      (i32.store (i32.const 0x200) (i32.add (i32.load (i32.const 0x200)) (i32.const 1)))
      (call $dump (i32.const 0) (i32.const 0x200) (i32.const 4))
      (call $yield)
      (br $forever)))
  (func (export "b")
    (call $init)
    (call $read32 (global.get $out) (i32.const 8) (i32.const 0x100))
    (call $write32 (global.get $out) (i32.const 8)
      (i32.add (i32.load (i32.const 0x104)) (i32.const 1)) (i32.const 0x108))
    (call $yield) (call $yield) (call $yield)
    ;; What a has counted so far in this instance.
    (call $dump (i32.const 12) (i32.const 0x200) (i32.const 4))
    unreachable)
"#,
    );
    let idle = module(r#"(func (export "run") (loop $l (call $yield) (br $l)))"#);
    let (mut runtime, report) = common::mount(&manifest, &[wasm, idle]).unwrap();
    assert_eq!(report.tasks_spawned, 3);
    run_until(&mut runtime, 1000, |r| {
        matches!(state(r, "duo"), ComponentState::Stopped(_))
    });
    assert_eq!(word(&runtime, 8), 2, "b ran in two instances");
    assert!(
        word(&runtime, 12) <= 5,
        "a's count started again in the new instance"
    );
    for task in runtime.tasks().filter(|t| t.component == "duo") {
        assert_eq!(task.state, TaskState::Down, "{task:?}");
    }
    let platform = runtime.platform();
    assert_eq!(platform.events_with("duo.b (task 1) faulted").len(), 2);
    assert_eq!(platform.events_with("duo: restarted (1 of 1)").len(), 1);
    assert_eq!(
        platform
            .events_with("duo: stopped for good: faulted again after 1 restart(s)")
            .len(),
        1
    );
}

#[test]
fn a_runaway_at_top_priority_leaves_a_less_urgent_task_its_guaranteed_share() {
    // 1,000,000 fuel = 10 ms of the fake clock per slice of the runaway.
    let spinner =
        component("spinner", 1_000_000, "", NEVER).replace("\"run\" }", "\"run\", priority = 0 }");
    let yielder =
        component("yielder", 1000, "", NEVER).replace("\"run\" }", "\"run\", priority = 15 }");
    let manifest = system(&[spinner, yielder]);
    let wasm = vec![
        module(r#"(func (export "run") (loop $l (br $l)))"#),
        module(r#"(func (export "run") (loop $l (call $yield) (br $l)))"#),
    ];
    let mut runtime = boot(&manifest, wasm);
    let steps: Vec<Step> = (0..220).map(|_| step(&mut runtime)).collect();
    let yields: Vec<usize> = (0..steps.len())
        .filter(|&i| {
            matches!(
                steps[i],
                Step::Ran {
                    outcome: SliceOutcome::Yielded,
                    ..
                }
            )
        })
        .collect();
    // Every other slice is the runaway's, preempted at its fuel slice.
    assert!(steps.iter().all(|s| matches!(
        s,
        Step::Ran {
            outcome: SliceOutcome::Preempted | SliceOutcome::Yielded,
            ..
        }
    )));
    // The yielder runs once per guaranteed-share period (100 ms = 10 of the runaway's slices),
    // no more and no less.
    let seconds = runtime.platform().clock as f64 / 1e6;
    let expected = seconds * 1000.0 / f64::from(ruvix_runtime::GUARANTEED_SHARE_MS);
    assert!(
        (yields.len() as f64 - expected).abs() <= 1.5,
        "{} yields in {seconds} s: {yields:?}",
        yields.len()
    );
    assert!(yields.windows(2).all(|w| w[1] - w[0] >= 10), "{yields:?}");
    let spinner = runtime.task(ruvix_runtime::TaskId(0)).unwrap();
    assert_eq!(
        spinner.stats.slices + yields.len() as u64,
        steps.len() as u64
    );
    assert_eq!(runtime.slices(), steps.len() as u64);
}

#[test]
fn a_loop_of_host_calls_spends_its_fuel_slice_on_them() {
    // Two cheap host calls per turn of a loop of a few wasm instructions: `regions.size` on a
    // handle it does not hold, and writing the turn count into its region. Every call costs
    // HOST_CALL_FUEL, so the slice ends after about fuel_slice / HOST_CALL_FUEL calls instead of
    // after thousands of uncounted ones.
    let fuel_slice = 10_000;
    let flooder = component("flooder", fuel_slice, "", NEVER);
    let manifest = system(&[flooder, ram_region("out", r#"flooder = "rw""#)]);
    let wasm = module(
        r#"
  (func (export "run")
    (call $init)
    (loop $l
      (call $size (i32.const 99) (i32.const 0x100))
      (i32.store (i32.const 0x200) (i32.add (i32.load (i32.const 0x200)) (i32.const 1)))
      (call $dump (i32.const 0) (i32.const 0x200) (i32.const 4))
      (br $l)))
"#,
    );
    let mut runtime = boot(&manifest, vec![wasm]);
    let first = step(&mut runtime);
    assert!(
        matches!(
            first,
            Step::Ran {
                outcome: SliceOutcome::Preempted,
                ..
            }
        ),
        "{first:?}"
    );
    let turns = u64::from(word(&runtime, 0));
    // 100 fuel a call (HOST_CALL_FUEL), written out so that changing the price fails here.
    assert_eq!(ruvix_runtime::HOST_CALL_FUEL, 100);
    let paid_for = fuel_slice / (2 * 100);
    assert!(
        (paid_for * 3 / 4..=paid_for).contains(&turns),
        "{turns} turns in one slice, {paid_for} paid for"
    );
    let task = runtime.task(ruvix_runtime::TaskId(0)).unwrap();
    assert!(
        task.stats.fuel >= fuel_slice && task.stats.fuel <= fuel_slice + 2 * 100,
        "{:?}",
        task.stats
    );
}

#[test]
fn a_region_goes_back_to_the_platform_once_no_holder_will_run_again() {
    // "quitter" traps at once (policy never) and holds "own" alone and "shared" with "keeper",
    // which keeps running; "pending" traps too but will restart, so "later" stays.
    let restart_later = r#"{ policy = "restart", max_restarts = 1, min_run_ms = 60000 }"#;
    let manifest = system(&[
        component("keeper", 1000, "", NEVER),
        component("quitter", 1000, "", NEVER),
        component("pending", 1000, "", restart_later),
        ram_region("own", r#"quitter = "rw""#),
        ram_region("shared", r#"quitter = "ro", keeper = "rw""#),
        ram_region("later", r#"pending = "rw""#),
    ]);
    let yielder = module(r#"(func (export "run") (loop $l (call $yield) (br $l)))"#);
    let trapper = module(r#"(func (export "run") unreachable)"#);
    let mut runtime = boot(&manifest, vec![yielder, trapper.clone(), trapper]);
    run_until(&mut runtime, 100, |r| {
        matches!(state(r, "quitter"), ComponentState::Stopped(_))
            && matches!(state(r, "pending"), ComponentState::RestartPending { .. })
    });
    for _ in 0..10 {
        step(&mut runtime);
    }
    // Only "own" went back, whole, and only once; its backing here is empty now.
    assert_eq!(runtime.platform().retired, [(RegionId(0), 4096)]);
    assert_eq!(runtime.read_region(RegionId(0), 0, 1), None);
    assert!(runtime.read_region(RegionId(1), 0, 4096).is_some());
    assert!(runtime.read_region(RegionId(2), 0, 4096).is_some());
}
