//! The scheduling and restart policy of ruvix-pi, as pure logic: which task runs next, who
//! waits for what, when a faulted component comes back. No interpreter here: `ruvix-runtime`
//! drives it (and re-exports it as `ruvix_runtime::policy`), and a crate of its own lets code
//! that must not link wasmi (the kernel, once components run in EL0 processes) use the same
//! policy and tick conversions.
//!
//! # Scheduling: strict priority, a guaranteed share, fair by time used
//!
//! Tasks are cooperative: a task runs one *slice* — until it yields, blocks, sleeps or spends
//! its fuel slice (host calls are charged to that fuel too, see
//! `ruvix_runtime::HOST_CALL_FUEL`). At every slice boundary [`Scheduler::pick`] chooses the
//! next task:
//! 1. **Guaranteed share.** A ready task that has waited [`GUARANTEED_SHARE_MS`] or more runs
//!    next (the longest-waiting first), whatever its priority: nothing ready starves for ever,
//!    and a task of any priority gets at least one slice in every such period.
//! 2. **Strict priority.** Otherwise only the most urgent ready tasks (0 = most urgent) are
//!    candidates: while a more urgent task is ready, a less urgent one does not run.
//! 3. **Fair by time used.** Among those, the task whose *component* has used the least time
//!    runs (ties: the task that ran least recently). Time is what the runtime measured around
//!    each slice ([`Scheduler::charge`]): the interpreter's work and the kernel's work in the
//!    component's host calls alike. So two components of equal priority get equal CPU time,
//!    however short or long their slices are — a component whose slices are long gets fewer
//!    of them.
//!
//! A component that wakes after waiting (every task of it was blocked, sleeping or down)
//! resumes at the current virtual time, not at the small total it had when it went to sleep:
//! sleeping earns no credit to spend in a burst later. (The same rule as a CFS run queue's
//! `min_vruntime`.)
//!
//! # Waiting
//!
//! A task blocks on a queue end ([`WaitOn`]) and is made ready by [`Scheduler::notify`] after
//! that queue changed the right way (a message sent wakes the receivers, a message received the
//! senders). Wake-ups may be spurious (the woken task retries and may block again), never lost.
//! A sleeping task becomes ready when its deadline has passed ([`Scheduler::pick`]).
//!
//! # Faults and restarts
//!
//! A fault ends every task of the component (they share one instance). The component's
//! [`RestartPolicy`] decides: `never` → stopped for good; `restart { max_restarts, min_run_ms }`
//! → instantiated again no sooner than `min_run_ms` after its previous start (rate limit), at
//! most `max_restarts` times over the life of the system, then stopped for good.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The kernel runs this: no indexing, unwrapping or unchecked arithmetic outside the tests.
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

use core::fmt;

use ruvix_caps::{InterruptId, QueueId};
use ruvix_manifest::RestartPolicy;

/// A task: an index into the scheduler's task list (one per manifest entry point, in manifest
/// order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

/// What a blocked task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitOn {
    /// Room in the queue, to send.
    Send(QueueId),
    /// A message in the queue, to receive.
    Receive(QueueId),
    /// The device interrupt to fire.
    Interrupt(InterruptId),
    /// Something typed on the console.
    Console,
}

impl fmt::Display for WaitOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitOn::Send(queue) => write!(f, "send on queue {}", queue.0),
            WaitOn::Receive(queue) => write!(f, "receive on queue {}", queue.0),
            WaitOn::Interrupt(interrupt) => write!(f, "interrupt {}", interrupt.0),
            WaitOn::Console => f.write_str("console input"),
        }
    }
}

/// A task's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for its turn.
    Ready,
    /// Picked by [`Scheduler::pick`], not reported back yet.
    Running,
    /// Waiting for a queue.
    Blocked(WaitOn),
    /// Waiting for the clock.
    Sleeping {
        /// The tick at which it becomes ready.
        until: u64,
    },
    /// Its entry point returned.
    Finished,
    /// Its component faulted: waiting for a restart, or stopped for good.
    Down,
}

