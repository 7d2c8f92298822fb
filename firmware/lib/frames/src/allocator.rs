//! [`FrameAllocator`]: first-fit allocation of contiguous frames over a sorted free list.

use core::ops::Range;

use crate::error::{FrameError, NotAllocatedReason};
use crate::span::{
    Span, SpanList, inner_frames, insert_at, normalise, outer_frames, remove_at, subtract, total,
};

/// Size of a frame: the 4 KiB translation granule.
pub const FRAME_SIZE: u64 = 4096;

/// Capacity of each span list: the most separate RAM ranges (after merging, and after reserved
/// ranges punched holes in them), and the most separate free runs fragmentation may create.
pub const MAX_RANGES: usize = 128;

/// A physical frame allocator over RAM minus reserved ranges. See the crate docs.
#[derive(Clone, Debug)]
pub struct FrameAllocator {
    /// RAM minus reserved, whole frames, sorted, merged; fixed after `new`.
    usable: SpanList,
    /// The free part of `usable`, sorted, coalesced.
    free: SpanList,
}

impl FrameAllocator {
    /// An allocator over `ram` minus `reserved`, with every usable frame free.
    ///
    /// RAM ranges may overlap or touch (they are merged, then shrunk to whole frames); reserved
    /// ranges are grown to whole frames and may lie anywhere, including outside RAM. Empty ranges
    /// are ignored. Fails with [`FrameError::TooManyRanges`] if the result needs more than
    /// [`MAX_RANGES`] spans (counting the non-empty RAM ranges as given, before merging).
    pub fn new(ram: &[Range<u64>], reserved: &[Range<u64>]) -> Result<FrameAllocator, FrameError> {
        // Merge first, then shrink to whole frames: a frame split between two touching RAM
        // ranges is still RAM.
        let mut bytes = SpanList::new();
        for range in ram.iter().filter(|range| range.start < range.end) {
            let span = Span {
                start: range.start,
                end: range.end,
            };
            bytes
                .push(span)
                .map_err(|_| FrameError::TooManyRanges { limit: MAX_RANGES })?;
        }
        normalise(&mut bytes);
        let mut usable = SpanList::new();
        for span in bytes.iter().filter_map(|span| inner_frames(&span.range())) {
            // Cannot fail: at most one span out per span in.
            let _ = usable.push(span);
        }
        for hole in reserved.iter().filter_map(outer_frames) {
            subtract(&mut usable, hole)?;
        }
        Ok(FrameAllocator {
            free: usable.clone(),
            usable,
        })
    }

    /// Allocates `count` contiguous frames, the lowest-addressed run that fits.
    pub fn allocate(&mut self, count: u64) -> Result<Range<u64>, FrameError> {
        self.allocate_aligned(count, FRAME_SIZE)
    }

    /// Allocates `count` contiguous frames starting at a multiple of `align` bytes (a power of
    /// two, at least [`FRAME_SIZE`]; e.g. 2 MiB so the run can be mapped with block descriptors).
    pub fn allocate_aligned(&mut self, count: u64, align: u64) -> Result<Range<u64>, FrameError> {
        if count == 0 {
            return Err(FrameError::ZeroFrames);
        }
        if !align.is_power_of_two() || align < FRAME_SIZE {
            return Err(FrameError::BadAlignment { align });
        }
        let out_of_memory = FrameError::OutOfMemory { requested: count };
        let bytes = count.checked_mul(FRAME_SIZE).ok_or(out_of_memory)?;
        // Set when a run fits but taking it from the middle of a span would need one more span
        // than the list holds; reported only if no other run fits.
        let mut blocked_by_capacity = false;
        for index in 0..self.free.len() {
            let Some(&span) = self.free.get(index) else {
                break;
            };
            let Some(start) = align_up(span.start, align) else {
                continue;
            };
            let Some(end) = start.checked_add(bytes) else {
                continue;
            };
            if end > span.end {
                continue;
            }
            let left = Span {
                start: span.start,
                end: start,
            };
            let right = Span {
                start: end,
                end: span.end,
            };
            match (left.len() > 0, right.len() > 0) {
                (false, false) => {
                    remove_at(&mut self.free, index);
                }
                (false, true) => self.set(index, right),
                (true, false) => self.set(index, left),
                (true, true) => {
                    if self.free.is_full() {
                        blocked_by_capacity = true;
                        continue;
                    }
                    self.set(index, left);
                    // Cannot fail: checked `is_full` above, and `index < len`.
                    let _ = insert_at(&mut self.free, index.saturating_add(1), right);
                }
            }
            return Ok(start..end);
        }
        if blocked_by_capacity {
            Err(FrameError::TooManyRanges { limit: MAX_RANGES })
        } else {
            Err(out_of_memory)
        }
    }

