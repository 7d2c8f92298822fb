//! Validation errors: what is wrong ([`Problem`]), with which item (`subject`), and where in the
//! manifest ([`Locator`]) so a front end can point at the line.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ruvix_board_desc::InterruptLine;

use crate::board::BoardId;
use crate::caps::{Access, KernelCap};
use crate::limits::{
    MAX_EXPORT_LEN, MAX_FILE_NAME_LEN, MAX_FUEL_SLICE, MAX_LOG_BURST, MAX_LOG_LINES_PER_SECOND,
    MAX_MEMORY_PAGES, MAX_MESSAGE_SIZE, MAX_MIN_RUN_MS, MAX_NAME_LEN, MAX_PRIORITY,
    MAX_QUEUE_DEPTH, MAX_REGION_SIZE, MAX_RESTARTS, MAX_TIME_SLICE_MS, MAX_WITNESS_ENTRIES,
};
use crate::model::InterruptSource;

/// Which item of a manifest, and which field of it, a message is about.
/// Indices are positions in the manifest's lists (and in the TOML file's arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Locator {
    /// The `[system]` table.
    System(SystemField),
    /// The component at this index.
    Component(usize, ComponentField),
    /// The region at this index.
    Region(usize, RegionField),
    /// The queue at this index.
    Queue(usize, QueueField),
    /// The interrupt at this index.
    Interrupt(usize, InterruptField),
    /// The `[root]` table.
    Root(RootField),
    /// The `[witness_log]` table.
    WitnessLog(WitnessLogField),
}

/// A field of the `[system]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SystemField {
    /// The table as a whole.
    Item,
    /// The model version.
    Version,
    /// `name`.
    Name,
    /// `boards`.
    Boards,
    /// One entry of `boards`.
    Board(usize),
    /// `wiring`.
    Wiring,
}

/// A field of a `[[component]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentField {
    /// The component as a whole.
    Item,
    /// `name`.
    Name,
    /// `wasm`.
    Wasm,
    /// `memory`.
    Memory,
    /// `fuel_slice`.
    FuelSlice,
    /// `time_slice_ms`.
    TimeSlice,
    /// `restart`.
    Restart,
    /// `log` (the log budget).
    LogBudget,
    /// `entry_points`.
    EntryPoints,
    /// `export` of one entry point.
    EntryExport(usize),
    /// `priority` of one entry point.
    EntryPriority(usize),
    /// `grants`.
    Grants,
    /// One grant.
    Grant(usize),
}

/// A field of a `[[region]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionField {
    /// The region as a whole.
    Item,
    /// `name`.
    Name,
    /// `kind`.
    Kind,
    /// `size`.
    Size,
    /// `peripheral_offset`.
    PeripheralOffset,
    /// `access`.
    Access,
    /// One entry of `access`.
    AccessEntry(usize),
}

/// A field of a `[[queue]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QueueField {
    /// The queue as a whole.
    Item,
    /// `name`.
    Name,
    /// `depth`.
    Depth,
    /// `message_size`.
    MessageSize,
    /// `from`.
    From,
    /// `to`.
    To,
}

/// A field of an `[[interrupt]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InterruptField {
    /// The interrupt as a whole.
    Item,
    /// `name`.
    Name,
    /// `source`.
    Source,
    /// `holder`.
    Holder,
}

/// A field of the `[root]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RootField {
    /// `minimum`.
    Minimum,
    /// One entry of `minimum`.
    MinimumEntry(usize),
}

/// A field of the `[witness_log]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WitnessLogField {
    /// The table as a whole.
    Item,
    /// `max_entries`.
    MaxEntries,
    /// `hash_chain`.
    HashChain,
}

