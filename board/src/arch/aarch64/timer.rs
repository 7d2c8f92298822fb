//! The ARM generic timer: a monotonic counter (CNTPCT_EL0 at CNTFRQ_EL0 Hz) and the EL1
//! physical timer, used as a periodic tick interrupt.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{
    CNTFRQ_EL0, CNTP_CTL_EL0, CNTP_CVAL_EL0, CNTPCT_EL0, Readable, Writeable,
};

/// Counter frequency in Hz (never hard-coded: 19.2 MHz on a Pi 3, 54 MHz on a Pi 4,
/// 62.5 MHz under QEMU).
pub fn frequency() -> u64 {
    CNTFRQ_EL0.get()
}

/// The counter, in ticks since reset.
#[inline]
pub fn counter() -> u64 {
    // The ISB keeps the read from being hoisted above earlier instructions.
    barrier::isb(barrier::SY);
    CNTPCT_EL0.get()
}

/// Time since reset.
pub fn uptime() -> Duration {
    ticks_to_duration(counter())
}

pub fn ticks_to_duration(ticks: u64) -> Duration {
    let hz = frequency().max(1);
    let secs = ticks / hz;
    let rest = ticks % hz;
    Duration::new(
        secs,
        ((u128::from(rest) * 1_000_000_000) / u128::from(hz)) as u32,
    )
}

pub fn duration_to_ticks(d: Duration) -> u64 {
    let ticks = d.as_nanos().saturating_mul(u128::from(frequency())) / 1_000_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Busy-wait for `d` (for short hardware delays; the scheduler sleeps with `wfi`).
pub fn spin_for(d: Duration) {
    let end = counter().saturating_add(duration_to_ticks(d));
    while counter() < end {
        core::hint::spin_loop();
    }
}

static TICK_INTERVAL: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);
/// The next tick on the fixed grid (the compare value may be earlier, for a deadline).
static NEXT_TICK: AtomicU64 = AtomicU64::new(0);
/// A one-shot deadline before the next tick (0: none): a process's time slice ends then.
static DEADLINE: AtomicU64 = AtomicU64::new(0);

/// Start the periodic tick at `hz` interrupts per second. The interrupt controller must
/// route the timer (see `irq`).
pub fn start_tick(hz: u32) {
    let interval = frequency() / u64::from(hz.max(1));
    TICK_INTERVAL.store(interval, Ordering::Relaxed);
    NEXT_TICK.store(counter() + interval, Ordering::Relaxed);
    DEADLINE.store(0, Ordering::Relaxed);
    CNTP_CVAL_EL0.set(counter() + interval);
    CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::SET + CNTP_CTL_EL0::IMASK::CLEAR);
}

pub fn stop_tick() {
    CNTP_CTL_EL0.write(CNTP_CTL_EL0::ENABLE::CLEAR + CNTP_CTL_EL0::IMASK::SET);
}

/// Number of tick interrupts handled so far.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// An interrupt at counter value `deadline` too, if it comes before the next tick (a
/// process's time slice ends then); `None` cancels it. The tick keeps its grid.
pub fn set_deadline(deadline: Option<u64>) {
    DEADLINE.store(deadline.unwrap_or(0), Ordering::Relaxed);
    if TICK_INTERVAL.load(Ordering::Relaxed) != 0 {
        arm();
    }
}

/// The compare value: the next tick or the deadline, whichever is first.
fn arm() {
    let next = NEXT_TICK.load(Ordering::Relaxed);
    let deadline = DEADLINE.load(Ordering::Relaxed);
    let at = if deadline != 0 {
        next.min(deadline)
    } else {
        next
    };
    CNTP_CVAL_EL0.set(at);
}

/// Called from the IRQ path when the timer fires: a deadline passed (it is cleared), or a
/// tick is due — counted, and the next one put on the fixed grid (so the rate does not drift
/// with interrupt latency).
pub(crate) fn handle_tick_interrupt() {
    let interval = TICK_INTERVAL.load(Ordering::Relaxed);
    if interval == 0 {
        stop_tick();
        return;
    }
    let now = counter();
    let deadline = DEADLINE.load(Ordering::Relaxed);
    if deadline != 0 && deadline <= now {
        DEADLINE.store(0, Ordering::Relaxed);
    }
    let mut next = NEXT_TICK.load(Ordering::Relaxed);
    if next <= now {
        next += interval;
        if next <= now {
            // We fell behind by more than a period (e.g. a long critical section): skip the
            // missed ticks rather than firing a burst.
            next = now + interval - (now - next) % interval;
        }
        NEXT_TICK.store(next, Ordering::Relaxed);
        TICKS.fetch_add(1, Ordering::Relaxed);
    }
    arm();
}
