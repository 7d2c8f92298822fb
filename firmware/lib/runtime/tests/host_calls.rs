//! The host interface against hand-written WAT guests: the exact canonical-ABI bytes of every
//! result, blocking calls finished by the scheduler through `cabi_realloc`, denied interfaces,
//! and guest bugs that trap only their own task.

mod common;

use common::wat::{boot, component, custom_module, module, queue, ram_region, run_until, system};
use common::{FakePlatform, rpi3_mmio};
use ruvix_caps::RegionId;
use ruvix_runtime::{ComponentState, LogLevel, Runtime, SliceOutcome, Step, StopReason, TaskState};

const NEVER: &str = r#"{ policy = "never" }"#;
const E: u8 = 0xEE;

fn region(runtime: &Runtime<FakePlatform>, id: u32, offset: usize, len: usize) -> Vec<u8> {
    runtime.read_region(RegionId(id), offset, len).unwrap()
}

fn finished(runtime: &Runtime<FakePlatform>, name: &str) -> bool {
    runtime
        .tasks()
        .any(|t| t.component == name && t.state == TaskState::Finished)
}

fn faults(runtime: &Runtime<FakePlatform>) -> Vec<String> {
    runtime
        .platform()
        .events_with("faulted")
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn every_result_has_its_canonical_layout() {
    let manifest = system(&[
        component("probe", 100_000, r#"log = "wo", timer = "ro""#, NEVER),
        ram_region("out", r#"probe = "rw""#),
        ram_region("ro", r#"probe = "ro""#),
        queue("loop", 2, 8, "probe.tx", "probe.rx"),
    ]);
    let probe = module(
        r#"
  (data (i32.const 0x310) "nope")
  (data (i32.const 0x320) "tx")
  (data (i32.const 0x328) "rx")
  (data (i32.const 0x330) "ro")
  (data (i32.const 0x340) "abcdefghi")
  (data (i32.const 0x350) "probe: hello")
  (func (export "run")
    (local $ro i32) (local $tx i32) (local $rx i32)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x100))
    (call $init)
    (call $lookup (i32.const 0x6000) (i32.const 3) (i32.const 0x100))
    (call $lookup (i32.const 0x310) (i32.const 4) (i32.const 0x108))
    (call $lookup (i32.const 0x320) (i32.const 2) (i32.const 0x400))
    (local.set $tx (i32.load (i32.const 0x404)))
    (call $lookup (i32.const 0x328) (i32.const 2) (i32.const 0x400))
    (local.set $rx (i32.load (i32.const 0x404)))
    (call $lookup (i32.const 0x330) (i32.const 2) (i32.const 0x400))
    (local.set $ro (i32.load (i32.const 0x404)))
    (call $try_send (local.get $tx) (i32.const 0x340) (i32.const 3) (i32.const 0x110))
    (call $try_receive (local.get $rx) (i32.const 0x114))
    (call $try_receive (local.get $rx) (i32.const 0x120))
    (call $now (i32.const 0x130))
    (call $size (global.get $out) (i32.const 0x140))
    (call $size (local.get $tx) (i32.const 0x148))
    (call $read (local.get $ro) (i32.const 0) (i32.const 4) (i32.const 0x150))
    (call $write (local.get $ro) (i32.const 0) (i32.const 0x340) (i32.const 4) (i32.const 0x160))
    (call $read32 (local.get $ro) (i32.const 2) (i32.const 0x164))
    (call $read32 (local.get $ro) (i32.const 4096) (i32.const 0x16c))
    (call $write32 (global.get $out) (i32.const 0x800) (i32.const 0xdeadbeef) (i32.const 0x174))
    (call $read32 (global.get $out) (i32.const 0x800) (i32.const 0x178))
    (call $try_send (local.get $tx) (i32.const 0x340) (i32.const 9) (i32.const 0x180))
    (call $try_send (local.get $rx) (i32.const 0x340) (i32.const 3) (i32.const 0x182))
    (call $try_receive (local.get $tx) (i32.const 0x184))
    (call $read (global.get $out) (i32.const 4095) (i32.const 2) (i32.const 0x190))
    (call $read (global.get $out) (i32.const -1) (i32.const 2) (i32.const 0x19c))
    (call $try_send (i32.const 77) (i32.const 0x340) (i32.const 3) (i32.const 0x1a8))
    (call $log (i32.const 1) (i32.const 0x350) (i32.const 12) (i32.const 0x1aa))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x100))
    (call $dump (i32.const 0x200) (i32.load (i32.const 0x118)) (i32.load (i32.const 0x11c)))
    (call $dump (i32.const 0x300) (i32.const 0x7000) (i32.const 12)))
"#,
    );
    let mut runtime = boot(&manifest, vec![probe]);
    runtime.platform_mut().clock = 5_000_000;
    run_until(&mut runtime, 10, |r| finished(r, "probe"));
    assert_eq!(faults(&runtime), Vec::<String>::new());

    let out = region(&runtime, 0, 0, 0x100);
    let at = |offset: usize, len: usize| out[offset..offset + len].to_vec();
    // Handles: grants (log, timer), regions (out, ro), queue ends (tx, rx).
    assert_eq!(at(0x00, 8), [0, E, E, E, 2, 0, 0, 0], "lookup(out) = ok(2)");
    assert_eq!(
        at(0x08, 8),
        [1, E, E, E, 2, E, E, E],
        "lookup(nope) = err(denied)"
    );
    assert_eq!(at(0x10, 4), [0, E, E, E], "try-send = ok");
    assert_eq!(
        at(0x14, 12),
        [0, E, E, E, 0x00, 0x80, 0, 0, 3, 0, 0, 0],
        "try-receive = ok(list at 0x8000, 3 bytes)"
    );
    assert_eq!(
        at(0x20, 12),
        [1, E, E, E, 5, E, E, E, E, E, E, E],
        "would-block"
    );
    let mut now = vec![0, E, E, E, E, E, E, E];
    now.extend(5_000_000u64.to_le_bytes());
    assert_eq!(at(0x30, 16), now, "now-us = ok(5 s)");
    assert_eq!(
        at(0x40, 8),
        [0, E, E, E, 0, 0x10, 0, 0],
        "size(out) = ok(4096)"
    );
    assert_eq!(
        at(0x48, 8),
        [1, E, E, E, 1, E, E, E],
        "size(queue) = wrong-kind"
    );
    assert_eq!(
        at(0x50, 12),
        [0, E, E, E, 3, 0x80, 0, 0, 4, 0, 0, 0],
        "read(ro) = ok(4 bytes)"
    );
    assert_eq!(at(0x60, 4), [1, 2, E, E], "write(ro) = denied");
    assert_eq!(
        at(0x64, 8),
        [1, E, E, E, 6, E, E, E],
        "read32 at 2 = unaligned"
    );
    assert_eq!(
        at(0x6c, 8),
        [1, E, E, E, 3, E, E, E],
        "read32 at 4096 = out-of-bounds"
    );
    assert_eq!(at(0x74, 4), [0, E, E, E], "write32 = ok");
    assert_eq!(
        at(0x78, 8),
        [0, E, E, E, 0xef, 0xbe, 0xad, 0xde],
        "read32 = ok(0xdeadbeef)"
    );
    assert_eq!(at(0x80, 2), [1, 4], "9-byte message = too-large");
    assert_eq!(at(0x82, 2), [1, 2], "send on the receive end = denied");
    assert_eq!(
        at(0x84, 12),
        [1, E, E, E, 2, E, E, E, E, E, E, E],
        "receive on the send end = denied"
    );
    assert_eq!(
        at(0x90, 12),
        [1, E, E, E, 3, E, E, E, E, E, E, E],
        "read past the end = out-of-bounds"
    );
    assert_eq!(
        at(0x9c, 12),
        [1, E, E, E, 3, E, E, E, E, E, E, E],
        "wrapping offset = out-of-bounds"
    );
    assert_eq!(at(0xa8, 2), [1, 0], "unknown handle = bad-handle");
    assert_eq!(at(0xaa, 2), [0, E], "log.write = ok");
    assert!(out[0xac..].iter().all(|&b| b == E), "nothing else written");

    assert_eq!(
        region(&runtime, 0, 0x200, 3),
        b"abc",
        "the message, as sent"
    );
    assert_eq!(region(&runtime, 0, 0x800, 4), 0xdeadbeefu32.to_le_bytes());
    let realloc = region(&runtime, 0, 0x300, 12);
    assert_eq!(
        realloc,
        [2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0],
        "2 calls, the last (align 1, 4 bytes)"
    );
    let platform = runtime.platform();
    assert_eq!(
        platform.logs,
        [(
            "probe".to_string(),
            LogLevel::Info,
            "probe: hello".to_string()
        )]
    );
    assert_eq!(runtime.queue_stats()[0].sent, 1);
    assert_eq!(runtime.queue_stats()[0].received, 1);
}