impl Locator {
    /// The enclosing locator to fall back on when this one has no position: a list entry's
    /// list, a field's item. `None` for a whole item.
    pub const fn parent(self) -> Option<Locator> {
        match self {
            Locator::System(SystemField::Item) => None,
            Locator::System(SystemField::Board(_)) => Some(Locator::System(SystemField::Boards)),
            Locator::System(_) => Some(Locator::System(SystemField::Item)),
            Locator::Component(_, ComponentField::Item) => None,
            Locator::Component(i, ComponentField::EntryExport(_)) => {
                Some(Locator::Component(i, ComponentField::EntryPoints))
            }
            Locator::Component(i, ComponentField::EntryPriority(e)) => {
                Some(Locator::Component(i, ComponentField::EntryExport(e)))
            }
            Locator::Component(i, ComponentField::Grant(_)) => {
                Some(Locator::Component(i, ComponentField::Grants))
            }
            Locator::Component(i, _) => Some(Locator::Component(i, ComponentField::Item)),
            Locator::Region(_, RegionField::Item) => None,
            Locator::Region(i, RegionField::AccessEntry(_)) => {
                Some(Locator::Region(i, RegionField::Access))
            }
            Locator::Region(i, _) => Some(Locator::Region(i, RegionField::Item)),
            Locator::Queue(_, QueueField::Item) => None,
            Locator::Queue(i, _) => Some(Locator::Queue(i, QueueField::Item)),
            Locator::Interrupt(_, InterruptField::Item) => None,
            Locator::Interrupt(i, _) => Some(Locator::Interrupt(i, InterruptField::Item)),
            Locator::Root(RootField::Minimum) => None,
            Locator::Root(RootField::MinimumEntry(_)) => Some(Locator::Root(RootField::Minimum)),
            Locator::WitnessLog(WitnessLogField::Item) => None,
            Locator::WitnessLog(_) => Some(Locator::WitnessLog(WitnessLogField::Item)),
        }
    }

    /// The kind of item this locator is in.
    pub const fn item_kind(self) -> ItemKind {
        match self {
            Locator::System(_) => ItemKind::System,
            Locator::Component(..) => ItemKind::Component,
            Locator::Region(..) => ItemKind::Region,
            Locator::Queue(..) => ItemKind::Queue,
            Locator::Interrupt(..) => ItemKind::Interrupt,
            Locator::Root(_) => ItemKind::Root,
            Locator::WitnessLog(_) => ItemKind::WitnessLog,
        }
    }
}

/// The kinds of item in a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// `[system]`.
    System,
    /// `[[component]]`.
    Component,
    /// `[[region]]`.
    Region,
    /// `[[queue]]`.
    Queue,
    /// `[[interrupt]]`.
    Interrupt,
    /// `[root]`.
    Root,
    /// `[witness_log]`.
    WitnessLog,
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::System => "system",
            ItemKind::Component => "component",
            ItemKind::Region => "region",
            ItemKind::Queue => "queue",
            ItemKind::Interrupt => "interrupt",
            ItemKind::Root => "root",
            ItemKind::WitnessLog => "witness log",
        })
    }
}

/// What kind of name a name check was about; decides the rule it must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A system, component, region, queue or interrupt name.
    Item,
    /// A queue endpoint's port name.
    Port,
    /// A wasm file name.
    WasmFile,
    /// An entry point's export name.
    Export,
}

/// What a "too many" error counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Target boards.
    Boards,
    /// Components.
    Components,
    /// Regions.
    Regions,
    /// Queues.
    Queues,
    /// Interrupts.
    Interrupts,
    /// Entry points of a component.
    EntryPoints,
    /// Grants of a component.
    Grants,
    /// Access entries of a region.
    AccessEntries,
    /// Capabilities in the root's minimum set.
    RootCapabilities,
}

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Counted::Boards => "boards",
            Counted::Components => "components",
            Counted::Regions => "regions",
            Counted::Queues => "queues",
            Counted::Interrupts => "interrupts",
            Counted::EntryPoints => "entry points",
            Counted::Grants => "grants",
            Counted::AccessEntries => "access entries",
            Counted::RootCapabilities => "capabilities in the minimum set",
        })
    }
}

/// Which end of a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The sending end (`from`).
    From,
    /// The receiving end (`to`).
    To,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            End::From => "from",
            End::To => "to",
        })
    }
}

