//! The decoded manifest: what stage 1 validates and stages 2–3 build the system from.
//!
//! Everything refers to components by index ([`ComponentIndex`]), so the firmware never looks a
//! name up at run time; names are kept for messages and for the host tool. Every closed set is a
//! fixed enum.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::board::BoardId;
use crate::caps::{Access, KernelCap};
use crate::limits::WASM_PAGE_SIZE;

/// Version of the manifest model as encoded in a package. Bump it whenever the encoding of
/// [`RvfManifest`] changes (2: [`ComponentDecl::time_slice_ms`]; 3: [`RvfManifest::interrupts`],
/// a new last field, so a version-2 manifest would decode as truncated).
pub const FORMAT_VERSION: u16 = 3;

/// The system description carried in an RVF package: the component graph (components and their
/// queue wiring), the memory schema (regions), grants, the root's minimum capability set, the
/// witness-log policy and the device interrupts' holders.
///
/// A decoded manifest is untrusted structure until [`RvfManifest::validate`] accepts it for the
/// board at hand; nothing may index into it before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RvfManifest {
    /// Model version; always [`FORMAT_VERSION`] for manifests this crate builds. First field, so
    /// `decode` can read it before anything else.
    pub version: u16,
    /// Name of the system (for messages and attestation).
    pub system: String,
    /// Boards this system is built for.
    pub boards: Vec<BoardId>,
    /// Whether the queue graph must be acyclic.
    pub wiring: WiringPolicy,
    /// The components; a [`ComponentIndex`] indexes this list.
    pub components: Vec<ComponentDecl>,
    /// The memory schema: RAM and MMIO regions and who may access them.
    pub regions: Vec<RegionDecl>,
    /// The queue wiring between components.
    pub queues: Vec<QueueWiring>,
    /// What the root task keeps after the SEC-001 drop.
    pub root_minimum: Vec<KernelCap>,
    /// Witness-log policy.
    pub witness_log: WitnessLogPolicy,
    /// Device interrupts and their holders; an `InterruptId` (ruvix-caps) indexes this list.
    pub interrupts: Vec<InterruptDecl>,
}

/// Index of a component in [`RvfManifest::components`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComponentIndex(pub u16);

impl ComponentIndex {
    /// The index as a `usize`, for indexing [`RvfManifest::components`].
    pub const fn get(self) -> usize {
        self.0 as usize
    }
}

/// Whether the queue graph (components as nodes, queues as edges from sender to receiver) must
/// be acyclic. In TOML: `"acyclic"` or `"any"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WiringPolicy {
    /// No cycles: data flows one way, so blocking sends cannot deadlock.
    Acyclic,
    /// Cycles allowed (request/response pairs and the like).
    Any,
}

/// A WebAssembly component: its module, tasks, limits and kernel grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentDecl {
    /// Unique component name.
    pub name: String,
    /// File name of the component's core wasm module inside the package (e.g. `sensor.wasm`).
    pub wasm: String,
    /// Exports to run, one cooperative task each.
    pub entry_points: Vec<EntryPoint>,
    /// Linear-memory limit in 64 KiB wasm pages.
    pub memory_pages: u32,
    /// Fuel a task may spend before it is preempted (slices the tasks inside the process).
    pub fuel_slice: u64,
    /// How long, in milliseconds, the kernel lets the component's process run before the timer
    /// preempts it while another process of its priority is ready; 1 ..=
    /// [`crate::limits::MAX_TIME_SLICE_MS`], [`crate::limits::DEFAULT_TIME_SLICE_MS`] when the
    /// manifest names none.
    pub time_slice_ms: u32,
    /// What happens when a task of this component traps.
    pub restart: RestartPolicy,
    /// Kernel capabilities granted to the component.
    pub grants: Vec<Grant>,
    /// How many log lines it may write (a token bucket); beyond it lines are dropped and
    /// counted.
    pub log_budget: LogBudget,
}

/// A component's log budget: `lines_per_second` on average, up to `burst` at once. In TOML:
/// `log = { lines_per_second = 2, burst = 20 }` on the component; without it,
/// [`LogBudget::DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogBudget {
    /// Lines per second the bucket refills with.
    pub lines_per_second: u32,
    /// Lines the bucket holds (and starts with).
    pub burst: u32,
}

impl LogBudget {
    /// 2 lines per second with bursts of 20: a component reporting every few seconds never
    /// notices it, and four components at their limit still use under half of a
    /// 115200-baud line.
    pub const DEFAULT: LogBudget = LogBudget {
        lines_per_second: 2,
        burst: 20,
    };
}

impl ComponentDecl {
    /// The linear-memory limit in bytes.
    pub const fn memory_bytes(&self) -> u64 {
        self.memory_pages as u64 * WASM_PAGE_SIZE
    }
}

