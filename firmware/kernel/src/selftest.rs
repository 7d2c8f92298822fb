//! QEMU self-test scenarios, compiled into test images only (feature `qemu-test`).
//!
//! The host test harness names a scenario on the semihosting command line; the kernel has
//! booted through the same stage 0 as the real image, then provokes the situation under test.
//! A scenario either ends QEMU itself with a status (`selftest <name>: ok` → 0) or provokes a
//! fault whose report the harness checks (the fault handler exits with status 3). Scenarios
//! never change how the kernel under test works: they only poke at it.

mod compute;
mod el0;

use core::sync::atomic::{AtomicU32, Ordering};

use crate::board;
use crate::boot::stage3_mount::System;
use board::arch::{fault_probe, semihosting};
use board::{BoardInfo, ExitCode};

/// A word in .rodata (W^X: writing it must fault).
static RODATA_WORD: u64 = 0x5eed_0000_0000_0001;
/// An AArch64 `ret` instruction in .data (W^X: executing it must fault).
static DATA_CODE: AtomicU32 = AtomicU32::new(0xd65f_03c0);
/// Text of the flood lines: a string argument travels in the frame (format strings do not), so
/// each frame is about as long as a component's line.
const FLOOD_TEXT: &str = "a component line of sixty bytes or so, as components write";
/// Page 0 is never mapped.
const UNMAPPED_ADDRESS: u64 = 0x8;

/// A scenario: its name on the command line, and what it does.
type Scenario = (&'static str, fn(&BoardInfo, &mut System));

const SCENARIOS: &[Scenario] = &[
    ("boot", boot),
    ("data-abort", data_abort),
    ("write-rodata", write_rodata),
    ("exec-data", exec_data),
    ("stack-overflow", stack_overflow),
    ("timer", timer),
    ("timer-log", timer_under_log_load),
    ("flood-fault", flood_then_fault),
    ("flood-notice", flood_then_run),
    ("sec001-read", sec001_read),
    ("run", run_for_a_while),
    ("el0", el0::el0),
    ("compute", compute::compute),
];

/// Run the scenario named on the semihosting command line, if any; without one the test
/// image behaves like the real firmware.
pub fn run_requested(info: &BoardInfo, system: &mut System) {
    let mut buffer = [0u8; 256];
    let Some(command_line) = semihosting::command_line(&mut buffer) else {
        return;
    };
    let Some(&(name, scenario)) = command_line
        .split_whitespace()
        .find_map(|word| SCENARIOS.iter().find(|(name, _)| *name == word))
    else {
        defmt::warn!(
            "selftest: no known scenario in command line \"{=str}\"",
            command_line
        );
        return;
    };
    defmt::info!("selftest {=str}: start", name);
    scenario(info, system);
    // Scenarios that expect a fault only get here if the fault did not happen.
    defmt::error!(
        "selftest {=str}: failed: the expected fault did not happen",
        name
    );
    board::fatal_stop(ExitCode::Failure);
}

fn pass(name: &str) -> ! {
    defmt::info!("selftest {=str}: ok", name);
    board::console::flush();
    board::fatal_stop(ExitCode::Success)
}

fn boot(_: &BoardInfo, _: &mut System) {
    pass("boot");
}

fn data_abort(_: &BoardInfo, _: &mut System) {
    defmt::info!(
        "selftest: reading unmapped address {=u64:#x}",
        UNMAPPED_ADDRESS
    );
    // SAFETY: the read is meant to fault; the fault report stops the machine.
    let value = unsafe { fault_probe::read_u64(UNMAPPED_ADDRESS) };
    defmt::error!("read {=u64:#x} from an unmapped address", value);
}

fn write_rodata(_: &BoardInfo, _: &mut System) {
    let address = core::ptr::addr_of!(RODATA_WORD) as u64;
    defmt::info!("selftest: writing to rodata at {=u64:#x}", address);
    // SAFETY: the write is meant to fault (rodata is mapped read-only); if the mapping were
    // wrong the word would change, which nothing else reads.
    unsafe { fault_probe::write_u64(address, 0) };
}

fn exec_data(_: &BoardInfo, _: &mut System) {
    let address = DATA_CODE.as_ptr() as u64;
    let _ = DATA_CODE.load(Ordering::Relaxed);
    defmt::info!("selftest: executing from data at {=u64:#x}", address);
    // SAFETY: the fetch is meant to fault (data is never executable); if it did not, the word
    // is a plain `ret`, which returns at once.
    unsafe { fault_probe::call(address) };
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0; // never reached: the guard page stops the recursion long before
    }
    // A page of locals per call, kept alive across the recursive call so the compiler can
    // neither drop the frame nor turn the recursion into a loop.
    let mut frame = [depth; 512];
    core::hint::black_box(&mut frame);
    let below = recurse(depth + 1);
    core::hint::black_box(frame[(depth % 512) as usize]) + below
}

