//! The process model: every component runs in a process of its own at EL0 — the component
//! host (one read-only, executable copy shared by all) with its own data, stack, heap, inputs
//! and the regions it was granted, mapped with its own rights, in a translation table of its
//! own tagged with an ASID. The kernel keeps the queues and the authoritative capability
//! tables, answers supervisor calls ([`svc`]), schedules the processes
//! (`ruvix_sched`: strict priority, a guaranteed share, fairness by time used) and
//! preempts one whose time slice is spent. A fault taken from EL0 ends only that process; the
//! component's restart policy then applies, and a restart re-creates the process from its
//! blueprint.

mod console;
mod image;
mod interrupts;
mod memory;
mod space;
mod svc;

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use board::arch::el0::{self, Exit, UserContext};
use board::arch::exception::{exception_class_name, fault_status_name};
use ruvix_caps::ComponentCaps;
use ruvix_log_ring::LogBucket;
use ruvix_manifest::{RestartPolicy, RvfManifest};
use ruvix_queue::{Queue, QueueStats};
use ruvix_sched::{FaultDecision, Scheduler, StopReason, TaskId};
use ruvix_witness::{TaskEvent, WitnessKind, WitnessLog};

pub use image::HostImage;
pub use space::RegionPlacement;
use space::UserSpace;

use crate::board;

/// What the native part of a process needs on top of the component's linear memory: the
/// interpreter's compiled code and data for the module, its stores and per-task stacks.
pub const ENGINE_HEAP: u64 = 2 << 20;
/// The component host's stack (wasmi runs in constant native stack when optimised).
pub const STACK_SIZE: u64 = 512 << 10;
/// How long a component host may take to mount its component at boot (a host that loops
/// instead is stopped, and the boot fails with its name).
pub const MOUNT_LIMIT_MS: u64 = 5_000;
/// The slice of a process run for its guaranteed share (it is not the most urgent): short, so
/// that the share stays small beside the work that is.
pub const SHARE_SLICE_US: u64 = 500;

/// Why the processes could not be started.
#[derive(Debug)]
pub enum StartError {
    NoHost,
    Image(ruvix_user_image::ImageError),
    Memory {
        component: String,
        what: &'static str,
    },
    Map {
        component: String,
        error: String,
    },
    Mount {
        component: String,
        reason: String,
    },
    TooMany,
    /// A manifest interrupt whose source this board does not have (validation refuses it
    /// before; this is the kernel's own check).
    Interrupt {
        name: String,
        source: &'static str,
    },
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StartError::NoHost => f.write_str("no component host is embedded in this image"),
            StartError::Image(e) => write!(f, "the component host: {e}"),
            StartError::Memory { component, what } => {
                write!(f, "{component}: no memory for its {what}")
            }
            StartError::Map { component, error } => write!(f, "{component}: mapping: {error}"),
            StartError::Mount { component, reason } => write!(f, "{component}: {reason}"),
            StartError::TooMany => f.write_str("more components than ASIDs"),
            StartError::Interrupt { name, source } => {
                write!(f, "interrupt {name}: no line {source} on this board")
            }
        }
    }
}

/// The words of a process's `wait`, kept in the process itself: a `wait` allocates and moves
/// nothing.
pub type WaitWords = heapless::Vec<u32, { ruvix_process_abi::MAX_WAITS }>;

/// Where a process stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Started, not yet mounted.
    Mounting,
    /// Running or ready.
    Running,
    /// Every task blocked: sleeping in `wait` on its [`Process::waits`].
    Waiting,
    /// Every task returned.
    Finished,
    /// Faulted: restart pending or stopped for good.
    Down,
}

