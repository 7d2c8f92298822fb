//! What a queue operation can refuse, and why.

use core::fmt;

/// An error of a queue operation. The queue is unchanged after every error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueError {
    /// A send to a queue holding `depth` messages already.
    Full {
        /// The queue's depth.
        depth: usize,
    },
    /// A receive from a queue holding no message.
    Empty,
    /// A send of a message longer than the queue's message size.
    TooLarge {
        /// Length of the message.
        len: usize,
        /// The queue's message size.
        max: usize,
    },
    /// A receive into a buffer shorter than the message at the front (which stays there).
    BufferTooSmall {
        /// Length of the message at the front.
        needed: usize,
        /// Length of the buffer given.
        available: usize,
    },
    /// Creating a queue of depth 0.
    ZeroDepth,
    /// Creating a queue whose buffer could not be allocated (or whose size overflows).
    AllocationFailed {
        /// The queue's depth.
        depth: u32,
        /// The queue's message size.
        message_size: u32,
    },
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QueueError::Full { depth } => {
                write!(f, "queue full: all {depth} slots hold a message")
            }
            QueueError::Empty => f.write_str("queue empty: no message to receive"),
            QueueError::TooLarge { len, max } => write!(
                f,
                "message too large: {len} bytes, the queue carries at most {max}"
            ),
            QueueError::BufferTooSmall { needed, available } => write!(
                f,
                "receive buffer too small: the next message has {needed} bytes, the buffer \
                 {available} (the message stays queued)"
            ),
            QueueError::ZeroDepth => f.write_str("cannot create a queue of depth 0"),
            QueueError::AllocationFailed {
                depth,
                message_size,
            } => write!(
                f,
                "cannot allocate a queue of {depth} messages of {message_size} bytes"
            ),
        }
    }
}

impl core::error::Error for QueueError {}
