//! Fault injection (test images only, feature `fault-injection`): a component named
//! `inject-<attack>` in the manifest makes this host — outside wasm, past every software check
//! of the runtime — do one thing the process must not be able to do, right after mount. The
//! MMU (or the kernel's checks, for supervisor calls) must stop each, ending only this process
//! (or refusing the call); the QEMU tests read the kernel's fault reports.

use alloc::format;

use ruvix_process_abi::{
    BootInfo, PROBE_KERNEL, PROBE_PEER_HEAP, PROBE_PEER_REGION, REGION_HELD, REGION_WRITABLE,
    Status, layout, wait_interrupt,
};

use core::sync::atomic::{AtomicU32, Ordering};

use crate::platform::counter;
use crate::svc;

/// `inject-crash-echo`, first life: interrupt acknowledgements left before the host crashes
/// (0: never).
static CRASH_AFTER_ACKS: AtomicU32 = AtomicU32::new(0);
const CRASH_ACKS: u32 = 10;

/// After each interrupt acknowledgement: `inject-crash-echo` crashes its host mid-stream (a
/// load from an unmapped address), once, in its first life.
pub fn after_interrupt_ack() {
    let left = CRASH_AFTER_ACKS.load(Ordering::Relaxed);
    if left == 0 {
        return;
    }
    CRASH_AFTER_ACKS.store(left - 1, Ordering::Relaxed);
    if left == 1 {
        load("an unmapped address, mid-stream", 0x10);
    }
}

/// `inject-mount-loop`: loops for ever before mounting (the kernel must stop it at its mount
/// time limit and fail the boot, naming it).
pub fn before_mount(name: &str) {
    if name == "inject-mount-loop" {
        note("looping for ever before mount");
        loop {
            core::hint::spin_loop();
        }
    }
}

/// Runs the attack `name` names, if it names one.
pub fn attack(name: &str, info: &BootInfo) {
    let Some(attack) = name.strip_prefix("inject-") else {
        return;
    };
    match attack {
        "peer-heap" => load("another process's heap", info.probes[PROBE_PEER_HEAP]),
        "peer-region" => store(
            "a region granted to another component",
            info.probes[PROBE_PEER_REGION],
        ),
        "ro-region" => {
            let held_ro = info
                .regions
                .iter()
                .find(|r| r.flags & REGION_HELD != 0 && r.flags & REGION_WRITABLE == 0);
            match held_ro {
                Some(region) => store("a region it holds read-only", region.address),
                None => note("no read-only region to write"),
            }
        }
        "kernel" => load("kernel memory", info.probes[PROBE_KERNEL]),
        "exec-heap" => jump("its own heap", layout::HEAP_BASE),
        "loop" => {
            note("looping for ever outside wasm, without fuel");
            loop {
                core::hint::spin_loop();
            }
        }
        "crash-echo" if info.restarts == 0 => {
            CRASH_AFTER_ACKS.store(CRASH_ACKS, Ordering::Relaxed);
            note("crash-echo: the host will crash after its 10th interrupt acknowledgement");
        }
        "crash-echo" => note("crash-echo: restarted, not crashing again"),
        "bad-svc" => {
            bad_calls();
            log_flood();
        }
        _ => note("unknown attack"),
    }
}

/// A line about the attack, waiting out the kernel's log budget if it is spent.
fn note(text: &str) {
    let line = format!("inject: {text}");
    for _ in 0..3 {
        match svc::log(2, &line) {
            Err((Status::WouldBlock, wait)) => {
                let _ = svc::wait(&[], counter().saturating_add(wait), 0);
            }
            _ => return,
        }
    }
}

/// The status of a `log` call.
fn log_status(result: Result<(), (Status, u64)>) -> Status {
    match result {
        Ok(()) => Status::Ok,
        Err((status, _)) => status,
    }
}

fn load(what: &str, address: u64) {
    note(&format!("load from {what} at {address:#x}"));
    // SAFETY: deliberately not: this must fault the process (the point of the test).
    let value = unsafe { core::ptr::read_volatile(address as *const u64) };
    note(&format!(
        "load from {what} returned {value:#x}: NOT CONFINED"
    ));
}

