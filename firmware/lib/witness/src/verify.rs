//! The host side: find the dumps in a decoded kernel log and check every line of them.

use alloc::vec::Vec;
use core::fmt;

use crate::dump::DUMP_VERSION;
use crate::hash::entry_hash_of_checked;
use crate::{
    Attestation, DecodedPayload, Hash32, HexBytes, MAX_PAYLOAD, PayloadError, WitnessKind,
    ZERO_HASH, decode_payload, dump_seal,
};

/// Checks the witness dump(s) in a decoded log: every `witness …` line, wherever it starts in
/// its log line (any level/timestamp prefix before `witness` is ignored, as are all other
/// lines). Every entry hash is recomputed from the anchor, sequence numbers must run on without
/// a gap from `dropped`, and the end line's count, head and seal must match. The first problem
/// is reported, with its line number and, for an entry, its position in the dump and sequence
/// number.
///
/// A log holding several dumps (say, one at boot and one on request) must have every one
/// intact; the summary describes the last.
pub fn verify_dump(text: &str) -> Result<DumpSummary, ChainError> {
    verify_dump_bytes(text.as_bytes())
}

/// [`verify_dump`] for a log that may not be UTF-8 (a raw capture): only the dump lines must be
/// ASCII.
pub fn verify_dump_bytes(text: &[u8]) -> Result<DumpSummary, ChainError> {
    let mut open: Option<OpenDump> = None;
    let mut last: Option<DumpSummary> = None;
    let mut dumps = 0usize;
    for (number, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = number.saturating_add(1);
        let Some((kind, fields)) = classify(trim_line_end(raw)) else {
            continue;
        };
        let malformed = |reason| ChainError::Malformed { line, reason };
        match kind {
            LineKind::Begin => {
                if let Some(dump) = &open {
                    return Err(ChainError::MissingEnd {
                        begin_line: dump.begin_line,
                        next_begin_line: Some(line),
                    });
                }
                let header = parse_begin(fields).map_err(malformed)?;
                open = Some(OpenDump::new(line, header));
            }
            LineKind::Entry => {
                let dump = open.as_mut().ok_or(ChainError::OutsideDump {
                    line,
                    what: "entry",
                })?;
                let entry = parse_entry(fields).map_err(malformed)?;
                dump.push(line, entry)?;
            }
            LineKind::End => {
                let dump = open
                    .take()
                    .ok_or(ChainError::OutsideDump { line, what: "end" })?;
                let end = parse_end(fields).map_err(malformed)?;
                dumps = dumps.saturating_add(1);
                last = Some(dump.finish(line, end, dumps)?);
            }
        }
    }
    if let Some(dump) = open {
        return Err(ChainError::MissingEnd {
            begin_line: dump.begin_line,
            next_begin_line: None,
        });
    }
    last.ok_or(ChainError::NoDump)
}

/// What a verified dump says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpSummary {
    /// How many complete dumps the text held (all verified); this summary is of the last.
    pub dumps: usize,
    /// Line number (from 1) of the dump's begin line.
    pub begin_line: usize,
    /// Line number of its end line.
    pub end_line: usize,
    /// Whether the entries are hash-chained.
    pub hash_chain: bool,
    /// Generic-timer frequency in Hz (0 if the kernel did not know it).
    pub counter_hz: u64,
    /// Entries dropped before the oldest one in the dump.
    pub dropped: u64,
    /// Previous hash of the oldest entry.
    pub anchor: Hash32,
    /// Hash of the newest entry (the anchor when there is none).
    pub head: Hash32,
    /// The entries, oldest first.
    pub entries: Vec<VerifiedEntry>,
    /// The decoded attestation entries, oldest first.
    pub attestations: Vec<AttestationRecord>,
}

impl DumpSummary {
    /// `ticks` in microseconds at the dump's counter frequency (`None` if it is 0).
    pub fn micros(&self, ticks: u64) -> Option<u64> {
        ticks_to_micros(ticks, self.counter_hz)
    }

