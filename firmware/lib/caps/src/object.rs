//! What a capability names: kernel objects, their kinds, and the ids the kernel gives them.

use core::fmt;

use ruvix_manifest::limits::PAGE_SIZE;
use ruvix_manifest::{ComponentIndex, KernelCap};

use crate::error::CapError;
use crate::rights::Rights;

/// A physical address range `start..end`: non-empty, both ends multiples of 4 KiB (the mapping
/// granule, so a memory capability always covers whole pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryRange {
    start: u64,
    end: u64,
}

impl MemoryRange {
    /// The range `start..end`, or [`CapError::BadRange`] if it is empty or not page aligned.
    pub const fn new(start: u64, end: u64) -> Result<MemoryRange, CapError> {
        if start < end && start.is_multiple_of(PAGE_SIZE) && end.is_multiple_of(PAGE_SIZE) {
            Ok(MemoryRange { start, end })
        } else {
            Err(CapError::BadRange { start, end })
        }
    }

    /// First address.
    pub const fn start(self) -> u64 {
        self.start
    }

    /// One past the last address.
    pub const fn end(self) -> u64 {
        self.end
    }

    /// Size in bytes (never 0).
    pub const fn size(self) -> u64 {
        // start < end by construction.
        self.end.saturating_sub(self.start)
    }

    /// Whether `other` lies entirely inside `self`.
    pub const fn contains(self, other: MemoryRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl fmt::Display for MemoryRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}..{:#x}", self.start, self.end)
    }
}

/// Index of a region in the kernel's region list (stage 2 creates one per manifest region).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u32);

/// Index of a queue in the kernel's queue list (stage 2 creates one per manifest queue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueId(pub u32);

/// Index of an interrupt in the manifest's `interrupts` (the board description gives its line;
/// the kernel needs no object list of its own for them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterruptId(pub u32);

/// A value stamped on a capability when it is handed to a component, so the kernel can tell
/// who is calling (e.g. which component wrote a witness-log entry). Set once: a badged
/// capability cannot be re-badged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Badge(pub u32);

impl Badge {
    /// No badge: the root's own capabilities.
    pub const NONE: Badge = Badge(0);

    /// The badge of capabilities given to component `index` (`index + 1`, so never `NONE`).
    pub const fn component(index: ComponentIndex) -> Badge {
        Badge((index.0 as u32).saturating_add(1))
    }

    /// The component a badge made by [`Badge::component`] stands for.
    pub const fn as_component(self) -> Option<ComponentIndex> {
        match self.0.checked_sub(1) {
            Some(index) if index <= u16::MAX as u32 => Some(ComponentIndex(index as u16)),
            _ => None,
        }
    }
}

/// The object a capability names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// A range of physical RAM (the root's boot-time view of memory).
    PhysicalMemory(MemoryRange),
    /// A region of the kernel's region list: RAM from the frame allocator or a fixed MMIO range.
    /// Its address and kind live in that list; the capability says who may map it, how.
    Region(RegionId),
    /// The sending end of a queue.
    QueueSend(QueueId),
    /// The receiving end of a queue.
    QueueReceive(QueueId),
    /// A device interrupt of the manifest: its holder waits for it and acknowledges it.
    Interrupt(InterruptId),
    /// The generic timer.
    Timer,
    /// The interrupt queue the kernel delivers device interrupts to.
    InterruptQueue,
    /// The hash-chained witness log.
    WitnessLog,
    /// The console log (UART).
    Log,
    /// The verified RVF package.
    Package,
    /// The log UART's input.
    Console,
    /// The kernel's reports on the running system.
    SystemInfo,
}

/// The kind of an [`ObjectRef`], without its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// [`ObjectRef::PhysicalMemory`].
    PhysicalMemory,
    /// [`ObjectRef::Region`].
    Region,
    /// [`ObjectRef::QueueSend`].
    QueueSend,
    /// [`ObjectRef::QueueReceive`].
    QueueReceive,
    /// [`ObjectRef::Interrupt`].
    Interrupt,
    /// [`ObjectRef::Timer`].
    Timer,
    /// [`ObjectRef::InterruptQueue`].
    InterruptQueue,
    /// [`ObjectRef::WitnessLog`].
    WitnessLog,
    /// [`ObjectRef::Log`].
    Log,
    /// [`ObjectRef::Package`].
    Package,
    /// [`ObjectRef::Console`].
    Console,
    /// [`ObjectRef::SystemInfo`].
    SystemInfo,
}

