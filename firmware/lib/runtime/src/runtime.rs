//! [`Runtime`]: the mounted components and their tasks, run one slice at a time.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::{Ref, RefCell, RefMut};
use core::mem;

use ruvix_caps::{ComponentCaps, ObjectRef, RegionId};
use ruvix_manifest::{RestartPolicy, RvfManifest};
use ruvix_queue::{Queue, QueueStats};
use wasmi::{Engine, TypedResumableCall, TypedResumableCallHostTrap, TypedResumableCallOutOfFuel};

use crate::abi::GuestFault;
use crate::error::MountError;
use crate::event::{FaultReason, RuntimeEvent};
use crate::host::calls::{self, Completion};
use crate::host::link;
use crate::host::state::{HostTrap, Shared, Suspend};
use crate::mount::{self, Blueprint, Live};
use crate::platform::{Platform, RegionBacking};
use crate::policy::{
    ComponentState, FaultDecision, Scheduler, StopReason, TaskId, TaskState, WaitOn,
};
use crate::queues::{LocalQueues, QueueBackend};
use crate::stats::{
    ComponentInfo, ComponentMount, MountReport, SliceOutcome, Step, TaskInfo, TaskStats,
};
use ruvix_log_ring::{LogBucket, LogCounts};

/// The components of a system, mounted under wasmi, and their cooperative tasks.
///
/// Made by [`Runtime::mount`] (stage 3); the kernel then calls [`Runtime::run_slice`] for ever
/// from its idle loop. Owns the platform, the queues (or the backend reaching them) and the
/// region backings.
pub struct Runtime<P: Platform + 'static> {
    engine: Engine,
    shared: Rc<RefCell<Shared<P>>>,
    components: Vec<Component<P>>,
    tasks: Vec<Task>,
    scheduler: Scheduler,
}

struct Component<P> {
    name: String,
    policy: RestartPolicy,
    fuel_slice: u64,
    blueprint: Blueprint<P>,
    /// `None` while faulted (restart pending or stopped for good).
    live: Option<Live<P>>,
}

struct Task {
    component: usize,
    entry: usize,
    export: String,
    call: Call,
    /// Fuel the interpreter needs to make progress (more than a slice only for one big step,
    /// e.g. translating a large function on its first call).
    required_fuel: u64,
    stats: TaskStats,
}

/// Where a task's entry-point invocation stands.
enum Call {
    /// Not started (or its instance was replaced): call the entry point.
    Start,
    /// Suspended in a host call that must be finished first.
    Suspended {
        invocation: TypedResumableCallHostTrap<()>,
        pending: Suspend,
    },
    /// Preempted.
    OutOfFuel(TypedResumableCallOutOfFuel<()>),
    /// Returned.
    Ended,
}

/// How running a task went, before the bookkeeping that needs the whole runtime.
enum Ran {
    Outcome(SliceOutcome),
    Fault(FaultReason),
}