    /// Shows `ticks` as seconds with six decimals, or as ticks when the frequency is unknown.
    pub fn time(&self, ticks: u64) -> TickTime {
        TickTime {
            ticks,
            counter_hz: self.counter_hz,
        }
    }
}

/// `ticks` at `counter_hz` in microseconds, rounded down; `None` if `counter_hz` is 0.
pub fn ticks_to_micros(ticks: u64, counter_hz: u64) -> Option<u64> {
    let micros = u128::from(ticks) * 1_000_000 / u128::from(counter_hz).max(1);
    (counter_hz != 0).then(|| u64::try_from(micros).unwrap_or(u64::MAX))
}

/// A tick count shown as `12.345678 s`, or `<n> ticks` when the frequency is unknown.
#[derive(Clone, Copy, Debug)]
pub struct TickTime {
    ticks: u64,
    counter_hz: u64,
}

impl fmt::Display for TickTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match ticks_to_micros(self.ticks, self.counter_hz) {
            Some(us) => write!(f, "{}.{:06} s", us / 1_000_000, us % 1_000_000),
            None => write!(f, "{} ticks", self.ticks),
        }
    }
}

impl fmt::Display for DumpSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "witness log verified: {} entries", self.entries.len())?;
        if let (Some(first), Some(last)) = (self.entries.first(), self.entries.last()) {
            write!(f, " (seq {}..={})", first.seq, last.seq)?;
        }
        writeln!(
            f,
            ", {} dropped earlier, {}, counter {} Hz, lines {}..={}{}",
            self.dropped,
            if self.hash_chain {
                "hash chain"
            } else {
                "no hash chain"
            },
            self.counter_hz,
            self.begin_line,
            self.end_line,
            if self.dumps > 1 { " (last dump)" } else { "" }
        )?;
        writeln!(f, "anchor {}", HexBytes(&self.anchor))?;
        write!(f, "head   {}", HexBytes(&self.head))?;
        for record in &self.attestations {
            write!(
                f,
                "\nattestation seq {} at {}: {}",
                record.seq,
                self.time(record.timestamp),
                record.attestation
            )?;
        }
        Ok(())
    }
}

/// One entry of a verified dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// Line number of its entry line.
    pub line: usize,
    /// Sequence number.
    pub seq: u64,
    /// Generic-timer ticks.
    pub timestamp: u64,
    /// What it records.
    pub kind: WitnessKind,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// Its hash (verified).
    pub hash: Hash32,
}

impl VerifiedEntry {
    /// The payload decoded as its kind prescribes.
    pub fn decoded(&self) -> Result<DecodedPayload<'_>, PayloadError> {
        decode_payload(self.kind, &self.payload)
    }
}

/// An attestation found in a verified dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttestationRecord {
    /// Its entry's sequence number.
    pub seq: u64,
    /// Its entry's timestamp.
    pub timestamp: u64,
    /// The attestation.
    pub attestation: Attestation,
}

/// Why a dump does not verify. Line numbers count from 1; an entry's `index` is its position in
/// its dump (from 0; equal to its sequence number unless entries were dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// No `witness begin` line anywhere.
    NoDump,
    /// A dump line that does not parse.
    Malformed {
        /// Its line number.
        line: usize,
        /// What is wrong with it.
        reason: LineError,
    },
    /// An entry or end line with no begin line before it.
    OutsideDump {
        /// Its line number.
        line: usize,
        /// `"entry"` or `"end"`.
        what: &'static str,
    },
    /// A dump without its end line.
    MissingEnd {
        /// Where the dump began.
        begin_line: usize,
        /// Where another dump began before this one ended (`None`: the input ended).
        next_begin_line: Option<usize>,
    },
    /// An entry whose sequence number does not follow on (an entry is missing, repeated or
    /// out of order).
    SequenceGap {
        /// Its line number.
        line: usize,
        /// Its position in the dump.
        index: u64,
        /// The sequence number due here.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// An entry whose recorded hash is not the hash of its contents and predecessor.
    HashMismatch {
        /// Its line number.
        line: usize,
        /// Its position in the dump.
        index: u64,
        /// Its sequence number.
        seq: u64,
        /// The hash on the line.
        recorded: Hash32,
        /// The hash recomputed from the anchor and the entries.
        recomputed: Hash32,
    },
    /// An attestation entry whose payload does not decode (its hash is right).
    BadAttestation {
        /// Its line number.
        line: usize,
        /// Its position in the dump.
        index: u64,
        /// Its sequence number.
        seq: u64,
        /// Why.
        error: PayloadError,
    },
    /// The end line came after a different number of entries than the begin line declares.
    CountMismatch {
        /// The end line's number.
        line: usize,
        /// Entries the begin line declares.
        declared: u64,
        /// Entries found.
        found: u64,
    },
    /// The end line's head is not the last entry's hash (or the anchor).
    HeadMismatch {
        /// The end line's number.
        line: usize,
        /// The head on the line.
        recorded: Hash32,
        /// The head recomputed.
        recomputed: Hash32,
    },
    /// The end line's seal does not match the begin line's fields and the head.
    SealMismatch {
        /// The end line's number.
        line: usize,
        /// The seal on the line.
        recorded: Hash32,
        /// The seal recomputed.
        recomputed: Hash32,
    },
}