#[test]
fn the_platform_has_the_last_word_on_lookup_time_and_log() {
    // In a process the kernel answers these three (its table, its clock, its log budget):
    // what the runtime's own copy of the table allows, the platform may still refuse.
    let manifest = system(&[
        component("probe", 100_000, r#"log = "wo", timer = "ro""#, NEVER),
        ram_region("out", r#"probe = "rw""#),
    ]);
    let probe = module(
        r#"
  (data (i32.const 0x300) "out")
  (data (i32.const 0x310) "probe: refused")
  (func (export "run")
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x40))
    ;; Handles: log 0, timer 1, out 2 (`$init` would look it up).
    (global.set $out (i32.const 2))
    (call $lookup (i32.const 0x300) (i32.const 3) (i32.const 0x100))
    (call $now (i32.const 0x110))
    (call $log (i32.const 1) (i32.const 0x310) (i32.const 14) (i32.const 0x120))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x40)))
"#,
    );
    let mut runtime = boot(&manifest, vec![probe]);
    {
        let mut platform = runtime.platform_mut();
        platform.deny_lookups = true;
        platform.deny_now = true;
        platform.refuse_logs = true;
    }
    run_until(&mut runtime, 10, |r| finished(r, "probe"));
    assert_eq!(faults(&runtime), Vec::<String>::new());
    let out = region(&runtime, 0, 0, 0x40);
    let at = |offset: usize, len: usize| out[offset..offset + len].to_vec();
    assert_eq!(
        at(0x00, 8),
        [1, E, E, E, 2, E, E, E],
        "lookup = err(denied)"
    );
    assert_eq!(
        at(0x10, 16),
        [1, E, E, E, E, E, E, E, 2, E, E, E, E, E, E, E],
        "now-us = err(denied)"
    );
    // The refused line: the call succeeds, the line is counted as dropped, the task slept.
    assert_eq!(at(0x20, 2), [0, E], "log = ok");
    assert!(runtime.platform().lines("probe").is_empty());
    let counts = runtime.log_counts().find(|(n, _)| *n == "probe").unwrap().1;
    assert_eq!((counts.written, counts.dropped), (0, 1));
    let stats = runtime
        .tasks()
        .find(|t| t.component == "probe")
        .unwrap()
        .stats;
    assert_eq!(stats.sleeps, 1);
}

