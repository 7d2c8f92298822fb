//! Where translation tables live: the allocator interface and a fixed-size pool.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::{ENTRIES_PER_TABLE, PAGE_SIZE};

/// Provides 4 KiB table frames, named by physical address, and access to their entries.
///
/// Entry access goes through the allocator (not a `&mut [u64; 512]`) so an implementation can
/// use single-copy-atomic stores and a test can observe every write.
pub trait TableAllocator {
    /// A fresh table frame: 4 KiB aligned, below 2^48, all entries zero.
    fn allocate(&mut self) -> Result<u64, TableError>;

    /// Returns a frame from [`TableAllocator::allocate`]; called only once no descriptor
    /// points at it any more and its range's TLB entries are invalidated.
    fn free(&mut self, table: u64) -> Result<(), TableError>;

    /// Entry `index` (< 512) of the table at `table`.
    fn read(&self, table: u64, index: usize) -> Result<u64, TableError>;

    /// Sets entry `index` (< 512) of the table at `table` in one 64-bit store (the table walker
    /// must never see half a descriptor).
    fn write(&mut self, table: u64, index: usize, descriptor: u64) -> Result<(), TableError>;
}

impl<T: TableAllocator + ?Sized> TableAllocator for &mut T {
    fn allocate(&mut self) -> Result<u64, TableError> {
        (**self).allocate()
    }

    fn free(&mut self, table: u64) -> Result<(), TableError> {
        (**self).free(table)
    }

    fn read(&self, table: u64, index: usize) -> Result<u64, TableError> {
        (**self).read(table, index)
    }

    fn write(&mut self, table: u64, index: usize, descriptor: u64) -> Result<(), TableError> {
        (**self).write(table, index, descriptor)
    }
}

/// Why a table frame could not be provided or accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// Every frame is in use.
    Exhausted {
        /// Frames in the pool.
        capacity: usize,
    },
    /// The address is not a frame of this allocator.
    Foreign {
        /// The address asked for.
        phys: u64,
    },
    /// The frame exists but is not allocated (use after free, double free).
    NotAllocated {
        /// The frame's address.
        phys: u64,
    },
    /// The pool was moved in memory while frames were in use, so the addresses in the tables
    /// no longer name it.
    Moved {
        /// Where the frames were.
        was: u64,
        /// Where they are now.
        now: u64,
    },
    /// An entry index of 512 or more.
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
    },
    /// An allocator returned a frame that is not 4 KiB aligned or not below 2^48.
    InvalidFrame {
        /// The address returned.
        phys: u64,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exhausted { capacity } => {
                write!(f, "translation table pool exhausted ({capacity} tables)")
            }
            Self::Foreign { phys } => write!(f, "{phys:#x} is not a table frame of this pool"),
            Self::NotAllocated { phys } => write!(f, "table {phys:#x} is not allocated"),
            Self::Moved { was, now } => write!(
                f,
                "table pool moved from {was:#x} to {now:#x} while its tables were in use"
            ),
            Self::IndexOutOfRange { index } => {
                write!(f, "table entry {index} out of range (512 entries)")
            }
            Self::InvalidFrame { phys } => {
                write!(f, "table frame {phys:#x} is not 4 KiB aligned below 2^48")
            }
        }
    }
}

/// One translation table. Atomic entries give single 64-bit loads and stores (never torn);
/// relaxed ordering is enough because the TLB hook issues the barriers the walker needs.
#[repr(C, align(4096))]
struct Frame([AtomicU64; ENTRIES_PER_TABLE]);

impl Frame {
    const fn zeroed() -> Self {
        Self([const { AtomicU64::new(0) }; ENTRIES_PER_TABLE])
    }
}

/// `N` table frames whose physical address is their address in memory: right on the host and
/// under the kernel's identity map (or with the MMU off). Keep it where it is (a `static`) while
/// its tables are in use; a move is detected and every access then fails with
/// [`TableError::Moved`].
pub struct TablePool<const N: usize> {
    frames: [Frame; N],
    in_use: [bool; N],
    used: usize,
    /// Address of `frames` when the first of the frames now in use was handed out.
    base: u64,
}

impl<const N: usize> Default for TablePool<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TablePool<N> {
    /// An empty pool (usable in a `static` initialiser).
    pub const fn new() -> Self {
        Self {
            frames: [const { Frame::zeroed() }; N],
            in_use: [false; N],
            used: 0,
            base: 0,
        }
    }

    /// Frames in the pool.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Frames currently allocated.
    pub const fn in_use(&self) -> usize {
        self.used
    }

    pub(crate) fn current_base(&self) -> u64 {
        self.frames.as_ptr().addr() as u64
    }

    /// The frame index of `phys`, which must be allocated.
    fn frame_index(&self, phys: u64) -> Result<usize, TableError> {
        let now = self.current_base();
        if self.used > 0 && now != self.base {
            return Err(TableError::Moved {
                was: self.base,
                now,
            });
        }
        let offset = phys.checked_sub(now).ok_or(TableError::Foreign { phys })?;
        if !offset.is_multiple_of(PAGE_SIZE) {
            return Err(TableError::Foreign { phys });
        }
        let index =
            usize::try_from(offset / PAGE_SIZE).map_err(|_| TableError::Foreign { phys })?;
        match self.in_use.get(index) {
            None => Err(TableError::Foreign { phys }),
            Some(false) => Err(TableError::NotAllocated { phys }),
            Some(true) => Ok(index),
        }
    }

    fn entry(&self, table: u64, index: usize) -> Result<&AtomicU64, TableError> {
        let frame = self.frame_index(table)?;
        self.frames
            .get(frame)
            .and_then(|frame| frame.0.get(index))
            .ok_or(TableError::IndexOutOfRange { index })
    }
}

impl<const N: usize> TableAllocator for TablePool<N> {
    fn allocate(&mut self) -> Result<u64, TableError> {
        let now = self.current_base();
        if self.used == 0 {
            self.base = now;
        } else if now != self.base {
            return Err(TableError::Moved {
                was: self.base,
                now,
            });
        }
        let index = self
            .in_use
            .iter()
            .position(|used| !used)
            .ok_or(TableError::Exhausted { capacity: N })?;
        let (Some(frame), Some(used)) = (self.frames.get(index), self.in_use.get_mut(index)) else {
            return Err(TableError::Exhausted { capacity: N });
        };
        for entry in &frame.0 {
            entry.store(0, Ordering::Relaxed);
        }
        *used = true;
        self.used += 1;
        Ok(now + index as u64 * PAGE_SIZE)
    }

    fn free(&mut self, table: u64) -> Result<(), TableError> {
        let index = self.frame_index(table)?;
        if let Some(used) = self.in_use.get_mut(index) {
            *used = false;
            self.used -= 1;
        }
        Ok(())
    }

    fn read(&self, table: u64, index: usize) -> Result<u64, TableError> {
        Ok(self.entry(table, index)?.load(Ordering::Relaxed))
    }

    fn write(&mut self, table: u64, index: usize, descriptor: u64) -> Result<(), TableError> {
        self.entry(table, index)?
            .store(descriptor, Ordering::Relaxed);
        Ok(())
    }
}