impl ChainError {
    /// The line the problem was found on, if it is one line.
    pub fn line(&self) -> Option<usize> {
        match *self {
            Self::NoDump => None,
            Self::MissingEnd {
                next_begin_line, ..
            } => next_begin_line,
            Self::Malformed { line, .. }
            | Self::OutsideDump { line, .. }
            | Self::SequenceGap { line, .. }
            | Self::HashMismatch { line, .. }
            | Self::BadAttestation { line, .. }
            | Self::CountMismatch { line, .. }
            | Self::HeadMismatch { line, .. }
            | Self::SealMismatch { line, .. } => Some(line),
        }
    }

    /// The position in its dump of the first bad entry, when the problem is an entry's.
    pub fn entry_index(&self) -> Option<u64> {
        match *self {
            Self::SequenceGap { index, .. }
            | Self::HashMismatch { index, .. }
            | Self::BadAttestation { index, .. } => Some(index),
            _ => None,
        }
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDump => f.write_str("no witness dump found (no `witness begin` line)"),
            Self::Malformed { line, reason } => write!(f, "malformed line {line}: {reason}"),
            Self::OutsideDump { line, what } => write!(
                f,
                "line {line}: `witness {what}` line outside a dump (its begin line is missing \
                 or damaged)"
            ),
            Self::MissingEnd {
                begin_line,
                next_begin_line: Some(next),
            } => write!(
                f,
                "missing end line: the dump begun at line {begin_line} is still open when \
                 another begins at line {next}"
            ),
            Self::MissingEnd {
                begin_line,
                next_begin_line: None,
            } => write!(
                f,
                "missing end line: the dump begun at line {begin_line} is still open at the end \
                 of the input"
            ),
            Self::SequenceGap {
                line,
                index,
                expected,
                found,
            } => write!(
                f,
                "line {line}: entry {index}: sequence gap: expected {expected}, found {found}"
            ),
            Self::HashMismatch {
                line,
                index,
                seq,
                recorded,
                recomputed,
            } => write!(
                f,
                "line {line}: entry {index} (seq {seq}): hash mismatch: recorded {}, \
                 recomputed {}",
                HexBytes(recorded),
                HexBytes(recomputed)
            ),
            Self::BadAttestation {
                line,
                index,
                seq,
                error,
            } => write!(f, "line {line}: entry {index} (seq {seq}): {error}"),
            Self::CountMismatch {
                line,
                declared,
                found,
            } => write!(
                f,
                "line {line}: end of dump: the begin line declares {declared} entries, found \
                 {found}"
            ),
            Self::HeadMismatch {
                line,
                recorded,
                recomputed,
            } => write!(
                f,
                "line {line}: end of dump: head mismatch: recorded {}, recomputed {}",
                HexBytes(recorded),
                HexBytes(recomputed)
            ),
            Self::SealMismatch {
                line,
                recorded,
                recomputed,
            } => write!(
                f,
                "line {line}: end of dump: seal mismatch (begin line altered?): recorded {}, \
                 recomputed {}",
                HexBytes(recorded),
                HexBytes(recomputed)
            ),
        }
    }
}

