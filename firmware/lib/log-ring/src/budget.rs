//! A component's log budget (the manifest's `log = { lines_per_second, burst }`): a token
//! bucket over the system counter. The component host checks it before it makes the `log`
//! call, so that an honest flood costs no supervisor calls; the kernel checks its own copy in
//! the call, so that a host which skips its check gets its lines dropped all the same.
//!
//! One line costs `ticks_per_second` units; the bucket refills at `lines_per_second` units per
//! counter tick and holds `burst` lines. Integer arithmetic only, saturating, so no clock value
//! or manifest number can overflow it.

/// What a component's log did since mount (kept across restarts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogCounts {
    /// Lines passed to the kernel log.
    pub written: u64,
    /// Lines dropped because the budget was spent.
    pub dropped: u64,
}

/// The bucket.
#[derive(Clone, Debug)]
pub struct LogBucket {
    rate: u64,
    cost: u64,
    capacity: u64,
    tokens: u64,
    last: u64,
    counts: LogCounts,
}

impl LogBucket {
    /// A full bucket of `burst` lines refilled at `lines_per_second` (the manifest validates
    /// both as at least 1; a 0 is treated as 1) at `now`.
    pub fn new(lines_per_second: u32, burst: u32, ticks_per_second: u64, now: u64) -> LogBucket {
        let cost = ticks_per_second.max(1);
        let capacity = u64::from(burst.max(1)).saturating_mul(cost);
        LogBucket {
            rate: u64::from(lines_per_second.max(1)),
            cost,
            capacity,
            tokens: capacity,
            last: now,
            counts: LogCounts::default(),
        }
    }

    /// Takes one line's worth at `now`: `Ok` when the line may be written, else counts the
    /// drop and returns the ticks until the next line would be allowed.
    pub fn take(&mut self, now: u64) -> Result<(), u64> {
        let elapsed = now.saturating_sub(self.last);
        self.last = self.last.max(now);
        self.tokens = self
            .tokens
            .saturating_add(elapsed.saturating_mul(self.rate))
            .min(self.capacity);
        if self.tokens >= self.cost {
            self.tokens = self.tokens.saturating_sub(self.cost);
            self.counts.written = self.counts.written.saturating_add(1);
            Ok(())
        } else {
            self.counts.dropped = self.counts.dropped.saturating_add(1);
            Err(self
                .cost
                .saturating_sub(self.tokens)
                .div_ceil(self.rate.max(1)))
        }
    }

    /// A line [`LogBucket::take`] allowed was refused further on (the kernel's own budget
    /// dropped it): counted as dropped, not written.
    pub fn refused(&mut self) {
        self.counts.written = self.counts.written.saturating_sub(1);
        self.counts.dropped = self.counts.dropped.saturating_add(1);
    }

    /// What the bucket let through and dropped so far.
    pub fn counts(&self) -> LogCounts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HZ: u64 = 1000;

    fn bucket(lines_per_second: u32, burst: u32) -> LogBucket {
        LogBucket::new(lines_per_second, burst, HZ, 0)
    }

    #[test]
    fn a_burst_then_the_rate() {
        let mut b = bucket(2, 5);
        for _ in 0..5 {
            assert_eq!(b.take(0), Ok(()));
        }
        // Empty: the next token comes in 500 ticks (2 per second at 1000 Hz).
        assert_eq!(b.take(0), Err(500));
        assert_eq!(b.take(499), Err(1));
        assert_eq!(b.take(500), Ok(()));
        assert_eq!(b.take(500), Err(500));
        // Over the next ten seconds a line every 500 ticks: at 1000, 1500, ..., 10000.
        let mut passed = 0;
        for t in (500..10_500).step_by(10) {
            if b.take(t).is_ok() {
                passed += 1;
            }
        }
        assert_eq!(passed, 19);
        assert_eq!(b.counts.written, 5 + 1 + 19);
        assert_eq!(b.counts.dropped, 3 + 1000 - 19);
    }

    #[test]
    fn a_refused_line_counts_as_dropped() {
        let mut b = bucket(2, 5);
        assert_eq!(b.take(0), Ok(()));
        b.refused();
        assert_eq!(
            b.counts(),
            LogCounts {
                written: 0,
                dropped: 1
            }
        );
    }

    #[test]
    fn refills_only_up_to_the_burst() {
        let mut b = bucket(1, 3);
        for _ in 0..3 {
            assert!(b.take(0).is_ok());
        }
        let mut passed = 0;
        while b.take(1_000_000).is_ok() {
            passed += 1;
        }
        assert_eq!(passed, 3, "a long silence earns at most a burst");
    }

    #[test]
    fn extreme_numbers_do_not_overflow() {
        let mut b = LogBucket::new(u32::MAX, u32::MAX, u64::MAX, u64::MAX - 1);
        assert!(b.take(u64::MAX).is_ok());
        // The clock going backwards (it does not, but) neither refills nor panics.
        assert!(b.take(0).is_ok() || b.take(0).is_err());
        let mut zero = LogBucket::new(0, 0, 0, 0);
        assert!(
            zero.take(0).is_ok(),
            "0s are treated as 1 (validation refuses them)"
        );
        assert!(zero.take(0).is_err());
    }
}
