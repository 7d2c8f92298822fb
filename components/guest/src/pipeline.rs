//! The demo pipeline (sensor → filter → sink): its message format, the values it carries, the
//! sink's sequence check and the summary the sink keeps in its region.

/// One reading: 16 bytes on the queue, `seq` then `value`, both u64 little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// 0, 1, 2, ... in the order the sensor produced them.
    pub seq: u64,
    /// The sensor's value (or the filter's transformation of it).
    pub value: u64,
}

impl Reading {
    /// Size of an encoded reading (the queues' `message_size` must be at least this).
    pub const SIZE: usize = 16;

    /// The queue message.
    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0; Self::SIZE];
        bytes[..8].copy_from_slice(&self.seq.to_le_bytes());
        bytes[8..].copy_from_slice(&self.value.to_le_bytes());
        bytes
    }

    /// The reading in a queue message, if it is one (exactly [`Reading::SIZE`] bytes).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; Self::SIZE] = bytes.try_into().ok()?;
        let (seq, value) = bytes.split_at(8);
        Some(Self {
            seq: u64::from_le_bytes(seq.try_into().ok()?),
            value: u64::from_le_bytes(value.try_into().ok()?),
        })
    }
}

/// The sensor's value for reading `seq`: a made-up temperature in milli-degrees Celsius,
/// 20.000 to 24.999 °C, deterministic so the sink can check what arrives.
pub fn sensor_value(seq: u64) -> u64 {
    20_000 + seq.wrapping_mul(7919) % 5000
}

/// The filter's transformation: milli-degrees Celsius to milli-degrees Fahrenheit.
pub fn filter_value(milli_celsius: u64) -> u64 {
    milli_celsius * 9 / 5 + 32_000
}

/// What the sink made of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The next number in sequence.
    InOrder,
    /// Ahead of the next expected number: the numbers in between are counted lost.
    Gap,
    /// A number already received (or older than the check's window).
    Duplicate,
    /// A number counted lost earlier that arrived late (within the window): no longer lost,
    /// counted reordered instead.
    Late,
}

/// The sink's check that sequence numbers arrive exactly as 0, 1, 2, ...
///
/// Exact within a window of the last [`SequenceCheck::WINDOW`] numbers: a number older than
/// that is counted duplicated (the likely cause is a restarted sensor starting again at 0).
#[derive(Clone, Debug, Default)]
pub struct SequenceCheck {
    /// Messages received.
    pub received: u64,
    /// Sequence number of the last message received.
    pub last_seq: Option<u64>,
    /// Numbers skipped and not (yet) received.
    pub lost: u64,
    /// Numbers received more than once.
    pub duplicated: u64,
    /// Numbers that arrived after a higher one.
    pub reordered: u64,
    /// The next number expected.
    next: u64,
    /// Bit i set: number `next - 1 - i` has been received.
    seen: u64,
}

impl SequenceCheck {
    /// How far back late and duplicate numbers are told apart.
    pub const WINDOW: u64 = 64;

    /// A check expecting 0 first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `seq`.
    pub fn record(&mut self, seq: u64) -> Verdict {
        self.received += 1;
        self.last_seq = Some(seq);
        if seq >= self.next {
            let skipped = seq - self.next;
            self.lost += skipped;
            // Shift `seq` in as bit 0; the skipped numbers become clear bits.
            self.seen = if skipped < Self::WINDOW - 1 {
                (self.seen << (skipped + 1)) | 1
            } else {
                1
            };
            self.next = seq.saturating_add(1);
            return if skipped == 0 {
                Verdict::InOrder
            } else {
                Verdict::Gap
            };
        }
        let age = self.next - 1 - seq;
        if age >= Self::WINDOW || self.seen & (1 << age) != 0 {
            self.duplicated += 1;
            Verdict::Duplicate
        } else {
            self.seen |= 1 << age;
            self.lost -= 1;
            self.reordered += 1;
            Verdict::Late
        }
    }

    /// Whether every message so far arrived exactly in sequence.
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.reordered == 0
    }
}

