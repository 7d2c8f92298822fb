//! Queues behind `QueueBackend`: the runtime reaches them only through the trait, passes the
//! caller's handle on, and takes wake-ups from the backend at the start of a slice as well as
//! after it (so a backend elsewhere can wake a task while every task is blocked).

mod common;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use common::wat::{component, module, queue, ram_region, run_until, system};
use common::{FakePlatform, mount_with_backend, step};
use ruvix_caps::{Handle, InterruptId, QueueId, RegionId};
use ruvix_manifest::RvfManifest;
use ruvix_queue::QueueStats;
use ruvix_runtime::{
    LocalQueues, MountError, QueueBackend, QueueRefusal, Runtime, SliceOutcome, Step, TaskState,
    WaitOn,
};

const NEVER: &str = r#"{ policy = "never" }"#;

/// `tx` sends "ping" after three yields; `rx` (more urgent, so it blocks first) receives it
/// and copies it to its region "out".
fn ping_system() -> (RvfManifest, Vec<Vec<u8>>) {
    let manifest = system(&[
        component("rx", 100_000, "", NEVER).replace("\"run\" }", "\"run\", priority = 1 }"),
        component("tx", 100_000, "", NEVER),
        ram_region("out", r#"rx = "rw""#),
        queue("q", 2, 16, "tx.out", "rx.in"),
    ]);
    let rx = module(
        r#"
  (data (i32.const 0x300) "in")
  (func (export "run")
    (call $init)
    (call $lookup (i32.const 0x300) (i32.const 2) (i32.const 0x400))
    (call $receive (i32.load (i32.const 0x404)) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100))
    (call $dump (i32.const 0) (i32.load (i32.const 0x104)) (i32.load (i32.const 0x108))))
"#,
    );
    let tx = module(
        r#"
  (data (i32.const 0x300) "out")
  (data (i32.const 0x310) "ping")
  (func (export "run")
    (call $lookup (i32.const 0x300) (i32.const 3) (i32.const 0x400))
    (call $yield) (call $yield) (call $yield)
    (call $send (i32.load (i32.const 0x404)) (i32.const 0x310) (i32.const 4) (i32.const 0x100))
    (call $expect_ok (i32.const 0x100)))
"#,
    );
    (manifest, vec![rx, tx])
}