#[test]
fn blocking_calls_are_finished_by_the_scheduler_through_cabi_realloc() {
    let manifest = system(&[
        component("rx", 100_000, "", NEVER).replace("\"run\" }", "\"run\", priority = 1 }"),
        component("tx", 100_000, "", NEVER),
        ram_region("out", r#"rx = "rw""#),
        queue("q", 1, 16, "tx.out", "rx.in"),
    ]);
    let rx = module(
        r#"
  (data (i32.const 0x300) "in")
  (func (export "run")
    (local $in i32)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x20))
    (call $init)
    (call $lookup (i32.const 0x300) (i32.const 2) (i32.const 0x400))
    (local.set $in (i32.load (i32.const 0x404)))
    ;; The queue is empty: this blocks until tx has sent.
    (call $receive (local.get $in) (i32.const 0x100))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 12))
    (call $dump (i32.const 0x10) (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108)))
    (call $receive (local.get $in) (i32.const 0x110))
    (call $expect_ok (i32.const 0x110))
    (call $dump (i32.const 0x20) (i32.load (i32.const 0x114)) (i32.load (i32.const 0x118)))
    (call $dump (i32.const 0x40) (i32.const 0x7000) (i32.const 12)))
"#,
    );
    let tx = module(
        r#"
  (data (i32.const 0x300) "out")
  (data (i32.const 0x310) "hello")
  (data (i32.const 0x320) "world")
  (func (export "run")
    (local $out i32)
    (call $lookup (i32.const 0x300) (i32.const 3) (i32.const 0x400))
    (local.set $out (i32.load (i32.const 0x404)))
    (call $yield) (call $yield) (call $yield)
    (call $send (local.get $out) (i32.const 0x310) (i32.const 5) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100))
    ;; Depth 1: this blocks until rx has received "hello".
    (call $send (local.get $out) (i32.const 0x320) (i32.const 5) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100)))