/// The sink's summary in its `summary` region: little-endian u64s at these byte offsets.
pub mod summary {
    /// [`MAGIC`] once the sink has written the summary (the region starts zeroed).
    pub const MAGIC_OFFSET: u32 = 0x00;
    /// Messages received.
    pub const RECEIVED: u32 = 0x08;
    /// Sequence number of the last message received (`u64::MAX` before the first).
    pub const LAST_SEQ: u32 = 0x10;
    /// Numbers lost.
    pub const LOST: u32 = 0x18;
    /// Numbers duplicated.
    pub const DUPLICATED: u32 = 0x20;
    /// Numbers reordered.
    pub const REORDERED: u32 = 0x28;
    /// Readings whose value is not `filter_value(sensor_value(seq))`.
    pub const CORRUPT: u32 = 0x30;
    /// Messages that were not 16 bytes (not counted in the sequence check).
    pub const MALFORMED: u32 = 0x38;
    /// Bytes used.
    pub const SIZE: usize = 0x40;
    /// `"RVXSINK1"`.
    pub const MAGIC: u64 = u64::from_le_bytes(*b"RVXSINK1");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(seqs: &[u64]) -> (SequenceCheck, Vec<Verdict>) {
        let mut check = SequenceCheck::new();
        let verdicts = seqs.iter().map(|&s| check.record(s)).collect();
        (check, verdicts)
    }

    #[test]
    fn reading_round_trip() {
        let reading = Reading {
            seq: 0x0102_0304_0506_0708,
            value: 42,
        };
        let bytes = reading.encode();
        assert_eq!(bytes[0], 0x08);
        assert_eq!(bytes[8], 42);
        assert_eq!(Reading::decode(&bytes), Some(reading));
        assert_eq!(Reading::decode(&bytes[..15]), None);
    }

    #[test]
    fn in_order() {
        let seqs: Vec<u64> = (0..10_000).collect();
        let (check, verdicts) = check(&seqs);
        assert!(verdicts.iter().all(|v| *v == Verdict::InOrder));
        assert_eq!(check.received, 10_000);
        assert_eq!(check.last_seq, Some(9_999));
        assert!(check.clean());
    }

    #[test]
    fn not_starting_at_zero_is_loss() {
        let (check, _) = check(&[3, 4]);
        assert_eq!((check.lost, check.duplicated, check.reordered), (3, 0, 0));
    }

    #[test]
    fn gap_then_late_arrival() {
        let (check, verdicts) = check(&[0, 1, 3, 2, 4]);
        use Verdict::*;
        assert_eq!(verdicts, [InOrder, InOrder, Gap, Late, InOrder]);
        assert_eq!((check.lost, check.duplicated, check.reordered), (0, 0, 1));
    }

    #[test]
    fn duplicates() {
        let (check, verdicts) = check(&[0, 1, 1, 2, 0]);
        use Verdict::*;
        assert_eq!(verdicts, [InOrder, InOrder, Duplicate, InOrder, Duplicate]);
        assert_eq!((check.lost, check.duplicated, check.reordered), (0, 2, 0));
    }

    #[test]
    fn restarted_sender_counts_duplicates_beyond_the_window() {
        let mut seqs: Vec<u64> = (0..200).collect();
        seqs.extend(0..3);
        let (check, _) = check(&seqs);
        assert_eq!((check.lost, check.duplicated, check.reordered), (0, 3, 0));
    }

    #[test]
    fn large_gap_clears_the_window() {
        let (check, verdicts) = check(&[0, 100, 1, 99, 99]);
        use Verdict::*;
        assert_eq!(verdicts, [InOrder, Gap, Duplicate, Late, Duplicate]);
        assert_eq!((check.lost, check.duplicated, check.reordered), (98, 2, 1));
    }

    #[test]
    fn values() {
        assert_eq!(sensor_value(0), 20_000);
        assert_eq!(filter_value(20_000), 68_000);
        assert!((0..10_000).all(|s| (20_000..25_000).contains(&sensor_value(s))));
    }
}