/// `rx` alone with the send end of its queue held by a component that does nothing (its
/// messages come from outside, through the backend).
fn lonely_receiver() -> (RvfManifest, Vec<Vec<u8>>) {
    let (manifest, mut wasm) = ping_system();
    wasm[1] = module(r#"(func (export "run"))"#);
    (manifest, wasm)
}

fn finished(runtime: &Runtime<FakePlatform>, name: &str) -> bool {
    runtime
        .tasks()
        .any(|t| t.component == name && t.state == TaskState::Finished)
}

fn received(runtime: &Runtime<FakePlatform>) -> Vec<u8> {
    runtime.read_region(RegionId(0), 0, 4).unwrap()
}

/// What a [`Counting`] backend was asked.
#[derive(Default)]
struct Calls {
    send: usize,
    front_len: usize,
    receive_into: usize,
    take_events: usize,
    stats: usize,
    handles: Vec<Handle>,
}

/// [`LocalQueues`], counting the calls.
struct Counting {
    inner: LocalQueues,
    calls: Rc<RefCell<Calls>>,
}

impl QueueBackend for Counting {
    fn queue_count(&self) -> usize {
        self.inner.queue_count()
    }

    fn send(&mut self, handle: Handle, queue: QueueId, message: &[u8]) -> Result<(), QueueRefusal> {
        let mut calls = self.calls.borrow_mut();
        calls.send += 1;
        calls.handles.push(handle);
        self.inner.send(handle, queue, message)
    }

    fn front_len(&mut self, handle: Handle, queue: QueueId) -> Result<usize, QueueRefusal> {
        let mut calls = self.calls.borrow_mut();
        calls.front_len += 1;
        calls.handles.push(handle);
        self.inner.front_len(handle, queue)
    }

    fn receive_into(
        &mut self,
        handle: Handle,
        queue: QueueId,
        target: &mut [u8],
    ) -> Result<(), QueueRefusal> {
        let mut calls = self.calls.borrow_mut();
        calls.receive_into += 1;
        calls.handles.push(handle);
        self.inner.receive_into(handle, queue, target)
    }

    fn take_events(&mut self, wake: &mut dyn FnMut(WaitOn)) {
        self.calls.borrow_mut().take_events += 1;
        self.inner.take_events(wake);
    }

    fn stats(&self) -> Vec<QueueStats> {
        self.calls.borrow_mut().stats += 1;
        self.inner.stats()
    }

    fn interrupt_count(
        &mut self,
        handle: Handle,
        interrupt: InterruptId,
    ) -> Result<u32, QueueRefusal> {
        self.inner.interrupt_count(handle, interrupt)
    }

    fn interrupt_ack(
        &mut self,
        handle: Handle,
        interrupt: InterruptId,
    ) -> Result<(), QueueRefusal> {
        self.inner.interrupt_ack(handle, interrupt)
    }
}

#[test]
fn the_runtime_reaches_queues_only_through_the_backend() {
    let (manifest, wasm) = ping_system();
    let calls = Rc::new(RefCell::new(Calls::default()));
    let shared = calls.clone();
    let (mut runtime, report) = mount_with_backend(&manifest, &wasm, |queues| {
        Box::new(Counting {
            inner: LocalQueues::new(queues),
            calls: shared,
        })
    })
    .unwrap();
    assert_eq!(report.queues_connected, 1);
    let steps = run_until(&mut runtime, 50, |r| finished(r, "rx") && finished(r, "tx"));
    assert_eq!(
        runtime.platform().events_with("faulted"),
        Vec::<&str>::new()
    );
    assert_eq!(received(&runtime), b"ping");
    let ran = steps
        .iter()
        .filter(|s| matches!(s, Step::Ran { .. }))
        .count();
    let idle = steps.len() - ran;

    let stats = runtime.queue_stats();
    let calls = calls.borrow();
    assert_eq!(calls.stats, 1, "queue_stats asks the backend");
    assert_eq!((stats[0].sent, stats[0].received), (1, 1));
    assert_eq!(calls.send, 1);
    // rx: empty at first (blocks), then the message when it runs again.
    assert_eq!((calls.front_len, calls.receive_into), (2, 1));
    // Before the pick and after the slice for every slice that ran; before the pick when idle.
    assert_eq!(calls.take_events, 2 * ran + idle);
    // Each call came with the caller's own handle for its end: tx's "out", rx's "in".
    let tx_out = runtime
        .capabilities()
        .find(|c| c.name() == "tx")
        .unwrap()
        .lookup("out")
        .unwrap();
    let rx_in = runtime
        .capabilities()
        .find(|c| c.name() == "rx")
        .unwrap()
        .lookup("in")
        .unwrap();
    let mut handles = calls.handles.clone();
    handles.sort();
    handles.dedup();
    let mut expected = vec![tx_out, rx_in];
    expected.sort();
    assert_eq!(handles, expected);
}

/// A queue "in the kernel": what a component host's backend would reach with supervisor
/// calls. The test plays the kernel: it puts messages in and says which waits may succeed.
#[derive(Default)]
struct Kernel {
    messages: VecDeque<Vec<u8>>,
    events: Vec<WaitOn>,
    /// Interrupt 0: fires since the last ack, acks, and the handles the calls came with.
    fired: u32,
    acks: u32,
    interrupt_handles: Vec<Handle>,
}

struct Remote(Rc<RefCell<Kernel>>);

impl QueueBackend for Remote {
    fn queue_count(&self) -> usize {
        1
    }

    fn send(&mut self, _: Handle, _: QueueId, message: &[u8]) -> Result<(), QueueRefusal> {
        self.0.borrow_mut().messages.push_back(message.to_vec());
        Ok(())
    }

    fn front_len(&mut self, _: Handle, _: QueueId) -> Result<usize, QueueRefusal> {
        let kernel = self.0.borrow();
        kernel
            .messages
            .front()
            .map(Vec::len)
            .ok_or(QueueRefusal::WouldBlock)
    }

    fn receive_into(
        &mut self,
        _: Handle,
        _: QueueId,
        target: &mut [u8],
    ) -> Result<(), QueueRefusal> {
        let mut kernel = self.0.borrow_mut();
        match kernel.messages.front() {
            Some(message) if message.len() == target.len() => target.copy_from_slice(message),
            _ => return Err(QueueRefusal::WouldBlock),
        }
        kernel.messages.pop_front();
        Ok(())
    }

    fn take_events(&mut self, wake: &mut dyn FnMut(WaitOn)) {
        for wait in self.0.borrow_mut().events.drain(..) {
            wake(wait);
        }
    }

    fn stats(&self) -> Vec<QueueStats> {
        Vec::new()
    }

    fn interrupt_count(&mut self, handle: Handle, _: InterruptId) -> Result<u32, QueueRefusal> {
        let mut kernel = self.0.borrow_mut();
        kernel.interrupt_handles.push(handle);
        match kernel.fired {
            0 => Err(QueueRefusal::WouldBlock),
            n => Ok(n),
        }
    }

    fn interrupt_ack(&mut self, handle: Handle, _: InterruptId) -> Result<(), QueueRefusal> {
        let mut kernel = self.0.borrow_mut();
        kernel.interrupt_handles.push(handle);
        kernel.fired = 0;
        kernel.acks += 1;
        Ok(())
    }
}

/// A driver: waits for its interrupt (`tick`), writes the count it got to its region, acks,
/// then tries again without waiting (nothing fired: would-block, 5) and writes that too.
fn driver_system() -> (RvfManifest, Vec<Vec<u8>>) {
    let manifest = system(&[
        component("driver", 100_000, "", NEVER),
        component("peer", 100_000, "", NEVER),
        ram_region("out", r#"driver = "rw""#),
        // The remote backend has one queue (unused here).
        queue("q", 2, 16, "peer.out", "driver.in"),
        r#"
[[region]]
name = "systimer"
kind = "mmio"
peripheral_offset = 0x3000
size = "4 KiB"
access = { driver = "rw" }

[[interrupt]]
name = "tick"
source = "system-timer-1"
holder = "driver"
"#
        .to_string(),
    ]);
    let driver = module(
        r#"
  (data (i32.const 0x300) "tick")
  (func (export "run")
    (local $tick i32)
    (call $init)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x20))
    (call $lookup (i32.const 0x300) (i32.const 4) (i32.const 0x400))
    (call $expect_ok (i32.const 0x400))
    (local.set $tick (i32.load (i32.const 0x404)))
    (call $irq_wait (local.get $tick) (i32.const 0x100))
    (call $irq_ack (local.get $tick) (i32.const 0x108))
    (call $irq_try_wait (local.get $tick) (i32.const 0x110))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x20)))
