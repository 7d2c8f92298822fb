//! [`CapError`]: why a capability operation was refused.

use core::fmt;

use ruvix_manifest::KernelCap;

use crate::object::{Badge, MemoryRange, ObjectKind, ObjectRef};
use crate::rights::Rights;
use crate::table::Handle;

/// A refused capability operation. Every variant says which object or handle, and why; the
/// table or capability involved is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapError {
    /// The handle is past the end of the table or names an empty slot.
    BadHandle {
        /// The handle used.
        handle: Handle,
    },
    /// The capability names another kind of object than the operation needs.
    WrongKind {
        /// The kind the operation needs.
        expected: ObjectKind,
        /// The kind the capability names.
        found: ObjectKind,
    },
    /// The capability lacks rights the operation needs.
    Denied {
        /// The object the capability names.
        object: ObjectRef,
        /// The rights needed (or requested, for a derivation).
        needed: Rights,
        /// The rights held.
        held: Rights,
    },
    /// A derivation from a capability without the grant right.
    NotDerivable {
        /// The object the capability names.
        object: ObjectRef,
        /// The rights held.
        held: Rights,
    },
    /// A memory derivation outside the parent's range.
    OutsideParent {
        /// The parent's range.
        parent: MemoryRange,
        /// The range asked for.
        requested: MemoryRange,
    },
    /// A memory range that is empty or not 4 KiB aligned.
    BadRange {
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
    },
    /// Minting a capability with rights its kind cannot carry (e.g. `send` on a region).
    RightsNotApplicable {
        /// The kind of object.
        kind: ObjectKind,
        /// The rights asked for.
        rights: Rights,
    },
    /// Re-badging a capability that already carries a different badge.
    BadgeAlreadySet {
        /// The object the capability names.
        object: ObjectRef,
        /// Its badge.
        badge: Badge,
    },
    /// Every slot of the table is in use.
    TableFull {
        /// The table's capacity.
        capacity: usize,
    },
    /// A table larger than [`crate::CapTable::MAX_CAPACITY`].
    CapacityTooLarge {
        /// The capacity asked for.
        requested: usize,
    },
    /// The table's slots could not be allocated.
    AllocationFailed {
        /// The capacity asked for.
        capacity: usize,
    },
    /// The table is sealed: nothing can be inserted or derived into it any more.
    Sealed,
    /// The root's minimum set names a capability the root does not hold.
    MinimumNotHeld {
        /// The capability named.
        cap: KernelCap,
    },
    /// The root's minimum set names a capability the root may not keep after SEC-001
    /// (physical memory).
    NotRetainable {
        /// The capability named.
        cap: KernelCap,
    },
}

impl fmt::Display for CapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CapError::BadHandle { handle } => {
                write!(f, "bad capability handle {handle}: no capability there")
            }
            CapError::WrongKind { expected, found } => write!(
                f,
                "wrong kind of capability: expected {expected}, found {found}"
            ),
            CapError::Denied {
                object,
                needed,
                held,
            } => write!(
                f,
                "capability on {object} denied: needs {needed}, holds {held}"
            ),
            CapError::NotDerivable { object, held } => write!(
                f,
                "capability on {object} cannot be derived from: holds {held}, no grant right"
            ),
            CapError::OutsideParent { parent, requested } => write!(
                f,
                "memory range {requested} is not inside the parent capability's {parent}"
            ),
            CapError::BadRange { start, end } => write!(
                f,
                "memory range {start:#x}..{end:#x} is empty or not 4 KiB aligned"
            ),
            CapError::RightsNotApplicable { kind, rights } => {
                write!(f, "a {kind} capability cannot carry the rights {rights}")
            }
            CapError::BadgeAlreadySet { object, badge } => write!(
                f,
                "capability on {object} already carries badge {}",
                badge.0
            ),
            CapError::TableFull { capacity } => {
                write!(f, "capability table full: all {capacity} slots in use")
            }
            CapError::CapacityTooLarge { requested } => write!(
                f,
                "capability table of {requested} slots is larger than the limit of {}",
                crate::CapTable::MAX_CAPACITY
            ),
            CapError::AllocationFailed { capacity } => {
                write!(f, "cannot allocate a capability table of {capacity} slots")
            }
            CapError::Sealed => {
                f.write_str("capability table sealed: no capability can be added any more")
            }
            CapError::MinimumNotHeld { cap } => write!(
                f,
                "the root's minimum set names \"{cap}\", which the root does not hold"
            ),
            CapError::NotRetainable { cap } => write!(
                f,
                "the root's minimum set names \"{cap}\", which the root may not keep after SEC-001"
            ),
        }
    }
}

impl core::error::Error for CapError {}
