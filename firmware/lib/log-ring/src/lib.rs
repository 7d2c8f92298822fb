//! The kernel log's buffer: encoded `defmt` frames wait here until the UART takes them, so
//! logging never waits for the wire.
//!
//! # Design
//!
//! - A frame is assembled in a staging buffer ([`LogBuffer::begin`], [`LogBuffer::write`]) and
//!   only [`LogBuffer::end`] puts it into the ring — whole, or not at all. The byte stream
//!   the UART sends is therefore always a sequence of complete frames, and the host decoder
//!   never sees half of one.
//! - Each frame has a [`Class`]. [`Class::Droppable`] frames (component lines, periodic
//!   statistics) may use the ring only up to `capacity - reserve`; when that is full they are
//!   dropped and counted against their source. [`Class::Kept`] frames (boot stages, faults,
//!   restarts, the attestation) may use the reserve too, and when even that is full `end`
//!   hands the oldest bytes to the caller's synchronous `drain` until the frame fits: a kept
//!   frame is never dropped, it is only, in that extreme case, paid for by waiting.
//! - A kept frame larger than the staging buffer goes out the same way: what is queued first,
//!   then the frame as it is written. A droppable one is dropped.
//! - [`LogBuffer::take_drops`] hands over what was dropped since the last call, per source,
//!   so the kernel can print `log: N lines dropped (sink 3, flood 34)` once there is room.
//! - Nothing here touches hardware; the board's logger calls it with interrupts masked and
//!   the UART's transmit interrupt takes bytes out with [`LogBuffer::pop`].
#![no_std]
#![forbid(unsafe_code)]

pub mod budget;

pub use budget::{LogBucket, LogCounts};

/// Sources a drop can be counted against by index (components in manifest order); higher
/// indices share [`Drops::other`].
pub const MAX_SOURCES: usize = 32;

/// The kernel's own droppable lines (statistics, heartbeat).
pub const KERNEL_SOURCE: u8 = u8::MAX;

/// Whether a frame may be dropped when the ring is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Never dropped; may use the reserve (stage, fault, restart, attestation lines).
    Kept,
    /// Dropped when the ring (minus the reserve) is full, and counted against `source`.
    Droppable {
        /// A component index, or [`KERNEL_SOURCE`].
        source: u8,
    },
}

/// What [`LogBuffer::end`] did with the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// Queued whole.
    Queued,
    /// Dropped whole (and counted).
    Dropped,
    /// Written out synchronously through `drain` (a kept frame larger than the staging
    /// buffer).
    Direct,
}

/// Frames dropped since the last [`LogBuffer::take_drops`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drops {
    /// All of them.
    pub total: u32,
    /// Per source index below [`MAX_SOURCES`].
    pub by_source: [u32; MAX_SOURCES],
    /// The kernel's own droppable lines.
    pub kernel: u32,
    /// Sources with an index of [`MAX_SOURCES`] or more.
    pub other: u32,
}

impl Drops {
    const NONE: Drops = Drops {
        total: 0,
        by_source: [0; MAX_SOURCES],
        kernel: 0,
        other: 0,
    };

    fn count(&mut self, source: u8) {
        self.total = self.total.saturating_add(1);
        let slot = match usize::from(source) {
            _ if source == KERNEL_SOURCE => &mut self.kernel,
            index if index < MAX_SOURCES => &mut self.by_source[index],
            _ => &mut self.other,
        };
        *slot = slot.saturating_add(1);
    }
}

/// Running totals since boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Bytes of frames queued.
    pub queued_bytes: u64,
    /// Bytes handed to the UART (by [`LogBuffer::pop`] or a synchronous drain).
    pub sent_bytes: u64,
    /// Frames dropped.
    pub dropped_frames: u64,
    /// Most bytes ever waiting in the ring.
    pub peak_bytes: usize,
    /// Times a kept frame found the ring full and waited for the wire.
    pub waited: u64,
}

/// A ring of `RING` bytes holding whole frames, `reserve` of them for kept frames, and a
/// staging buffer for the frame being written of `FRAME` bytes.
pub struct LogBuffer<const RING: usize, const FRAME: usize> {
    ring: [u8; RING],
    /// Index of the oldest byte.
    head: usize,
    /// Bytes waiting.
    len: usize,
    reserve: usize,
    staging: [u8; FRAME],
    staged: usize,
    /// The frame being written, if any.
    class: Option<Class>,
    /// The current kept frame overflowed staging and goes out directly.
    direct: bool,
    /// The current droppable frame overflowed staging and will be dropped.
    overflowed: bool,
    drops: Drops,
    totals: Totals,
}

impl<const RING: usize, const FRAME: usize> LogBuffer<RING, FRAME> {
    /// An empty buffer keeping `reserve` bytes (at most `RING`) for kept frames.
    pub const fn new(reserve: usize) -> Self {
        LogBuffer {
            ring: [0; RING],
            head: 0,
            len: 0,
            reserve: if reserve > RING { RING } else { reserve },
            staging: [0; FRAME],
            staged: 0,
            class: None,
            direct: false,
            overflowed: false,
            drops: Drops::NONE,
            totals: Totals {
                queued_bytes: 0,
                sent_bytes: 0,
                dropped_frames: 0,
                peak_bytes: 0,
                waited: 0,
            },
        }
    }

    /// Ring size in bytes.
    pub const fn capacity(&self) -> usize {
        RING
    }

    /// Bytes only kept frames may use.
    pub const fn reserve(&self) -> usize {
        self.reserve
    }