/// Why a component is stopped for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// It faulted and its policy is `never`.
    Never,
    /// It faulted after using up its restarts.
    RestartsExhausted {
        /// Restarts it had.
        restarts: u32,
    },
    /// A restart was due but the component could not be instantiated again.
    RestartFailed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Never => f.write_str("restart policy \"never\""),
            StopReason::RestartsExhausted { restarts } => {
                write!(
                    f,
                    "faulted again after {restarts} restart(s), the most its policy allows"
                )
            }
            StopReason::RestartFailed => f.write_str("could not be instantiated again"),
        }
    }
}

/// A component's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentState {
    /// Its instance is live (some of its tasks may have finished).
    Running,
    /// Faulted; to be instantiated again at tick `at`.
    RestartPending {
        /// When.
        at: u64,
    },
    /// Stopped for good.
    Stopped(StopReason),
}

/// What follows a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultDecision {
    /// Restart number `restart` (1-based) at tick `at`.
    Restart {
        /// Which restart.
        restart: u32,
        /// When (see [`Scheduler::due_restart`]).
        at: u64,
    },
    /// Stopped for good.
    Stop(StopReason),
}

/// How long a ready task waits at most before it runs, whatever its priority (the guaranteed
/// share: at least one slice per period for every ready task).
pub const GUARANTEED_SHARE_MS: u32 = 100;

/// Priorities 0 ..= 15 (the manifest validates them).
const PRIORITIES: usize = 16;

/// The index of `priority` in per-priority arrays (an out-of-range one counts as the least
/// urgent).
fn priority_level(priority: u8) -> usize {
    usize::from(priority).min(PRIORITIES - 1)
}

#[derive(Clone, Debug)]
struct Task {
    component: usize,
    priority: u8,
    state: TaskState,
    /// The tick at which it last became ready (for the guaranteed share).
    ready_since: u64,
    /// The slice number it last ran in, 0 for never (ties in fairness go to the least recent).
    last_slice: u64,
}

#[derive(Clone, Debug)]
struct Component {
    policy: RestartPolicy,
    min_run_ticks: u64,
    restarts: u32,
    last_start: u64,
    state: ComponentState,
    /// Ticks its slices took, host calls included, over the life of the system.
    used_ticks: u64,
    /// Its place in the fair share: `used_ticks`, moved forward to the virtual clock when it
    /// wakes from waiting.
    vtime: u64,
}

/// The scheduler: task states, the fair-share clocks, restart bookkeeping. See the module docs.
#[derive(Clone, Debug)]
pub struct Scheduler {
    ticks_per_second: u64,
    guarantee_ticks: u64,
    tasks: alloc::vec::Vec<Task>,
    components: alloc::vec::Vec<Component>,
    /// The latest tick seen ([`Scheduler::pick`], or a slice's end in [`Scheduler::charge`]).
    clock: u64,
    /// Per priority, the virtual time of the latest pick at that priority (never goes back):
    /// where a component waking at that priority joins.
    vclock: [u64; PRIORITIES],
    /// Slices started so far.
    slices: u64,
    /// Whether the latest pick was a guaranteed-share one (a starved task, not the most urgent).
    share_pick: bool,
}

impl Scheduler {
    /// An empty scheduler for a clock of `ticks_per_second`.
    pub fn new(ticks_per_second: u64) -> Scheduler {
        Scheduler {
            ticks_per_second,
            guarantee_ticks: ms_to_ticks(GUARANTEED_SHARE_MS, ticks_per_second),
            tasks: alloc::vec::Vec::new(),
            components: alloc::vec::Vec::new(),
            clock: 0,
            vclock: [0; PRIORITIES],
            slices: 0,
            share_pick: false,
        }
    }

    /// Adds a running component started at tick `now` and returns its index.
    pub fn add_component(&mut self, policy: RestartPolicy, now: u64) -> usize {
        let min_run_ms = match policy {
            RestartPolicy::Never => 0,
            RestartPolicy::Restart { min_run_ms, .. } => min_run_ms,
        };
        self.components.push(Component {
            policy,
            min_run_ticks: ms_to_ticks(min_run_ms, self.ticks_per_second),
            restarts: 0,
            last_start: now,
            state: ComponentState::Running,
            used_ticks: 0,
            vtime: 0,
        });
        self.components.len().saturating_sub(1)
    }

