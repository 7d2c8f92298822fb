//! The contract between the kernel and the component host, the EL0 program that runs one
//! component per process (see `docs/svc-abi.md`):
//!
//! - [`layout`]: where everything lives in a process's address space (the same in every
//!   process; the component host is linked at [`layout::HOST_BASE`]);
//! - [`BootInfo`]: the read-only page the kernel fills for a process and passes in `x0`;
//! - [`call`] and [`Status`]: the supervisor calls (`svc #n`) and their result codes.
//!
//! Plain data only, shared by both sides so that they cannot disagree.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod layout {
    //! A process's address space. TTBR0 root slot 256 (1 GiB from 256 GiB) is the user window;
    //! the kernel's own slots are shared with every process and mapped EL1-only.

    /// Start of the user window.
    pub const USER_BASE: u64 = 256 << 30;
    /// End of the user window (exclusive).
    pub const USER_END: u64 = USER_BASE + (1 << 30);
    /// The component host's image (code, read-only data, data, bss) is linked here.
    pub const HOST_BASE: u64 = USER_BASE;
    /// The most the component host's image may span.
    pub const HOST_MAX: u64 = 32 << 20;
    /// The boot information page ([`crate::BootInfo`]), read-only, followed by the inputs it
    /// points to (manifest, capability replica, module bytes), all read-only.
    pub const INPUTS_BASE: u64 = USER_BASE + (64 << 20);
    /// The most the inputs may span.
    pub const INPUTS_MAX: u64 = 64 << 20;
    /// The stack's lowest address; the page below it is never mapped (the guard).
    pub const STACK_BASE: u64 = USER_BASE + (160 << 20);
    /// The heap (the component's linear memory and the interpreter's data).
    pub const HEAP_BASE: u64 = USER_BASE + (192 << 20);
    /// The most a heap may span.
    pub const HEAP_MAX: u64 = 320 << 20;
    /// The granted regions, one after the other, each starting on a page with an unmapped
    /// page between them.
    pub const REGIONS_BASE: u64 = USER_BASE + (512 << 20);
    /// Size of a page.
    pub const PAGE_SIZE: u64 = 4096;
}

/// `BootInfo::magic`: "RVXPROC1".
pub const BOOT_MAGIC: u64 = u64::from_le_bytes(*b"RVXPROC1");
/// The most regions a system may have (the manifest's limit).
pub const MAX_REGIONS: usize = 64;

/// `RegionSlot::flags`: the process holds this region (else the slot is empty).
pub const REGION_HELD: u64 = 1 << 0;
/// `RegionSlot::flags`: mapped read-write (else read-only).
pub const REGION_WRITABLE: u64 = 1 << 1;
/// `RegionSlot::flags`: device memory (32-bit accesses only).
pub const REGION_MMIO: u64 = 1 << 2;

/// Where one region of the system is in this process, by `RegionId`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegionSlot {
    /// Its first byte in this address space (0 if not held).
    pub address: u64,
    /// Its size in bytes (as the manifest says, also when not held).
    pub size: u64,
    /// [`REGION_HELD`], [`REGION_WRITABLE`], [`REGION_MMIO`].
    pub flags: u64,
}

/// A byte range of the inputs, as an offset from [`layout::INPUTS_BASE`] and a length.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blob {
    /// Offset from [`layout::INPUTS_BASE`].
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// What the kernel tells a new process, at [`layout::INPUTS_BASE`] (the address is also in
/// `x0` when it starts). Everything a component host needs to mount its component.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BootInfo {
    /// [`BOOT_MAGIC`].
    pub magic: u64,
    /// The component's index in the manifest.
    pub component: u64,
    /// Counter ticks per second (`CNTFRQ_EL0`).
    pub ticks_per_second: u64,
    /// The system manifest (postcard, as in the package).
    pub manifest: Blob,
    /// The component's capability table, replicated (`ComponentCaps::to_replica`).
    pub capabilities: Blob,
    /// The component's WebAssembly module.
    pub module: Blob,
    /// The heap: address and size.
    pub heap_base: u64,
    /// Heap size in bytes.
    pub heap_size: u64,
    /// Number of regions in the system (entries of `regions` in use).
    pub region_count: u64,
    /// Every region of the system, by `RegionId`.
    pub regions: [RegionSlot; MAX_REGIONS],
    /// Test images only (0 otherwise): addresses the component host's fault-injection hook
    /// tries to reach although it must not — see [`PROBE_PEER_HEAP`] and the others.
    pub probes: [u64; PROBES],
    /// How many times the component has been restarted (0 in its first life).
    pub restarts: u64,
}