/// Which of its holder's other capabilities an interrupt's name clashes with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameClash {
    /// A grant of the kernel capability of that name (`log`, `timer`, ...).
    Grant,
    /// A region of that name the holder has access to.
    Region,
    /// A port of the holder's on this queue.
    Port {
        /// The queue's name.
        queue: String,
    },
    /// An earlier interrupt of the same holder.
    Interrupt {
        /// Its index.
        first: usize,
    },
}

impl fmt::Display for NameClash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameClash::Grant => f.write_str("its grant of that name"),
            NameClash::Region => f.write_str("its region of that name"),
            NameClash::Port { queue } => write!(f, "its port on queue \"{queue}\""),
            NameClash::Interrupt { first } => write!(f, "interrupt #{first}"),
        }
    }
}

/// Something that makes a manifest unacceptable for a board.
///
/// Displays as `<item kind> "<item name>": <problem>`, e.g.
/// `queue "readings": depth 0 is out of range (1..=1024)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Where the problem is.
    pub locator: Locator,
    /// Name of the item the locator points into (empty for `[root]` and `[witness_log]`).
    pub subject: String,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.locator.item_kind() {
            kind @ (ItemKind::Root | ItemKind::WitnessLog) => write!(f, "{kind}: {}", self.problem),
            kind => write!(f, "{kind} \"{}\": {}", self.subject, self.problem),
        }
    }
}

impl core::error::Error for ValidationError {}

