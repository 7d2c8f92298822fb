//! [`ReplicaError`]: why a replica could not be written or read.

use alloc::string::String;
use core::fmt;

use ruvix_manifest::KernelCap;
use ruvix_manifest::limits::MAX_NAME_LEN;

use crate::distribute::CapSource;
use crate::error::CapError;
use crate::object::{Badge, ObjectKind, ObjectRef};
use crate::table::{CapTable, Handle};

/// Why a replica could not be written or read. Decoding errors at a byte say where (`offset`
/// from the start of the replica); the others name the handle or the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplicaError {
    /// The replica ends inside a field (or is too short for the entries it announces).
    Truncated {
        /// The field.
        field: &'static str,
        /// Where the field starts.
        offset: usize,
    },
    /// A section does not start with its magic (`RVCR` for the replica, `RVCT` for the table).
    BadMagic {
        /// The section.
        section: &'static str,
        /// The four bytes found.
        found: [u8; 4],
    },
    /// A section of a version this code does not read.
    UnsupportedVersion {
        /// The section.
        section: &'static str,
        /// The version found.
        found: u8,
    },
    /// The table's sealed flag is neither 0 nor 1.
    BadSealedFlag {
        /// The byte found.
        value: u8,
        /// Where.
        offset: usize,
    },
    /// A table larger than [`CapTable::MAX_CAPACITY`].
    CapacityTooLarge {
        /// The capacity found.
        capacity: u32,
    },
    /// More capabilities than the table has slots.
    TooManyCapabilities {
        /// The number found.
        count: u32,
        /// The table's capacity.
        capacity: usize,
    },
    /// A handle past the end of the table.
    HandleOutOfRange {
        /// The section ([`CapTable`] entries or names).
        section: &'static str,
        /// The handle.
        handle: Handle,
        /// The table's capacity.
        capacity: usize,
    },
    /// The same handle twice in a row.
    DuplicateHandle {
        /// The section.
        section: &'static str,
        /// The handle.
        handle: Handle,
    },
    /// A handle lower than the one before it (entries are in strictly increasing handle order).
    HandlesOutOfOrder {
        /// The section.
        section: &'static str,
        /// The handle.
        handle: Handle,
        /// The handle before it.
        after: Handle,
    },
    /// A kind tag that names no [`ObjectKind`].
    UnknownKind {
        /// The tag found.
        tag: u8,
        /// Where.
        offset: usize,
    },
    /// Object words that are not the canonical ones for the kind (an id beyond `u32`, or a
    /// word the kind does not use that is not zero).
    NonCanonicalObject {
        /// The capability's handle.
        handle: Handle,
        /// The kind of object.
        kind: ObjectKind,
    },
    /// Rights bits that name no right.
    UnknownRights {
        /// The bits found.
        bits: u8,
        /// Where.
        offset: usize,
    },
    /// A capability its constructors would refuse: a bad memory range
    /// ([`CapError::BadRange`]) or rights its kind cannot carry
    /// ([`CapError::RightsNotApplicable`]).
    Capability {
        /// The capability's handle.
        handle: Handle,
        /// Why it was refused.
        error: CapError,
    },
    /// A component capability with the grant right (components never hold it).
    GrantRight {
        /// The capability's handle.
        handle: Handle,
    },
    /// A capability not badged with the component's badge.
    WrongBadge {
        /// The capability's handle.
        handle: Handle,
        /// Its badge.
        badge: Badge,
        /// The component's badge ([`Badge::component`]).
        expected: Badge,
    },
    /// The table is not sealed (every component table is).
    NotSealed,
    /// The number of names is not the table's capacity (one named slot each).
    CapacityMismatch {
        /// The table's capacity.
        capacity: usize,
        /// The number of names.
        names: usize,
    },
    /// A source tag that names no [`CapSource`].
    UnknownSource {
        /// The tag found.
        tag: u8,
        /// Where.
        offset: usize,
    },
    /// A grant source whose value names no kernel capability.
    UnknownKernelCap {
        /// The value found.
        value: u32,
        /// Where.
        offset: usize,
    },
    /// A grant of a kernel capability the manifest's root boot set does not let components have
    /// (physical memory, the interrupt queue, the package).
    UndelegableGrant {
        /// The name's handle.
        handle: Handle,
        /// The kernel capability.
        cap: KernelCap,
    },
    /// A region or queue index that does not fit the format (or this machine's `usize`).
    SourceTooLarge {
        /// The name's handle.
        handle: Handle,
    },
    /// A name's source disagrees with the capability at its handle.
    SourceMismatch {
        /// The handle.
        handle: Handle,
        /// What the name says the capability is.
        source: CapSource,
        /// What the capability names.
        object: ObjectRef,
    },
    /// A name that is empty or longer than [`MAX_NAME_LEN`] bytes.
    NameLength {
        /// The handle the name files; `None` for the component's own name.
        handle: Option<Handle>,
        /// Its length in bytes.
        len: usize,
    },
    /// A name that is not UTF-8.
    NameNotUtf8 {
        /// The handle the name files; `None` for the component's own name.
        handle: Option<Handle>,
        /// Where the name's bytes start.
        offset: usize,
    },
    /// Two capabilities with the same name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// Bytes after the last name entry.
    TrailingBytes {
        /// Where they start.
        offset: usize,
        /// How many.
        extra: usize,
    },
    /// Memory for the decoded value (or the encoded bytes) could not be allocated.
    AllocationFailed {
        /// What was being allocated.
        what: &'static str,
        /// How many elements (or bytes).
        count: usize,
    },
}