/// How many probe addresses [`BootInfo::probes`] has.
pub const PROBES: usize = 3;
/// `probes[PROBE_PEER_HEAP]`: the physical address of another process's heap.
pub const PROBE_PEER_HEAP: usize = 0;
/// `probes[PROBE_PEER_REGION]`: the physical address of a region this component was not granted.
pub const PROBE_PEER_REGION: usize = 1;
/// `probes[PROBE_KERNEL]`: the physical address of the kernel's code.
pub const PROBE_KERNEL: usize = 2;

impl BootInfo {
    /// An empty page (magic set, nothing else).
    pub const fn empty() -> BootInfo {
        BootInfo {
            magic: BOOT_MAGIC,
            component: 0,
            ticks_per_second: 0,
            manifest: Blob { offset: 0, len: 0 },
            capabilities: Blob { offset: 0, len: 0 },
            module: Blob { offset: 0, len: 0 },
            heap_base: 0,
            heap_size: 0,
            region_count: 0,
            regions: [RegionSlot {
                address: 0,
                size: 0,
                flags: 0,
            }; MAX_REGIONS],
            probes: [0; PROBES],
            restarts: 0,
        }
    }
}

const _: () = assert!(core::mem::size_of::<BootInfo>() <= layout::PAGE_SIZE as usize);

pub mod call {
    //! Supervisor call numbers: the immediate of `svc #n`. Arguments in `x0`..`x2` (`wait`
    //! also reads `x3`), the
    //! [`crate::Status`] in `x0`, a second result in `x1`. Every other register is preserved.

    /// `exit()`: every task has finished; the process ends normally. Does not return.
    pub const EXIT: u16 = 0;
    /// `fault(text, len)`: the component trapped (or the host failed); the process ends and
    /// the restart policy applies. Does not return.
    pub const FAULT: u16 = 1;
    /// `mounted(tasks, denied)`: mount succeeded with `tasks` tasks; `denied` is the set of
    /// interfaces the module imports but holds no capability for (a bit per interface).
    pub const MOUNTED: u16 = 2;
    /// `mount_failed(text, len)`: mount failed for the reason given; the process ends (no
    /// restart). Does not return.
    pub const MOUNT_FAILED: u16 = 3;
    /// `event(level, text, len)`: a line the runtime reports (a task finished, a call denied).
    pub const EVENT: u16 = 4;
    /// `log(level, text, len)`: one console line (`log.write`); needs the `log` capability.
    /// The kernel keeps the component's log budget too: over it, the line is dropped and
    /// counted, and the call returns `WouldBlock` with, in `x1`, the counter ticks until the
    /// next line is allowed.
    pub const LOG: u16 = 10;
    /// `log_dropped()`: the host dropped one line over the component's log budget (counted by
    /// the kernel, which prints the counts).
    pub const LOG_DROPPED: u16 = 12;
    /// `send(handle, message, len)`: copies a message into the queue whose send end `handle`
    /// names; `WouldBlock` when full.
    pub const SEND: u16 = 20;
    /// `front_len(handle) -> len`: the length of the oldest message of the receive end
    /// `handle`, left in the queue; `WouldBlock` when empty.
    pub const FRONT_LEN: u16 = 21;
    /// `receive(handle, buffer, len)`: copies the oldest message (exactly `len` bytes long, as
    /// `front_len` said) into `buffer` and only then removes it.
    pub const RECEIVE: u16 = 22;
    /// `yield(fuel)`: a task yielded (`task.yield-now`): the rest of this slice goes to the other
    /// ready processes; this one stays ready. `fuel`: what the component's tasks have spent so
    /// far (a statistic for the kernel's reports).
    pub const YIELD: u16 = 30;
    /// `now_us() -> microseconds`: `time.now-us`, since boot; needs the `timer` capability.
    pub const NOW_US: u16 = 40;
    /// `lookup(name, len) -> handle`: `capabilities.lookup`, from the kernel's table (which
    /// the process cannot reach); `Denied` for a name it does not hold, also one longer than
    /// [`crate::MAX_NAME`].
    pub const LOOKUP: u16 = 41;
    /// `interrupt_count(handle) -> count`: how many times the device interrupt `handle` names
    /// fired since its last `interrupt_ack`; `WouldBlock` if it has not (`interrupts.try-wait`,
    /// and the check behind `interrupts.wait`). Needs the interrupt with the read right.
    pub const INTERRUPT_COUNT: u16 = 50;
    /// `interrupt_ack(handle)`: resets the count and unmasks the line at the interrupt
    /// controller (`interrupts.ack`). Needs the interrupt with the write right.
    pub const INTERRUPT_ACK: u16 = 51;
    /// `console_read(buffer, len) -> count`: moves up to `len` typed bytes (the log UART's
    /// input) into `buffer`; `WouldBlock` when none wait. Needs `console` with read.
    pub const CONSOLE_READ: u16 = 60;
    /// `system_info(topic, buffer, len) -> full length`: the kernel's text report on `topic`
    /// ([`crate::TOPIC_UPTIME`] …), as much as fits into `buffer`; `x1` is its whole length
    /// (call again with a larger buffer if it did not fit). Needs `system-info` with read.
    pub const SYSTEM_INFO: u16 = 61;
    /// `wait(waits, count, deadline, fuel) -> satisfied`: every task is blocked; sleep until one of
    /// the `count` (≤ 64) wait words at `waits` may succeed or the counter reaches `deadline`
    /// (`u64::MAX`: none). Returns in `x1` a bit per wait word that may now succeed. `fuel` in
    /// `x3`, as for [`YIELD`].
    pub const WAIT: u16 = 31;
}

