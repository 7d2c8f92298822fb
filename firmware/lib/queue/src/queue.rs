//! [`Queue`]: a ring of fixed-size slots, each holding one message and its length.

use alloc::vec::Vec;
use core::fmt;

use crate::error::QueueError;

/// What a queue has done since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Messages accepted by a send.
    pub sent: u64,
    /// Messages delivered by a receive.
    pub received: u64,
    /// Sends refused because the queue was full (each a task that had to wait).
    pub refused_full: u64,
    /// Receives refused because the queue was empty (each a task that had to wait).
    pub refused_empty: u64,
    /// The most messages the queue has held at once.
    pub peak_len: usize,
}

/// A bounded FIFO queue of messages of at most `message_size` bytes. See the crate docs.
pub struct Queue {
    message_size: usize,
    /// `depth × message_size` bytes: slot `i` is `i * message_size ..][..message_size]`.
    buffer: Vec<u8>,
    /// The length of the message in each slot; its length is the depth.
    lengths: Vec<u32>,
    /// The slot of the oldest message.
    head: usize,
    /// How many messages are queued (`0 ..= depth`).
    len: usize,
    stats: QueueStats,
}

impl Queue {
    /// An empty queue of `depth` messages of at most `message_size` bytes each, allocating its
    /// whole buffer now. `message_size` 0 makes a queue of empty messages (pure signals).
    pub fn new(depth: u32, message_size: u32) -> Result<Queue, QueueError> {
        if depth == 0 {
            return Err(QueueError::ZeroDepth);
        }
        let failed = QueueError::AllocationFailed {
            depth,
            message_size,
        };
        let slots = usize::try_from(depth).map_err(|_| failed)?;
        let size = usize::try_from(message_size).map_err(|_| failed)?;
        let bytes = slots.checked_mul(size).ok_or(failed)?;
        let mut buffer = Vec::new();
        buffer.try_reserve_exact(bytes).map_err(|_| failed)?;
        buffer.resize(bytes, 0);
        let mut lengths = Vec::new();
        lengths.try_reserve_exact(slots).map_err(|_| failed)?;
        lengths.resize(slots, 0);
        Ok(Queue {
            message_size: size,
            buffer,
            lengths,
            head: 0,
            len: 0,
            stats: QueueStats::default(),
        })
    }

    /// Capacity in messages.
    pub fn depth(&self) -> usize {
        self.lengths.len()
    }

    /// The largest message, in bytes.
    pub fn message_size(&self) -> usize {
        self.message_size
    }

    /// Messages queued now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no message is queued (a receive would fail with `Empty`).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every slot holds a message (a send would fail with `Full`).
    pub fn is_full(&self) -> bool {
        self.len >= self.depth()
    }

    /// Counters since creation.
    pub fn stats(&self) -> QueueStats {
        self.stats
    }

    /// Appends a copy of `message` at the back.
    pub fn try_send(&mut self, message: &[u8]) -> Result<(), QueueError> {
        self.try_send_with(message.len(), |slot| {
            slot.copy_from_slice(message);
            Ok::<(), core::convert::Infallible>(())
        })
        .map(|filled| match filled {
            Ok(()) => (),
            Err(never) => match never {},
        })
    }