"#,
    );
    (manifest, vec![driver, module(r#"(func (export "run"))"#)])
}

#[test]
fn an_interrupt_from_the_backend_wakes_its_waiting_holder() {
    let (manifest, wasm) = driver_system();
    let kernel = Rc::new(RefCell::new(Kernel::default()));
    let backend = Remote(kernel.clone());
    let (mut runtime, _) = mount_with_backend(&manifest, &wasm, |_| Box::new(backend)).unwrap();
    let interrupt = WaitOn::Interrupt(InterruptId(0));
    // It blocks on the interrupt, and the runtime says that is what it waits for.
    let steps = run_until(&mut runtime, 10, |r| r.waits().any(|w| w == interrupt));
    assert!(steps.iter().any(|s| matches!(
        s,
        Step::Ran {
            outcome: SliceOutcome::Blocked(w),
            ..
        } if *w == interrupt
    )));
    assert!(!finished(&runtime, "driver"));
    {
        let mut kernel = kernel.borrow_mut();
        kernel.fired = 3;
        kernel.events.push(interrupt);
    }
    run_until(&mut runtime, 10, |r| finished(r, "driver"));
    let out = runtime.read_region(RegionId(0), 0, 0x20).unwrap();
    const E: u8 = 0xEE;
    assert_eq!(out[0..8], [0, E, E, E, 3, 0, 0, 0], "wait = ok(3)");
    assert_eq!(out[8..10], [0, E], "ack = ok");
    assert_eq!(
        out[0x10..0x18],
        [1, E, E, E, 5, E, E, E],
        "try-wait = would-block"
    );
    let kernel = kernel.borrow();
    assert_eq!(kernel.acks, 1);
    let tick = runtime
        .capabilities()
        .find(|c| c.name() == "driver")
        .unwrap()
        .lookup("tick")
        .unwrap();
    assert!(kernel.interrupt_handles.iter().all(|h| *h == tick));
}

#[test]
fn interrupts_without_the_grant_are_denied() {
    // A component holding no interrupt gets the interface's denying versions: every call is
    // `denied` (2), whatever handle it passes, and nothing reaches the backend.
    let manifest = system(&[
        component("driver", 100_000, "", NEVER),
        component("peer", 100_000, "", NEVER),
        ram_region("out", r#"driver = "rw""#),
        queue("q", 2, 16, "peer.out", "driver.in"),
    ]);
    let driver = module(
        r#"
  (func (export "run")
    (call $init)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x20))
    (call $irq_wait (i32.const 0) (i32.const 0x100))
    (call $irq_try_wait (global.get $out) (i32.const 0x108))
    (call $irq_ack (i32.const 7) (i32.const 0x110))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x20)))
"#,
    );
    let kernel = Rc::new(RefCell::new(Kernel::default()));
    let backend = Remote(kernel.clone());
    let (mut runtime, report) = mount_with_backend(
        &manifest,
        &[driver, module(r#"(func (export "run"))"#)],
        |_| Box::new(backend),
    )
    .unwrap();
    assert!(
        report.components[0]
            .denied
            .contains(ruvix_runtime::Interface::Interrupts)
    );
    run_until(&mut runtime, 10, |r| finished(r, "driver"));
    let out = runtime.read_region(RegionId(0), 0, 0x20).unwrap();
    const E: u8 = 0xEE;
    assert_eq!(out[0..8], [1, E, E, E, 2, E, E, E], "wait = denied");
    assert_eq!(out[8..16], [1, E, E, E, 2, E, E, E], "try-wait = denied");
    assert_eq!(out[0x10..0x12], [1, 2], "ack = denied");
    assert!(kernel.borrow().interrupt_handles.is_empty());
    let platform = runtime.platform();
    let denied = platform.events_with("denied");
    assert!(
        denied.iter().any(|e| e.contains("interrupts")),
        "{denied:?}"
    );
}

/// Mounts [`lonely_receiver`] on a [`Remote`] queue and runs until `rx` is blocked on it and
/// the runtime is idle.
fn blocked_on_remote() -> (Runtime<FakePlatform>, Rc<RefCell<Kernel>>) {
    let (manifest, wasm) = lonely_receiver();
    let kernel = Rc::new(RefCell::new(Kernel::default()));
    let backend = Remote(kernel.clone());
    let (mut runtime, _) = mount_with_backend(&manifest, &wasm, |_| Box::new(backend)).unwrap();
    let steps = run_until(&mut runtime, 10, |r| finished(r, "tx"));
    assert!(steps.iter().any(|s| matches!(
        s,
        Step::Ran {
            outcome: SliceOutcome::Blocked(WaitOn::Receive(QueueId(0))),
            ..
        }
    )));
    assert_eq!(
        runtime.run_slice(),
        Step::Idle {
            next_wakeup_ticks: None
        }
    );
    assert_eq!(
        runtime.waits().collect::<Vec<_>>(),
        [WaitOn::Receive(QueueId(0))]
    );
    assert_eq!(runtime.next_wakeup_ticks(), None);
    (runtime, kernel)
}

#[test]
fn an_event_from_the_backend_wakes_a_blocked_receiver_before_the_pick() {
    let (mut runtime, kernel) = blocked_on_remote();
    {
        let mut kernel = kernel.borrow_mut();
        kernel.messages.push_back(b"ping".to_vec());
        kernel.events.push(WaitOn::Receive(QueueId(0)));
    }
    // Taken at the start of this slice: rx runs now instead of the runtime reporting idle.
    assert!(matches!(
        runtime.run_slice(),
        Step::Ran {
            outcome: SliceOutcome::Finished,
            ..
        }
    ));
    assert_eq!(received(&runtime), b"ping");
    assert!(kernel.borrow().messages.is_empty());
    assert_eq!(runtime.waits().count(), 0);
    assert_eq!(runtime.queue_stats(), Vec::new(), "this backend keeps none");
}

#[test]
fn notify_wakes_a_blocked_receiver() {
    let (mut runtime, kernel) = blocked_on_remote();
    kernel.borrow_mut().messages.push_back(b"pong".to_vec());
    // Nobody said so: the receiver stays blocked.
    assert!(matches!(step(&mut runtime), Step::Idle { .. }));
    assert_eq!(runtime.notify(WaitOn::Send(QueueId(0))), 0);
    assert_eq!(runtime.notify(WaitOn::Receive(QueueId(0))), 1);
    assert_eq!(runtime.waits().count(), 0);
    assert!(matches!(
        runtime.run_slice(),
        Step::Ran {
            outcome: SliceOutcome::Finished,
            ..
        }
    ));
    assert_eq!(received(&runtime), b"pong");
}

#[test]
fn waits_lists_each_wait_once() {
    // Two entry points of one component blocked on the same queue end.
    let manifest = system(&[
        component("rx", 100_000, "", NEVER).replace(
            r#"entry_points = [{ export = "run" }]"#,
            r#"entry_points = [{ export = "run" }, { export = "run2" }]"#,
        ),
        component("tx", 100_000, "", NEVER),
        ram_region("out", r#"rx = "rw""#),
        queue("q", 2, 16, "tx.out", "rx.in"),
    ]);
    let rx = module(
        r#"
  (data (i32.const 0x300) "in")
  (func $wait
    (call $lookup (i32.const 0x300) (i32.const 2) (i32.const 0x400))
    (call $receive (i32.load (i32.const 0x404)) (i32.const 0x100)))
  (func (export "run") (call $wait))
  (func (export "run2") (call $wait))
"#,
    );
    let tx = module(r#"(func (export "run"))"#);
    let kernel = Rc::new(RefCell::new(Kernel::default()));
    let backend = Remote(kernel);
    let (mut runtime, _) = mount_with_backend(&manifest, &[rx, tx], |_| Box::new(backend)).unwrap();
    run_until(&mut runtime, 10, |r| {
        r.tasks()
            .filter(|t| matches!(t.state, TaskState::Blocked(_)))
            .count()
            == 2
    });
    assert_eq!(
        runtime.waits().collect::<Vec<_>>(),
        [WaitOn::Receive(QueueId(0))]
    );
}

#[test]
fn a_backend_must_have_the_manifests_queues() {
    struct Three;
    impl QueueBackend for Three {
        fn queue_count(&self) -> usize {
            3
        }
        fn send(&mut self, _: Handle, _: QueueId, _: &[u8]) -> Result<(), QueueRefusal> {
            Err(QueueRefusal::WouldBlock)
        }
        fn front_len(&mut self, _: Handle, _: QueueId) -> Result<usize, QueueRefusal> {
            Err(QueueRefusal::WouldBlock)
        }
        fn receive_into(
            &mut self,
            _: Handle,
            _: QueueId,
            _: &mut [u8],
        ) -> Result<(), QueueRefusal> {
            Err(QueueRefusal::WouldBlock)
        }
        fn take_events(&mut self, _: &mut dyn FnMut(WaitOn)) {}
        fn stats(&self) -> Vec<QueueStats> {
            Vec::new()
        }
        fn interrupt_count(&mut self, _: Handle, _: InterruptId) -> Result<u32, QueueRefusal> {
            Err(QueueRefusal::WouldBlock)
        }
        fn interrupt_ack(&mut self, _: Handle, _: InterruptId) -> Result<(), QueueRefusal> {
            Ok(())
        }
    }
    let (manifest, wasm) = ping_system();
    match mount_with_backend(&manifest, &wasm, |_| Box::new(Three)) {
        Err(MountError::QueueCount { expected, found }) => assert_eq!((expected, found), (1, 3)),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("mounted with 3 queues for 1"),
    }
}