fn stack_overflow(_: &BoardInfo, _: &mut System) {
    let guard = board::layout::get().boot_stack_guard;
    defmt::info!(
        "selftest: recursing into the stack guard page at {=u64:#x}..{=u64:#x}",
        guard.start,
        guard.end
    );
    let _ = core::hint::black_box(recurse(0));
}

/// SEC-001: after stage 3 the boot-time map of all RAM is gone. Read a RAM address the kernel
/// could read at boot (inside the ARM's RAM, beyond the kernel's heap and every region): it
/// must fault.
fn sec001_read(info: &BoardInfo, system: &mut System) {
    let kernel_end = board::layout::get().image.end;
    let ram = info.ram.iter().find(|r| r.contains(&kernel_end)).cloned();
    let Some(ram) = ram else {
        defmt::error!("selftest sec001-read: failed: no RAM range after the kernel");
        board::fatal_stop(ExitCode::Failure);
    };
    // 16 MiB past the kernel's end, page aligned, and clear of every region.
    let mut address = (kernel_end + (16 << 20)) & !0xfff;
    while system.regions.iter().any(|r| r.contains(&address)) {
        address += 0x1000;
    }
    if !ram.contains(&address) {
        defmt::error!(
            "selftest sec001-read: failed: {=u64:#x} is not RAM",
            address
        );
        board::fatal_stop(ExitCode::Failure);
    }
    defmt::info!(
        "selftest: reading RAM at {=u64:#x} (mapped at boot, outside the minimal map)",
        address
    );
    // SAFETY: a plain read of RAM; it is meant to fault now that the boot map is gone.
    let value = unsafe { fault_probe::read_u64(address) };
    defmt::error!(
        "read {=u64:#x}: the boot map of all RAM is still there",
        value
    );
}

/// Run the system (the package's components) for the number of seconds given on the command
/// line as `seconds=N` (default 10), then print statistics and exit: the QEMU tests of stage 3
/// read the components' log lines.
fn run_for_a_while(_: &BoardInfo, system: &mut System) {
    run_and_report(system, "run");
}

/// What `run` does, for scenarios that first do something of their own: run the system for
/// `seconds=N` (default 10), print statistics, pass as `name`.
fn run_and_report(system: &mut System, name: &str) -> ! {
    let mut buffer = [0u8; 256];
    let seconds = semihosting::command_line(&mut buffer)
        .and_then(|line| {
            line.split_whitespace().find_map(|w| {
                w.strip_prefix("seconds=")
                    .and_then(|n| n.parse::<u64>().ok())
            })
        })
        .unwrap_or(10);
    let started = board::timer::counter();
    let log_before = board::console::statistics().totals;
    crate::boot::run_system_until(system, seconds);
    let elapsed = board::timer::counter() - started;
    let log_after = board::console::statistics().totals;
    defmt::info!(
        "run: {=u64} ticks elapsed at {=u64} Hz, {=u64} slices",
        elapsed,
        board::timer::frequency(),
        system.processes.slices()
    );
    defmt::info!(
        "run: {=u64} log bytes queued, {=u64} lines dropped by the ring, during the run",
        log_after.queued_bytes - log_before.queued_bytes,
        log_after.dropped_frames - log_before.dropped_frames
    );
    crate::boot::print_statistics(system);
    pass(name)
}

/// Count tick interrupts over a measured interval of the counter.
fn timer(_: &BoardInfo, _: &mut System) {
    const INTERVAL_MS: u64 = 500;
    let hz = u64::from(crate::boot::TICK_HZ);
    board::timer::start_tick(crate::boot::TICK_HZ);
    board::cpu::enable_interrupts();
    // Start on a tick edge, so the count is not off by one from where we began.
    let first = board::timer::ticks();
    while board::timer::ticks() == first {
        board::cpu::wait_for_interrupt();
    }
    let start_ticks = board::timer::ticks();
    let start = board::timer::counter();
    let span = board::timer::frequency() * INTERVAL_MS / 1000;
    while board::timer::counter() - start < span {
        board::cpu::wait_for_interrupt();
    }
    let counted = board::timer::ticks() - start_ticks;
    let elapsed = board::timer::counter() - start;
    let expected = hz * INTERVAL_MS / 1000;
    defmt::info!(
        "selftest: timer ticks {=u64} in {=u64} counter cycles at {=u64} Hz (configured {=u64} Hz, expected {=u64})",
        counted,
        elapsed,
        board::timer::frequency(),
        hz,
        expected
    );
    if counted.abs_diff(expected) <= 1 {
        pass("timer");
    }
    defmt::error!(
        "selftest timer: failed: {=u64} ticks, expected {=u64}",
        counted,
        expected
    );
    board::fatal_stop(ExitCode::Failure);
}

