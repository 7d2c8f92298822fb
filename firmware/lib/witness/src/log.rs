//! The witness log itself: a fixed-capacity ring of hash-chained entries.

use alloc::collections::VecDeque;
use alloc::collections::vec_deque;
use core::fmt;

use crate::hash::{check_payload_len, entry_hash_of_checked};
use crate::{Attestation, Hash32, HexBytes, PayloadBuf, WitnessKind, ZERO_HASH, genesis_anchor};

/// How the log is set up; the same two fields as the manifest's `WitnessLogPolicy`
/// (`WitnessConfig { max_entries: p.max_entries, hash_chain: p.hash_chain }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WitnessConfig {
    /// Entries kept in memory; older ones are dropped when the log is full.
    pub max_entries: u32,
    /// Whether each entry's hash covers its predecessor's hash (a chain) or 32 zero bytes
    /// (each entry stands alone).
    pub hash_chain: bool,
}

/// Why the log refused an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WitnessError {
    /// A log of zero entries was asked for.
    ZeroCapacity,
    /// The memory for the log could not be reserved.
    OutOfMemory {
        /// Entries asked for.
        max_entries: u32,
        /// Bytes that would have taken.
        bytes: usize,
    },
    /// A payload over the bound.
    PayloadTooLong {
        /// Its length.
        len: usize,
        /// The bound, [`MAX_PAYLOAD`](crate::MAX_PAYLOAD).
        max: usize,
    },
    /// Every sequence number has been used (after 2^64 entries: in practice never).
    SequenceExhausted,
}

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroCapacity => f.write_str("witness log: a capacity of 0 entries is not a log"),
            Self::OutOfMemory { max_entries, bytes } => write!(
                f,
                "witness log: cannot reserve {bytes} bytes for {max_entries} entries"
            ),
            Self::PayloadTooLong { len, max } => write!(
                f,
                "witness log: payload of {len} bytes is longer than the {max} allowed"
            ),
            Self::SequenceExhausted => f.write_str("witness log: sequence numbers exhausted"),
        }
    }
}

impl core::error::Error for WitnessError {}

// What `ENTRY_BYTES` promises.
const _: () = assert!(WitnessLog::ENTRY_BYTES <= 256);

/// One stored entry. Its previous hash is not stored: it is the hash of the entry before it,
/// or the anchor for the oldest one (or zero without a chain).
#[derive(Clone, Copy)]
struct Entry {
    seq: u64,
    timestamp: u64,
    hash: Hash32,
    kind: WitnessKind,
    payload: PayloadBuf,
}

/// The witness log: at most `max_entries` entries in memory reserved once, at creation.
///
/// When full, appending drops the oldest entry: its hash becomes the new anchor and the
/// dropped count goes up, so what is left still verifies from the anchor and sequence numbers
/// are never reused (the oldest kept entry's number is the dropped count). A long-running
/// system keeps recording; a reader learns how much was lost.
pub struct WitnessLog {
    config: WitnessConfig,
    counter_hz: u64,
    platform_id: u64,
    anchor: Hash32,
    next_seq: u64,
    entries: VecDeque<Entry>,
    capacity: usize,
}

impl WitnessLog {
    /// A new, empty log. `platform_id` names the platform in the genesis anchor (see
    /// [`genesis_anchor`]; without a hash chain the anchor is [`ZERO_HASH`]); `counter_hz` is
    /// the generic timer's frequency (`CNTFRQ_EL0`), written in the dump so readers can turn
    /// ticks into seconds.
    ///
    /// Reserves `max_entries` × [`WitnessLog::ENTRY_BYTES`] bytes now and never allocates again.
    pub fn new(
        config: WitnessConfig,
        platform_id: u64,
        counter_hz: u64,
    ) -> Result<Self, WitnessError> {
        if config.max_entries == 0 {
            return Err(WitnessError::ZeroCapacity);
        }
        let bytes = usize::try_from(config.max_entries)
            .unwrap_or(usize::MAX)
            .saturating_mul(Self::ENTRY_BYTES);
        let out_of_memory = WitnessError::OutOfMemory {
            max_entries: config.max_entries,
            bytes,
        };
        let capacity = usize::try_from(config.max_entries).map_err(|_| out_of_memory)?;
        let mut entries = VecDeque::new();
        entries
            .try_reserve_exact(capacity)
            .map_err(|_| out_of_memory)?;
        let anchor = if config.hash_chain {
            genesis_anchor(platform_id)
        } else {
            ZERO_HASH
        };
        Ok(Self {
            config,
            counter_hz,
            platform_id,
            anchor,
            next_seq: 0,
            entries,
            capacity,
        })
    }

