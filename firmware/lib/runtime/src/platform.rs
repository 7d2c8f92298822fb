//! What the kernel supplies: the clock, the console, device registers, the event log — and the
//! memory behind the manifest's regions.

use core::fmt;

use ruvix_caps::{Handle, RegionId};

use alloc::vec::Vec;

use crate::abi::CallError;
use crate::event::RuntimeEvent;
use crate::policy::{WaitOn, ticks_to_us};
use crate::queues::QueueRefusal;

/// What a task waits for when its host call waits in place ([`Platform::park`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Park {
    /// `task.yield-now`: let others run, then go on.
    Yield,
    /// A sleep: until the counter reaches this many ticks.
    Until(u64),
    /// A queue, an interrupt or the console.
    On(WaitOn),
}

/// The hardware the runtime needs, implemented by the kernel (and by a fake in host tests).
///
/// The runtime owns its platform ([`crate::Runtime::platform_mut`] lends it back), so an
/// implementation can hold what it needs (the witness log, a console handle) or reach kernel
/// globals. Every method is called from [`crate::Runtime::mount`] or
/// [`crate::Runtime::run_slice`], never concurrently.
pub trait Platform {
    /// The monotonic system counter (the generic timer's `CNTPCT_EL0` on the Pi).
    fn now_ticks(&mut self) -> u64;

    /// Counter ticks per second (`CNTFRQ_EL0`: 62.5 MHz under QEMU, 19.2 MHz on a Pi 3,
    /// 54 MHz on a Pi 4). Must not be 0.
    fn ticks_per_second(&self) -> u64;

    /// One line of a component's console log (`log.write`), within the budget the runtime
    /// keeps. `message` is the component's text, cut to [`crate::MAX_LOG_LINE`] bytes, without
    /// a newline. `Err(ticks)`: the platform keeps a budget of its own and dropped the line
    /// (the kernel does, per process, so that a host skipping the runtime's check gains
    /// nothing); the next line is allowed in `ticks` counter ticks.
    fn log(&mut self, component: &str, level: LogLevel, message: &str) -> Result<(), u64>;

    /// `time.now-us` for a component the runtime found holding the `timer` grant:
    /// microseconds since boot. By default from [`Platform::now_ticks`]; the component host
    /// asks the kernel instead (a supervisor call: the kernel checks the grant in its own
    /// table and the call's time is the caller's). The runtime's own clock — deadlines,
    /// slices — stays [`Platform::now_ticks`].
    fn now_us(&mut self) -> Result<u64, CallError> {
        Ok(ticks_to_us(self.now_ticks(), self.ticks_per_second()))
    }

    /// `console.read` for a holder of `console`: moves typed bytes into `into` (at most its
    /// length, at least 1), how many; `Err(QueueRefusal::WouldBlock)` when nothing was typed (the
    /// task then waits for [`crate::WaitOn::Console`]).
    fn console_read(&mut self, into: &mut [u8]) -> Result<usize, QueueRefusal>;

    /// `system-info.report(topic)` for a holder of `system-info`: the kernel's text report
    /// (`topic` 0 uptime, 1 tasks, 2 queues, 3 log).
    fn system_info(&mut self, topic: u32) -> Result<Vec<u8>, CallError>;

    /// Waits right inside the host call that must wait, instead of suspending the task (which
    /// takes it out of the interpreter and back in: the costliest part of a blocking call).
    /// The runtime asks only when the task is the only one it runs, so nothing else of its
    /// could run meanwhile. `fuel` is what the task has spent so far (for the kernel's
    /// reports). Returns when the wait may be over (the runtime checks and may ask again);
    /// `false` if the platform cannot wait in place (the default): the task is suspended.
    fn park(&mut self, park: Park, fuel: u64) -> bool {
        let _ = (park, fuel);
        false
    }

    /// `capabilities.lookup(name)`, given `local`, the answer of the runtime's copy of the
    /// component's table. By default that answer; the component host asks the kernel, whose
    /// table is the authoritative one (it may have revoked what the copy still names).
    fn lookup(&mut self, name: &str, local: Option<Handle>) -> Result<Handle, CallError> {
        let _ = name;
        local.ok_or(CallError::Denied)
    }

    /// A line of `component`'s was dropped over its log budget (the runtime counts it too:
    /// [`crate::Runtime::log_counts`]); a platform that keeps its own counts — the kernel,
    /// when the runtime runs in a process — learns of it here.
    fn log_dropped(&mut self, component: &str);

    /// A single aligned 32-bit volatile read of device memory at the absolute physical address
    /// `address`. The runtime has checked that the word lies inside an MMIO region the calling
    /// component may read, and that `address` is a multiple of 4.
    fn mmio_read32(&mut self, address: u64) -> u32;