impl core::error::Error for ChainError {}

/// What is wrong with a malformed dump line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Not the number of space-separated fields the line kind has.
    FieldCount {
        /// Which line kind.
        line_kind: &'static str,
        /// Fields it has.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A `key=value` field with another key.
    Key {
        /// The key due here.
        expected: &'static str,
    },
    /// Not `v1`.
    Version,
    /// A number that is not canonical decimal (digits only, no leading zero, fits in a u64).
    Number {
        /// Which field.
        field: &'static str,
    },
    /// `chain=` neither 0 nor 1.
    ChainFlag,
    /// A hash that is not 64 lower-case hex digits.
    Hash {
        /// Which field.
        field: &'static str,
    },
    /// A kind name that is unknown or not in its one canonical spelling.
    Kind,
    /// A payload that is not lower-case hex with an even number of digits (or `-` for none).
    PayloadHex,
    /// A payload over [`MAX_PAYLOAD`] bytes.
    PayloadTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A non-zero anchor in a dump without hash chain.
    NonZeroAnchor,
    /// More entries than sequence numbers.
    SequenceOverflow,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount {
                line_kind,
                expected,
                found,
            } => write!(
                f,
                "`witness {line_kind}` needs {expected} space-separated fields, found {found}"
            ),
            Self::Key { expected } => write!(f, "expected `{expected}=…`"),
            Self::Version => write!(f, "unsupported version (this reader knows v{DUMP_VERSION})"),
            Self::Number { field } => {
                write!(f, "{field} is not a decimal number without leading zeros")
            }
            Self::ChainFlag => f.write_str("chain must be 0 or 1"),
            Self::Hash { field } => write!(f, "{field} is not 64 lower-case hex digits"),
            Self::Kind => f.write_str("unknown kind name"),
            Self::PayloadHex => f.write_str("payload is not lower-case hex bytes (or `-`)"),
            Self::PayloadTooLong { len } => {
                write!(
                    f,
                    "payload of {len} bytes is over the {MAX_PAYLOAD} allowed"
                )
            }
            Self::NonZeroAnchor => f.write_str("anchor must be zero when chain=0"),
            Self::SequenceOverflow => f.write_str("sequence numbers run past 2^64"),
        }
    }
}

impl core::error::Error for LineError {}

#[derive(Clone, Copy)]
enum LineKind {
    Begin,
    Entry,
    End,
}

/// Finds `witness begin|entry|end ` in a line; gives the kind and what follows.
fn classify(line: &[u8]) -> Option<(LineKind, &[u8])> {
    const MARKER: &[u8] = b"witness ";
    const KEYWORDS: [(&[u8], LineKind); 3] = [
        (b"begin ", LineKind::Begin),
        (b"entry ", LineKind::Entry),
        (b"end ", LineKind::End),
    ];
    let mut from = 0;
    while let Some(rest) = line.get(from..) {
        let at = rest.windows(MARKER.len()).position(|w| w == MARKER)?;
        let after = rest.get(at + MARKER.len()..)?;
        for (keyword, kind) in KEYWORDS {
            if let Some(fields) = after.strip_prefix(keyword) {
                return Some((kind, fields));
            }
        }
        from = from.checked_add(at + 1)?;
    }
    None
}

/// Drops what a terminal or logger may add after a line: whitespace, `\r`, and ANSI colour
/// resets (`ESC [ … m`). None of these can end a dump line, so nothing of it is lost.
fn trim_line_end(mut line: &[u8]) -> &[u8] {
    loop {
        let trimmed = line.trim_ascii_end();
        let stripped = trimmed
            .strip_suffix(b"m")
            .and_then(|before| {
                let esc = before.iter().rposition(|&b| b == 0x1b)?;
                let params = before.get(esc + 1..)?.strip_prefix(b"[")?;
                params
                    .iter()
                    .all(|b| b.is_ascii_digit() || *b == b';')
                    .then(|| before.get(..esc))?
            })
            .unwrap_or(trimmed);
        if stripped.len() == line.len() {
            return line;
        }
        line = stripped;
    }
}