    /// Memory one entry takes in the log (at most 256 bytes: 64 KiB for the default 256
    /// entries, 16 MiB for the manifest's largest, 65 536).
    pub const ENTRY_BYTES: usize = core::mem::size_of::<Entry>();

    /// Appends an entry and returns it. When the log is full the oldest entry is dropped first
    /// (see the type's docs). Fails only for a payload over [`MAX_PAYLOAD`](crate::MAX_PAYLOAD)
    /// bytes or when sequence numbers run out; the log is unchanged then.
    pub fn append(
        &mut self,
        timestamp: u64,
        kind: WitnessKind,
        payload: &[u8],
    ) -> Result<EntryRef<'_>, WitnessError> {
        check_payload_len(payload)?;
        let payload = PayloadBuf::new(payload)?;
        let seq = self.next_seq;
        let next_seq = seq.checked_add(1).ok_or(WitnessError::SequenceExhausted)?;
        let kind = kind.normalized();
        let prev = self.next_prev();
        let hash = entry_hash_of_checked(&prev, seq, timestamp, kind, &payload);
        if self.entries.len() >= self.capacity {
            self.drop_oldest();
        }
        // Within the capacity reserved in `new`: this never reallocates.
        self.entries.push_back(Entry {
            seq,
            timestamp,
            hash,
            kind,
            payload,
        });
        self.next_seq = next_seq;
        let entry = self.entries.back().unwrap_or_else(|| unreachable_entry());
        Ok(EntryRef { entry, prev })
    }

    /// Appends a stage-4 [`Attestation`] entry.
    pub fn append_attestation(
        &mut self,
        timestamp: u64,
        attestation: &Attestation,
    ) -> Result<EntryRef<'_>, WitnessError> {
        self.append(timestamp, WitnessKind::Attestation, &attestation.encode())
    }

    /// The previous hash the next entry will carry.
    fn next_prev(&self) -> Hash32 {
        if !self.config.hash_chain {
            return ZERO_HASH;
        }
        self.entries.back().map_or(self.anchor, |e| e.hash)
    }

    fn drop_oldest(&mut self) {
        if let Some(oldest) = self.entries.pop_front()
            && self.config.hash_chain
        {
            self.anchor = oldest.hash;
        }
    }

    /// The configuration the log was created with.
    pub fn config(&self) -> WitnessConfig {
        self.config
    }

    /// The generic timer's frequency in Hz, as given at creation.
    pub fn counter_hz(&self) -> u64 {
        self.counter_hz
    }

    /// The platform id the genesis anchor was made from.
    pub fn platform_id(&self) -> u64 {
        self.platform_id
    }

    /// The previous hash of the oldest entry kept: the genesis anchor until an entry is
    /// dropped, then the hash of the last dropped entry ([`ZERO_HASH`] without a chain).
    pub fn anchor(&self) -> Hash32 {
        self.anchor
    }

    /// The hash of the newest entry; the anchor while the log is empty.
    pub fn head(&self) -> Hash32 {
        self.entries.back().map_or(self.anchor, |e| e.hash)
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Most entries kept (the policy's `max_entries`).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entries dropped so far to make room; also the sequence number of the oldest one kept.
    pub fn dropped(&self) -> u64 {
        self.next_seq.saturating_sub(self.entries.len() as u64)
    }

    /// The sequence number the next entry will get (= entries ever appended).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The kept entries, oldest first.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.entries.iter(),
            prev: self.anchor,
            hash_chain: self.config.hash_chain,
        }
    }

    /// The entry with sequence number `seq`, if it is still kept.
    pub fn get(&self, seq: u64) -> Option<EntryRef<'_>> {
        let index = usize::try_from(seq.checked_sub(self.dropped())?).ok()?;
        let entry = self.entries.get(index)?;
        let prev = match (self.config.hash_chain, index.checked_sub(1)) {
            (false, _) => ZERO_HASH,
            (true, None) => self.anchor,
            (true, Some(before)) => self.entries.get(before)?.hash,
        };
        Some(EntryRef { entry, prev })
    }

    /// The newest entry.
    pub fn last(&self) -> Option<EntryRef<'_>> {
        self.get(self.next_seq.checked_sub(1)?)
    }
}