/// One component's process.
pub struct Process {
    pub name: String,
    pub index: usize,
    caps: ComponentCaps,
    space: UserSpace,
    context: UserContext,
    pub state: State,
    /// The wait words of its latest `wait`: what it sleeps on while `Waiting`.
    waits: WaitWords,
    pub tasks: usize,
    task: TaskId,
    /// The process's time slice: the manifest's `time_slice_ms` (validated 1..=1000 ms;
    /// `ruvix_manifest::limits::DEFAULT_TIME_SLICE_MS` when the manifest names none), in ticks.
    slice_ticks: u64,
    restart: RestartPolicy,
    /// Ticks the process has run (supervisor calls included).
    pub used_ticks: u64,
    pub restarts: u32,
    pub mount_ticks: u64,
    pub stats: ProcessStats,
    /// The component's log budget as the kernel enforces it (the host keeps a copy, to spare
    /// itself the calls); kept across restarts, so a crash loop does not refill it.
    log_budget: LogBucket,
}

/// What the kernel counted for a process.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessStats {
    /// Times it was picked to run.
    pub slices: u64,
    /// Runs that ended by the timer (slice spent, or a more urgent process ready).
    pub preempted: u64,
    /// Runs that ended in `wait`.
    pub waits: u64,
    /// Runs that ended in `yield`.
    pub yields: u64,
    /// Supervisor calls it made.
    pub calls: u64,
    /// Faults (EL0 exceptions, traps reported by its host).
    pub faults: u64,
    /// Fuel its tasks spent, as its host reports it with `yield` and `wait`.
    pub fuel: u64,
    /// Log lines it wrote, and lines dropped over the component's log budget (by its host or,
    /// for a host that skipped its check, by the kernel).
    pub log_lines: u64,
    pub log_dropped: u64,
}

/// How one run of a process ended, for the scheduler.
enum RunEnd {
    /// Back from mount: ready.
    Ready,
    /// Its slice is spent (or a more urgent process is ready): ready again.
    Preempted,
    /// A task yielded: ready again, after the others.
    Yielded,
    /// Waiting in the kernel.
    Waiting,
    /// Ended normally.
    Finished,
    /// Faulted with this report.
    Fault(String),
    /// Mount failed (only while mounting).
    MountFailed(String),
}

/// All the processes, the queues they share and the scheduler.
pub struct Processes {
    pub processes: Vec<Process>,
    pub queues: Vec<Queue>,
    /// The system's regions, by `RegionId`, and whether the kernel's map still holds each.
    regions: Vec<(RegionPlacement, bool)>,
    scheduler: Scheduler,
    pub witness: WitnessLog,
    /// The manifest's device interrupts, by `InterruptId`.
    interrupts: Vec<interrupts::DeviceInterrupt>,
    /// The queues' names, by `QueueId` (for reports).
    queue_names: Vec<String>,
    counter_hz: u64,
    _host: Rc<HostImage>,
}