/// Parses a canonical decimal u64: digits only, no sign, no leading zero (except `0` itself).
/// One spelling per value, so no edit of a number goes unnoticed.
pub(crate) fn parse_canonical_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || (text.len() > 1 && text.first() == Some(&b'0')) {
        return None;
    }
    text.iter().try_fold(0u64, |value, &digit| {
        if !digit.is_ascii_digit() {
            return None;
        }
        value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })
}

fn fields<'a, const N: usize>(
    text: &'a [u8],
    line_kind: &'static str,
) -> Result<[&'a [u8]; N], LineError> {
    let mut out = [&[][..]; N];
    let mut found = 0usize;
    for field in text.split(|&b| b == b' ') {
        if let Some(slot) = out.get_mut(found) {
            *slot = field;
        }
        found = found.saturating_add(1);
    }
    if found == N {
        Ok(out)
    } else {
        Err(LineError::FieldCount {
            line_kind,
            expected: N,
            found,
        })
    }
}

fn keyed<'a>(field: &'a [u8], key: &'static str) -> Result<&'a [u8], LineError> {
    field
        .strip_prefix(key.as_bytes())
        .and_then(|rest| rest.strip_prefix(b"="))
        .ok_or(LineError::Key { expected: key })
}

fn number(text: &[u8], field: &'static str) -> Result<u64, LineError> {
    parse_canonical_u64(text).ok_or(LineError::Number { field })
}

fn hash(text: &[u8], field: &'static str) -> Result<Hash32, LineError> {
    let mut out = ZERO_HASH;
    crate::hex::decode_into(text, &mut out).ok_or(LineError::Hash { field })?;
    Ok(out)
}

struct Header {
    entries: u64,
    dropped: u64,
    hash_chain: bool,
    counter_hz: u64,
    anchor: Hash32,
}

fn parse_begin(text: &[u8]) -> Result<Header, LineError> {
    let [version, entries, dropped, chain, freq, anchor] = fields(text, "begin")?;
    let version = version
        .strip_prefix(b"v")
        .and_then(parse_canonical_u64)
        .ok_or(LineError::Version)?;
    if version != u64::from(DUMP_VERSION) {
        return Err(LineError::Version);
    }
    let entries = number(keyed(entries, "entries")?, "entries")?;
    let dropped = number(keyed(dropped, "dropped")?, "dropped")?;
    let hash_chain = match keyed(chain, "chain")? {
        b"0" => false,
        b"1" => true,
        _ => return Err(LineError::ChainFlag),
    };
    let counter_hz = number(keyed(freq, "freq")?, "freq")?;
    let anchor = hash(keyed(anchor, "anchor")?, "anchor")?;
    if !hash_chain && anchor != ZERO_HASH {
        return Err(LineError::NonZeroAnchor);
    }
    Ok(Header {
        entries,
        dropped,
        hash_chain,
        counter_hz,
        anchor,
    })
}

struct ParsedEntry {
    seq: u64,
    timestamp: u64,
    kind: WitnessKind,
    payload: Vec<u8>,
    hash: Hash32,
}

fn parse_entry(text: &[u8]) -> Result<ParsedEntry, LineError> {
    let [seq, timestamp, kind, payload, entry_hash] = fields(text, "entry")?;
    let seq = number(seq, "seq")?;
    let timestamp = number(timestamp, "timestamp")?;
    let kind = core::str::from_utf8(kind)
        .ok()
        .and_then(WitnessKind::from_name)
        .ok_or(LineError::Kind)?;
    let payload = parse_payload(payload)?;
    let hash = hash(entry_hash, "hash")?;
    Ok(ParsedEntry {
        seq,
        timestamp,
        kind,
        payload,
        hash,
    })
}