impl ObjectKind {
    /// The rights a capability of this kind can carry at all.
    pub const fn applicable_rights(self) -> Rights {
        match self {
            ObjectKind::QueueSend => Rights::SEND.union(Rights::GRANT),
            ObjectKind::QueueReceive => Rights::RECEIVE.union(Rights::GRANT),
            ObjectKind::PhysicalMemory
            | ObjectKind::Region
            | ObjectKind::Interrupt
            | ObjectKind::Timer
            | ObjectKind::InterruptQueue
            | ObjectKind::WitnessLog
            | ObjectKind::Log
            | ObjectKind::Package
            | ObjectKind::Console
            | ObjectKind::SystemInfo => Rights::READ.union(Rights::WRITE).union(Rights::GRANT),
        }
    }

    /// The kind of the manifest's kernel capability `cap`.
    pub const fn of_kernel_cap(cap: KernelCap) -> ObjectKind {
        match cap {
            KernelCap::PhysicalMemory => ObjectKind::PhysicalMemory,
            KernelCap::Timer => ObjectKind::Timer,
            KernelCap::InterruptQueue => ObjectKind::InterruptQueue,
            KernelCap::WitnessLog => ObjectKind::WitnessLog,
            KernelCap::Log => ObjectKind::Log,
            KernelCap::Package => ObjectKind::Package,
            KernelCap::Console => ObjectKind::Console,
            KernelCap::SystemInfo => ObjectKind::SystemInfo,
        }
    }

    /// The manifest's name for this kind, if it is a kernel capability (not a region, queue end
    /// or interrupt).
    pub const fn kernel_cap(self) -> Option<KernelCap> {
        match self {
            ObjectKind::PhysicalMemory => Some(KernelCap::PhysicalMemory),
            ObjectKind::Timer => Some(KernelCap::Timer),
            ObjectKind::InterruptQueue => Some(KernelCap::InterruptQueue),
            ObjectKind::WitnessLog => Some(KernelCap::WitnessLog),
            ObjectKind::Log => Some(KernelCap::Log),
            ObjectKind::Package => Some(KernelCap::Package),
            ObjectKind::Console => Some(KernelCap::Console),
            ObjectKind::SystemInfo => Some(KernelCap::SystemInfo),
            ObjectKind::Region
            | ObjectKind::QueueSend
            | ObjectKind::QueueReceive
            | ObjectKind::Interrupt => None,
        }
    }

    /// Stable tag in the capability-table encoding.
    pub const fn tag(self) -> u8 {
        match self {
            ObjectKind::PhysicalMemory => 1,
            ObjectKind::Region => 2,
            ObjectKind::QueueSend => 3,
            ObjectKind::QueueReceive => 4,
            ObjectKind::Timer => 5,
            ObjectKind::InterruptQueue => 6,
            ObjectKind::WitnessLog => 7,
            ObjectKind::Log => 8,
            ObjectKind::Package => 9,
            ObjectKind::Interrupt => 10,
            ObjectKind::Console => 11,
            ObjectKind::SystemInfo => 12,
        }
    }

    /// The kind with encoding tag `tag` (the inverse of [`ObjectKind::tag`]).
    #[cfg(feature = "replica")]
    pub(crate) const fn from_tag(tag: u8) -> Option<ObjectKind> {
        match tag {
            1 => Some(ObjectKind::PhysicalMemory),
            2 => Some(ObjectKind::Region),
            3 => Some(ObjectKind::QueueSend),
            4 => Some(ObjectKind::QueueReceive),
            5 => Some(ObjectKind::Timer),
            6 => Some(ObjectKind::InterruptQueue),
            7 => Some(ObjectKind::WitnessLog),
            8 => Some(ObjectKind::Log),
            9 => Some(ObjectKind::Package),
            10 => Some(ObjectKind::Interrupt),
            11 => Some(ObjectKind::Console),
            12 => Some(ObjectKind::SystemInfo),
            _ => None,
        }
    }