impl<P: Platform + 'static> Runtime<P> {
    /// Stage 3 *mount*: validates each component's module (`wasm`, in manifest order), checks
    /// its imports against the host interface and its exports against the manifest, links the
    /// host functions its capabilities allow and instantiates it in a store of its own (memory
    /// limit from the manifest, fuel metering on); then creates one task per entry point.
    ///
    /// - `components`: the per-component capability tables in manifest order
    ///   (`CapabilityDistribution::into_components`);
    /// - `queues`, `regions`: the kernel's objects, indexed by `QueueId` / `RegionId`, which must
    ///   be the manifest's order (`ObjectIds::in_manifest_order`); checked against the manifest.
    ///
    /// Reports every capability grant and each component's mount time through
    /// [`Platform::event`]. The runtime owns the queues ([`LocalQueues`]); their depth and
    /// message size are checked against the manifest too.
    pub fn mount(
        manifest: &RvfManifest,
        wasm: &[&[u8]],
        components: Vec<ComponentCaps>,
        queues: Vec<Queue>,
        regions: Vec<RegionBacking>,
        platform: P,
    ) -> Result<(Runtime<P>, MountReport), MountError> {
        let shapes = mount::check_queues(manifest, &queues);
        let queues = Box::new(LocalQueues::new(queues));
        Self::mount_checked(
            manifest, wasm, components, queues, shapes, regions, platform,
        )
    }

    /// [`Runtime::mount`] with queues the runtime reaches through `queues` instead of owning
    /// them (e.g. a component host whose queues are in the kernel). Only their number is
    /// checked against the manifest: the backend's owner made them from it.
    pub fn mount_with_backend(
        manifest: &RvfManifest,
        wasm: &[&[u8]],
        components: Vec<ComponentCaps>,
        queues: Box<dyn QueueBackend>,
        regions: Vec<RegionBacking>,
        platform: P,
    ) -> Result<(Runtime<P>, MountReport), MountError> {
        Self::mount_checked(
            manifest,
            wasm,
            components,
            queues,
            Ok(()),
            regions,
            platform,
        )
    }

    /// Mount, with `queue_shapes` the outcome of the shape check of owned queues (reported in
    /// the same order as before queues were a backend: after the tick rate and wasm count).
    fn mount_checked(
        manifest: &RvfManifest,
        wasm: &[&[u8]],
        components: Vec<ComponentCaps>,
        queues: Box<dyn QueueBackend>,
        queue_shapes: Result<(), MountError>,
        regions: Vec<RegionBacking>,
        mut platform: P,
    ) -> Result<(Runtime<P>, MountReport), MountError> {
        let ticks_per_second = platform.ticks_per_second();
        if ticks_per_second == 0 {
            return Err(MountError::ZeroTickRate);
        }
        if wasm.len() != manifest.components.len() {
            return Err(MountError::WasmCount {
                expected: manifest.components.len(),
                found: wasm.len(),
            });
        }
        queue_shapes?;
        let queue_count = queues.queue_count();
        mount::check_objects(manifest, &components, queue_count, &regions)?;
        let queues_connected = mount::queues_connected(&components, queue_count);
        let started = platform.now_ticks();
        let engine = Engine::new(&mount::engine_config());
        let shared = Rc::new(RefCell::new(Shared::new(
            platform,
            queues,
            regions,
            ticks_per_second,
        )));
        let mut runtime = Runtime {
            engine,
            shared,
            components: Vec::new(),
            tasks: Vec::new(),
            scheduler: Scheduler::new(ticks_per_second),
        };
        let mut report = MountReport {
            components_mounted: 0,
            tasks_spawned: 0,
            queues_connected,
            components: Vec::new(),
            ticks: 0,
        };
        for ((decl, caps), wasm) in manifest.components.iter().zip(components).zip(wasm) {
            let mounted = runtime.mount_component(decl, caps, wasm)?;
            report.components_mounted = report.components_mounted.saturating_add(1);
            report.tasks_spawned = report.tasks_spawned.saturating_add(mounted.tasks);
            report.components.push(mounted);
        }
        report.ticks = runtime.now().saturating_sub(started);
        // A task alone may wait inside its host calls: nothing else here could run meanwhile.
        if let Ok(mut shared) = runtime.shared.try_borrow_mut() {
            shared.park_in_place = runtime.tasks.len() == 1;
        }
        Ok((runtime, report))
    }

    fn mount_component(
        &mut self,
        decl: &ruvix_manifest::ComponentDecl,
        caps: ComponentCaps,
        wasm: &[u8],
    ) -> Result<ComponentMount, MountError> {
        let started = self.now();
        for (named, capability) in caps.entries() {
            self.event(RuntimeEvent::Granted {
                component: caps.name(),
                name: &named.name,
                handle: named.handle.0,
                object: capability.object(),
                rights: capability.rights(),
            });
        }
        let (module, imported) = mount::check_module(&self.engine, decl, wasm)?;
        let denied = link::denied_interfaces(&caps);
        let linker = link::linker::<P>(&self.engine, denied).map_err(|error| MountError::Link {
            component: decl.name.clone(),
            error: error.to_string(),
        })?;
        let blueprint = Blueprint {
            module,
            linker,
            caps: Rc::new(caps),
            memory_bytes: usize::try_from(decl.memory_bytes()).unwrap_or(usize::MAX),
            entry_points: decl.entry_points.iter().map(|e| e.export.clone()).collect(),
            log: Rc::new(RefCell::new(LogBucket::new(
                decl.log_budget.lines_per_second,
                decl.log_budget.burst,
                self.scheduler_ticks_per_second(),
                self.now(),
            ))),
        };
        let live = mount::instantiate(&self.engine, &self.shared, &blueprint).map_err(|error| {
            MountError::Instantiate {
                component: decl.name.clone(),
                error,
            }
        })?;
        let index = self.scheduler.add_component(decl.restart, self.now());
        for (entry, point) in decl.entry_points.iter().enumerate() {
            self.scheduler.add_task(index, point.priority);
            self.tasks.push(Task {
                component: index,
                entry,
                export: point.export.clone(),
                call: Call::Start,
                required_fuel: 0,
                stats: TaskStats::default(),
            });
        }
        self.components.push(Component {
            name: decl.name.clone(),
            policy: decl.restart,
            fuel_slice: decl.fuel_slice,
            blueprint,
            live: Some(live),
        });
        // Only the interfaces the module actually imports are worth reporting as denied.
        let denied = denied
            .iter()
            .filter(|i| imported.contains(*i))
            .fold(crate::Interfaces::NONE, crate::Interfaces::with);
        let ticks = self.now().saturating_sub(started);
        let tasks = decl.entry_points.len();
        self.event(RuntimeEvent::Mounted {
            component: &decl.name,
            tasks,
            denied,
            ticks,
        });
        Ok(ComponentMount {
            name: decl.name.clone(),
            tasks,
            denied,
            ticks,
        })
    }

    /// Runs the next ready task for one slice: until it yields, blocks, sleeps, returns, traps
    /// or has spent its fuel slice. First starts the restarts that are due. Returns
    /// [`Step::Idle`] when no task is ready.
    ///
    /// Queue events are taken from the backend before the pick as well as after the slice: a
    /// backend elsewhere learns of changes while every task here is blocked, and they must
    /// wake their tasks before the runtime reports itself idle.
    pub fn run_slice(&mut self) -> Step {
        let now = self.now();
        self.start_due_restarts(now);
        self.wake_queue_waiters();
        let Some(task) = self.scheduler.pick(now) else {
            return Step::Idle {
                next_wakeup_ticks: self.scheduler.next_wakeup(),
            };
        };
        let outcome = match self.run_task(task, now) {
            Ran::Outcome(outcome) => {
                if outcome == SliceOutcome::Finished {
                    self.report_finished(task);
                }
                outcome
            }
            Ran::Fault(reason) => self.fault(task, &reason),
        };
        // The whole slice is the component's: interpreter, host calls, fault handling.
        let ticks = self.now().saturating_sub(now);
        self.scheduler.charge(task, ticks);
        if let Some(t) = self.tasks.get_mut(task.index()) {
            t.stats.ticks = t.stats.ticks.saturating_add(ticks);
        }
        self.wake_queue_waiters();
        Step::Ran { task, outcome }
    }

    fn run_task(&mut self, id: TaskId, now: u64) -> Ran {
        let internal = |what| Ran::Fault(FaultReason::Guest(GuestFault::Internal { what }));
        let Some(task) = self.tasks.get_mut(id.index()) else {
            return internal("task missing");
        };
        let Some(component) = self.components.get_mut(task.component) else {
            return internal("component missing");
        };
        let Some(live) = component.live.as_mut() else {
            return internal("task of a component that is not running");
        };
        let fuel = component.fuel_slice.max(task.required_fuel);
        task.required_fuel = 0;
        task.stats.slices = task.stats.slices.saturating_add(1);
        let state = live.store.data_mut();
        state.fuel_overdraft = 0;
        state.fuel_before_slice = task.stats.fuel;
        state.slice_fuel = fuel;
        if live.store.set_fuel(fuel).is_err() {
            return internal("fuel metering is off");
        }
        let result = match mem::replace(&mut task.call, Call::Ended) {
            Call::Start => match live.entries.get(task.entry) {
                Some(entry) => entry.call_resumable(&mut live.store, ()),
                None => return internal("entry point missing"),
            },
            Call::OutOfFuel(invocation) => invocation.resume(&mut live.store),
            Call::Suspended {
                invocation,
                pending,
            } => match calls::complete(&mut live.store, pending) {
                Ok(Completion::Done) => invocation.resume(&mut live.store, &[]),
                Ok(Completion::Blocked(wait)) => {
                    task.call = Call::Suspended {
                        invocation,
                        pending,
                    };
                    count_block(&mut task.stats, wait);
                    self.scheduler.block(id, wait);
                    return Ran::Outcome(SliceOutcome::Blocked(wait));
                }
                Err(fault) => return Ran::Fault(FaultReason::Guest(fault)),
            },
            Call::Ended => {
                self.scheduler.finish(id);
                return Ran::Outcome(SliceOutcome::Finished);
            }
        };
        let left = live.store.get_fuel().unwrap_or(0);
        let spent = fuel
            .saturating_sub(left)
            .saturating_add(live.store.data().fuel_overdraft);
        task.stats.fuel = task.stats.fuel.saturating_add(spent);
        let stats = &mut task.stats;
        let outcome = match result {
            Ok(TypedResumableCall::Finished(())) => {
                self.scheduler.finish(id);
                SliceOutcome::Finished
            }
            Ok(TypedResumableCall::OutOfFuel(invocation)) => {
                task.required_fuel = invocation.required_fuel();
                task.call = Call::OutOfFuel(invocation);
                stats.preempted = stats.preempted.saturating_add(1);
                self.scheduler.ready(id);
                SliceOutcome::Preempted
            }
            Ok(TypedResumableCall::HostTrap(invocation)) => {
                let pending = match invocation.host_error().downcast_ref::<HostTrap>() {
                    Some(HostTrap::Suspend(pending)) => *pending,
                    Some(HostTrap::Fault(fault)) => {
                        return Ran::Fault(FaultReason::Guest(fault.clone()));
                    }
                    None => {
                        return Ran::Fault(FaultReason::Other(invocation.host_error().to_string()));
                    }
                };
                task.call = Call::Suspended {
                    invocation,
                    pending,
                };
                match (pending, pending.wait_on()) {
                    (_, Some(wait)) => {
                        count_block(stats, wait);
                        self.scheduler.block(id, wait);
                        SliceOutcome::Blocked(wait)
                    }
                    (Suspend::Sleep { until, .. }, None) if until > now => {
                        stats.sleeps = stats.sleeps.saturating_add(1);
                        self.scheduler.sleep(id, until, now);
                        SliceOutcome::Sleeping { until_ticks: until }
                    }
                    // A yield, or the denied (or a zero) sleep, due already.
                    (_, None) => {
                        stats.yields = stats.yields.saturating_add(1);
                        self.scheduler.ready(id);
                        SliceOutcome::Yielded
                    }
                }
            }
            Err(error) => return Ran::Fault(fault_reason(&error)),
        };
        Ran::Outcome(outcome)
    }

    /// A task trapped: report it, discard its component's instance (all its tasks end) and
    /// apply the restart policy.
    fn fault(&mut self, id: TaskId, reason: &FaultReason) -> SliceOutcome {
        let now = self.now();
        let Some(component_index) = self.tasks.get(id.index()).map(|t| t.component) else {
            return SliceOutcome::Finished;
        };
        if let Some(task) = self.tasks.get_mut(id.index()) {
            task.stats.faults = task.stats.faults.saturating_add(1);
        }
        if let (Some(task), Some(component)) = (
            self.tasks.get(id.index()),
            self.components.get(component_index),
        ) {
            self.event(RuntimeEvent::TaskFault {
                component: &component.name,
                export: &task.export,
                task: id,
                reason,
            });
        }
        // The suspended calls go before their store.
        for task in self
            .tasks
            .iter_mut()
            .filter(|t| t.component == component_index)
        {
            task.call = Call::Start;
            task.required_fuel = 0;
        }
        if let Some(component) = self.components.get_mut(component_index) {
            component.live = None;
        }
        let decision = self
            .scheduler
            .fault(id, now)
            .unwrap_or(FaultDecision::Stop(StopReason::Never));
        if let Some(component) = self.components.get(component_index) {
            match decision {
                FaultDecision::Restart { restart, at } => {
                    self.event(RuntimeEvent::RestartScheduled {
                        component: &component.name,
                        restart,
                        max_restarts: max_restarts(component.policy),
                        at_ticks: at,
                    });
                }
                FaultDecision::Stop(reason) => self.event(RuntimeEvent::Stopped {
                    component: &component.name,
                    reason,
                }),
            }
        }
        if matches!(decision, FaultDecision::Stop(_)) {
            self.retire_unheld_regions();
        }
        SliceOutcome::Faulted(decision)
    }

    /// Instantiates again the components whose restart is due.
    fn start_due_restarts(&mut self, now: u64) {
        while let Some(index) = self.scheduler.due_restart(now) {
            let Some(component) = self.components.get_mut(index) else {
                self.scheduler.stop(index, StopReason::RestartFailed);
                continue;
            };
            match mount::instantiate(&self.engine, &self.shared, &component.blueprint) {
                Ok(live) => {
                    component.live = Some(live);
                    self.scheduler.restarted(index, now);
                    if let Some(component) = self.components.get(index) {
                        self.event(RuntimeEvent::Restarted {
                            component: &component.name,
                            restart: self.scheduler.restarts(index),
                            max_restarts: max_restarts(component.policy),
                        });
                    }
                }
                Err(_) => {
                    self.scheduler.stop(index, StopReason::RestartFailed);
                    if let Some(component) = self.components.get(index) {
                        self.event(RuntimeEvent::Stopped {
                            component: &component.name,
                            reason: StopReason::RestartFailed,
                        });
                    }
                    self.retire_unheld_regions();
                }
            }
        }
    }

    /// Teardown: every region whose holders are all stopped for good is taken out of the
    /// shared state (an empty backing stays, so a stray access is out of bounds) and handed to
    /// the platform, which may then unmap it — nothing here refers to its memory any more.
    fn retire_unheld_regions(&mut self) {
        let Ok(mut shared) = self.shared.try_borrow_mut() else {
            return;
        };
        let shared = &mut *shared;
        for (index, backing) in shared.regions.iter_mut().enumerate() {
            let Ok(id) = u32::try_from(index).map(RegionId) else {
                continue;
            };
            let retired = backing.size() == 0;
            let held = self.components.iter().enumerate().any(|(c, component)| {
                holds_region(&component.blueprint.caps, id)
                    && !matches!(
                        self.scheduler.component_state(c),
                        Some(ComponentState::Stopped(_))
                    )
            });
            if retired || held {
                continue;
            }
            let released = match backing {
                RegionBacking::Ram(bytes) => RegionBacking::Ram(mem::take(bytes)),
                RegionBacking::Mmio { base, size } => RegionBacking::Mmio {
                    base: *base,
                    size: mem::take(size),
                },
                RegionBacking::Mapped {
                    address,
                    size,
                    writable,
                    mmio,
                } => RegionBacking::Mapped {
                    address: *address,
                    size: mem::take(size),
                    writable: *writable,
                    mmio: *mmio,
                },
            };
            shared.platform.retire_region(id, released);
        }
    }

    fn report_finished(&mut self, id: TaskId) {
        if let Some(task) = self.tasks.get(id.index())
            && let Some(component) = self.components.get(task.component)
        {
            self.event(RuntimeEvent::TaskFinished {
                component: &component.name,
                export: &task.export,
                task: id,
            });
        }
    }

    /// Wakes the tasks waiting on the queues that changed since the last time (receivers of a
    /// queue sent to, senders of a queue received from).
    fn wake_queue_waiters(&mut self) {
        if let Ok(mut shared) = self.shared.try_borrow_mut() {
            let scheduler = &mut self.scheduler;
            shared.drain_queue_events(|wait| {
                scheduler.notify(wait);
            });
        }
    }

    fn now(&self) -> u64 {
        self.shared
            .try_borrow_mut()
            .map_or(0, |mut shared| shared.platform.now_ticks())
    }

    fn event(&self, event: RuntimeEvent<'_>) {
        if let Ok(mut shared) = self.shared.try_borrow_mut() {
            shared.platform.event(event);
        }
    }

    /// The platform. (Runtime methods release it before they return, so this borrow cannot
    /// conflict.)
    pub fn platform(&self) -> Ref<'_, P> {
        Ref::map(self.shared.borrow(), |shared| &shared.platform)
    }

    /// The platform, to change.
    pub fn platform_mut(&mut self) -> RefMut<'_, P> {
        RefMut::map(self.shared.borrow_mut(), |shared| &mut shared.platform)
    }

    /// The tasks, in id order (manifest order of components and entry points).
    pub fn tasks(&self) -> impl Iterator<Item = TaskInfo<'_>> + '_ {
        (0u32..)
            .zip(&self.tasks)
            .filter_map(move |(id, task)| self.info(TaskId(id), task))
    }

    /// One task.
    pub fn task(&self, id: TaskId) -> Option<TaskInfo<'_>> {
        self.info(id, self.tasks.get(id.index())?)
    }

    fn info<'a>(&'a self, id: TaskId, task: &'a Task) -> Option<TaskInfo<'a>> {
        Some(TaskInfo {
            id,
            component: &self.components.get(task.component)?.name,
            export: &task.export,
            priority: self.scheduler.priority(id)?,
            state: self.scheduler.state(id)?,
            stats: task.stats,
        })
    }

    /// The components, in manifest order.
    pub fn components(&self) -> impl Iterator<Item = ComponentInfo<'_>> + '_ {
        self.components
            .iter()
            .enumerate()
            .filter_map(|(index, component)| {
                Some(ComponentInfo {
                    name: &component.name,
                    state: self.scheduler.component_state(index)?,
                    restarts: self.scheduler.restarts(index),
                    used_ticks: self.scheduler.used_ticks(index),
                })
            })
    }

    /// Each component's log lines written and dropped over budget, in manifest order.
    pub fn log_counts(&self) -> impl Iterator<Item = (&str, LogCounts)> + '_ {
        self.components.iter().map(|c| {
            let counts = c.blueprint.log.try_borrow().map(|b| b.counts());
            (c.name.as_str(), counts.unwrap_or_default())
        })
    }

    fn scheduler_ticks_per_second(&self) -> u64 {
        self.shared
            .try_borrow()
            .map_or(1, |shared| shared.ticks_per_second)
    }

    /// The counters of every queue, by `QueueId` (empty if the backend does not know them).
    pub fn queue_stats(&self) -> Vec<QueueStats> {
        self.shared
            .try_borrow()
            .map(|shared| shared.queues.stats())
            .unwrap_or_default()
    }

    /// `wait` may now succeed (e.g. the kernel said so): every task blocked on it becomes
    /// ready. Returns how many woke. Events from the backend need no call: the runtime takes
    /// them itself in [`Runtime::run_slice`].
    pub fn notify(&mut self, wait: WaitOn) -> usize {
        self.scheduler.notify(wait)
    }

    /// What the blocked tasks wait for, each wait once: when [`Runtime::run_slice`] reports
    /// [`Step::Idle`], one of these (or the clock reaching [`Runtime::next_wakeup_ticks`]) is
    /// what can make a task ready again.
    pub fn waits(&self) -> impl Iterator<Item = WaitOn> + '_ {
        let count = self.scheduler.task_count();
        let blocked = move |task: TaskId| match self.scheduler.state(task) {
            Some(TaskState::Blocked(wait)) => Some(wait),
            _ => None,
        };
        (0u32..).take(count).map(TaskId).filter_map(move |task| {
            let wait = blocked(task)?;
            let first = (0u32..task.0).all(|earlier| blocked(TaskId(earlier)) != Some(wait));
            first.then_some(wait)
        })
    }

    /// The earliest tick at which something becomes ready by itself (a sleeper's deadline, a
    /// pending restart), as [`Step::Idle`] reports it.
    pub fn next_wakeup_ticks(&self) -> Option<u64> {
        self.scheduler.next_wakeup()
    }

    /// Every component's capability table, in manifest order (e.g. for the stage-4
    /// attestation hash, `CapTable::encode`).
    pub fn capabilities(&self) -> impl Iterator<Item = &ComponentCaps> + '_ {
        self.components.iter().map(|c| &*c.blueprint.caps)
    }

    /// Slices the scheduler has started.
    pub fn slices(&self) -> u64 {
        self.scheduler.slices()
    }

    /// A copy of `length` bytes at `offset` of RAM region `region` (e.g. the sink's summary),
    /// a mapped one included; `None` for an MMIO region or a range outside.
    pub fn read_region(&self, region: RegionId, offset: usize, length: usize) -> Option<Vec<u8>> {
        let id = usize::try_from(region.0).ok()?;
        let range = offset..offset.checked_add(length)?;
        {
            // Memory the runtime owns needs no platform (which the caller may be borrowing).
            let shared = self.shared.try_borrow().ok()?;
            match shared.regions.get(id)? {
                RegionBacking::Ram(bytes) => return bytes.get(range).map(<[u8]>::to_vec),
                RegionBacking::Mapped {
                    size, mmio: false, ..
                } if u64::try_from(range.end).ok()? <= *size => {}
                _ => return None,
            }
        }
        let mut copy = alloc::vec![0; length];
        self.shared
            .try_borrow_mut()
            .ok()?
            .read_ram(id, range, &mut copy)?;
        Some(copy)
    }
}