    /// Appends a message of `len` bytes that `fill` writes straight into its slot, so a sender
    /// in another address space is copied once. The outer error is the queue's (too large,
    /// full: `fill` is not called); if `fill` fails, its error is returned and nothing is queued.
    pub fn try_send_with<E>(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, QueueError> {
        if len > self.message_size {
            return Err(QueueError::TooLarge {
                len,
                max: self.message_size,
            });
        }
        if self.is_full() {
            self.stats.refused_full = self.stats.refused_full.saturating_add(1);
            return Err(QueueError::Full {
                depth: self.depth(),
            });
        }
        let tail = self.slot_after_head(self.len);
        let Some(slot) = self.slot_mut(tail).get_mut(..len) else {
            return Err(QueueError::TooLarge {
                len,
                max: self.message_size,
            });
        };
        if let Err(error) = fill(slot) {
            return Ok(Err(error));
        }
        // `len <= message_size <= u32::MAX` (checked above and in `new`).
        let length = u32::try_from(len).unwrap_or(u32::MAX);
        if let Some(stored) = self.lengths.get_mut(tail) {
            *stored = length;
        }
        self.len = self.len.saturating_add(1);
        self.stats.sent = self.stats.sent.saturating_add(1);
        self.stats.peak_len = self.stats.peak_len.max(self.len);
        Ok(Ok(()))
    }

    /// Removes the front message, copying it into the start of `buffer`, and returns its length.
    /// If `buffer` is too short the message stays at the front.
    pub fn try_receive(&mut self, buffer: &mut [u8]) -> Result<usize, QueueError> {
        let message = self.front()?;
        let needed = message.len();
        let Some(destination) = buffer.get_mut(..needed) else {
            return Err(QueueError::BufferTooSmall {
                needed,
                available: buffer.len(),
            });
        };
        destination.copy_from_slice(message);
        self.pop_front();
        Ok(needed)
    }

    /// Removes the front message, handing it to `read` in place, and returns what `read`
    /// returns.
    pub fn try_receive_with<R>(&mut self, read: impl FnOnce(&[u8]) -> R) -> Result<R, QueueError> {
        let result = read(self.front()?);
        self.pop_front();
        Ok(result)
    }

    /// The front message, left in the queue; `None` when empty. With [`Queue::consume`] this
    /// receives in two steps, for a copy that can fail (e.g. into a component's linear memory):
    /// on failure the message simply stays queued.
    pub fn peek(&self) -> Option<&[u8]> {
        (!self.is_empty()).then(|| self.message_at(self.head))
    }

    /// Removes the front message (the one [`Queue::peek`] shows), counting it as received, and
    /// returns its length.
    pub fn consume(&mut self) -> Result<usize, QueueError> {
        let length = self.front()?.len();
        self.pop_front();
        Ok(length)
    }

    /// The front message, or `Empty` (counted as a refused receive).
    fn front(&mut self) -> Result<&[u8], QueueError> {
        if self.is_empty() {
            self.stats.refused_empty = self.stats.refused_empty.saturating_add(1);
            return Err(QueueError::Empty);
        }
        Ok(self.message_at(self.head))
    }

    /// Drops the front message after it was delivered. Only called when not empty.
    fn pop_front(&mut self) {
        self.head = self.slot_after_head(1);
        self.len = self.len.saturating_sub(1);
        self.stats.received = self.stats.received.saturating_add(1);
    }

    /// The slot `offset` places after the head (`offset <= depth`), wrapping around.
    fn slot_after_head(&self, offset: usize) -> usize {
        let depth = self.depth();
        // head < depth and offset <= depth, so the sum is below 2 × depth: one subtraction wraps.
        let slot = self.head.saturating_add(offset);
        if slot >= depth {
            slot.saturating_sub(depth)
        } else {
            slot
        }
    }

    /// The message stored in `slot`.
    fn message_at(&self, slot: usize) -> &[u8] {
        let length = self
            .lengths
            .get(slot)
            .and_then(|&length| usize::try_from(length).ok())
            .unwrap_or(0);
        self.slot_bytes(slot).get(..length).unwrap_or(&[])
    }

    fn slot_range(&self, slot: usize) -> Option<core::ops::Range<usize>> {
        let start = slot.checked_mul(self.message_size)?;
        Some(start..start.checked_add(self.message_size)?)
    }

    // The accessors below cannot miss: `slot < depth` and the buffer holds `depth` slots. They
    // return an empty slice rather than panic should that ever not hold.
    fn slot_bytes(&self, slot: usize) -> &[u8] {
        self.slot_range(slot)
            .and_then(|range| self.buffer.get(range))
            .unwrap_or(&[])
    }

    fn slot_mut(&mut self, slot: usize) -> &mut [u8] {
        match self.slot_range(slot) {
            Some(range) => self.buffer.get_mut(range).unwrap_or(&mut []),
            None => &mut [],
        }
    }
}

impl fmt::Debug for Queue {
    // The buffer is left out: it can be megabytes of stale bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("depth", &self.depth())
            .field("message_size", &self.message_size)
            .field("len", &self.len)
            .field("head", &self.head)
            .field("stats", &self.stats)
            .finish()
    }
}

#[cfg(test)]
mod tests;
