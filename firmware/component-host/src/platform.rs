//! The runtime's [`Platform`] inside a process: the scheduling clock from the counter (EL0 may
//! read it); `time.now-us`, `capabilities.lookup`, the log and runtime events as supervisor
//! calls; region memory through this process's own
//! mapping of it — which the kernel made with this component's rights, so the MMU confines
//! every access whatever the code here does.

use alloc::string::String;
use core::fmt::Write;

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use ruvix_caps::{Handle, RegionId};
use ruvix_process_abi::{Status, WAIT_CONSOLE, wait_interrupt, wait_receive, wait_send};

use ruvix_runtime::{
    CallError, LogLevel, Park, Platform, QueueRefusal, RegionBacking, RuntimeEvent, WaitOn,
};

use crate::svc::{self, call_error};

/// `call::EVENT` kinds: how the kernel prefixes the line.
pub const EVENT_MOUNT: u64 = 0;
pub const EVENT_DENIED: u64 = 1;
pub const EVENT_TASK: u64 = 2;

/// The system counter (`CNTPCT_EL0`): the runtime's scheduling clock, and the unit of the
/// `wait` call's deadline.
pub fn counter() -> u64 {
    let ticks: u64;
    // SAFETY: reading the counter has no side effects; the kernel lets EL0 read it
    // (CNTKCTL_EL1.EL0PCTEN).
    unsafe { core::arch::asm!("isb", "mrs {}, cntpct_el0", out(reg) ticks, options(nostack)) };
    ticks
}

/// The `wait` call's word for what a task waits on.
pub fn wait_word(wait: WaitOn) -> u32 {
    match wait {
        WaitOn::Send(q) => wait_send(q.0),
        WaitOn::Receive(q) => wait_receive(q.0),
        WaitOn::Interrupt(i) => wait_interrupt(i.0),
        WaitOn::Console => WAIT_CONSOLE,
    }
}

/// The longest system report the host asks for.
const MAX_REPORT: usize = 64 * 1024;

pub struct HostPlatform {
    pub ticks_per_second: u64,
}

impl Platform for HostPlatform {
    fn now_ticks(&mut self) -> u64 {
        counter()
    }

    fn ticks_per_second(&self) -> u64 {
        self.ticks_per_second
    }

    fn log(&mut self, _component: &str, level: LogLevel, message: &str) -> Result<(), u64> {
        // The kernel adds the component's name. It keeps the budget too: over it, the line
        // is dropped (and counted there) and the task should wait as long as it says. Other
        // refusals (no `log` grant) were already answered by the runtime's own check.
        match svc::log(level as u64, message) {
            Err((Status::WouldBlock, wait)) => Err(wait),
            _ => Ok(()),
        }
    }

    fn console_read(&mut self, into: &mut [u8]) -> Result<usize, QueueRefusal> {
        match svc::console_read(into) {
            Ok(n) => Ok(n),
            Err(Status::WouldBlock) => Err(QueueRefusal::WouldBlock),
            Err(status) => Err(QueueRefusal::Error(call_error(status))),
        }
    }

    fn system_info(&mut self, topic: u32) -> Result<Vec<u8>, CallError> {
        // Most reports fit in 4 KiB; the kernel says how long one is when it does not.
        let mut buffer = vec![0u8; 4096];
        loop {
            let len = svc::system_info(u64::from(topic), &mut buffer).map_err(call_error)?;
            if len <= buffer.len() || buffer.len() >= MAX_REPORT {
                buffer.truncate(len.min(buffer.len()));
                return Ok(buffer);
            }
            buffer.resize(len.min(MAX_REPORT), 0);
        }
    }

    fn now_us(&mut self) -> Result<u64, CallError> {
        svc::now_us().map_err(call_error)
    }

    fn lookup(&mut self, name: &str, _local: Option<Handle>) -> Result<Handle, CallError> {
        // The kernel's table is the authoritative one: ask it even when the replica says no
        // (it only ever holds less than the replica).
        svc::lookup(name).map(Handle).map_err(call_error)
    }

    fn log_dropped(&mut self, _component: &str) {
        svc::log_dropped();
    }

    fn park(&mut self, park: Park, fuel: u64) -> bool {
        // The process itself waits in the kernel, right inside the host call: the task stays
        // where it is in the interpreter.
        let waited = match park {
            Park::Yield => {
                svc::yield_now(fuel);
                Ok(0)
            }
            Park::Until(deadline) => svc::wait(&[], deadline, fuel),
            Park::On(wait) => svc::wait(&[wait_word(wait)], u64::MAX, fuel),
        };
        if let Err(status) = waited {
            svc::fault(&format!("wait refused: {status}"))
        }
        true
    }

    fn mmio_read32(&mut self, address: u64) -> u32 {
        // SAFETY: the runtime checked that the word is aligned and inside a region this
        // component holds; the kernel mapped that region here as device memory. Were either
        // wrong, the access would fault this process only.
        unsafe { core::ptr::read_volatile(address as *const u32) }
    }

    fn mmio_write32(&mut self, address: u64, value: u32) {
        // SAFETY: as for `mmio_read32`; the kernel mapped the region writable only if this
        // component holds it `rw`.
        unsafe { core::ptr::write_volatile(address as *mut u32, value) }
    }

    fn read_mapped(&mut self, address: u64, into: &mut [u8]) {
        // Volatile: another process may write the same region at any time.
        for (offset, byte) in into.iter_mut().enumerate() {
            // SAFETY: as for `mmio_read32`, for RAM: the range lies in this process's mapping
            // of the region.
            *byte = unsafe { core::ptr::read_volatile((address as *const u8).add(offset)) };
        }
    }

    fn write_mapped(&mut self, address: u64, data: &[u8]) {
        for (offset, byte) in data.iter().enumerate() {
            // SAFETY: as for `read_mapped`; mapped writable only for an `rw` holder (else this
            // faults the process, as the MMU is meant to make it).
            unsafe { core::ptr::write_volatile((address as *mut u8).add(offset), *byte) };
        }
    }

    fn event(&mut self, event: RuntimeEvent<'_>) {
        let mut text = String::new();
        let _ = write!(text, "{event}");
        match event {
            // The kernel reports grants itself, from its own tables.
            RuntimeEvent::Granted { .. } => {}
            RuntimeEvent::Mounted { .. } => svc::event(EVENT_MOUNT, &text),
            RuntimeEvent::Denied { .. } => svc::event(EVENT_DENIED, &text),
            RuntimeEvent::TaskFinished { .. } => svc::event(EVENT_TASK, &text),
            // A trap ends the process: the kernel applies the restart policy.
            RuntimeEvent::TaskFault { .. } => svc::fault(&text),
            // The host runs its component with no restarts of its own; these follow a fault,
            // which never returns.
            RuntimeEvent::RestartScheduled { .. }
            | RuntimeEvent::Restarted { .. }
            | RuntimeEvent::Stopped { .. } => {}
        }
    }

    fn retire_region(&mut self, _region: RegionId, _backing: RegionBacking) {}
}