    /// The name used in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            ObjectKind::PhysicalMemory => "physical memory",
            ObjectKind::Region => "region",
            ObjectKind::QueueSend => "queue send end",
            ObjectKind::QueueReceive => "queue receive end",
            ObjectKind::Interrupt => "interrupt",
            ObjectKind::Timer => "timer",
            ObjectKind::InterruptQueue => "interrupt queue",
            ObjectKind::WitnessLog => "witness log",
            ObjectKind::Log => "log",
            ObjectKind::Package => "package",
            ObjectKind::Console => "console",
            ObjectKind::SystemInfo => "system info",
        }
    }
}

impl From<KernelCap> for ObjectKind {
    fn from(cap: KernelCap) -> ObjectKind {
        ObjectKind::of_kernel_cap(cap)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ObjectRef {
    /// The kind of this object.
    pub const fn kind(self) -> ObjectKind {
        match self {
            ObjectRef::PhysicalMemory(_) => ObjectKind::PhysicalMemory,
            ObjectRef::Region(_) => ObjectKind::Region,
            ObjectRef::QueueSend(_) => ObjectKind::QueueSend,
            ObjectRef::QueueReceive(_) => ObjectKind::QueueReceive,
            ObjectRef::Interrupt(_) => ObjectKind::Interrupt,
            ObjectRef::Timer => ObjectKind::Timer,
            ObjectRef::InterruptQueue => ObjectKind::InterruptQueue,
            ObjectRef::WitnessLog => ObjectKind::WitnessLog,
            ObjectRef::Log => ObjectKind::Log,
            ObjectRef::Package => ObjectKind::Package,
            ObjectRef::Console => ObjectKind::Console,
            ObjectRef::SystemInfo => ObjectKind::SystemInfo,
        }
    }

    /// The object of a kernel capability other than physical memory (which needs a range).
    pub const fn of_kernel_cap(cap: KernelCap) -> Option<ObjectRef> {
        match cap {
            KernelCap::PhysicalMemory => None,
            KernelCap::Timer => Some(ObjectRef::Timer),
            KernelCap::InterruptQueue => Some(ObjectRef::InterruptQueue),
            KernelCap::WitnessLog => Some(ObjectRef::WitnessLog),
            KernelCap::Log => Some(ObjectRef::Log),
            KernelCap::Package => Some(ObjectRef::Package),
            KernelCap::Console => Some(ObjectRef::Console),
            KernelCap::SystemInfo => Some(ObjectRef::SystemInfo),
        }
    }

    /// The two 64-bit words identifying the object within its kind, for the encoding.
    pub(crate) const fn words(self) -> (u64, u64) {
        match self {
            ObjectRef::PhysicalMemory(range) => (range.start, range.end),
            ObjectRef::Region(RegionId(id))
            | ObjectRef::QueueSend(QueueId(id))
            | ObjectRef::QueueReceive(QueueId(id))
            | ObjectRef::Interrupt(InterruptId(id)) => (id as u64, 0),
            ObjectRef::Timer
            | ObjectRef::InterruptQueue
            | ObjectRef::WitnessLog
            | ObjectRef::Log
            | ObjectRef::Package
            | ObjectRef::Console
            | ObjectRef::SystemInfo => (0, 0),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ObjectRef::PhysicalMemory(range) => write!(f, "physical memory {range}"),
            ObjectRef::Region(RegionId(id)) => write!(f, "region {id}"),
            ObjectRef::QueueSend(QueueId(id)) => write!(f, "queue {id} send end"),
            ObjectRef::QueueReceive(QueueId(id)) => write!(f, "queue {id} receive end"),
            ObjectRef::Interrupt(InterruptId(id)) => write!(f, "interrupt {id}"),
            other => f.write_str(other.kind().as_str()),
        }
    }
}