/// A wait word for [`call::WAIT`]: room in queue `queue` (to send).
pub const fn wait_send(queue: u32) -> u32 {
    queue << 1
}

/// A wait word for [`call::WAIT`]: a message in queue `queue` (to receive).
pub const fn wait_receive(queue: u32) -> u32 {
    (queue << 1) | 1
}

/// The bit that makes a wait word an interrupt's ([`wait_interrupt`]).
pub const WAIT_INTERRUPT: u32 = 1 << 31;

/// A wait word for [`call::WAIT`]: device interrupt `interrupt` (its index in the manifest's
/// `interrupts`) to fire.
pub const fn wait_interrupt(interrupt: u32) -> u32 {
    WAIT_INTERRUPT | (interrupt & !WAIT_INTERRUPT)
}

/// The wait word for typed console input ([`call::CONSOLE_READ`]).
pub const WAIT_CONSOLE: u32 = u32::MAX;

/// What a wait word waits for: the one reading of the encoding the functions above make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitWord {
    /// Room in this queue ([`wait_send`]).
    Send(u32),
    /// A message in this queue ([`wait_receive`]).
    Receive(u32),
    /// This interrupt to fire ([`wait_interrupt`]).
    Interrupt(u32),
    /// Typed console input ([`WAIT_CONSOLE`]).
    Console,
}

impl WaitWord {
    /// The meaning of `word`.
    pub const fn decode(word: u32) -> WaitWord {
        if word == WAIT_CONSOLE {
            WaitWord::Console
        } else if word & WAIT_INTERRUPT != 0 {
            WaitWord::Interrupt(word & !WAIT_INTERRUPT)
        } else if word & 1 == 1 {
            WaitWord::Receive(word >> 1)
        } else {
            WaitWord::Send(word >> 1)
        }
    }
}

/// [`call::SYSTEM_INFO`] topics (the WIT `system-info.topic`, in order).
pub const TOPIC_UPTIME: u64 = 0;
/// One line per component.
pub const TOPIC_TASKS: u64 = 1;
/// One line per queue.
pub const TOPIC_QUEUES: u64 = 2;
/// One line per component's log counts.
pub const TOPIC_LOG: u64 = 3;

/// The longest text a call passes (a log line, a fault report); longer ones are cut. The
/// runtime cuts log lines to the same length (`ruvix_runtime::MAX_LOG_LINE`).
pub const MAX_TEXT: usize = 512;