fn parse_payload(text: &[u8]) -> Result<Vec<u8>, LineError> {
    if text == b"-" {
        return Ok(Vec::new());
    }
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return Err(LineError::PayloadHex);
    }
    let len = text.len() / 2;
    if len > MAX_PAYLOAD {
        return Err(LineError::PayloadTooLong { len });
    }
    let mut payload = alloc::vec![0; len];
    crate::hex::decode_into(text, &mut payload).ok_or(LineError::PayloadHex)?;
    Ok(payload)
}

struct End {
    head: Hash32,
    seal: Hash32,
}

fn parse_end(text: &[u8]) -> Result<End, LineError> {
    let [head, seal] = fields(text, "end")?;
    Ok(End {
        head: hash(keyed(head, "head")?, "head")?,
        seal: hash(keyed(seal, "seal")?, "seal")?,
    })
}

/// A dump being read: what the next entry must look like.
struct OpenDump {
    begin_line: usize,
    header: Header,
    /// Sequence number due next (`None` once past u64::MAX).
    next_seq: Option<u64>,
    /// Hash of the last entry read (the anchor before the first).
    head: Hash32,
    entries: Vec<VerifiedEntry>,
    attestations: Vec<AttestationRecord>,
}

impl OpenDump {
    fn new(begin_line: usize, header: Header) -> Self {
        Self {
            begin_line,
            next_seq: Some(header.dropped),
            head: header.anchor,
            header,
            entries: Vec::new(),
            attestations: Vec::new(),
        }
    }

    fn push(&mut self, line: usize, entry: ParsedEntry) -> Result<(), ChainError> {
        let index = self.entries.len() as u64;
        let expected = self.next_seq.ok_or(ChainError::Malformed {
            line,
            reason: LineError::SequenceOverflow,
        })?;
        if entry.seq != expected {
            return Err(ChainError::SequenceGap {
                line,
                index,
                expected,
                found: entry.seq,
            });
        }
        let prev = if self.header.hash_chain {
            self.head
        } else {
            ZERO_HASH
        };
        let recomputed = entry_hash_of_checked(
            &prev,
            entry.seq,
            entry.timestamp,
            entry.kind,
            &entry.payload,
        );
        if recomputed != entry.hash {
            return Err(ChainError::HashMismatch {
                line,
                index,
                seq: entry.seq,
                recorded: entry.hash,
                recomputed,
            });
        }
        if entry.kind == WitnessKind::Attestation {
            let attestation = Attestation::decode(&entry.payload).map_err(|error| {
                ChainError::BadAttestation {
                    line,
                    index,
                    seq: entry.seq,
                    error,
                }
            })?;
            self.attestations.push(AttestationRecord {
                seq: entry.seq,
                timestamp: entry.timestamp,
                attestation,
            });
        }
        self.next_seq = expected.checked_add(1);
        self.head = recomputed;
        self.entries.push(VerifiedEntry {
            line,
            seq: entry.seq,
            timestamp: entry.timestamp,
            kind: entry.kind,
            payload: entry.payload,
            hash: recomputed,
        });
        Ok(())
    }

    fn finish(self, line: usize, end: End, dumps: usize) -> Result<DumpSummary, ChainError> {
        let found = self.entries.len() as u64;
        let h = &self.header;
        if found != h.entries {
            return Err(ChainError::CountMismatch {
                line,
                declared: h.entries,
                found,
            });
        }
        if end.head != self.head {
            return Err(ChainError::HeadMismatch {
                line,
                recorded: end.head,
                recomputed: self.head,
            });
        }
        let seal = dump_seal(
            h.hash_chain,
            h.counter_hz,
            h.dropped,
            found,
            &h.anchor,
            &self.head,
        );
        if end.seal != seal {
            return Err(ChainError::SealMismatch {
                line,
                recorded: end.seal,
                recomputed: seal,
            });
        }
        Ok(DumpSummary {
            dumps,
            begin_line: self.begin_line,
            end_line: line,
            hash_chain: h.hash_chain,
            counter_hz: h.counter_hz,
            dropped: h.dropped,
            anchor: h.anchor,
            head: self.head,
            entries: self.entries,
            attestations: self.attestations,
        })
    }
}