impl Processes {
    /// Creates one process per component (manifest order) and mounts each inside its process,
    /// at EL0; stops at the first that fails. Call after the SEC-001 drop.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        manifest: &RvfManifest,
        wasm: &[&[u8]],
        components: Vec<ComponentCaps>,
        queues: Vec<Queue>,
        regions: Vec<RegionPlacement>,
        witness: WitnessLog,
        counter_hz: u64,
    ) -> Result<Processes, StartError> {
        let host = Rc::new(HostImage::embedded()?);
        el0::allow_counter_reads();
        if el0::enable_pan() {
            defmt::info!("processes: PAN on: the kernel cannot touch user pages by accident");
        } else {
            defmt::info!(
                "processes: PAN not implemented by this core (ARMv8.0): the kernel reaches process memory only through its own mapping of it"
            );
        }
        let manifest_bytes = manifest.encode();
        let mut scheduler = Scheduler::new(counter_hz);
        let mut processes = Vec::new();
        let now = board::timer::counter();
        for ((index, decl), caps) in manifest.components.iter().enumerate().zip(components) {
            let asid = u8::try_from(index + 1).map_err(|_| StartError::TooMany)?;
            let replica = caps.to_replica().map_err(|e| StartError::Mount {
                component: decl.name.clone(),
                reason: format!("capability replica: {e}"),
            })?;
            let module = wasm.get(index).copied().unwrap_or_default();
            let probes = probes(&processes, &regions, &caps);
            let space = UserSpace::new(
                &host,
                &decl.name,
                asid,
                space::Inputs {
                    component: index,
                    manifest: &manifest_bytes,
                    capabilities: &replica,
                    module,
                    counter_hz,
                    probes,
                },
                decl.memory_bytes()
                    .saturating_mul(2)
                    .saturating_add(ENGINE_HEAP),
                STACK_SIZE,
                &regions,
                &caps,
            )?;
            let component = scheduler.add_component(decl.restart, now);
            let priority = decl
                .entry_points
                .iter()
                .map(|e| e.priority)
                .min()
                .unwrap_or(15);
            let task = scheduler.add_task(component, priority);
            processes.push(Process {
                name: decl.name.clone(),
                index,
                context: space.initial_context(),
                caps,
                space,
                state: State::Mounting,
                waits: WaitWords::new(),
                tasks: 0,
                task,
                slice_ticks: counter_hz * u64::from(decl.time_slice_ms) / 1000,
                restart: decl.restart,
                used_ticks: 0,
                restarts: 0,
                mount_ticks: 0,
                stats: ProcessStats::default(),
                log_budget: LogBucket::new(
                    decl.log_budget.lines_per_second,
                    decl.log_budget.burst,
                    counter_hz,
                    now,
                ),
            });
        }
        let mut system = Processes {
            processes,
            queues,
            regions: regions.into_iter().map(|r| (r, true)).collect(),
            scheduler,
            witness,
            interrupts: interrupts::claim(manifest)?,
            queue_names: manifest.queues.iter().map(|q| q.name.clone()).collect(),
            counter_hz,
            _host: host,
        };
        for index in 0..system.processes.len() {
            system.mount(index)?;
        }
        for index in 0..system.processes.len() {
            system.unmask_interrupts_of(index);
        }
        if system.console_wanted() {
            board::console::enable_input();
            defmt::info!("console: what is typed on the log UART goes to its reader");
        }
        Ok(system)
    }

    /// Runs process `index` until its component host has mounted the component.
    fn mount(&mut self, index: usize) -> Result<(), StartError> {
        let started = board::timer::counter();
        let limit = self.counter_hz * MOUNT_LIMIT_MS / 1000;
        // The timer ends a mount that does not finish (the tick runs only for the scheduler).
        board::timer::start_tick(crate::boot::TICK_HZ);
        board::timer::set_deadline(Some(started.saturating_add(limit)));
        board::cpu::enable_interrupts();
        let end = self.run_process(index, Some((started, limit)), false);
        board::cpu::disable_interrupts();
        board::timer::set_deadline(None);
        board::timer::stop_tick();
        let process = &mut self.processes[index];
        process.mount_ticks = board::timer::counter().wrapping_sub(started);
        let failed = |reason: String| StartError::Mount {
            component: process.name.clone(),
            reason,
        };
        match end {
            RunEnd::Ready if process.state == State::Running => Ok(()),
            RunEnd::MountFailed(reason) => Err(failed(reason)),
            RunEnd::Fault(report) => Err(failed(format!("the component host faulted: {report}"))),
            RunEnd::Preempted => Err(failed(format!(
                "did not mount within {MOUNT_LIMIT_MS} ms (the component host was stopped)"
            ))),
            _ => Err(failed(String::from(
                "the component host stopped before mounting",
            ))),
        }
    }

    /// Runs the next ready process for one time slice (or until it waits, ends or faults);
    /// first starts the restarts that are due. False if nothing was ready.
    pub fn run_next(&mut self) -> bool {
        let now = board::timer::counter();
        self.collect_interrupts();
        self.start_due_restarts(now);
        let Some(task) = self.scheduler.pick(now) else {
            return false;
        };
        let Some(index) = self.processes.iter().position(|p| p.task == task) else {
            return false;
        };
        if self.processes[index].state == State::Waiting {
            // Back from `wait`: say which waits may succeed now (none: the deadline passed).
            let satisfied = self.satisfied(&self.processes[index].waits);
            let process = &mut self.processes[index];
            process.context.x[0] = 0;
            process.context.x[1] = satisfied;
            process.state = State::Running;
        }
        // A guaranteed-share slice is run to its end although more urgent processes are
        // ready (that is what it is for); any other yields to them.
        let share = self.scheduler.picked_for_share();
        let slice = if share {
            self.counter_hz * SHARE_SLICE_US / 1_000_000
        } else {
            self.processes[index].slice_ticks
        };
        self.processes[index].stats.slices += 1;
        board::timer::set_deadline(Some(now.saturating_add(slice)));
        let end = self.run_process(index, Some((now, slice)), !share);
        board::timer::set_deadline(None);
        let ticks = board::timer::counter().wrapping_sub(now);
        self.scheduler.charge(task, ticks);
        let process = &mut self.processes[index];
        process.used_ticks = process.used_ticks.saturating_add(ticks);
        match end {
            RunEnd::Ready => {
                // A restarted process has mounted again: its interrupts come back.
                self.scheduler.ready(task);
                self.unmask_interrupts_of(index);
            }
            RunEnd::Preempted => {
                process.stats.preempted += 1;
                self.scheduler.ready(task);
            }
            RunEnd::Yielded => {
                process.stats.yields += 1;
                self.scheduler.ready(task);
            }
            RunEnd::Waiting => process.stats.waits += 1,
            RunEnd::Finished => {
                process.state = State::Finished;
                self.scheduler.finish(task);
            }
            RunEnd::Fault(report) => self.fault(index, &report),
            RunEnd::MountFailed(reason) => {
                let report = format!("{}: mount failed: {reason}", process.name);
                self.fault(index, &report)
            }
        }
        true
    }

    /// The earliest tick something becomes ready by itself (a deadline, a restart).
    pub fn next_wakeup(&self) -> Option<u64> {
        self.scheduler.next_wakeup()
    }

    /// Runs process `index` from where it stopped until its slice (start and length) is spent,
    /// a more urgent process is ready (if it should `yield_to_urgent`: not while mounting at
    /// boot, when everyone is ready, nor in a guaranteed-share slice), or it waits, ends or
    /// faults.
    fn run_process(
        &mut self,
        index: usize,
        slice: Option<(u64, u64)>,
        yield_to_urgent: bool,
    ) -> RunEnd {
        loop {
            let process = &mut self.processes[index];
            let ttbr0 = process.space.ttbr0();
            // SAFETY: the table is this process's own (`UserSpace`), sharing the kernel's
            // slots and mapping only the process's pages with user attributes; the context
            // is its own and starts (or resumes) inside them.
            let exit = unsafe { el0::run(&mut process.context, ttbr0) };
            match exit {
                Exit::Svc(number) => {
                    self.processes[index].stats.calls += 1;
                    let next = self.supervisor_call(index, number);
                    match next {
                        svc::Next::Resume => {
                            // A call that woke a more urgent process (a message it waited for)
                            // ends the run now rather than at the next interrupt.
                            if yield_to_urgent
                                && self.more_urgent_than(index, board::timer::counter())
                            {
                                return RunEnd::Preempted;
                            }
                        }
                        svc::Next::Wait => return RunEnd::Waiting,
                        svc::Next::Yield => return RunEnd::Yielded,
                        svc::Next::Mounted => {
                            self.processes[index].state = State::Running;
                            return RunEnd::Ready;
                        }
                        svc::Next::Exit => return RunEnd::Finished,
                        svc::Next::Fault(text) => return RunEnd::Fault(text),
                        svc::Next::MountFailed(text) => return RunEnd::MountFailed(text),
                    }
                }
                Exit::Interrupt => {
                    self.collect_interrupts();
                    let Some((start, length)) = slice else {
                        continue;
                    };
                    let now = board::timer::counter();
                    if now.wrapping_sub(start) >= length
                        || (yield_to_urgent && self.more_urgent_than(index, now))
                    {
                        return RunEnd::Preempted;
                    }
                }
                Exit::Fault { class } => {
                    let process = &self.processes[index];
                    return RunEnd::Fault(self.describe_fault(process, class));
                }
            }
        }
    }

    /// "sensor: data abort from a lower EL, permission fault (level 3) at 0x…, pc 0x…: region
    /// summary (ro)" — the component, the class, the address and the mapping it hit.
    fn describe_fault(&self, process: &Process, class: u8) -> String {
        let context = &process.context;
        // Aborts carry the address they were about in FAR; other classes are about the pc.
        let abort = matches!(class, 0x20 | 0x21 | 0x24 | 0x25);
        let address = if abort { context.far } else { context.pc };
        let status = if abort {
            format!(", {}", fault_status_name(context.esr & 0x3f))
        } else {
            String::new()
        };
        format!(
            "{}: {}{} at {:#x}, pc {:#x}: {}",
            process.name,
            exception_class_name(u64::from(class)),
            status,
            address,
            context.pc,
            process.space.describe(address)
        )
    }

    /// Whether a process more urgent than process `index` is ready at `now`.
    fn more_urgent_than(&self, index: usize, now: u64) -> bool {
        let priority = self
            .processes
            .get(index)
            .and_then(|p| self.scheduler.priority(p.task))
            .unwrap_or(u8::MAX);
        self.scheduler.more_urgent_ready(priority, now)
    }

    /// Records a task event of process `index` (`reason`, its restarts so far) in the witness
    /// log.
    fn record_task_event(&mut self, index: usize, kind: WitnessKind, reason: u32) {
        let Some(process) = self.processes.get(index) else {
            return;
        };
        let payload = TaskEvent {
            component: process.index as u16,
            entry: 0,
            reason,
            restart_count: process.restarts,
        }
        .encode();
        record(&mut self.witness, kind, &payload);
    }

    /// Process `index` faulted: report it, take it down and apply its restart policy.
    fn fault(&mut self, index: usize, report: &str) {
        let now = board::timer::counter();
        let process = &mut self.processes[index];
        process.state = State::Down;
        process.stats.faults += 1;
        defmt::warn!("fault: {=str}", report);
        let task = process.task;
        self.mask_interrupts_of(index);
        self.record_task_event(index, WitnessKind::TaskFault, REASON_TRAP);
        let decision = self
            .scheduler
            .fault(task, now)
            .unwrap_or(FaultDecision::Stop(StopReason::Never));
        let process = &self.processes[index];
        match decision {
            FaultDecision::Restart { restart, at } => defmt::info!(
                "restart: {=str}: restart {=u32} of {=u32} at tick {=u64}",
                process.name.as_str(),
                restart,
                max_restarts(process.restart),
                at
            ),
            FaultDecision::Stop(reason) => {
                let reason = format!("{reason}");
                defmt::warn!(
                    "stopped: {=str}: stopped for good: {=str}",
                    process.name.as_str(),
                    reason.as_str()
                );
                self.record_task_event(index, WitnessKind::TaskStopped, REASON_STOPPED);
                self.retire_unheld_regions();
            }
        }
    }

    /// Teardown: a region no process that may run again holds is unmapped from the kernel's
    /// map (the stopped processes' tables that map it are never used again).
    fn retire_unheld_regions(&mut self) {
        for (id, (region, mapped)) in self.regions.iter_mut().enumerate() {
            if !*mapped {
                continue;
            }
            let held = self.processes.iter().any(|p| {
                !matches!(
                    self.scheduler.component_state(p.index),
                    Some(ruvix_sched::ComponentState::Stopped(_))
                ) && space::region_rights(&p.caps, id).is_some()
            });
            if held {
                continue;
            }
            let range = region.phys..region.phys + region.size;
            // SAFETY: the kernel keeps no reference into region memory (stage 3 let go of it)
            // and the only processes that map it are stopped for good.
            match unsafe { board::mmu::unmap_range(range.clone()) } {
                Ok(()) => {
                    *mapped = false;
                    defmt::info!(
                        "teardown: region {=str} ({=u64:#010x}..{=u64:#010x}) unmapped: no running component holds it",
                        region.name.as_str(),
                        range.start,
                        range.end
                    );
                }
                Err(error) => {
                    defmt::error!("teardown: region {=str}: {}", region.name.as_str(), error)
                }
            }
        }
    }

    /// Re-creates the processes whose restart is due, from their blueprints.
    fn start_due_restarts(&mut self, now: u64) {
        while let Some(component) = self.scheduler.due_restart(now) {
            let Some(process) = self.processes.get_mut(component) else {
                self.scheduler.stop(component, StopReason::RestartFailed);
                continue;
            };
            process.space.reset();
            process.context = process.space.initial_context();
            process.state = State::Mounting;
            process.restarts = process.restarts.saturating_add(1);
            process.space.set_restarts(process.restarts);
            self.scheduler.restarted(component, now);
            let process = &self.processes[component];
            defmt::info!(
                "restart: {=str}: restarted ({=u32} of {=u32})",
                process.name.as_str(),
                process.restarts,
                max_restarts(process.restart)
            );
            self.record_task_event(component, WitnessKind::TaskRestart, REASON_RESTART);
        }
    }

    /// Prints what the processes cost in memory: the shared image once, then per process.
    pub fn report_memory(&self) {
        defmt::info!(
            "processes: component host {=usize} bytes of ELF: {=u64} bytes of code and read-only data shared by {=usize} processes, {=u64} bytes of data and bss each",
            self._host.elf_bytes(),
            self._host.shared_bytes(),
            self.processes.len(),
            self._host.private_bytes()
        );
        for process in &self.processes {
            let (private, tables) = process.space.footprint();
            defmt::info!(
                "process {=str}: ASID {=u8}, priority {=u8}, slice {=u64} ticks, {=u64} KiB own memory (data, stack, heap, inputs), {=u64} KiB of translation tables",
                process.name.as_str(),
                process.space.asid(),
                self.scheduler.priority(process.task).unwrap_or(0),
                process.slice_ticks,
                private / 1024,
                tables / 1024
            );
        }
    }

    /// Slices the scheduler has started.
    pub fn slices(&self) -> u64 {
        self.scheduler.slices()
    }

    /// The counters of every queue.
    pub fn queue_stats(&self) -> Vec<QueueStats> {
        self.queues.iter().map(Queue::stats).collect()
    }

    /// Wakes every waiting process one of whose waits may now succeed.
    fn wake_waiters(&mut self) {
        for process in &self.processes {
            if process.state == State::Waiting && self.satisfied(&process.waits) != 0 {
                self.scheduler.wake(process.task);
            }
        }
    }
}