/// One task of a component: an exported function and the priority it is scheduled with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// Name of the wasm export (a function taking and returning nothing).
    pub export: String,
    /// Scheduling priority, 0 (most urgent) ..= [`crate::limits::MAX_PRIORITY`].
    pub priority: u8,
}

/// What happens when a task of a component traps. Restarts are rate-limited so a crash loop
/// cannot starve the other tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestartPolicy {
    /// The component stays stopped.
    Never,
    /// Re-instantiate the component, at most `max_restarts` times in all, and never sooner than
    /// `min_run_ms` after its previous start.
    Restart {
        /// Restarts allowed over the life of the system.
        max_restarts: u32,
        /// Minimum time between two starts, in milliseconds.
        min_run_ms: u32,
    },
}

/// A kernel capability granted to a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Which capability.
    pub cap: KernelCap,
    /// With which rights (a subset of the root's).
    pub rights: Access,
}

/// A region of memory: RAM allocated at boot, or a fixed MMIO range of the peripheral window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionDecl {
    /// Unique region name.
    pub name: String,
    /// RAM or MMIO, and for MMIO where.
    pub kind: RegionKind,
    /// Size in bytes, a multiple of 4 KiB.
    pub size: u64,
    /// Which components may map it, with which rights.
    pub access: Vec<RegionAccess>,
}

/// The kind of a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegionKind {
    /// Normal memory from the frame allocator, zeroed, mapped write-back cacheable.
    Ram,
    /// Device memory (nGnRE) at a fixed place in the board's peripheral window.
    Mmio {
        /// Offset from the board's peripheral base, so one manifest fits Pi 3 and Pi 4
        /// (e.g. the GPIO block is at offset 0x200000 on both).
        peripheral_offset: u64,
    },
}

/// One component's access to a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionAccess {
    /// The component.
    pub component: ComponentIndex,
    /// `ro` or `rw` (never executable).
    pub rights: Access,
}

/// A queue: bounded, fixed-size messages from one component's port to another's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueWiring {
    /// Unique queue name.
    pub name: String,
    /// Capacity in messages.
    pub depth: u32,
    /// Largest message, in bytes.
    pub message_size: u32,
    /// The sending end.
    pub from: Endpoint,
    /// The receiving end.
    pub to: Endpoint,
}

impl QueueWiring {
    /// Bytes of buffer the queue needs (`None` on overflow, which validation rejects).
    pub const fn buffer_bytes(&self) -> Option<u64> {
        (self.depth as u64).checked_mul(self.message_size as u64)
    }
}

/// One end of a queue: a component and the port name it knows the queue by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The component.
    pub component: ComponentIndex,
    /// The port name, unique per component over all its queue ends.
    pub port: String,
}

/// A device interrupt given to one component, as a capability it looks up by `name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterruptDecl {
    /// The capability name its holder looks it up by; unique among the holder's capabilities.
    pub name: String,
    /// Which device interrupt (board-neutral; the board description gives its line).
    pub source: InterruptSource,
    /// The one component that gets it.
    pub holder: ComponentIndex,
}

/// A device interrupt by its board-neutral name, mapped to a line per board by the board
/// description (`ruvix_board_desc::BoardDescription::device_interrupt`). In TOML:
/// `"system-timer-1"`, `"system-timer-3"`, `"aux"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InterruptSource {
    /// System timer compare channel 1 (channels 0 and 2 are the VideoCore's).
    SystemTimer1,
    /// System timer compare channel 3.
    SystemTimer3,
    /// The AUX block: mini UART, SPI1, SPI2.
    Aux,
}

impl InterruptSource {
    /// Every source, in declaration order.
    pub const ALL: [InterruptSource; 3] = [
        InterruptSource::SystemTimer1,
        InterruptSource::SystemTimer3,
        InterruptSource::Aux,
    ];

    /// The name used in TOML, in messages and in the board description.
    pub const fn name(self) -> &'static str {
        match self {
            InterruptSource::SystemTimer1 => "system-timer-1",
            InterruptSource::SystemTimer3 => "system-timer-3",
            InterruptSource::Aux => "aux",
        }
    }

    /// The source called `name`, if any.
    pub fn from_name(name: &str) -> Option<InterruptSource> {
        InterruptSource::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for InterruptSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Witness-log policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessLogPolicy {
    /// Capacity of the log in entries.
    pub max_entries: u32,
    /// Whether each entry carries the SHA-256 of its predecessor.
    pub hash_chain: bool,
}

impl RvfManifest {
    /// The component at `index`, if there is one.
    pub fn component(&self, index: ComponentIndex) -> Option<&ComponentDecl> {
        self.components.get(index.get())
    }

    /// The index of the component called `name`, if there is one (for host tools; the firmware
    /// works with indices).
    pub fn component_index(&self, name: &str) -> Option<ComponentIndex> {
        let position = self.components.iter().position(|c| c.name == name)?;
        u16::try_from(position).ok().map(ComponentIndex)
    }
}
