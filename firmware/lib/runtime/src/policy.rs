//! The scheduling and restart policy, as pure logic: which task runs next, who waits for what,
//! when a faulted component comes back. No interpreter here; [`crate::Runtime`] drives it.
//!
//! # Scheduling: rounds, priority within a round
//!
//! Tasks are cooperative. A *round* gives every ready task one turn (one slice: until it yields,
//! blocks, sleeps or spends its fuel slice). Within a round, ready tasks run in priority order
//! (0 = most urgent), ties in task order. When every ready task has had its turn, a new round
//! starts. So
//! - a ready task waits at most one round — a task that never blocks (a spinner) takes one
//!   slice per round and cannot starve anyone, whatever its priority;
//! - priority orders the tasks within a round: the urgent ones go first after every wake-up.
//!
//! A task woken mid-round (its queue changed, its deadline passed) still gets its turn in this
//! round if it has not had it, in priority order; otherwise it waits for the next round.
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

use core::fmt;

use ruvix_caps::QueueId;
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
}

impl fmt::Display for WaitOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitOn::Send(queue) => write!(f, "send on queue {}", queue.0),
            WaitOn::Receive(queue) => write!(f, "receive on queue {}", queue.0),
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

#[derive(Clone, Debug)]
struct Task {
    component: usize,
    priority: u8,
    state: TaskState,
    /// Whether it had its turn in the current round.
    ran_in_round: bool,
}

#[derive(Clone, Debug)]
struct Component {
    policy: RestartPolicy,
    min_run_ticks: u64,
    restarts: u32,
    last_start: u64,
    state: ComponentState,
}

/// The scheduler: task states, rounds, restart bookkeeping. See the module docs.
#[derive(Clone, Debug)]
pub struct Scheduler {
    ticks_per_second: u64,
    tasks: alloc::vec::Vec<Task>,
    components: alloc::vec::Vec<Component>,
    rounds: u64,
}

impl Scheduler {
    /// An empty scheduler for a clock of `ticks_per_second`.
    pub fn new(ticks_per_second: u64) -> Scheduler {
        Scheduler {
            ticks_per_second,
            tasks: alloc::vec::Vec::new(),
            components: alloc::vec::Vec::new(),
            rounds: 0,
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
            ran_in_round: false,
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

    /// Rounds started so far.
    pub fn rounds(&self) -> u64 {
        self.rounds
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
    /// sleepers whose deadline has passed, and starts a new round when every ready task has had
    /// its turn in this one.
    pub fn pick(&mut self, now: u64) -> Option<TaskId> {
        for task in &mut self.tasks {
            if let TaskState::Sleeping { until } = task.state
                && until <= now
            {
                task.state = TaskState::Ready;
            }
        }
        // The first pick starts round 1.
        let index = match self.best_ready().filter(|_| self.rounds > 0) {
            Some(index) => index,
            None => {
                if !self.tasks.iter().any(|t| t.state == TaskState::Ready) {
                    return None;
                }
                self.rounds = self.rounds.saturating_add(1);
                for task in &mut self.tasks {
                    task.ran_in_round = false;
                }
                self.best_ready()?
            }
        };
        let task = self.tasks.get_mut(index)?;
        task.state = TaskState::Running;
        task.ran_in_round = true;
        Some(TaskId(u32::try_from(index).ok()?))
    }

    /// The ready task that has not had its turn this round with the best (priority, id).
    fn best_ready(&self) -> Option<usize> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.state == TaskState::Ready && !t.ran_in_round)
            .min_by_key(|(index, t)| (t.priority, *index))
            .map(|(index, _)| index)
    }

    /// Moves the running `task` to `state`; false if it was not running.
    fn settle(&mut self, task: TaskId, state: TaskState) -> bool {
        match self.tasks.get_mut(task.index()) {
            Some(t) if t.state == TaskState::Running => {
                t.state = state;
                true
            }
            _ => false,
        }
    }

    /// The running `task` yielded or spent its fuel slice: ready again (next round).
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

    /// `wait` may now succeed: every task blocked on it is ready. Returns how many woke.
    pub fn notify(&mut self, wait: WaitOn) -> usize {
        let mut woken = 0usize;
        for task in &mut self.tasks {
            if task.state == TaskState::Blocked(wait) {
                task.state = TaskState::Ready;
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
        for task in self.tasks.iter_mut().filter(|t| t.component == component) {
            task.state = TaskState::Ready;
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