"#,
    );
    let mut runtime = boot(&manifest, vec![rx, tx]);
    let steps = run_until(&mut runtime, 50, |r| finished(r, "rx") && finished(r, "tx"));
    assert_eq!(faults(&runtime), Vec::<String>::new());
    // rx blocked on the empty queue first.
    assert!(matches!(
        steps[0],
        Step::Ran {
            outcome: SliceOutcome::Blocked(_),
            ..
        }
    ));
    assert_eq!(
        region(&runtime, 0, 0, 12),
        [0, E, E, E, 0, 0x80, 0, 0, 5, 0, 0, 0]
    );
    assert_eq!(region(&runtime, 0, 0x10, 5), b"hello");
    assert_eq!(region(&runtime, 0, 0x20, 5), b"world");
    // Both messages came through cabi_realloc (the first while rx's call was suspended).
    assert_eq!(
        region(&runtime, 0, 0x40, 12),
        [2, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0]
    );
    let stats = |name: &str| runtime.tasks().find(|t| t.component == name).unwrap().stats;
    assert_eq!(stats("rx").blocked_receive, 2);
    assert_eq!(stats("tx").blocked_send, 1);
    assert_eq!(stats("tx").yields, 3);
    let queue = runtime.queue_stats()[0];
    assert_eq!((queue.sent, queue.received, queue.peak_len), (2, 2, 1));
}

#[test]
fn a_message_stays_queued_when_the_receivers_realloc_traps() {
    let manifest = system(&[
        component("tx", 100_000, "", NEVER).replace("\"run\" }", "\"run\", priority = 1 }"),
        component("rx", 100_000, "", NEVER),
        queue("q", 4, 16, "tx.out", "rx.in"),
    ]);
    let tx = module(
        r#"
  (data (i32.const 0x300) "out")
  (data (i32.const 0x310) "keep")
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 3) (i32.const 0x400))
    (call $try_send (i32.load (i32.const 0x404)) (i32.const 0x310) (i32.const 4) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100)))
"#,
    );
    let rx = custom_module(
        r#"
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) unreachable)
  (data (i32.const 0x300) "in")
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 2) (i32.const 0x400))
    (call $try_receive (i32.load (i32.const 0x404)) (i32.const 0x100)))
"#,
    );
    let mut runtime = boot(&manifest, vec![tx, rx]);
    run_until(&mut runtime, 20, |r| {
        r.components()
            .any(|c| c.name == "rx" && c.state != ComponentState::Running)
    });
    let faults = faults(&runtime);
    assert_eq!(faults.len(), 1);
    assert!(
        faults[0].contains("rx.run") && faults[0].contains("cabi_realloc failed"),
        "{faults:?}"
    );
    let queue = runtime.queue_stats()[0];
    assert_eq!(
        (queue.sent, queue.received),
        (1, 0),
        "the message is still queued"
    );
}

#[test]
fn guest_bugs_trap_only_the_guest() {
    // The greedy cabi_realloc below runs 100,000 instructions in one nested call.
    common::with_big_stack(guest_bugs);
}