    /// Adds a ready task of `component` with `priority` and returns its id.
    pub fn add_task(&mut self, component: usize, priority: u8) -> TaskId {
        let id = TaskId(u32::try_from(self.tasks.len()).unwrap_or(u32::MAX));
        self.tasks.push(Task {
            component,
            priority,
            state: TaskState::Ready,
            ready_since: self.clock,
            last_slice: 0,
        });
        id
    }

    /// Number of tasks.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// The state of `task`.
    pub fn state(&self, task: TaskId) -> Option<TaskState> {
        self.tasks.get(task.index()).map(|t| t.state)
    }

    /// The priority of `task`.
    pub fn priority(&self, task: TaskId) -> Option<u8> {
        self.tasks.get(task.index()).map(|t| t.priority)
    }

    /// The component of `task`.
    pub fn component_of(&self, task: TaskId) -> Option<usize> {
        self.tasks.get(task.index()).map(|t| t.component)
    }

    /// The state of `component`.
    pub fn component_state(&self, component: usize) -> Option<ComponentState> {
        self.components.get(component).map(|c| c.state)
    }

    /// Restarts `component` has had.
    pub fn restarts(&self, component: usize) -> u32 {
        self.components.get(component).map_or(0, |c| c.restarts)
    }

    /// Slices started so far.
    pub fn slices(&self) -> u64 {
        self.slices
    }

    /// Ticks `component`'s slices have taken so far (host calls included).
    pub fn used_ticks(&self, component: usize) -> u64 {
        self.components.get(component).map_or(0, |c| c.used_ticks)
    }

    /// Whether some task is ready (or sleeping with a deadline at or before `now`).
    pub fn has_ready(&self, now: u64) -> bool {
        self.tasks.iter().any(|t| match t.state {
            TaskState::Ready => true,
            TaskState::Sleeping { until } => until <= now,
            _ => false,
        })
    }

    /// The next task to run at tick `now`, marked running; `None` if no task is ready. Wakes the
    /// sleepers whose deadline has passed. See the module docs for the order.
    pub fn pick(&mut self, now: u64) -> Option<TaskId> {
        self.clock = self.clock.max(now);
        for index in 0..self.tasks.len() {
            if let Some(TaskState::Sleeping { until }) = self.tasks.get(index).map(|t| t.state)
                && until <= now
            {
                self.make_ready(index);
            }
        }
        let starved = self.starved();
        self.share_pick = starved.is_some();
        let index = starved.or_else(|| self.fairest_urgent())?;
        // Slices count from 1: a task that never ran (0) is the least recent.
        self.slices = self.slices.saturating_add(1);
        let task = self.tasks.get_mut(index)?;
        task.state = TaskState::Running;
        task.last_slice = self.slices;
        let level = priority_level(task.priority);
        if let (Some(component), Some(vclock)) = (
            self.components.get(task.component),
            self.vclock.get_mut(level),
        ) {
            *vclock = (*vclock).max(component.vtime);
        }
        Some(TaskId(u32::try_from(index).ok()?))
    }

    /// Whether the latest [`Scheduler::pick`] ran a task for its guaranteed share (it had
    /// waited the whole period) rather than as the most urgent: the caller keeps such a slice
    /// short.
    pub fn picked_for_share(&self) -> bool {
        self.share_pick
    }

    /// Whether a task more urgent than `priority` is ready at `now` (or a sleeper more urgent
    /// is due): the running one should make way.
    pub fn more_urgent_ready(&self, priority: u8, now: u64) -> bool {
        self.tasks.iter().any(|t| {
            t.priority < priority
                && match t.state {
                    TaskState::Ready => true,
                    TaskState::Sleeping { until } => until <= now,
                    _ => false,
                }
        })
    }

    /// The ready task that has waited longest, if it has waited the guaranteed-share period.
    fn starved(&self) -> Option<usize> {
        let clock = self.clock;
        self.ready_tasks()
            .filter(|(_, t)| clock.saturating_sub(t.ready_since) >= self.guarantee_ticks)
            .min_by_key(|(index, t)| (t.ready_since, *index))
            .map(|(index, _)| index)
    }