    /// Bytes waiting for the UART.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Free bytes (for any class).
    pub const fn free(&self) -> usize {
        RING - self.len
    }

    /// Totals since boot.
    pub const fn totals(&self) -> Totals {
        self.totals
    }

    /// Whether a frame is being written.
    pub const fn in_frame(&self) -> bool {
        self.class.is_some()
    }

    /// Starts a frame of `class`. A frame still open (a fault interrupted a log call) is
    /// discarded: it is incomplete and would only confuse the decoder.
    pub fn begin(&mut self, class: Class) {
        self.staged = 0;
        self.direct = false;
        self.overflowed = false;
        self.class = Some(class);
    }

    /// Adds bytes to the open frame. For a kept frame that outgrows the staging buffer, the
    /// queue and then the frame go out through `drain` (synchronously); a droppable one is
    /// marked for dropping. Bytes outside a frame are ignored.
    pub fn write(&mut self, bytes: &[u8], mut drain: impl FnMut(&[u8])) {
        let Some(class) = self.class else {
            return;
        };
        if self.direct {
            self.totals.sent_bytes += bytes.len() as u64;
            drain(bytes);
            return;
        }
        if self.overflowed {
            return;
        }
        let end = self.staged + bytes.len();
        if end <= FRAME {
            self.staging[self.staged..end].copy_from_slice(bytes);
            self.staged = end;
            return;
        }
        match class {
            Class::Droppable { .. } => self.overflowed = true,
            Class::Kept => {
                // Order on the wire is kept: everything queued, then this frame.
                self.drain_all(&mut drain);
                let staged = self.staged;
                self.totals.sent_bytes += (staged + bytes.len()) as u64;
                drain(&self.staging[..staged]);
                drain(bytes);
                self.staged = 0;
                self.direct = true;
            }
        }
    }

    /// Closes the open frame: queues it whole, drops it whole, or (kept, no room) hands the
    /// oldest bytes to `drain` until it fits.
    pub fn end(&mut self, mut drain: impl FnMut(&[u8])) -> Commit {
        let Some(class) = self.class.take() else {
            return Commit::Dropped;
        };
        if self.direct {
            self.direct = false;
            return Commit::Direct;
        }
        let size = self.staged;
        match class {
            Class::Droppable { source } => {
                if self.overflowed || self.len + size + self.reserve > RING {
                    self.drops.count(source);
                    self.totals.dropped_frames += 1;
                    return Commit::Dropped;
                }
            }
            Class::Kept => {
                if self.len + size > RING {
                    self.totals.waited += 1;
                }
                // Wait for the wire only as long as it takes to make room for this frame.
                while self.len + size > RING {
                    let needed = self.len + size - RING;
                    if !self.drain_some(needed, &mut drain) {
                        break;
                    }
                }
                if size > RING {
                    // Cannot happen with FRAME <= RING; go out directly rather than lose it.
                    self.totals.sent_bytes += size as u64;
                    drain(&self.staging[..size]);
                    return Commit::Direct;
                }
            }
        }
        self.push(size);
        Commit::Queued
    }

    fn push(&mut self, size: usize) {
        let tail = (self.head + self.len) % RING;
        let first = size.min(RING - tail);
        self.ring[tail..tail + first].copy_from_slice(&self.staging[..first]);
        self.ring[..size - first].copy_from_slice(&self.staging[first..size]);
        self.len += size;
        self.totals.queued_bytes += size as u64;
        self.totals.peak_bytes = self.totals.peak_bytes.max(self.len);
    }

    /// The oldest waiting bytes that lie contiguously in the ring.
    fn contiguous(&self) -> &[u8] {
        let end = (self.head + self.len).min(RING);
        &self.ring[self.head..end]
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = (self.head + n) % RING;
        self.len -= n;
        self.totals.sent_bytes += n as u64;
        if self.len == 0 {
            self.head = 0;
        }
    }

    /// Hands one contiguous piece of at most `max` bytes to `drain`; false when nothing waits.
    fn drain_some(&mut self, max: usize, drain: &mut impl FnMut(&[u8])) -> bool {
        let n = {
            let piece = self.contiguous();
            let piece = &piece[..piece.len().min(max)];
            if piece.is_empty() {
                return false;
            }
            drain(piece);
            piece.len()
        };
        self.consume(n);
        true
    }

    /// Hands everything waiting to `drain`, oldest first (the fatal path and `flush`).
    pub fn drain_all(&mut self, mut drain: impl FnMut(&[u8])) {
        while self.drain_some(usize::MAX, &mut drain) {}
    }

    /// Takes bytes oldest first while `accept` takes them (returns false when the UART FIFO is
    /// full), at most `max`. Returns how many were taken.
    pub fn pop(&mut self, max: usize, mut accept: impl FnMut(u8) -> bool) -> usize {
        let mut taken = 0;
        while taken < max && self.len > 0 {
            if !accept(self.ring[self.head]) {
                break;
            }
            self.consume(1);
            taken += 1;
        }
        taken
    }

    /// Drops since the last call, if any and if at least `room` bytes are free for droppable
    /// frames (so the notice itself does not arrive into a full ring); the counts restart.
    pub fn take_drops(&mut self, room: usize) -> Option<Drops> {
        let free_for_droppable = RING.saturating_sub(self.len + self.reserve);
        if self.drops.total == 0 || free_for_droppable < room {
            return None;
        }
        Some(core::mem::replace(&mut self.drops, Drops::NONE))
    }
}

#[cfg(test)]
mod tests;