fn guest_bugs() {
    let bad = [
        (
            "oob-log",
            r#"(call $log (i32.const 1) (i32.const 0xfff0) (i32.const 0x100) (i32.const 0x100))"#,
            "log message at 0xfff0 (256 bytes) lies outside the guest's 65536-byte memory",
        ),
        (
            "misaligned-ret",
            r#"(call $lookup (i32.const 0x6000) (i32.const 3) (i32.const 0x101))"#,
            "return area at 0x101 is not 4-byte aligned",
        ),
        (
            "ret-oob",
            r#"(call $now (i32.const 0xfff8))"#,
            "return area at 0xfff8 (16 bytes) lies outside",
        ),
        (
            "bad-utf8",
            r#"(i32.store (i32.const 0x200) (i32.const 0xffffffff))
               (call $log (i32.const 1) (i32.const 0x200) (i32.const 4) (i32.const 0x100))"#,
            "log message is not valid UTF-8",
        ),
        (
            "bad-level",
            r#"(call $log (i32.const 9) (i32.const 0x6000) (i32.const 3) (i32.const 0x100))"#,
            "9 is not a valid log level",
        ),
        (
            "oob-message",
            r#"(call $try_send (i32.const 0) (i32.const 0xfffe) (i32.const 8) (i32.const 0x100))"#,
            "message at 0xfffe (8 bytes) lies outside",
        ),
        (
            "wasm-oob",
            r#"(drop (i32.load (i32.const 0x10000)))"#,
            "trap: out of bounds memory access",
        ),
    ];
    let mut items: Vec<String> = bad
        .iter()
        .map(|(name, _, _)| component(name, 100_000, r#"log = "wo""#, NEVER))
        .collect();
    items.push(component("good", 1000, "", NEVER));
    items.push(component("reentrant", 100_000, "", NEVER));
    items.push(component("bad-realloc", 100_000, "", NEVER));
    items.push(component("greedy-realloc", 100_000, "", NEVER));
    items.push(ram_region("out", r#"good = "rw""#));
    items.push(ram_region(
        "shared",
        r#"reentrant = "ro", bad-realloc = "ro", greedy-realloc = "ro""#,
    ));
    // A queue end for oob-message: without one its queue calls are denied before any lifting.
    items.push(queue("probe", 1, 8, "oob-message.tx", "good.rx"));
    let manifest = system(&items);
    let mut modules: Vec<Vec<u8>> = bad
        .iter()
        .map(|(_, code, _)| module(&format!(r#"(func (export "run") {code})"#)))
        .collect();
    modules.push(module(
        r#"
  (func (export "run")
    (call $init)
    (loop $forever
      (i32.store (i32.const 0x200) (i32.add (i32.load (i32.const 0x200)) (i32.const 1)))
      (call $dump (i32.const 0) (i32.const 0x200) (i32.const 4))
      (call $yield)
      (br $forever)))
"#,
    ));
    // cabi_realloc calls back into the host: refused (not re-entrant).
    modules.push(custom_module(
        r#"
  (memory (export "memory") 1)
  (data (i32.const 0x300) "shared")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (call $lookup (i32.const 0x300) (i32.const 6) (i32.const 0x400))
    (i32.const 0x1000))
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 6) (i32.const 0x400))
    (call $read (i32.load (i32.const 0x404)) (i32.const 0) (i32.const 8) (i32.const 0x100)))
"#,
    ));
    // cabi_realloc returns memory outside the guest's memory.
    modules.push(custom_module(
        r#"
  (memory (export "memory") 1)
  (data (i32.const 0x300) "shared")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0xfffc))
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 6) (i32.const 0x400))
    (call $read (i32.load (i32.const 0x404)) (i32.const 0) (i32.const 8) (i32.const 0x100)))
"#,
    ));
    // cabi_realloc never returns: it gets a bounded allowance, then the task traps.
    modules.push(custom_module(
        r#"
  (memory (export "memory") 1)
  (data (i32.const 0x300) "shared")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (loop $l (br $l)) (i32.const 0))
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 6) (i32.const 0x400))
    (call $read (i32.load (i32.const 0x404)) (i32.const 0) (i32.const 8) (i32.const 0x100)))