/// Whether `caps` holds a capability to region `region`.
fn holds_region(caps: &ComponentCaps, region: RegionId) -> bool {
    caps.entries()
        .any(|(_, capability)| capability.object() == ObjectRef::Region(region))
}

fn count_block(stats: &mut TaskStats, wait: WaitOn) {
    match wait {
        WaitOn::Send(_) => stats.blocked_send = stats.blocked_send.saturating_add(1),
        WaitOn::Receive(_) => stats.blocked_receive = stats.blocked_receive.saturating_add(1),
        WaitOn::Interrupt(_) | WaitOn::Console => {
            stats.blocked_interrupt = stats.blocked_interrupt.saturating_add(1);
        }
    }
}

fn max_restarts(policy: RestartPolicy) -> u32 {
    match policy {
        RestartPolicy::Never => 0,
        RestartPolicy::Restart { max_restarts, .. } => max_restarts,
    }
}

/// Why an invocation ended with an error.
fn fault_reason(error: &wasmi::Error) -> FaultReason {
    if let Some(code) = error.as_trap_code() {
        return FaultReason::Trap(code);
    }
    match error.downcast_ref::<HostTrap>() {
        Some(HostTrap::Fault(fault)) => FaultReason::Guest(fault.clone()),
        Some(HostTrap::Suspend(_)) => {
            FaultReason::Other("a blocking host call could not be suspended here".into())
        }
        None => FaultReason::Other(error.to_string()),
    }
}
