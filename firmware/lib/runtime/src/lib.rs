//! The WebAssembly runtime of ruvix-pi: stage 3 *mount* and the task scheduler.
//!
//! Components are core wasm modules built against `components/wit/host.wit`. The runtime runs
//! them under [`wasmi`], each instance in a store of its own, as capability-confined
//! cooperative tasks:
//!
//! - [`Runtime::mount`] validates each module, checks its imports against the host interface
//!   ([`IMPORTS`]: module name, field name, exact core signature) and its exports against the
//!   manifest (every entry point `() -> ()`, `memory`, `cabi_realloc`), links only the host
//!   functions its capabilities allow (the others are linked to versions that answer `denied`),
//!   and instantiates it with the manifest's memory limit and fuel metering on. One task per
//!   manifest entry point.
//! - Every host call is checked against the calling component's own capability table
//!   (`ruvix-caps`): unknown handle → `bad-handle`, other kind → `wrong-kind`, missing right or
//!   grant → `denied`, outside the region → `out-of-bounds`, message longer than the queue's
//!   message size → `too-large`, unaligned 32-bit access → `unaligned`, non-blocking call that
//!   cannot complete → `would-block`. Byte accesses (`regions.read`/`write`) to an MMIO region
//!   are `wrong-kind`: device memory is only touched with single aligned 32-bit accesses.
//!   Arguments and results cross with the canonical ABI ([`abi`]); a bad guest pointer traps
//!   the calling task, never the kernel.
//! - [`Runtime::run_slice`] runs the next task for one slice. A task is suspended when it spends
//!   its fuel slice (wasmi's resumable out-of-fuel), yields, sleeps, sends on a full queue or
//!   receives from an empty one (a host function returns a host error that carries the pending
//!   operation; the call is resumable). When it is picked again the runtime *finishes the
//!   operation itself* — retries the send or receive, hands a received message over through
//!   the guest's `cabi_realloc`, stores the result — and resumes the guest as if the call had
//!   returned. A message leaves a queue only once it is in the receiver's memory: none is lost
//!   or duplicated. The order in which tasks run is [`policy`]: strict priority with a
//!   guaranteed share, and equal priorities fair by the time their slices took (host calls,
//!   which also cost fuel, included). It lives in the crate `ruvix-sched`, re-exported here, so
//!   that code which must not link wasmi can share it.
//! - A trap ends the component's instance (all its tasks); its restart policy brings it back
//!   (fresh store, same capabilities, rate-limited, a bounded number of times) or stops it for
//!   good. Everything is reported through [`Platform::event`].
//!
//! Hardware is reached only through [`Platform`], which the kernel implements; region memory
//! comes as [`RegionBacking`]: RAM the runtime owns, device registers, or memory mapped in the
//! current address space that the runtime reaches through the platform (an EL0 component host's
//! own mappings). Queues are behind [`QueueBackend`]: the runtime owns them
//! ([`LocalQueues`], what [`Runtime::mount`] makes) or reaches them elsewhere
//! ([`Runtime::mount_with_backend`], e.g. an EL0 component host whose queues are in the
//! kernel). `no_std` + `alloc`, no `unsafe`, and nothing a component does can make it panic.
//!
//! # For the kernel
//!
//! ```ignore
//! // Stage 3: capabilities per component, then mount.
//! let distribution = ruvix_caps::distribute(root.table(), &manifest, &objects)?;
//! let wasm: Vec<&[u8]> = /* each component's verified blob, in manifest order */;
//! let regions = kernel.regions.into_iter().map(|r| match r {
//!     RegionMemory::Ram(bytes) => RegionBacking::Ram(bytes),
//!     RegionMemory::Mmio { base, size } => RegionBacking::Mmio { base, size },
//! }).collect();
//! let (mut runtime, report) = Runtime::mount(
//!     &manifest, &wasm, distribution.into_components(), kernel.queues, regions, platform,
//! )?;
//! // report.components_mounted, report.tasks_spawned, report.queues_connected
//!
//! // The idle loop.
//! loop {
//!     match runtime.run_slice() {
//!         Step::Ran { .. } => {}
//!         Step::Idle { next_wakeup_ticks } => {
//!             // arm the timer for `next_wakeup_ticks` (if any), then `wfi`
//!         }
//!     }
//! }
//! ```
//!
//! Memory: each component instance has its linear memory (a Rust guest starts with 17 pages,
//! 1.06 MiB, and may grow to the manifest's `memory`), plus small stores and, per suspended
//! task, an interpreter stack (grows on demand). The kernel heap needs the sum of the
//! components' memory limits plus a margin (growing a linear memory reallocates it, briefly
//! holding old and new). The RAM regions and the heap must stay mapped for the kernel after
//! the SEC-001 drop: the runtime reaches them at EL1.
//!
//! Native stack: wasmi's handlers tail-call each other, which becomes constant stack only when
//! wasmi is optimised *and* built without debug assertions; otherwise every executed wasm
//! instruction leaves a native frame until the slice ends (about 100 bytes each: megabytes per
//! slice). Build it with `[profile.dev.package.wasmi] debug-assertions = false`
//! (`tests/native_stack.rs` checks this).

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Nothing a component does may panic the kernel: no indexing, unwrapping or unchecked
// arithmetic outside the tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;

pub mod abi;
mod error;
mod event;
mod host;
mod imports;
mod mount;
mod platform;
mod queues;
mod runtime;
mod stats;

pub use abi::{CallError, GuestFault};
pub use error::MountError;
pub use event::{FaultReason, RuntimeEvent};
pub use host::calls::MAX_LOG_LINE;
pub use host::link::HOST_CALL_FUEL;
pub use imports::{HostFn, IMPORTS, ImportSpec, Interface, Interfaces};
pub use mount::check_component;
pub use platform::{LogLevel, Park, Platform, RegionBacking};
pub use queues::{LocalQueues, QueueBackend, QueueRefusal};
pub use ruvix_log_ring::LogCounts;
/// The scheduling and restart policy (the `ruvix-sched` crate, which needs no interpreter).
pub use ruvix_sched as policy;

pub use policy::{
    ComponentState, FaultDecision, GUARANTEED_SHARE_MS, StopReason, TaskId, TaskState, WaitOn,
};
pub use runtime::Runtime;
pub use stats::{
    ComponentInfo, ComponentMount, MountReport, SliceOutcome, Step, TaskInfo, TaskStats,
};

/// The interpreter, for callers that want its types (e.g. `wasmi::TrapCode`).
pub use wasmi;