"#,
    ));
    let mut runtime = boot(&manifest, modules);
    let stopped = |r: &Runtime<FakePlatform>| {
        r.components()
            .filter(|c| c.state == ComponentState::Stopped(StopReason::Never))
            .count()
    };
    run_until(&mut runtime, 500, |r| stopped(r) == bad.len() + 3);
    let count =
        |r: &Runtime<FakePlatform>| u32::from_le_bytes(region(r, 0, 0, 4).try_into().unwrap());
    let before = count(&runtime);
    run_until(&mut runtime, 500, |r| count(r) >= before + 50);

    let faults = faults(&runtime);
    assert_eq!(faults.len(), bad.len() + 3, "{faults:#?}");
    for (name, _, reason) in bad {
        assert!(
            faults
                .iter()
                .any(|f| f.starts_with(&format!("{name}.run")) && f.contains(reason)),
            "{name}: no fault with {reason:?} in {faults:#?}"
        );
    }
    assert!(faults.iter().any(|f| f.starts_with("reentrant.run")
        && f.contains("cabi_realloc failed")
        && f.contains("capabilities.lookup called from inside cabi_realloc")));
    assert!(faults.iter().any(|f| f.starts_with("bad-realloc.run")
        && f.contains("memory from cabi_realloc at 0xfffc (8 bytes) lies outside")));
    assert!(faults.iter().any(|f| f.starts_with("greedy-realloc.run")
        && f.contains("cabi_realloc failed: all fuel consumed")));
    let greedy = runtime
        .tasks()
        .find(|t| t.component == "greedy-realloc")
        .unwrap();
    assert!(
        greedy.stats.fuel > 100_000 && greedy.stats.fuel < 300_000,
        "{:?}",
        greedy.stats
    );
    let good = runtime.tasks().find(|t| t.component == "good").unwrap();
    assert_eq!(good.state, TaskState::Ready);
    assert_eq!(good.stats.faults, 0);
}

#[test]
fn interfaces_without_a_capability_are_denied_and_reported_once() {
    let manifest = system(&[
        component("bare", 100_000, "", NEVER),
        component("logger", 100_000, r#"log = "wo""#, NEVER),
        ram_region("out", r#"bare = "rw""#),
    ]);
    let bare = module(
        r#"
  (data (i32.const 0x300) "log")
  (data (i32.const 0x310) "bare: hello")
  (func (export "run")
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x80))
    (call $init)
    (call $try_send (i32.const 0) (i32.const 0x310) (i32.const 4) (i32.const 0x100))
    (call $receive (i32.const 0) (i32.const 0x104))
    (call $log (i32.const 1) (i32.const 0x310) (i32.const 11) (i32.const 0x110))
    (call $log (i32.const 1) (i32.const 0x310) (i32.const 11) (i32.const 0x112))
    (call $now (i32.const 0x118))
    (call $sleep (i64.const 1000) (i32.const 0x128))
    (call $lookup (i32.const 0x300) (i32.const 3) (i32.const 0x12c))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x80)))
"#,
    );
    let logger = module(
        r#"
  (data (i32.const 0x300) "logger: regions denied")
  (func (export "run")
    (call $size (i32.const 0) (i32.const 0x100))
    (if (i32.ne (i32.load8_u (i32.const 0x100)) (i32.const 1)) (then unreachable))
    (if (i32.ne (i32.load8_u (i32.const 0x104)) (i32.const 2)) (then unreachable))
    (call $log (i32.const 2) (i32.const 0x300) (i32.const 22) (i32.const 0x108))
    (call $expect_ok (i32.const 0x108)))
"#,
    );
    let mut runtime = boot(&manifest, vec![bare, logger]);
    let steps = run_until(&mut runtime, 20, |r| {
        finished(r, "bare") && finished(r, "logger")
    });
    assert_eq!(faults(&runtime), Vec::<String>::new());
    let out = region(&runtime, 0, 0, 0x34);
    assert_eq!(out[0x00..0x02], [1, 2], "queues.try-send denied");
    assert_eq!(
        out[0x04..0x09],
        [1, E, E, E, 2],
        "queues.receive denied, without blocking"
    );
    assert_eq!(out[0x10..0x14], [1, 2, 1, 2], "log.write denied twice");
    assert_eq!(
        out[0x18..0x21],
        [1, E, E, E, E, E, E, E, 2],
        "time.now-us denied"
    );
    assert_eq!(out[0x28..0x2a], [1, 2], "time.sleep-us denied");
    assert_eq!(out[0x2c..0x31], [1, E, E, E, 2], "lookup(log) denied");
    // The denied sleep yielded.
    let bare_task = runtime.tasks().find(|t| t.component == "bare").unwrap();
    assert_eq!((bare_task.stats.yields, bare_task.stats.sleeps), (1, 0));
    assert!(steps.iter().any(|s| matches!(
        s,
        Step::Ran {
            outcome: SliceOutcome::Yielded,
            ..
        }
    )));
    let platform = runtime.platform();
    assert!(
        platform.lines("bare").is_empty(),
        "the denied log line was dropped"
    );
    assert_eq!(platform.lines("logger"), ["logger: regions denied"]);
    for (component, interface) in [
        ("bare", "queues"),
        ("bare", "log"),
        ("bare", "time"),
        ("logger", "regions"),
    ] {
        let event = format!("{component}: call into \"{interface}\" denied: no capability granted");
        assert_eq!(platform.events_with(&event).len(), 1, "{event}");
    }
    assert_eq!(
        platform
            .events_with("bare: mounted, 1 task(s), 0 ticks, denied: queues, log, time")
            .len(),
        1
    );
    assert_eq!(
        platform
            .events_with("logger: mounted, 1 task(s), 0 ticks, denied: queues, regions, time")
            .len(),
        1
    );
}