    /// Among the most urgent ready tasks, the one whose component has used the least time.
    fn fairest_urgent(&self) -> Option<usize> {
        let urgent = self.ready_tasks().map(|(_, t)| t.priority).min()?;
        self.ready_tasks()
            .filter(|(_, t)| t.priority == urgent)
            .min_by_key(|(index, t)| {
                let vtime = self.components.get(t.component).map_or(0, |c| c.vtime);
                (vtime, t.last_slice, *index)
            })
            .map(|(index, _)| index)
    }

    fn ready_tasks(&self) -> impl Iterator<Item = (usize, &Task)> + '_ {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.state == TaskState::Ready)
    }

    /// Makes task `index` ready; a component waking from waiting joins at the virtual clock of
    /// the task's priority.
    fn make_ready(&mut self, index: usize) {
        let Some((component, priority, back_from_slice)) = self
            .tasks
            .get(index)
            .map(|t| (t.component, t.priority, t.state == TaskState::Running))
        else {
            return;
        };
        // Waking: not back from its own slice, and no other task of its component was ready.
        let waking = !back_from_slice
            && !self.tasks.iter().enumerate().any(|(other, t)| {
                other != index
                    && t.component == component
                    && matches!(t.state, TaskState::Ready | TaskState::Running)
            });
        let vclock = self
            .vclock
            .get(priority_level(priority))
            .copied()
            .unwrap_or(0);
        if waking && let Some(c) = self.components.get_mut(component) {
            c.vtime = c.vtime.max(vclock);
        }
        if let Some(task) = self.tasks.get_mut(index) {
            task.state = TaskState::Ready;
            task.ready_since = self.clock;
        }
    }

    /// `task`'s slice took `ticks` (host calls included): charged to its component. The clock
    /// moves to the slice's end, and a task ready again waits from there.
    pub fn charge(&mut self, task: TaskId, ticks: u64) {
        self.clock = self.clock.saturating_add(ticks);
        let clock = self.clock;
        let Some(t) = self.tasks.get_mut(task.index()) else {
            return;
        };
        if t.state == TaskState::Ready {
            t.ready_since = clock;
        }
        if let Some(c) = self.components.get_mut(t.component) {
            c.used_ticks = c.used_ticks.saturating_add(ticks);
            c.vtime = c.vtime.saturating_add(ticks);
        }
    }

    /// Moves the running `task` to `state`; false if it was not running.
    fn settle(&mut self, task: TaskId, state: TaskState) -> bool {
        let index = task.index();
        if self.tasks.get(index).map(|t| t.state) != Some(TaskState::Running) {
            return false;
        }
        if state == TaskState::Ready {
            self.make_ready(index);
        } else if let Some(t) = self.tasks.get_mut(index) {
            t.state = state;
        }
        true
    }

    /// The running `task` yielded or spent its fuel slice: ready again.
    pub fn ready(&mut self, task: TaskId) -> bool {
        self.settle(task, TaskState::Ready)
    }

    /// The running `task` blocks on `wait`.
    pub fn block(&mut self, task: TaskId, wait: WaitOn) -> bool {
        self.settle(task, TaskState::Blocked(wait))
    }

    /// The running `task` sleeps until tick `until` (a deadline already passed is a yield).
    pub fn sleep(&mut self, task: TaskId, until: u64, now: u64) -> bool {
        let state = if until <= now {
            TaskState::Ready
        } else {
            TaskState::Sleeping { until }
        };
        self.settle(task, state)
    }

    /// The running `task`'s entry point returned.
    pub fn finish(&mut self, task: TaskId) -> bool {
        self.settle(task, TaskState::Finished)
    }

    /// `task`, blocked or sleeping, is ready now (what it waited for may have happened — e.g.
    /// one of several things a process waits on in the kernel). False if it was neither.
    pub fn wake(&mut self, task: TaskId) -> bool {
        let index = task.index();
        match self.tasks.get(index).map(|t| t.state) {
            Some(TaskState::Blocked(_) | TaskState::Sleeping { .. }) => {
                self.make_ready(index);
                true
            }
            _ => false,
        }
    }

    /// `wait` may now succeed: every task blocked on it is ready. Returns how many woke.
    pub fn notify(&mut self, wait: WaitOn) -> usize {
        let mut woken = 0usize;
        for index in 0..self.tasks.len() {
            if self.tasks.get(index).map(|t| t.state) == Some(TaskState::Blocked(wait)) {
                self.make_ready(index);
                woken = woken.saturating_add(1);
            }
        }
        woken
    }

    /// `task` trapped at tick `now`: every task of its component goes down, and its restart
    /// policy decides what follows.
    pub fn fault(&mut self, task: TaskId, now: u64) -> Option<FaultDecision> {
        let component_index = self.tasks.get(task.index())?.component;
        for t in self
            .tasks
            .iter_mut()
            .filter(|t| t.component == component_index)
        {
            t.state = TaskState::Down;
        }
        let component = self.components.get_mut(component_index)?;
        let decision = match component.policy {
            RestartPolicy::Never => FaultDecision::Stop(StopReason::Never),
            RestartPolicy::Restart { max_restarts, .. } if component.restarts >= max_restarts => {
                FaultDecision::Stop(StopReason::RestartsExhausted {
                    restarts: component.restarts,
                })
            }
            RestartPolicy::Restart { .. } => FaultDecision::Restart {
                restart: component.restarts.saturating_add(1),
                at: now.max(component.last_start.saturating_add(component.min_run_ticks)),
            },
        };
        component.state = match decision {
            FaultDecision::Restart { at, .. } => ComponentState::RestartPending { at },
            FaultDecision::Stop(reason) => ComponentState::Stopped(reason),
        };
        Some(decision)
    }

    /// A component whose restart is due at tick `now`, if any.
    pub fn due_restart(&self, now: u64) -> Option<usize> {
        self.components
            .iter()
            .position(|c| matches!(c.state, ComponentState::RestartPending { at } if at <= now))
    }

    /// `component` was instantiated again at tick `now`: its tasks are ready, from the start.
    pub fn restarted(&mut self, component: usize, now: u64) {
        if let Some(c) = self.components.get_mut(component) {
            c.restarts = c.restarts.saturating_add(1);
            c.last_start = now;
            c.state = ComponentState::Running;
        }
        self.clock = self.clock.max(now);
        for index in 0..self.tasks.len() {
            if self.tasks.get(index).map(|t| t.component) == Some(component) {
                self.make_ready(index);
            }
        }
    }

    /// `component` is stopped for good (e.g. its restart failed); its tasks are down.
    pub fn stop(&mut self, component: usize, reason: StopReason) {
        if let Some(c) = self.components.get_mut(component) {
            c.state = ComponentState::Stopped(reason);
        }
        for task in self.tasks.iter_mut().filter(|t| t.component == component) {
            task.state = TaskState::Down;
        }
    }

    /// The earliest tick at which something becomes ready by itself (a sleeper's deadline, a
    /// pending restart): when no task is ready, the idle loop may sleep until then. `None`:
    /// only a queue change (or nothing) can wake anyone.
    pub fn next_wakeup(&self) -> Option<u64> {
        let sleepers = self.tasks.iter().filter_map(|t| match t.state {
            TaskState::Sleeping { until } => Some(until),
            _ => None,
        });
        let restarts = self.components.iter().filter_map(|c| match c.state {
            ComponentState::RestartPending { at } => Some(at),
            _ => None,
        });
        sleepers.chain(restarts).min()
    }
}

/// `ms` milliseconds in ticks of a `ticks_per_second` clock (saturating).
pub fn ms_to_ticks(ms: u32, ticks_per_second: u64) -> u64 {
    let ticks = u128::from(ms)
        .saturating_mul(u128::from(ticks_per_second))
        .checked_div(1000)
        .unwrap_or(0);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// `us` microseconds in ticks, rounded up (a sleep is at least as long as asked).
pub fn us_to_ticks(us: u64, ticks_per_second: u64) -> u64 {
    let product = u128::from(us).saturating_mul(u128::from(ticks_per_second));
    let ticks = product.div_ceil(1_000_000);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// `ticks` in microseconds, rounded down.
pub fn ticks_to_us(ticks: u64, ticks_per_second: u64) -> u64 {
    let us = u128::from(ticks)
        .saturating_mul(1_000_000)
        .checked_div(u128::from(ticks_per_second))
        .unwrap_or(0);
    u64::try_from(us).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
