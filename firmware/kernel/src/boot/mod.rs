//! The boot pipeline, in the order of `ruvix-boot`'s `BootLoader`: stage 0 hardware, stage 1
//! verify, stage 2 create, stage 3 mount, stage 4 attest. Each stage prints one line in the
//! shape `stage N <name>: ok (<ticks> ticks)` or `stage N <name>: failed: <reason>`.

pub mod package_source;
pub mod stage0_hardware;
pub mod stage1_verify;
pub mod stage2_create;
pub mod stage3_mount;
pub mod stage4_attest;

use core::fmt::Write;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::board;

/// Rate of the kernel tick; the scheduler's time slice unit.
pub const TICK_HZ: u32 = 100;
/// Full statistics every this many heartbeats.
const STATISTICS_EVERY: u64 = 6;
/// How often the running system reports that it is alive.
const HEARTBEAT_SECONDS: u64 = 10;
/// How often the scheduler loop looks for lines the full log ring dropped.
const DROP_CHECKS_PER_SECOND: u64 = 10;

/// Print a stage line with its duration in counter ticks.
pub fn stage_ok(number: u8, name: &str, started: u64) {
    let ticks = board::timer::counter().wrapping_sub(started);
    defmt::info!("stage {=u8} {=str}: ok ({=u64} ticks)", number, name, ticks);
}

/// A stage failed: `stage N <name>: failed: <reason>`, the log flushed to the wire, and the
/// boot stops with the boot-failure exit code. Every stage ends this way.
pub fn stage_failed(number: u8, name: &str, reason: impl defmt::Format) -> ! {
    defmt::error!("stage {=u8} {=str}: failed: {}", number, name, reason);
    board::console::flush();
    board::fatal_stop(board::ExitCode::BootFailed)
}

/// Run the components for ever: one scheduler slice after another; when no task is ready,
/// sleep (`wfi`) until the next timer tick. A heartbeat line every few seconds says how far
/// the system got.
pub fn run_system(mut system: stage3_mount::System) -> ! {
    loop {
        run_system_until(&mut system, u64::MAX);
    }
}

/// The running system, for debuggers only: `tools/gdb/ruvix.py` finds the component and task
/// tables through it (they live on the heap, reachable from no symbol otherwise). The kernel
/// never reads it. `no_mangle` keeps it from being optimised away as write-only.
#[unsafe(no_mangle)]
pub static RUVIX_SYSTEM: AtomicPtr<stage3_mount::System> = AtomicPtr::new(core::ptr::null_mut());

/// Run the scheduler for `seconds` (from now).
pub fn run_system_until(system: &mut stage3_mount::System, seconds: u64) {
    if RUVIX_SYSTEM.load(Ordering::Relaxed).is_null() && !system.processes.processes.is_empty() {
        // The first run, the end of the boot: every component is mounted and its tasks are about to run.
        // Counted from the counter's start (reset under QEMU; power-on on a real board).
        defmt::info!(
            "boot: all {=usize} components mounted, their tasks running from {=u64} ticks",
            system.processes.processes.len(),
            board::timer::counter()
        );
    }
    RUVIX_SYSTEM.store(system, Ordering::Relaxed);
    board::timer::start_tick(TICK_HZ);
    board::console::start_interrupt_driven();
    board::cpu::enable_interrupts();
    let hz = board::timer::frequency();
    let end = board::timer::counter().saturating_add(seconds.saturating_mul(hz));
    let mut next_report = board::timer::counter() + hz * HEARTBEAT_SECONDS;
    let mut reports = 0u64;
    let mut next_drop_check = 0;
    loop {
        if !system.processes.run_next() {
            board::console::drain();
            // Wake for the earliest deadline (a sleep, a restart), not only the next tick.
            board::timer::set_deadline(system.processes.next_wakeup());
            board::cpu::wait_for_interrupt();
            board::timer::set_deadline(None);
        }
        let now = board::timer::counter();
        if now >= end {
            return;
        }
        if now >= next_drop_check {
            report_log_drops(system);
            next_drop_check = now + hz / DROP_CHECKS_PER_SECOND;
        }
        if now >= next_report {
            heartbeat(system);
            reports += 1;
            if reports.is_multiple_of(STATISTICS_EVERY) {
                print_statistics(system);
            }
            next_report = now + hz * HEARTBEAT_SECONDS;
        }
    }
}

