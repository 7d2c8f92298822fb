//! A periodic compare interrupt's arithmetic on a free-running 32-bit microsecond counter (the
//! BCM2835 system timer's `CLO`, which wraps every 71.6 minutes): the next compare value, and
//! one reporting interval's interrupt count, rate and jitter.
//!
//! All counter values are compared by wrapping difference, so nothing changes at the wrap.

use crate::Line;

/// Microseconds in a second.
pub const SECOND_US: u32 = 1_000_000;

/// Whether counter value `at` is still ahead of `now` (by less than half the counter's range).
/// `at == now` is not ahead: the counter is already there, and a compare written now may never
/// match.
pub fn is_ahead(at: u32, now: u32) -> bool {
    let distance = at.wrapping_sub(now);
    distance != 0 && distance < 1 << 31
}

/// How far `now` is past `at`: a wake-up's lateness after the compare value that woke it.
pub fn since(at: u32, now: u32) -> u32 {
    now.wrapping_sub(at)
}

/// The compare value that follows `previous` (one `period` later) and is still ahead of `now`,
/// with the number of whole periods skipped to get there — compare values that `now` had
/// already passed, their interrupts missed. `period` must not be 0.
pub fn next_compare(previous: u32, period: u32, now: u32) -> (u32, u32) {
    let next = previous.wrapping_add(period);
    if is_ahead(next, now) {
        return (next, 0);
    }
    let skipped = since(next, now) / period + 1;
    (next.wrapping_add(skipped.wrapping_mul(period)), skipped)
}

/// `count` events in `elapsed_us` as a rate per second (rounded down; 0 for an empty interval).
pub fn per_second(count: u64, elapsed_us: u64) -> u64 {
    (count * u64::from(SECOND_US))
        .checked_div(elapsed_us)
        .unwrap_or(0)
}

/// One reporting interval of a periodic interrupt: how many were served, how late each wake-up
/// was after its compare value, and how many compare values passed unserved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// The counter when the interval began.
    started: u32,
    interrupts: u64,
    lateness_max: u32,
    lateness_sum: u64,
    missed: u64,
}

impl Interval {
    /// An empty interval beginning at counter value `now`.
    pub fn new(now: u32) -> Self {
        Self {
            started: now,
            interrupts: 0,
            lateness_max: 0,
            lateness_sum: 0,
            missed: 0,
        }
    }

    /// An interrupt served `lateness_us` after its compare value.
    pub fn record(&mut self, lateness_us: u32) {
        self.interrupts += 1;
        self.lateness_max = self.lateness_max.max(lateness_us);
        self.lateness_sum += u64::from(lateness_us);
    }

    /// `periods` compare values skipped because the counter had passed them.
    pub fn miss(&mut self, periods: u32) {
        self.missed += u64::from(periods);
    }

    /// Microseconds from the interval's start to `now`.
    pub fn elapsed(&self, now: u32) -> u32 {
        since(self.started, now)
    }

    /// Appends `<n> interrupts in <us> us, <rate> per second, jitter max <j> us, mean <m> us,
    /// missed <k>` for the interval ending at `now` (mean rounded down, 0 with no interrupts).
    pub fn report(&self, now: u32, line: Line) -> Line {
        let elapsed = u64::from(self.elapsed(now));
        let mean = self.lateness_sum.checked_div(self.interrupts).unwrap_or(0);
        line.u64(self.interrupts)
            .str(" interrupts in ")
            .u64(elapsed)
            .str(" us, ")
            .u64(per_second(self.interrupts, elapsed))
            .str(" per second, jitter max ")
            .u64(self.lateness_max.into())
            .str(" us, mean ")
            .u64(mean)
            .str(" us, missed ")
            .u64(self.missed)
    }
}

#[cfg(test)]
mod tests {
    use super::{Interval, is_ahead, next_compare, per_second, since};
    use crate::Line;

    #[test]
    fn ahead_and_since_across_the_wrap() {
        assert!(is_ahead(10, 5));
        assert!(!is_ahead(5, 10));
        assert!(!is_ahead(7, 7));
        assert!(is_ahead(3, u32::MAX - 2));
        assert!(!is_ahead(u32::MAX - 2, 3));
        assert_eq!(since(u32::MAX - 2, 3), 6);
        assert_eq!(since(1000, 1017), 17);
    }

    #[test]
    fn next_compare_one_period_on_when_in_time() {
        assert_eq!(next_compare(1000, 1000, 1017), (2000, 0));
        assert_eq!(next_compare(1000, 1000, 1999), (2000, 0));
        // Across the wrap.
        assert_eq!(next_compare(u32::MAX - 499, 1000, u32::MAX), (500, 0));
    }

    #[test]
    fn next_compare_skips_whole_periods_already_passed() {
        // The counter is at the next compare value: too late to write it.
        assert_eq!(next_compare(1000, 1000, 2000), (3000, 1));
        assert_eq!(next_compare(1000, 1000, 2001), (3000, 1));
        assert_eq!(next_compare(1000, 1000, 4500), (5000, 3));
        assert_eq!(next_compare(1000, 1000, 5000), (6000, 4));
        // Across the wrap: compare values u32::MAX - 499 + 1000 = 500, 1500 and 2500 passed.
        assert_eq!(next_compare(u32::MAX - 499, 1000, 2600), (3500, 3));
    }

    #[test]
    fn rate_per_second() {
        assert_eq!(per_second(1000, 1_000_000), 1000);
        assert_eq!(per_second(1000, 1_000_500), 999);
        assert_eq!(per_second(500, 250_000), 2000);
        assert_eq!(per_second(3, 0), 0);
    }

    #[test]
    fn interval_report_line() {
        let mut interval = Interval::new(u32::MAX - 99);
        for lateness in [5, 12, 7] {
            interval.record(lateness);
        }
        interval.miss(2);
        let line = interval.report(2900, Line::new("ticker: "));
        assert_eq!(
            line.as_str(),
            "ticker: 3 interrupts in 3000 us, 1000 per second, jitter max 12 us, mean 8 us, \
             missed 2"
        );
    }

    #[test]
    fn empty_interval_reports_zeros() {
        let interval = Interval::new(0);
        assert_eq!(
            interval.report(0, Line::new("t: ")).as_str(),
            "t: 0 interrupts in 0 us, 0 per second, jitter max 0 us, mean 0 us, missed 0"
        );
    }
}