    /// A single aligned 32-bit volatile write of `value` to device memory at `address` (checked
    /// as for [`Platform::mmio_read32`], with the write right).
    fn mmio_write32(&mut self, address: u64, value: u32);

    /// Copies `into.len()` bytes at `address` of the current address space into `into`: a
    /// component's read of a [`RegionBacking::Mapped`] RAM region. The runtime has checked the
    /// capability and that the bytes lie inside the mapping.
    fn read_mapped(&mut self, address: u64, into: &mut [u8]);

    /// Copies `data` to `address` of the current address space: a component's write of a
    /// writable [`RegionBacking::Mapped`] RAM region (checked as for
    /// [`Platform::read_mapped`], with the write right).
    fn write_mapped(&mut self, address: u64, data: &[u8]);

    /// Something the kernel records in its witness log and prints: capability grants at mount,
    /// mount timing, task faults, restarts, components stopped for good, denied interfaces.
    fn event(&mut self, event: RuntimeEvent<'_>);

    /// Region `region` has no holder that will run again (every component granted it is
    /// stopped for good): the runtime lets go of its memory and hands `backing` — the only
    /// reference to it — back, so the kernel may unmap it (teardown). Called once per region,
    /// after the [`RuntimeEvent::Stopped`] that made it unheld.
    fn retire_region(&mut self, region: RegionId, backing: RegionBacking);
}

/// The level of a log line (the WIT `log.level`, in its order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `debug`.
    Debug,
    /// `info`.
    Info,
    /// `warn`.
    Warn,
    /// `error`.
    Error,
}

impl LogLevel {
    /// The level with canonical-ABI discriminant `value`, if there is one.
    pub const fn from_discriminant(value: u32) -> Option<LogLevel> {
        match value {
            0 => Some(LogLevel::Debug),
            1 => Some(LogLevel::Info),
            2 => Some(LogLevel::Warn),
            3 => Some(LogLevel::Error),
            _ => None,
        }
    }

    /// The WIT name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The memory behind one manifest region, as stage 2 made it.
///
/// The kernel passes one per region, indexed by the region's `RegionId` — which must be the
/// manifest's region order (`ObjectIds::in_manifest_order`); [`crate::Runtime::mount`] checks
/// that each matches its manifest region in kind and size.
pub enum RegionBacking {
    /// RAM: frames from the frame allocator, zeroed and mapped for the kernel (in host tests a
    /// leaked `Vec`). Components reach it with `regions.read`/`write`/`read32`/`write32`.
    Ram(&'static mut [u8]),
    /// Device registers at physical address `base`, `size` bytes. Components reach them only
    /// with `regions.read32`/`write32`, which become [`Platform::mmio_read32`] /
    /// [`Platform::mmio_write32`]; byte accesses are refused (`wrong-kind`).
    Mmio {
        /// Physical address of the first register.
        base: u64,
        /// Size in bytes.
        size: u64,
    },
    /// Region memory the runtime does not own but reaches at `address` of the current address
    /// space: an EL0 component host's own mapping of the region, read-only or read-write as its
    /// capability says. Whoever makes one vouches that `address .. address + size` stays mapped
    /// that way while the runtime holds it. RAM is reached through
    /// [`Platform::read_mapped`] / [`Platform::write_mapped`]; `mmio` memory, like
    /// [`RegionBacking::Mmio`], only through [`Platform::mmio_read32`] /
    /// [`Platform::mmio_write32`] at the absolute address. Every access is checked first, as
    /// for the other kinds, and one that would write a mapping that is not `writable` is
    /// `denied`.
    Mapped {
        /// Where the region starts in the current address space.
        address: u64,
        /// Size in bytes.
        size: u64,
        /// Whether the mapping may be written.
        writable: bool,
        /// Whether it is device memory (32-bit accesses only).
        mmio: bool,
    },
}

impl RegionBacking {
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            RegionBacking::Ram(bytes) => u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            RegionBacking::Mmio { size, .. } | RegionBacking::Mapped { size, .. } => *size,
        }
    }

    /// Whether this is device memory.
    pub fn is_mmio(&self) -> bool {
        matches!(
            self,
            RegionBacking::Mmio { .. } | RegionBacking::Mapped { mmio: true, .. }
        )
    }
}

impl fmt::Debug for RegionBacking {
    // The RAM contents are left out: they can be large.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionBacking::Ram(bytes) => write!(f, "Ram({} bytes)", bytes.len()),
            RegionBacking::Mmio { base, size } => write!(f, "Mmio({base:#x}, {size:#x} bytes)"),
            RegionBacking::Mapped {
                address,
                size,
                writable,
                mmio,
            } => {
                let kind = if *mmio { "mmio" } else { "ram" };
                let access = if *writable { "rw" } else { "ro" };
                write!(f, "Mapped({kind} {access}, {address:#x}, {size:#x} bytes)")
            }
        }
    }
}