#[test]
fn mmio_regions_take_only_aligned_32_bit_accesses() {
    let gpio = r#"
[[region]]
name = "gpio"
kind = "mmio"
peripheral_offset = 0x200000
size = "4 KiB"
access = { dev = "rw" }
"#;
    let manifest = system(&[
        component("dev", 100_000, "", NEVER),
        ram_region("out", r#"dev = "rw""#),
        gpio.to_string(),
    ]);
    let dev = module(
        r#"
  (data (i32.const 0x300) "gpio")
  (func (export "run")
    (local $gpio i32)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x60))
    (call $init)
    (call $lookup (i32.const 0x300) (i32.const 4) (i32.const 0x400))
    (local.set $gpio (i32.load (i32.const 0x404)))
    (call $read (local.get $gpio) (i32.const 0) (i32.const 4) (i32.const 0x100))
    (call $write (local.get $gpio) (i32.const 0) (i32.const 0x300) (i32.const 4) (i32.const 0x10c))
    (call $write32 (local.get $gpio) (i32.const 0x1c) (i32.const 0x200000) (i32.const 0x110))
    (call $read32 (local.get $gpio) (i32.const 0x34) (i32.const 0x114))
    (call $read32 (local.get $gpio) (i32.const 0x1000) (i32.const 0x11c))
    (call $read32 (local.get $gpio) (i32.const 0x2) (i32.const 0x124))
    (call $size (local.get $gpio) (i32.const 0x12c))
    (call $write32 (local.get $gpio) (i32.const 0x28) (i32.const 0x200000) (i32.const 0x134))
    (call $read32 (local.get $gpio) (i32.const 0x34) (i32.const 0x138))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x60)))
"#,
    );
    let mut runtime = boot(&manifest, vec![dev]);
    run_until(&mut runtime, 10, |r| finished(r, "dev"));
    assert_eq!(faults(&runtime), Vec::<String>::new());
    let out = region(&runtime, 0, 0, 0x40);
    assert_eq!(
        out[0x00..0x05],
        [1, E, E, E, 1],
        "byte read of MMIO = wrong-kind"
    );
    assert_eq!(out[0x0c..0x0e], [1, 1], "byte write of MMIO = wrong-kind");
    assert_eq!(out[0x10..0x12], [0, E], "write32 GPSET0 = ok");
    assert_eq!(
        out[0x14..0x1c],
        [0, E, E, E, 0, 0, 0x20, 0],
        "GPLEV0 reads the pin set"
    );
    assert_eq!(
        out[0x1c..0x21],
        [1, E, E, E, 3],
        "read32 past the page = out-of-bounds"
    );
    assert_eq!(out[0x24..0x29], [1, E, E, E, 6], "read32 at 2 = unaligned");
    assert_eq!(out[0x2c..0x34], [0, E, E, E, 0, 0x10, 0, 0], "size = 4096");
    assert_eq!(
        out[0x38..0x40],
        [0, E, E, E, 0, 0, 0, 0],
        "GPLEV0 after GPCLR0"
    );
    let platform = runtime.platform();
    assert_eq!(platform.gpio.base, rpi3_mmio(0x200000));
    assert_eq!(
        platform.gpio.writes, 2,
        "only the two write32 reached the device"
    );
}
