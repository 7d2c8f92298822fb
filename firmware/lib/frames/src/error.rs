//! What can go wrong when building the allocator, allocating or freeing.

use core::fmt;

/// Why a range handed to [`crate::FrameAllocator::free`] is not an allocated range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAllocatedReason {
    /// Some of its frames are already free: a double free (or a free of a range never allocated
    /// that happens to lie in free memory).
    AlreadyFree,
    /// Some of it is not memory this allocator manages: outside RAM, or reserved.
    Foreign,
}

/// An error of the frame allocator. Every variant names the addresses or counts involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// No free run of `requested` contiguous frames (with the requested alignment).
    OutOfMemory {
        /// Frames asked for.
        requested: u64,
    },
    /// A request for zero frames.
    ZeroFrames,
    /// An alignment that is not a power of two, or smaller than a frame.
    BadAlignment {
        /// The alignment asked for, in bytes.
        align: u64,
    },
    /// A range to free that is empty or whose bounds are not multiples of the frame size.
    Misaligned {
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
    },
    /// A range to free that is not (entirely) allocated.
    NotAllocated {
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
        /// Why not.
        reason: NotAllocatedReason,
    },
    /// The bounded metadata is full: more than [`crate::MAX_RANGES`] separate spans would be
    /// needed (too many RAM ranges, too many holes punched by reserved ranges, or a free that
    /// cannot coalesce with a neighbour while the free list is full).
    TooManyRanges {
        /// The capacity that would be exceeded.
        limit: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::OutOfMemory { requested } => write!(
                f,
                "frame allocator: out of memory: no free run of {requested} contiguous 4 KiB frames"
            ),
            FrameError::ZeroFrames => f.write_str("frame allocator: a request for zero frames"),
            FrameError::BadAlignment { align } => write!(
                f,
                "frame allocator: alignment {align:#x} is not a power of two of at least 4 KiB"
            ),
            FrameError::Misaligned { start, end } => write!(
                f,
                "frame allocator: range {start:#x}..{end:#x} is empty or not 4 KiB aligned"
            ),
            FrameError::NotAllocated { start, end, reason } => {
                let why = match reason {
                    NotAllocatedReason::AlreadyFree => "part of it is already free (double free)",
                    NotAllocatedReason::Foreign => {
                        "part of it is not managed RAM (reserved or outside RAM)"
                    }
                };
                write!(
                    f,
                    "frame allocator: cannot free {start:#x}..{end:#x}: {why}"
                )
            }
            FrameError::TooManyRanges { limit } => write!(
                f,
                "frame allocator: more than {limit} separate memory ranges would be needed"
            ),
        }
    }
}

impl core::error::Error for FrameError {}