/// What a test image's fault-injection hook aims at: the previous process's heap, a region
/// this component does not hold, the kernel's code. Nothing in other images.
fn probes(
    earlier: &[Process],
    regions: &[RegionPlacement],
    caps: &ComponentCaps,
) -> [u64; ruvix_process_abi::PROBES] {
    let mut probes = [0; ruvix_process_abi::PROBES];
    if cfg!(feature = "qemu-test") {
        probes[ruvix_process_abi::PROBE_PEER_HEAP] = earlier
            .last()
            .and_then(|p| p.space.heap_phys())
            .unwrap_or(0);
        probes[ruvix_process_abi::PROBE_PEER_REGION] = regions
            .iter()
            .enumerate()
            .find(|(id, _)| space::region_rights(caps, *id).is_none())
            .map_or(0, |(_, r)| r.phys);
        probes[ruvix_process_abi::PROBE_KERNEL] = board::layout::get().text.start;
    }
    probes
}

/// Reason codes in witness task events (as the in-kernel runtime's).
const REASON_TRAP: u32 = 1;
const REASON_RESTART: u32 = 2;
const REASON_STOPPED: u32 = 3;

fn record(witness: &mut WitnessLog, kind: WitnessKind, payload: &[u8]) {
    if let Err(error) = witness.append(board::timer::counter(), kind, payload) {
        defmt::error!("witness log: {}", defmt::Display2Format(&error));
    }
}

fn max_restarts(policy: RestartPolicy) -> u32 {
    match policy {
        RestartPolicy::Never => 0,
        RestartPolicy::Restart { max_restarts, .. } => max_restarts,
    }
}
