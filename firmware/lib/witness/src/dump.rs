//! The text dump: the log as short lines that survive the kernel log (format in the crate docs).

use core::fmt;

use crate::kind::MAX_KIND_NAME_LEN;
use crate::log::Iter;
use crate::{EntryRef, Hash32, HexBytes, MAX_PAYLOAD, WitnessKind, WitnessLog, dump_seal};

/// Version of the dump format (and of the canonical entry encoding), the `v1` of the begin line.
pub const DUMP_VERSION: u32 = 1;

/// Every dump line starts with this word; a reader ignores whatever precedes it.
pub const LINE_MARKER: &str = "witness";

/// Longest dump line in bytes (an entry line with a full payload), without a line ending:
/// size a line buffer with this.
pub const MAX_LINE_LEN: usize = "witness entry ".len()
    + U64_DIGITS
    + 1
    + U64_DIGITS
    + 1
    + MAX_KIND_NAME_LEN
    + 1
    + 2 * MAX_PAYLOAD
    + 1
    + 64;

/// Decimal digits of `u64::MAX`.
const U64_DIGITS: usize = 20;

/// The lines of a dump of `log`, in order: one begin line, one line per kept entry (oldest
/// first), one end line. Each item's `Display` is one line without a line ending.
///
/// ```
/// use core::fmt::Write;
/// use ruvix_witness::{WitnessConfig, WitnessKind, WitnessLog, dump_lines, verify_dump};
///
/// let config = WitnessConfig { max_entries: 16, hash_chain: true };
/// let mut log = WitnessLog::new(config, 0xa020d3_410fd034, 54_000_000).unwrap();
/// log.append(1_000, WitnessKind::Boot, b"").unwrap();
/// log.append(2_000, WitnessKind::Sec001Drop, &[1, 2]).unwrap();
///
/// let mut text = String::new();
/// for line in dump_lines(&log) {
///     // The kernel formats into a fixed buffer of MAX_LINE_LEN bytes and logs it.
///     writeln!(text, "0.001234 INFO {line}").unwrap();
/// }
/// let summary = verify_dump(&text).unwrap();
/// assert_eq!(summary.entries.len(), 2);
/// assert_eq!(summary.head, log.head());
/// ```
pub fn dump_lines(log: &WitnessLog) -> DumpLines<'_> {
    DumpLines {
        log,
        state: State::Begin,
    }
}

/// Iterator over the lines of a dump; see [`dump_lines`].
pub struct DumpLines<'a> {
    log: &'a WitnessLog,
    state: State<'a>,
}

enum State<'a> {
    Begin,
    Entries(Iter<'a>),
    Done,
}

impl<'a> Iterator for DumpLines<'a> {
    type Item = DumpLine<'a>;

    fn next(&mut self) -> Option<DumpLine<'a>> {
        let log = self.log;
        match &mut self.state {
            State::Begin => {
                self.state = State::Entries(log.iter());
                Some(DumpLine::Begin {
                    entries: log.len() as u64,
                    dropped: log.dropped(),
                    hash_chain: log.config().hash_chain,
                    counter_hz: log.counter_hz(),
                    anchor: log.anchor(),
                })
            }
            State::Entries(iter) => match iter.next() {
                Some(entry) => Some(DumpLine::Entry(entry)),
                None => {
                    self.state = State::Done;
                    let head = log.head();
                    let seal = dump_seal(
                        log.config().hash_chain,
                        log.counter_hz(),
                        log.dropped(),
                        log.len() as u64,
                        &log.anchor(),
                        &head,
                    );
                    Some(DumpLine::End { head, seal })
                }
            },
            State::Done => None,
        }
    }
}

/// One line of a dump; `Display` writes it without a line ending.
#[derive(Clone, Copy, Debug)]
pub enum DumpLine<'a> {
    /// `witness begin v1 entries=<n> dropped=<d> chain=<0|1> freq=<hz> anchor=<hex>`
    Begin {
        /// Entries in the dump.
        entries: u64,
        /// Entries dropped before the oldest one in the dump (= its sequence number).
        dropped: u64,
        /// Whether entries are hash-chained.
        hash_chain: bool,
        /// Generic-timer frequency, Hz.
        counter_hz: u64,
        /// Previous hash of the oldest entry.
        anchor: Hash32,
    },
    /// `witness entry <seq> <ticks> <kind> <payload-hex or -> <hash>`
    Entry(EntryRef<'a>),
    /// `witness end head=<hex> seal=<hex>`
    End {
        /// Hash of the newest entry (the anchor if there is none).
        head: Hash32,
        /// [`dump_seal`] over the begin line's fields and the head.
        seal: Hash32,
    },
}

impl fmt::Display for DumpLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Begin {
                entries,
                dropped,
                hash_chain,
                counter_hz,
                anchor,
            } => write!(
                f,
                "{LINE_MARKER} begin v{DUMP_VERSION} entries={entries} dropped={dropped} \
                 chain={} freq={counter_hz} anchor={}",
                u8::from(*hash_chain),
                HexBytes(anchor)
            ),
            Self::Entry(entry) => entry.fmt(f),
            Self::End { head, seal } => write!(
                f,
                "{LINE_MARKER} end head={} seal={}",
                HexBytes(head),
                HexBytes(seal)
            ),
        }
    }
}

/// Writes an entry line (shared by [`EntryRef`]'s `Display`).
pub(crate) fn write_entry_line(
    f: &mut fmt::Formatter<'_>,
    seq: u64,
    timestamp: u64,
    kind: WitnessKind,
    payload: &[u8],
    hash: &Hash32,
) -> fmt::Result {
    write!(f, "{LINE_MARKER} entry {seq} {timestamp} {kind} ")?;
    if payload.is_empty() {
        f.write_str("-")?;
    } else {
        write!(f, "{}", HexBytes(payload))?;
    }
    write!(f, " {}", HexBytes(hash))
}
