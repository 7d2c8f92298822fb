//! Half-open address spans and the bounded, sorted, non-overlapping lists the allocator keeps.

use core::ops::Range;

use heapless::Vec;

use crate::allocator::{FRAME_SIZE, MAX_RANGES};
use crate::error::FrameError;

/// `start..end` with `start < end` (callers keep that invariant). `Copy`, unlike `Range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl Span {
    pub(crate) const fn len(self) -> u64 {
        // The invariant start < end makes this exact; saturate anyway rather than trust it.
        self.end.saturating_sub(self.start)
    }

    pub(crate) const fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub(crate) const fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub(crate) const fn range(self) -> Range<u64> {
        self.start..self.end
    }
}

/// A sorted list of disjoint spans that never touch (touching spans are merged).
pub(crate) type SpanList = Vec<Span, MAX_RANGES>;

const FRAME_MASK: u64 = FRAME_SIZE - 1;

/// The whole frames inside `range`, if any: RAM shrinks inwards.
pub(crate) fn inner_frames(range: &Range<u64>) -> Option<Span> {
    let start = range.start.checked_add(FRAME_MASK)? & !FRAME_MASK;
    let end = range.end & !FRAME_MASK;
    (start < end).then_some(Span { start, end })
}

/// The frames `range` touches, if any: reserved memory grows outwards. An end that would round
/// past the top of the address space stays `u64::MAX`, which still covers every whole frame.
pub(crate) fn outer_frames(range: &Range<u64>) -> Option<Span> {
    if range.start >= range.end {
        return None;
    }
    let start = range.start & !FRAME_MASK;
    let end = range
        .end
        .checked_add(FRAME_MASK)
        .map_or(u64::MAX, |end| end & !FRAME_MASK);
    Some(Span { start, end })
}

/// Sorts `list` and merges overlapping or touching spans.
pub(crate) fn normalise(list: &mut SpanList) {
    list.sort_unstable_by_key(|span| span.start);
    let mut merged = SpanList::new();
    for &span in list.iter() {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            // Cannot fail: `merged` never holds more spans than `list`.
            _ => {
                let _ = merged.push(span);
            }
        }
    }
    *list = merged;
}

/// `list` minus `hole`. Fails, leaving `list` unchanged, if the result needs more spans than fit.
pub(crate) fn subtract(list: &mut SpanList, hole: Span) -> Result<(), FrameError> {
    let mut result = SpanList::new();
    let too_many = FrameError::TooManyRanges { limit: MAX_RANGES };
    for &span in list.iter() {
        if !span.overlaps(hole) {
            result.push(span).map_err(|_| too_many)?;
            continue;
        }
        if span.start < hole.start {
            let left = Span {
                start: span.start,
                end: hole.start,
            };
            result.push(left).map_err(|_| too_many)?;
        }
        if hole.end < span.end {
            let right = Span {
                start: hole.end,
                end: span.end,
            };
            result.push(right).map_err(|_| too_many)?;
        }
    }
    *list = result;
    Ok(())
}

/// Sum of the spans' lengths (saturating: the spans are disjoint in a 64-bit space, so the sum
/// is below 2^64 anyway).
pub(crate) fn total(list: &SpanList) -> u64 {
    list.iter()
        .fold(0u64, |sum, span| sum.saturating_add(span.len()))
}

/// Removes and returns the span at `index`, or `None` if there is none (never panics).
pub(crate) fn remove_at(list: &mut SpanList, index: usize) -> Option<Span> {
    (index < list.len()).then(|| list.remove(index))
}

/// Inserts `span` at `index`; `Err` if the list is full or `index` is past the end (never
/// panics).
pub(crate) fn insert_at(list: &mut SpanList, index: usize, span: Span) -> Result<(), Span> {
    if index > list.len() {
        return Err(span);
    }
    list.insert(index, span)
}