/// `log: N lines dropped (sink 1200, flood 34)` once the ring has room again after it had to
/// drop lines. The notice itself is a kept line.
fn report_log_drops(system: &stage3_mount::System) {
    let Some(drops) = board::console::take_drops() else {
        return;
    };
    let mut list = heapless::String::<160>::new();
    let names = system.processes.processes.iter().map(|p| p.name.as_str());
    for (name, count) in names
        .into_iter()
        .zip(drops.by_source)
        .filter(|(_, n)| *n > 0)
    {
        let separator = if list.is_empty() { "" } else { ", " };
        let _ = write!(list, "{separator}{name} {count}");
    }
    for (name, count) in [("kernel", drops.kernel), ("other", drops.other)] {
        if count > 0 {
            let separator = if list.is_empty() { "" } else { ", " };
            let _ = write!(list, "{separator}{name} {count}");
        }
    }
    defmt::warn!(
        "log: {=u32} lines dropped ({=str})",
        drops.total,
        list.as_str()
    );
}

/// Per-task and per-queue figures since mount (droppable lines: a full log ring drops them
/// rather than wait).
pub fn print_statistics(system: &stage3_mount::System) {
    board::console::droppable(ruvix_log_ring::KERNEL_SOURCE, || {
        print_statistics_lines(system)
    });
}

fn print_statistics_lines(system: &stage3_mount::System) {
    let log = board::console::statistics();
    defmt::info!(
        "stats: log: ring {=usize} bytes ({=usize} reserved for kernel lines), peak {=usize}, {=u64} bytes queued, {=u64} sent, {=u64} lines dropped, {=u64} waits for the wire, {=u64} TX interrupts, longest masked {=u64} ticks",
        log.ring_bytes,
        log.reserve_bytes,
        log.totals.peak_bytes,
        log.totals.queued_bytes,
        log.totals.sent_bytes,
        log.totals.dropped_frames,
        log.totals.waited,
        log.tx_interrupts,
        log.longest_masked_ticks
    );
    defmt::info!(
        "stats: root task holds {=usize} capabilities (sealed: {=bool})",
        system.root.table().len(),
        system.root.table().is_sealed()
    );
    print_process_statistics(&system.processes);
}

/// The process model's figures: the kernel's accounting per process (supervisor calls
/// included) and the queues.
fn print_process_statistics(processes: &crate::process::Processes) {
    for process in &processes.processes {
        let s = process.stats;
        defmt::info!(
            "stats: process {=str}: {=u64} slices, {=u64} preempted, {=u64} yields, {=u64} waits, {=u64} supervisor calls, {=u64} faults",
            process.name.as_str(),
            s.slices,
            s.preempted,
            s.yields,
            s.waits,
            s.calls,
            s.faults
        );
    }
    for process in &processes.processes {
        defmt::info!(
            "stats: component {=str}: {=u64} ticks used, {=u32} restarts",
            process.name.as_str(),
            process.used_ticks,
            process.restarts
        );
    }
    for process in &processes.processes {
        defmt::info!(
            "stats: log budget {=str}: {=u64} lines written, {=u64} dropped over budget",
            process.name.as_str(),
            process.stats.log_lines,
            process.stats.log_dropped
        );
    }
    print_queue_statistics(&processes.queue_stats());
    processes.report_interrupts();
}

fn print_queue_statistics(queues: &[ruvix_queue::QueueStats]) {
    for (index, queue) in queues.iter().enumerate() {
        defmt::info!(
            "stats: queue {=usize}: {=u64} sent, {=u64} received, peak {=usize}",
            index,
            queue.sent,
            queue.received,
            queue.peak_len
        );
    }
}

fn heartbeat(system: &stage3_mount::System) {
    let sent: u64 = system.processes.queue_stats().iter().map(|q| q.sent).sum();
    board::console::droppable(ruvix_log_ring::KERNEL_SOURCE, || {
        defmt::info!(
            "running: up {=u64} s, {=u64} slices, {=u64} messages sent",
            board::timer::uptime().as_secs(),
            system.processes.slices(),
            sent
        )
    });
}

/// Bytes as lowercase hex without separators, for hashes in the log.
pub struct Hex<'a>(pub &'a [u8]);

impl defmt::Format for Hex<'_> {
    fn format(&self, f: defmt::Formatter) {
        for byte in self.0 {
            defmt::write!(f, "{=u8:02x}", byte);
        }
    }
}