fn store(what: &str, address: u64) {
    note(&format!("store to {what} at {address:#x}"));
    // SAFETY: deliberately not: this must fault the process.
    unsafe { core::ptr::write_volatile(address as *mut u64, 0x0bad_0bad_0bad_0bad) };
    note(&format!("store to {what} succeeded: NOT CONFINED"));
}

fn jump(what: &str, address: u64) {
    note(&format!("jump into {what} at {address:#x}"));
    // SAFETY: deliberately not: the page is never executable at EL0, so this must fault.
    let function: extern "C" fn() = unsafe { core::mem::transmute(address as usize) };
    function();
    note(&format!("jump into {what} returned: NOT CONFINED"));
}

/// Supervisor calls with every bad argument: each must be refused with an error.
fn bad_calls() {
    let kernel = 0x80000u64;
    let mut typed = [0u8; 16];
    let mut report = [0u8; 64];
    let checks: [(&str, Status, Status); 16] = [
        (
            "log from kernel memory",
            svc::log_raw(1, kernel, 16),
            Status::BadPointer,
        ),
        (
            "log at level 9",
            log_status(svc::log(9, "x")),
            Status::BadArgument,
        ),
        (
            "log from an unmapped address",
            svc::log_raw(1, 0x10, 8),
            Status::BadPointer,
        ),
        (
            "send on a handle it does not have",
            svc::send_raw(1000, 0x10, 8),
            Status::BadHandle,
        ),
        (
            "wait on 1000 words",
            svc::wait_raw(layout::HEAP_BASE, 1000, 0),
            Status::BadArgument,
        ),
        ("call number 999", svc::unknown(), Status::UnknownCall),
        // This component holds `log` but not `timer` (components/attacks.toml).
        (
            "now-us without the timer capability",
            svc::now_us().err().unwrap_or(Status::Ok),
            Status::Denied,
        ),
        (
            "lookup of a capability another component holds",
            svc::lookup("summary").err().unwrap_or(Status::Ok),
            Status::Denied,
        ),
        (
            "lookup of a name in kernel memory",
            svc::lookup_raw(kernel, 3),
            Status::BadPointer,
        ),
        (
            "lookup of a 4 KiB name",
            svc::lookup_raw(layout::HEAP_BASE, 4096),
            Status::Denied,
        ),
        (
            "lookup of its own log capability",
            svc::lookup("log").err().unwrap_or(Status::Ok),
            Status::Ok,
        ),
        (
            "interrupt count on a handle it does not have",
            svc::interrupt_count(1000).err().unwrap_or(Status::Ok),
            Status::BadHandle,
        ),
        (
            "interrupt ack on its log capability",
            svc::interrupt_ack(0),
            Status::WrongKind,
        ),
        (
            "console read without the console grant",
            svc::console_read(&mut typed).err().unwrap_or(Status::Ok),
            Status::Denied,
        ),
        (
            "system report without the system-info grant",
            svc::system_info(1, &mut report).err().unwrap_or(Status::Ok),
            Status::Denied,
        ),
        (
            "wait on an interrupt it does not hold",
            svc::wait(&[wait_interrupt(0)], 0, 0)
                .err()
                .unwrap_or(Status::Ok),
            Status::Denied,
        ),
    ];
    let mut failed = 0;
    for (what, got, expected) in checks {
        if got != expected {
            failed += 1;
            note(&format!("bad-svc: {what}: got {got}, expected {expected}"));
        }
    }
    note(&format!(
        "bad-svc: {} bad calls, {failed} not refused as expected",
        checks.len()
    ));
}

/// 100 lines at once straight to the kernel, past the host's own log budget: the kernel's copy
/// of the budget must drop what is over it, and say so.
fn log_flood() {
    const LINES: usize = 100;
    let (mut written, mut dropped) = (0, 0);
    for _ in 0..LINES {
        match svc::log(0, "inject: log-flood: a line past the host's budget") {
            Ok(()) => written += 1,
            Err((Status::WouldBlock, _)) => dropped += 1,
            Err(_) => {}
        }
    }
    note(&format!(
        "log-flood: {LINES} lines at once past the host's budget: {written} written, {dropped} dropped by the kernel"
    ));
}