    /// Returns `range` (whole frames, all of them currently allocated) to the free list,
    /// coalescing it with free neighbours. A part of an allocation may be freed on its own.
    pub fn free(&mut self, range: Range<u64>) -> Result<(), FrameError> {
        let (start, end) = (range.start, range.end);
        let aligned = start.is_multiple_of(FRAME_SIZE) && end.is_multiple_of(FRAME_SIZE);
        if start >= end || !aligned {
            return Err(FrameError::Misaligned { start, end });
        }
        let span = Span { start, end };
        let not_allocated = |reason| FrameError::NotAllocated { start, end, reason };
        // `usable` is merged, so a range straddling two usable spans straddles a hole.
        if !self.usable.iter().any(|usable| usable.contains(span)) {
            return Err(not_allocated(NotAllocatedReason::Foreign));
        }
        if self.free.iter().any(|free| free.overlaps(span)) {
            return Err(not_allocated(NotAllocatedReason::AlreadyFree));
        }
        // The free spans before `at` end before `span`; those from `at` on start after it.
        let at = self.free.partition_point(|free| free.end <= span.start);
        let joins_left = at
            .checked_sub(1)
            .and_then(|prev| self.free.get(prev))
            .is_some_and(|prev| prev.end == span.start);
        let joins_right = self.free.get(at).is_some_and(|next| next.start == span.end);
        match (joins_left, joins_right) {
            (true, true) => {
                if let Some(next) = remove_at(&mut self.free, at) {
                    self.extend_end(at.wrapping_sub(1), next.end);
                }
            }
            (true, false) => self.extend_end(at.wrapping_sub(1), span.end),
            (false, true) => {
                if let Some(next) = self.free.get_mut(at) {
                    next.start = span.start;
                }
            }
            (false, false) => insert_at(&mut self.free, at, span)
                .map_err(|_| FrameError::TooManyRanges { limit: MAX_RANGES })?,
        }
        Ok(())
    }

    /// Bytes currently free.
    pub fn free_bytes(&self) -> u64 {
        total(&self.free)
    }

    /// Bytes this allocator manages: RAM minus reserved, in whole frames.
    pub fn total_bytes(&self) -> u64 {
        total(&self.usable)
    }

    /// Bytes currently allocated.
    pub fn allocated_bytes(&self) -> u64 {
        self.total_bytes().saturating_sub(self.free_bytes())
    }

    /// The free runs, lowest address first (e.g. to print the memory map).
    pub fn free_ranges(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.free.iter().map(|span| span.range())
    }

    /// The managed memory (RAM minus reserved), lowest address first.
    pub fn usable_ranges(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.usable.iter().map(|span| span.range())
    }

    /// The longest free run, in bytes (0 when nothing is free).
    pub fn largest_free_run(&self) -> u64 {
        self.free.iter().map(|span| span.len()).max().unwrap_or(0)
    }

    fn set(&mut self, index: usize, span: Span) {
        if let Some(slot) = self.free.get_mut(index) {
            *slot = span;
        }
    }

    fn extend_end(&mut self, index: usize, end: u64) {
        if let Some(slot) = self.free.get_mut(index) {
            slot.end = end;
        }
    }
}

/// `value` rounded up to a multiple of `align` (a power of two), if that does not overflow.
fn align_up(value: u64, align: u64) -> Option<u64> {
    let mask = align.checked_sub(1)?;
    Some(value.checked_add(mask)? & !mask)
}

#[cfg(test)]
mod tests;