/// The tick under log load: for half a second the log is fed at the wire's own rate (a
/// component-sized line every 5 ms, about 14 KB/s of frames against the 11.5 KB/s a
/// 115200-baud line moves), the CPU spinning in between, and the tick must still count at its
/// rate; no log call may keep interrupts masked for more than a tenth of a tick. (With the old
/// polled log, each such line would have masked interrupts for ~6 ms on a real UART.)
fn timer_under_log_load(_: &BoardInfo, _: &mut System) {
    const INTERVAL_MS: u64 = 500;
    const LINE_EVERY_MS: u64 = 5;
    let hz = u64::from(crate::boot::TICK_HZ);
    board::timer::start_tick(crate::boot::TICK_HZ);
    board::console::start_interrupt_driven();
    board::cpu::enable_interrupts();
    let first = board::timer::ticks();
    while board::timer::ticks() == first {
        board::cpu::wait_for_interrupt();
    }
    board::console::reset_longest_masked();
    let tx_before = board::console::statistics().tx_interrupts;
    let start_ticks = board::timer::ticks();
    let start = board::timer::counter();
    let span = board::timer::frequency() * INTERVAL_MS / 1000;
    let line_every = board::timer::frequency() * LINE_EVERY_MS / 1000;
    let mut lines = 0u64;
    let mut next_line = start;
    loop {
        let now = board::timer::counter();
        if now - start >= span {
            break;
        }
        if now >= next_line {
            board::console::droppable(0, || {
                defmt::info!("[load] line {=u64}: {=str}", lines, FLOOD_TEXT)
            });
            lines += 1;
            next_line += line_every;
        }
        core::hint::spin_loop();
    }
    let counted = board::timer::ticks() - start_ticks;
    let elapsed = board::timer::counter() - start;
    let expected = hz * INTERVAL_MS / 1000;
    let log = board::console::statistics();
    let tx_interrupts = log.tx_interrupts - tx_before;
    let tick_interval = board::timer::frequency() / hz;
    defmt::info!(
        "selftest: timer ticks {=u64} in {=u64} counter cycles at {=u64} Hz (configured {=u64} Hz, expected {=u64}) under log load: {=u64} lines logged, {=u64} TX interrupts, longest masked {=u64} ticks of {=u64} per tick",
        counted,
        elapsed,
        board::timer::frequency(),
        hz,
        expected,
        lines,
        tx_interrupts,
        log.longest_masked_ticks,
        tick_interval
    );
    if counted.abs_diff(expected) <= 1
        && tx_interrupts > 0
        && log.longest_masked_ticks < tick_interval / 10
    {
        pass("timer-log");
    }
    defmt::error!("selftest timer-log: failed");
    board::fatal_stop(ExitCode::Failure);
}

/// Droppable lines counted against component 0 fill the ring (interrupts are still masked
/// here, so nothing drains it) and are dropped; then the system runs for a second, and the
/// drop notice must say how many, against whom.
fn flood_then_run(_: &BoardInfo, system: &mut System) {
    for n in 0..2000u32 {
        board::console::droppable(0, || {
            defmt::info!("[flood] line {=u32}: {=str}", n, FLOOD_TEXT)
        });
    }
    let dropped = board::console::statistics().totals.dropped_frames;
    defmt::info!("selftest: flooded: {=u64} lines dropped", dropped);
    crate::boot::run_system_until(system, 1);
    pass("flood-notice");
}

/// A fault right after a flood: droppable lines fill the ring (many are dropped), kept lines
/// are queued behind them, then an unmapped read faults. The report must arrive complete,
/// after the kept lines before it.
fn flood_then_fault(_: &BoardInfo, _: &mut System) {
    for n in 0..2000u32 {
        board::console::droppable(0, || {
            defmt::info!("[flood] line {=u32}: {=str}", n, FLOOD_TEXT)
        });
    }
    for n in 0..20u32 {
        defmt::info!("selftest: kept line {=u32} of 20 before the fault", n);
    }
    let log = board::console::statistics();
    defmt::info!(
        "selftest: flooded: {=u64} lines dropped, {=usize} bytes waiting; reading unmapped address {=u64:#x}",
        log.totals.dropped_frames,
        log.waiting_bytes,
        UNMAPPED_ADDRESS
    );
    // SAFETY: the read is meant to fault; the fault report stops the machine.
    let value = unsafe { fault_probe::read_u64(UNMAPPED_ADDRESS) };
    defmt::error!("read {=u64:#x} from an unmapped address", value);
}
