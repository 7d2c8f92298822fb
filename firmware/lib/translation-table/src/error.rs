//! Why a map, unmap or protect was refused.

use core::fmt;

use crate::{AttributeError, TableError};

/// Which argument of a request is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// The virtual address.
    Va,
    /// The physical address.
    Pa,
    /// The size.
    Size,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Va => "va",
            Self::Pa => "pa",
            Self::Size => "size",
        })
    }
}

/// Why an [`crate::AddressSpace`] operation was refused. After any error the translation is
/// what it was before (a block may have been split into equivalent pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// An address or size is not a multiple of 4 KiB.
    Unaligned {
        /// Which one.
        operand: Operand,
        /// Its value.
        value: u64,
    },
    /// A size of zero.
    Empty {
        /// Where.
        va: u64,
    },
    /// The range wraps or reaches beyond the 39-bit virtual address space.
    VaOutOfRange {
        /// Start of the range.
        va: u64,
        /// Its size.
        size: u64,
    },
    /// The range wraps or reaches beyond 48-bit physical addresses.
    PaOutOfRange {
        /// Start of the range.
        pa: u64,
        /// Its size.
        size: u64,
    },
    /// The attributes cannot be encoded.
    Attributes {
        /// Start of the range.
        va: u64,
        /// Why.
        error: AttributeError,
    },
    /// Part of the range is already mapped (the first such part is named).
    AlreadyMapped {
        /// First mapped address.
        start: u64,
        /// End of that mapped stretch within the request.
        end: u64,
    },
    /// Part of the range is not mapped (the first hole is named).
    NotMapped {
        /// First unmapped address.
        start: u64,
        /// End of that hole within the request.
        end: u64,
    },
    /// The range lies in a part of the address space shared with another one (see
    /// [`crate::AddressSpace::share_root_entries`]), which only its owner may change.
    Shared {
        /// First shared address in the request.
        va: u64,
    },
    /// A root slot to share is out of range, already used here, or holds no table there.
    ShareSlot {
        /// The slot (index into the level-1 table).
        slot: usize,
    },
    /// A table for this address could not be allocated or accessed.
    Table {
        /// The address being worked on.
        va: u64,
        /// Why.
        error: TableError,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Unaligned { operand, value } => {
                write!(f, "{operand} {value:#x} is not 4 KiB aligned")
            }
            Self::Empty { va } => write!(f, "empty range at {va:#x}"),
            Self::VaOutOfRange { va, size } => write!(
                f,
                "{va:#x} + {size:#x} is outside the 39-bit virtual address space"
            ),
            Self::PaOutOfRange { pa, size } => write!(
                f,
                "{pa:#x} + {size:#x} is beyond the 48-bit physical address space"
            ),
            Self::Attributes { va, error } => write!(f, "{va:#x}: {error}"),
            Self::AlreadyMapped { start, end } => write!(f, "{start:#x}..{end:#x} already mapped"),
            Self::NotMapped { start, end } => write!(f, "{start:#x}..{end:#x} not mapped"),
            Self::Shared { va } => write!(
                f,
                "{va:#x} is in a shared part of the address space, changed only by its owner"
            ),
            Self::ShareSlot { slot } => write!(
                f,
                "root slot {slot} cannot be shared (out of range, in use here, or no table there)"
            ),
            Self::Table { va, error } => write!(f, "translation table for {va:#x}: {error}"),
        }
    }
}