/// The longest capability name [`call::LOOKUP`] reads (the manifest allows 32 bytes).
pub const MAX_NAME: usize = 64;

/// The most wait words one [`call::WAIT`] takes.
pub const MAX_WAITS: usize = 64;

/// The result of a supervisor call, in `x0`. The first seven are the WIT `error` cases, in
/// order (discriminant + 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Status {
    /// Done.
    Ok = 0,
    /// `bad-handle`.
    BadHandle = 1,
    /// `wrong-kind`.
    WrongKind = 2,
    /// `denied`.
    Denied = 3,
    /// `out-of-bounds`.
    OutOfBounds = 4,
    /// `too-large`.
    TooLarge = 5,
    /// `would-block`.
    WouldBlock = 6,
    /// `unaligned`.
    Unaligned = 7,
    /// A pointer argument does not lie in memory the caller may read (or write).
    BadPointer = 100,
    /// Another argument is out of range (a count, a level, a length).
    BadArgument = 101,
    /// No such call.
    UnknownCall = 102,
}

impl Status {
    /// The status with code `value`, if there is one.
    pub const fn from_code(value: u64) -> Option<Status> {
        Some(match value {
            0 => Status::Ok,
            1 => Status::BadHandle,
            2 => Status::WrongKind,
            3 => Status::Denied,
            4 => Status::OutOfBounds,
            5 => Status::TooLarge,
            6 => Status::WouldBlock,
            7 => Status::Unaligned,
            100 => Status::BadPointer,
            101 => Status::BadArgument,
            102 => Status::UnknownCall,
            _ => return None,
        })
    }

    /// The code in `x0`.
    pub const fn code(self) -> u64 {
        self as u64
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::BadHandle => "bad-handle",
            Status::WrongKind => "wrong-kind",
            Status::Denied => "denied",
            Status::OutOfBounds => "out-of-bounds",
            Status::TooLarge => "too-large",
            Status::WouldBlock => "would-block",
            Status::Unaligned => "unaligned",
            Status::BadPointer => "bad pointer",
            Status::BadArgument => "bad argument",
            Status::UnknownCall => "unknown call",
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn status_codes_round_trip_and_unknown_codes_are_refused() {
        for code in 0..200 {
            if let Some(status) = Status::from_code(code) {
                assert_eq!(status.code(), code);
            }
        }
        assert_eq!(Status::from_code(8), None);
        assert_eq!(Status::from_code(u64::MAX), None);
        assert_eq!(Status::WouldBlock.to_string(), "would-block");
    }

    #[test]
    fn wait_words_keep_queue_and_direction() {
        assert_eq!(wait_send(5) >> 1, 5);
        assert_eq!(wait_receive(5) & 1, 1);
        assert_eq!(wait_send(5) & 1, 0);
        assert_eq!(wait_interrupt(3), WAIT_INTERRUPT | 3);
        assert_eq!(wait_send(5) & WAIT_INTERRUPT, 0);
        assert_eq!(wait_receive(1000) & WAIT_INTERRUPT, 0);
        assert_eq!(WaitWord::decode(wait_send(5)), WaitWord::Send(5));
        assert_eq!(WaitWord::decode(wait_receive(5)), WaitWord::Receive(5));
        assert_eq!(WaitWord::decode(wait_interrupt(3)), WaitWord::Interrupt(3));
        assert_eq!(WaitWord::decode(WAIT_CONSOLE), WaitWord::Console);
    }

    #[test]
    fn layout_areas_lie_in_the_window_and_do_not_overlap() {
        use layout::*;
        let areas = [
            (HOST_BASE, HOST_MAX),
            (INPUTS_BASE, INPUTS_MAX),
            (STACK_BASE, 1 << 20),
            (HEAP_BASE, HEAP_MAX),
            (REGIONS_BASE, USER_END - REGIONS_BASE),
        ];
        for (i, (base, size)) in areas.iter().enumerate() {
            assert!(*base >= USER_BASE && base + size <= USER_END);
            assert_eq!(base % PAGE_SIZE, 0);
            for (other, osize) in &areas[i + 1..] {
                assert!(base + size <= *other || other + osize <= *base);
            }
        }
    }
}
