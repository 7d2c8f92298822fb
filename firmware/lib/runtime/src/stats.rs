//! What the runtime reports: the mount report, what one slice did, per-task and per-component
//! figures for the log and the benchmarks.

use alloc::string::String;
use alloc::vec::Vec;

use crate::imports::Interfaces;
use crate::policy::{ComponentState, FaultDecision, TaskId, TaskState, WaitOn};

/// What [`crate::Runtime::mount`] did (the kernel prints the `stage 3 mount: ok` line from it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountReport {
    /// Components validated, linked and instantiated.
    pub components_mounted: usize,
    /// Tasks created (one per entry point).
    pub tasks_spawned: usize,
    /// Queues with both ends held by components.
    pub queues_connected: usize,
    /// Per component, in manifest order.
    pub components: Vec<ComponentMount>,
    /// The whole mount, in counter ticks.
    pub ticks: u64,
}

/// One component's mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentMount {
    /// The component.
    pub name: String,
    /// Its tasks.
    pub tasks: usize,
    /// Interfaces it imports without holding a capability for them (linked to denying
    /// versions).
    pub denied: Interfaces,
    /// Validation, linking and instantiation, in counter ticks.
    pub ticks: u64,
}

/// What [`crate::Runtime::run_slice`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `task` ran for one slice.
    Ran {
        /// The task.
        task: TaskId,
        /// How its slice ended.
        outcome: SliceOutcome,
    },
    /// No task is ready. The kernel may sleep (`wfi`) until `next_wakeup_ticks` (a sleeper's
    /// deadline or a pending restart), or until the next interrupt if `None`; then call
    /// `run_slice` again.
    Idle {
        /// The earliest tick at which a task becomes ready by itself.
        next_wakeup_ticks: Option<u64>,
    },
}

/// How a task's slice ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceOutcome {
    /// It spent its fuel slice: preempted, ready again.
    Preempted,
    /// It called `task.yield-now` (or `sleep-us` without the timer grant): ready again.
    Yielded,
    /// It waits for a queue (a blocking `send` on a full queue or `receive` on an empty one).
    Blocked(WaitOn),
    /// It sleeps until the tick.
    Sleeping {
        /// The deadline.
        until_ticks: u64,
    },
    /// Its entry point returned: the task is over.
    Finished,
    /// It trapped; the component's instance is gone and its policy decided this.
    Faulted(FaultDecision),
}

/// Per-task figures since mount (kept across restarts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskStats {
    /// Slices run.
    pub slices: u64,
    /// Fuel spent (about one unit per wasm instruction), including `cabi_realloc` calls made
    /// on its behalf.
    pub fuel: u64,
    /// Slices that ended by spending the fuel slice.
    pub preempted: u64,
    /// Yields.
    pub yields: u64,
    /// Times it blocked sending on a full queue.
    pub blocked_send: u64,
    /// Times it blocked receiving on an empty queue.
    pub blocked_receive: u64,
    /// Times it blocked waiting for an interrupt.
    pub blocked_interrupt: u64,
    /// Sleeps.
    pub sleeps: u64,
    /// Traps.
    pub faults: u64,
    /// Counter ticks its slices took, host calls included (what the fair share counts).
    pub ticks: u64,
}

/// A task as [`crate::Runtime::tasks`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskInfo<'a> {
    /// The task.
    pub id: TaskId,
    /// Its component.
    pub component: &'a str,
    /// Its entry point.
    pub export: &'a str,
    /// Its priority (0 = most urgent).
    pub priority: u8,
    /// Its state.
    pub state: TaskState,
    /// Its figures.
    pub stats: TaskStats,
}

/// A component as [`crate::Runtime::components`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComponentInfo<'a> {
    /// The component.
    pub name: &'a str,
    /// Running, waiting for a restart, or stopped for good.
    pub state: ComponentState,
    /// Restarts so far.
    pub restarts: u32,
    /// Counter ticks its tasks' slices took, host calls included (what the fair share counts).
    pub used_ticks: u64,
}