/// `append` has just pushed, so `back()` is `Some`; this keeps the code panic-free anyway by
/// pointing at a static placeholder that is never actually returned.
fn unreachable_entry() -> &'static Entry {
    static PLACEHOLDER: Entry = Entry {
        seq: 0,
        timestamp: 0,
        hash: ZERO_HASH,
        kind: WitnessKind::Boot,
        payload: PayloadBuf::EMPTY,
    };
    &PLACEHOLDER
}

impl<'a> IntoIterator for &'a WitnessLog {
    type Item = EntryRef<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl fmt::Debug for WitnessLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessLog")
            .field("config", &self.config)
            .field("counter_hz", &self.counter_hz)
            .field("len", &self.len())
            .field("dropped", &self.dropped())
            .field("anchor", &HexBytes(&self.anchor))
            .field("head", &HexBytes(&self.head()))
            .finish()
    }
}

/// A view of one entry, with the previous hash its own hash covers.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    entry: &'a Entry,
    prev: Hash32,
}

impl<'a> EntryRef<'a> {
    /// Sequence number: from 0, one per append, never reused.
    pub fn seq(&self) -> u64 {
        self.entry.seq
    }

    /// Generic-timer ticks when the entry was appended.
    pub fn timestamp(&self) -> u64 {
        self.entry.timestamp
    }

    /// What the entry records.
    pub fn kind(&self) -> WitnessKind {
        self.entry.kind
    }

    /// The payload bytes.
    pub fn payload(&self) -> &'a [u8] {
        self.entry.payload.as_bytes()
    }

    /// The previous hash this entry's hash covers.
    pub fn prev_hash(&self) -> &Hash32 {
        &self.prev
    }

    /// This entry's hash.
    pub fn hash(&self) -> &'a Hash32 {
        &self.entry.hash
    }
}

impl fmt::Debug for EntryRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryRef")
            .field("seq", &self.seq())
            .field("timestamp", &self.timestamp())
            .field("kind", &self.kind())
            .field("payload", &HexBytes(self.payload()))
            .field("prev", &HexBytes(self.prev_hash()))
            .field("hash", &HexBytes(self.hash()))
            .finish()
    }
}

/// The entry's dump line: `witness entry <seq> <ticks> <kind> <payload-hex or -> <hash>`.
impl fmt::Display for EntryRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::dump::write_entry_line(
            f,
            self.seq(),
            self.timestamp(),
            self.kind(),
            self.payload(),
            self.hash(),
        )
    }
}

/// The kept entries, oldest first.
pub struct Iter<'a> {
    inner: vec_deque::Iter<'a, Entry>,
    prev: Hash32,
    hash_chain: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        let entry = self.inner.next()?;
        let prev = if self.hash_chain {
            core::mem::replace(&mut self.prev, entry.hash)
        } else {
            ZERO_HASH
        };
        Some(EntryRef { entry, prev })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}