impl fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_of = |handle: &Option<Handle>| match handle {
            Some(handle) => NameOf::Capability(*handle),
            None => NameOf::Component,
        };
        match self {
            ReplicaError::Truncated { field, offset } => write!(
                f,
                "capability replica truncated: {field} at byte {offset} runs past the end"
            ),
            ReplicaError::BadMagic { section, found } => write!(
                f,
                "capability replica: the {section} starts with {found:02x?}, not its magic"
            ),
            ReplicaError::UnsupportedVersion { section, found } => write!(
                f,
                "capability replica: {section} version {found} is not supported"
            ),
            ReplicaError::BadSealedFlag { value, offset } => write!(
                f,
                "capability replica: sealed flag {value} at byte {offset} is neither 0 nor 1"
            ),
            ReplicaError::CapacityTooLarge { capacity } => write!(
                f,
                "capability replica: a table of {capacity} slots is larger than the limit of {}",
                CapTable::MAX_CAPACITY
            ),
            ReplicaError::TooManyCapabilities { count, capacity } => write!(
                f,
                "capability replica: {count} capabilities in a table of {capacity} slots"
            ),
            ReplicaError::HandleOutOfRange {
                section,
                handle,
                capacity,
            } => write!(
                f,
                "capability replica: {section}: handle {handle} is outside the table of \
                 {capacity} slots"
            ),
            ReplicaError::DuplicateHandle { section, handle } => {
                write!(f, "capability replica: {section}: handle {handle} twice")
            }
            ReplicaError::HandlesOutOfOrder {
                section,
                handle,
                after,
            } => write!(
                f,
                "capability replica: {section}: handle {handle} after {after} (handles must \
                 increase)"
            ),
            ReplicaError::UnknownKind { tag, offset } => write!(
                f,
                "capability replica: kind tag {tag} at byte {offset} names no kind of object"
            ),
            ReplicaError::NonCanonicalObject { handle, kind } => write!(
                f,
                "capability replica: capability {handle}: the {kind} is not canonically encoded"
            ),
            ReplicaError::UnknownRights { bits, offset } => write!(
                f,
                "capability replica: rights bits {bits:#04x} at byte {offset} name no right"
            ),
            ReplicaError::Capability { handle, error } => {
                write!(f, "capability replica: capability {handle}: {error}")
            }
            ReplicaError::GrantRight { handle } => write!(
                f,
                "capability replica: capability {handle} holds the grant right, which no \
                 component holds"
            ),
            ReplicaError::WrongBadge {
                handle,
                badge,
                expected,
            } => write!(
                f,
                "capability replica: capability {handle} carries badge {}, not the component's {}",
                badge.0, expected.0
            ),
            ReplicaError::NotSealed => {
                f.write_str("capability replica: the table is not sealed (component tables are)")
            }
            ReplicaError::CapacityMismatch { capacity, names } => write!(
                f,
                "capability replica: {names} names for a table of {capacity} slots (one each)"
            ),
            ReplicaError::UnknownSource { tag, offset } => write!(
                f,
                "capability replica: source tag {tag} at byte {offset} names no source"
            ),
            ReplicaError::UnknownKernelCap { value, offset } => write!(
                f,
                "capability replica: grant value {value} at byte {offset} names no kernel \
                 capability"
            ),
            ReplicaError::UndelegableGrant { handle, cap } => write!(
                f,
                "capability replica: name {handle} is a grant of \"{cap}\", which components \
                 are never granted"
            ),
            ReplicaError::SourceTooLarge { handle } => write!(
                f,
                "capability replica: name {handle}: the region or queue index does not fit"
            ),
            ReplicaError::SourceMismatch {
                handle,
                source,
                object,
            } => write!(
                f,
                "capability replica: name {handle} says {}, but the capability names {object}",
                SourceText(*source)
            ),
            ReplicaError::NameLength { handle, len } => write!(
                f,
                "capability replica: {} is {len} bytes long; names have 1 to {MAX_NAME_LEN}",
                name_of(handle)
            ),
            ReplicaError::NameNotUtf8 { handle, offset } => write!(
                f,
                "capability replica: {} at byte {offset} is not UTF-8",
                name_of(handle)
            ),
            ReplicaError::DuplicateName { name } => {
                write!(
                    f,
                    "capability replica: two capabilities are named \"{name}\""
                )
            }
            ReplicaError::TrailingBytes { offset, extra } => write!(
                f,
                "capability replica: {extra} bytes after the end, from byte {offset}"
            ),
            ReplicaError::AllocationFailed { what, count } => {
                write!(f, "capability replica: cannot allocate {count} {what}")
            }
        }
    }
}

impl core::error::Error for ReplicaError {}

/// Whose name an error is about, for messages.
enum NameOf {
    Component,
    Capability(Handle),
}

impl fmt::Display for NameOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameOf::Component => f.write_str("the component name"),
            NameOf::Capability(handle) => write!(f, "the name of capability {handle}"),
        }
    }
}

/// A [`CapSource`] in words, for messages.
struct SourceText(CapSource);

impl fmt::Display for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CapSource::Grant(cap) => write!(f, "a grant of \"{cap}\""),
            CapSource::Region { region } => write!(f, "manifest region #{region}"),
            CapSource::QueueSend { queue } => write!(f, "the send end of manifest queue #{queue}"),
            CapSource::QueueReceive { queue } => {
                write!(f, "the receive end of manifest queue #{queue}")
            }
            CapSource::Interrupt { interrupt } => write!(f, "manifest interrupt #{interrupt}"),
        }
    }
}