/// What is wrong. The `Display` text is the message after the item prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The model version is not [`crate::FORMAT_VERSION`].
    UnsupportedVersion {
        /// Version found.
        found: u16,
    },
    /// A name breaks its rule (see [`NameKind`]).
    InvalidName {
        /// Which kind of name.
        kind: NameKind,
        /// The name.
        name: String,
    },
    /// A list is longer than its limit; checking stops there.
    TooMany {
        /// What was counted.
        what: Counted,
        /// How many there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An earlier item of the same kind has the same name.
    DuplicateName {
        /// The kind of item.
        kind: ItemKind,
        /// Index of the first item with this name.
        first: usize,
    },
    /// `boards` is empty.
    NoBoards,
    /// A board is listed twice.
    DuplicateBoard {
        /// The board.
        board: BoardId,
    },
    /// The board being validated for is not among `boards`.
    BoardNotTargeted {
        /// The board.
        board: BoardId,
    },
    /// The system has no components.
    NoComponents,
    /// The linear-memory limit is 0 or above [`MAX_MEMORY_PAGES`].
    MemoryLimit {
        /// The limit in wasm pages.
        pages: u32,
    },
    /// The linear-memory limit is more than the board's RAM.
    MemoryExceedsRam {
        /// The limit in bytes.
        bytes: u64,
        /// Board name.
        board: String,
        /// Board RAM in bytes.
        ram: u64,
    },
    /// The fuel slice is 0 or above [`MAX_FUEL_SLICE`].
    FuelSlice {
        /// The fuel slice.
        fuel: u64,
    },
    /// The process time slice is 0 or above [`MAX_TIME_SLICE_MS`].
    TimeSlice {
        /// The time slice in milliseconds.
        time_slice_ms: u32,
    },
    /// The component has no entry points.
    NoEntryPoints,
    /// An export is listed twice as an entry point.
    DuplicateEntryPoint {
        /// The export.
        export: String,
    },
    /// An entry-point priority is above [`MAX_PRIORITY`].
    Priority {
        /// The export.
        export: String,
        /// The priority.
        priority: u8,
    },
    /// The log budget's `lines_per_second` is 0 or above [`MAX_LOG_LINES_PER_SECOND`].
    LogRate {
        /// The value.
        lines_per_second: u32,
    },
    /// The log budget's `burst` is 0 or above [`MAX_LOG_BURST`].
    LogBurst {
        /// The value.
        burst: u32,
    },
    /// `max_restarts` is 0 or above [`MAX_RESTARTS`].
    RestartCount {
        /// The value.
        max_restarts: u32,
    },
    /// `min_run_ms` is 0 or above [`MAX_MIN_RUN_MS`].
    RestartMinRun {
        /// The value.
        min_run_ms: u32,
    },
    /// A capability is granted twice to one component.
    DuplicateGrant {
        /// The capability.
        cap: KernelCap,
    },
    /// The console (the log UART's input) is granted to a second component.
    ConsoleTaken {
        /// The component that has it already.
        first: String,
    },
    /// A capability the root may not give to components is granted.
    GrantNotDelegable {
        /// The capability.
        cap: KernelCap,
    },
    /// A grant asks for rights the root does not hold.
    GrantRightsNotHeld {
        /// The capability.
        cap: KernelCap,
        /// Rights asked for.
        requested: Access,
        /// Rights the root holds (`None`: not held at all).
        held: Option<Access>,
    },
    /// A region's size is 0.
    RegionSizeZero,
    /// A region's size is not a multiple of 4 KiB.
    RegionSizeUnaligned {
        /// The size.
        size: u64,
    },
    /// A region's size is above [`MAX_REGION_SIZE`].
    RegionSizeTooLarge {
        /// The size.
        size: u64,
    },
    /// An MMIO region's offset is not a multiple of 4 KiB.
    MmioOffsetUnaligned {
        /// The offset.
        offset: u64,
    },
    /// An MMIO region does not lie inside the board's peripheral window.
    MmioOutsideWindow {
        /// The offset.
        offset: u64,
        /// The region size.
        size: u64,
        /// Board name.
        board: String,
        /// Peripheral window base.
        base: u64,
        /// Peripheral window size.
        window: u64,
    },
    /// An MMIO region covers a device page the kernel keeps for itself.
    KernelPage {
        /// The page's name (`UART0`, `GIC distributor`, ...).
        page: &'static str,
        /// Its physical address.
        address: u64,
        /// What the kernel uses it for.
        why: &'static str,
        /// Board name.
        board: String,
    },
    /// Two MMIO regions overlap.
    RegionOverlap {
        /// Name of the earlier region.
        other: String,
        /// Its offset.
        other_offset: u64,
        /// Its size.
        other_size: u64,
    },
    /// The RAM regions together are larger than the board's RAM; reported at the first region
    /// that goes over.
    RamRegionsExceedRam {
        /// Bytes of RAM regions up to and including this one (saturating).
        total: u64,
        /// Board name.
        board: String,
        /// Board RAM in bytes.
        ram: u64,
    },
    /// A region access entry names a component index that does not exist.
    AccessComponentOutOfRange {
        /// The index.
        component: u16,
        /// How many components there are.
        count: usize,
    },
    /// A component is given access to a region twice.
    DuplicateAccess {
        /// The component.
        component: String,
    },
    /// A region access is write-only.
    WriteOnlyRegion {
        /// The component.
        component: String,
    },
    /// Queue depth is 0 or above [`MAX_QUEUE_DEPTH`].
    QueueDepth {
        /// The depth.
        depth: u32,
    },
    /// Message size is 0 or above [`MAX_MESSAGE_SIZE`].
    MessageSize {
        /// The size.
        size: u32,
    },
    /// A queue endpoint names a component index that does not exist.
    EndpointComponentOutOfRange {
        /// Which end.
        end: End,
        /// The index.
        component: u16,
        /// How many components there are.
        count: usize,
    },
    /// A (component, port) pair is already an end of another queue (or of this one).
    PortReused {
        /// Which end.
        end: End,
        /// `component.port`.
        endpoint: String,
        /// The queue that has it first.
        other_queue: String,
    },
    /// The wiring must be acyclic and this queue closes a cycle.
    WiringCycle {
        /// Component names around the cycle; the first is repeated at the end.
        cycle: Vec<String>,
    },
    /// The minimum set names a capability the root does not hold at boot.
    RootCapabilityNotHeld {
        /// The capability.
        cap: KernelCap,
    },
    /// The minimum set names a capability SEC-001 requires the root to drop.
    RootCapabilityNotRetainable {
        /// The capability.
        cap: KernelCap,
    },
    /// The minimum set names a capability twice.
    DuplicateRootCapability {
        /// The capability.
        cap: KernelCap,
    },
    /// An interrupt's holder is a component index that does not exist.
    InterruptHolderOutOfRange {
        /// The index.
        component: u16,
        /// How many components there are.
        count: usize,
    },
    /// The board has no device interrupt of this source.
    InterruptNotOnBoard {
        /// The source.
        source: InterruptSource,
        /// Board name.
        board: String,
    },
    /// An earlier interrupt has the same source: a device interrupt has one holder.
    InterruptSourceTaken {
        /// The source.
        source: InterruptSource,
        /// Index of the earlier interrupt (a `u16`, as a [`crate::ComponentIndex`]: there are at
        /// most [`crate::limits::MAX_INTERRUPTS`], and this keeps errors small).
        first: u16,
        /// Its name.
        first_name: String,
        /// Its holder.
        first_holder: String,
    },
    /// An interrupt's name is already the name of another capability of its holder, so
    /// `lookup` could not tell them apart.
    InterruptNameClash {
        /// The holder.
        holder: String,
        /// What else has that name.
        clash: NameClash,
    },
    /// The holder has no `rw` MMIO region over the device's registers, so it could not clear
    /// the interrupt condition before acknowledging (and the line would fire again at once).
    InterruptRegionMissing {
        /// The holder.
        holder: String,
        /// The board's line: what raises it, and the device's register page (physical).
        line: &'static InterruptLine,
        /// The page's peripheral_offset on this board.
        offset: u64,
        /// Board name (static, unlike the other variants' `String`, to keep every
        /// [`ValidationError`] small).
        board: &'static str,
    },
    /// `max_entries` is 0 or above [`MAX_WITNESS_ENTRIES`].
    WitnessEntries {
        /// The value.
        max_entries: u32,
    },
    /// Regions, linear memories and queue buffers together need more RAM than the board has.
    RamBudget {
        /// Bytes of RAM regions.
        regions: u64,
        /// Bytes of linear-memory limits.
        memories: u64,
        /// Bytes of queue buffers.
        queues: u64,
        /// Board name.
        board: String,
        /// Board RAM in bytes.
        ram: u64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnsupportedVersion { found } => write!(
                f,
                "manifest format version {found} is not supported (expected {})",
                crate::FORMAT_VERSION
            ),
            Problem::InvalidName { kind, name } => match kind {
                NameKind::Item => write!(
                    f,
                    "name \"{name}\" is invalid: use 1 to {MAX_NAME_LEN} characters of a-z, 0-9, \
                     '_' and '-', starting with a letter"
                ),
                NameKind::Port => write!(
                    f,
                    "port name \"{name}\" is invalid: use 1 to {MAX_NAME_LEN} characters of a-z, \
                     0-9, '_' and '-', starting with a letter"
                ),
                NameKind::WasmFile => write!(
                    f,
                    "wasm file name \"{name}\" is invalid: use a plain file name of up to \
                     {MAX_FILE_NAME_LEN} characters of A-Z, a-z, 0-9, '.', '_' and '-', \
                     ending in \".wasm\""
                ),
                NameKind::Export => write!(
                    f,
                    "export name \"{name}\" is invalid: use 1 to {MAX_EXPORT_LEN} printable \
                     ASCII characters without spaces"
                ),
            },
            Problem::TooMany { what, count, max } => {
                write!(f, "too many {what}: {count} (at most {max})")
            }
            Problem::DuplicateName { kind, first } => {
                write!(f, "name is already used by {kind} #{first}")
            }
            Problem::NoBoards => f.write_str("boards is empty: name at least one target board"),
            Problem::DuplicateBoard { board } => write!(f, "board {board} is listed twice"),
            Problem::BoardNotTargeted { board } => {
                write!(f, "is not built for board {board} (it is not in boards)")
            }
            Problem::NoComponents => f.write_str("declares no components"),
            Problem::MemoryLimit { pages } => write!(
                f,
                "memory limit of {pages} wasm pages is out of range (1..={MAX_MEMORY_PAGES})"
            ),
            Problem::MemoryExceedsRam { bytes, board, ram } => write!(
                f,
                "memory limit of {bytes:#x} bytes is more than the {ram:#x} bytes of RAM of \
                 {board}"
            ),
            Problem::FuelSlice { fuel } => {
                write!(
                    f,
                    "fuel_slice {fuel} is out of range (1..={MAX_FUEL_SLICE})"
                )
            }
            Problem::TimeSlice { time_slice_ms } => write!(
                f,
                "time_slice_ms {time_slice_ms} is out of range (1..={MAX_TIME_SLICE_MS})"
            ),
            Problem::NoEntryPoints => f.write_str("has no entry points"),
            Problem::DuplicateEntryPoint { export } => {
                write!(f, "entry point \"{export}\" is listed twice")
            }
            Problem::Priority { export, priority } => write!(
                f,
                "entry point \"{export}\": priority {priority} is out of range (0..={MAX_PRIORITY})"
            ),
            Problem::LogRate { lines_per_second } => write!(
                f,
                "log budget: lines_per_second {lines_per_second} is out of range \
                 (1..={MAX_LOG_LINES_PER_SECOND})"
            ),
            Problem::LogBurst { burst } => write!(
                f,
                "log budget: burst {burst} is out of range (1..={MAX_LOG_BURST})"
            ),
            Problem::RestartCount { max_restarts } => write!(
                f,
                "restart policy: max_restarts {max_restarts} is out of range (1..={MAX_RESTARTS})"
            ),
            Problem::RestartMinRun { min_run_ms } => write!(
                f,
                "restart policy: min_run_ms {min_run_ms} is out of range (1..={MAX_MIN_RUN_MS})"
            ),
            Problem::DuplicateGrant { cap } => write!(f, "capability \"{cap}\" is granted twice"),
            Problem::ConsoleTaken { first } => write!(
                f,
                "capability \"console\" is already granted to component \"{first}\": what is typed goes to one component"
            ),
            Problem::GrantNotDelegable { cap } => write!(
                f,
                "capability \"{cap}\" cannot be granted to a component (the root keeps it)"
            ),
            Problem::GrantRightsNotHeld {
                cap,
                requested,
                held: Some(held),
            } => write!(
                f,
                "grant of \"{cap}\" with rights {requested} exceeds the root's rights ({held})"
            ),
            Problem::GrantRightsNotHeld {
                cap,
                requested,
                held: None,
            } => write!(
                f,
                "grant of \"{cap}\" with rights {requested}: the root does not hold \"{cap}\""
            ),
            Problem::RegionSizeZero => f.write_str("size is 0"),
            Problem::RegionSizeUnaligned { size } => {
                write!(f, "size {size:#x} is not a multiple of 4 KiB")
            }
            Problem::RegionSizeTooLarge { size } => {
                write!(
                    f,
                    "size {size:#x} is larger than the limit {MAX_REGION_SIZE:#x}"
                )
            }
            Problem::MmioOffsetUnaligned { offset } => {
                write!(
                    f,
                    "peripheral_offset {offset:#x} is not a multiple of 4 KiB"
                )
            }
            Problem::KernelPage {
                page,
                address,
                why,
                board,
            } => write!(
                f,
                "MMIO range covers the {page} page ({address:#x}) of {board}, which the kernel \
                 keeps for itself ({why}); it cannot be granted"
            ),
            Problem::MmioOutsideWindow {
                offset,
                size,
                board,
                base,
                window,
            } => write!(
                f,
                "MMIO range at peripheral_offset {offset:#x} of size {size:#x} does not fit in \
                 the peripheral window of {board} ({window:#x} bytes at {base:#x})"
            ),
            Problem::RegionOverlap {
                other,
                other_offset,
                other_size,
            } => write!(
                f,
                "overlaps region \"{other}\" (peripheral_offset {other_offset:#x}, size \
                 {other_size:#x})"
            ),
            Problem::RamRegionsExceedRam { total, board, ram } => write!(
                f,
                "RAM regions need {total:#x} bytes up to here, more than the {ram:#x} bytes of \
                 RAM of {board}"
            ),
            Problem::AccessComponentOutOfRange { component, count } => write!(
                f,
                "access names component index {component}, but there are only {count} components"
            ),
            Problem::DuplicateAccess { component } => {
                write!(f, "component \"{component}\" is given access twice")
            }
            Problem::WriteOnlyRegion { component } => write!(
                f,
                "component \"{component}\": a region cannot be write-only (use \"ro\" or \"rw\")"
            ),
            Problem::QueueDepth { depth } => {
                write!(f, "depth {depth} is out of range (1..={MAX_QUEUE_DEPTH})")
            }
            Problem::MessageSize { size } => {
                write!(
                    f,
                    "message_size {size} is out of range (1..={MAX_MESSAGE_SIZE})"
                )
            }
            Problem::EndpointComponentOutOfRange {
                end,
                component,
                count,
            } => write!(
                f,
                "{end} endpoint names component index {component}, but there are only {count} \
                 components"
            ),
            Problem::PortReused {
                end,
                endpoint,
                other_queue,
            } => write!(
                f,
                "{end} endpoint \"{endpoint}\" is already an end of queue \"{other_queue}\""
            ),
            Problem::WiringCycle { cycle } => {
                f.write_str("wiring must be acyclic, but this queue closes the cycle ")?;
                for (i, name) in cycle.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" -> ")?;
                    }
                    f.write_str(name)?;
                }
                Ok(())
            }
            Problem::RootCapabilityNotHeld { cap } => write!(
                f,
                "minimum set names \"{cap}\", which the root does not hold at boot"
            ),
            Problem::RootCapabilityNotRetainable { cap } => write!(
                f,
                "minimum set names \"{cap}\", which the root must drop at SEC-001"
            ),
            Problem::DuplicateRootCapability { cap } => {
                write!(f, "minimum set names \"{cap}\" twice")
            }
            Problem::InterruptHolderOutOfRange { component, count } => write!(
                f,
                "holder names component index {component}, but there are only {count} components"
            ),
            Problem::InterruptNotOnBoard { source, board } => {
                write!(
                    f,
                    "source \"{source}\" is not a device interrupt of board {board}"
                )
            }
            Problem::InterruptSourceTaken {
                source,
                first,
                first_name,
                first_holder,
            } => write!(
                f,
                "source \"{source}\" is already given to component \"{first_holder}\" by \
                 interrupt \"{first_name}\" (#{first}); a device interrupt has one holder"
            ),
            Problem::InterruptNameClash { holder, clash } => write!(
                f,
                "name is already used by component \"{holder}\" for {clash}; lookup could not \
                 tell them apart"
            ),
            Problem::InterruptRegionMissing {
                holder,
                line,
                offset,
                board,
            } => write!(
                f,
                "holder \"{holder}\" without the region it needs to acknowledge the device: give \
                 it \"rw\" access to an MMIO region covering the {} page ({:#x}, \
                 peripheral_offset {offset:#x}) of {board}",
                line.device, line.device_page
            ),
            Problem::WitnessEntries { max_entries } => write!(
                f,
                "max_entries {max_entries} is out of range (1..={MAX_WITNESS_ENTRIES})"
            ),
            Problem::RamBudget {
                regions,
                memories,
                queues,
                board,
                ram,
            } => write!(
                f,
                "needs {regions:#x} bytes of RAM regions + {memories:#x} bytes of linear memory \
                 + {queues:#x} bytes of queue buffers, more than the {ram:#x} bytes of RAM of \
                 {board}"
            ),
        }
    }
}

/// Something a manifest may do but its author should know about (printed by `rvf pack` and
/// stage 1; the package is still built and booted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationWarning {
    /// Where.
    pub locator: Locator,
    /// The item's name.
    pub subject: String,
    /// What.
    pub concern: Concern,
}

/// What a [`ValidationWarning`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Concern {
    /// An MMIO region covers a page that also holds state the kernel depends on.
    SharedPage {
        /// The page's name (`GPIO`).
        page: &'static str,
        /// Its physical address.
        address: u64,
        /// What the kernel depends on there.
        why: &'static str,
        /// Board name.
        board: String,
    },
}

impl fmt::Display for ValidationWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} \"{}\": {}",
            self.locator.item_kind(),
            self.subject,
            self.concern
        )
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concern::SharedPage {
                page,
                address,
                why,
                board,
            } => write!(
                f,
                "MMIO range covers the {page} page ({address:#x}) of {board}: {why}; a holder \
                 that rewrites those bits silences the kernel's log"
            ),
        }
    }
}
