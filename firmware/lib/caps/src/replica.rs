//! Replicas: a component's capabilities as bytes, written by the kernel into the component's
//! process so that the component host there can make the same checks the kernel makes.
//!
//! # Why
//!
//! Each component runs in its own EL0 process, inside a *component host* that runs the
//! WebAssembly runtime for that one component. The runtime checks capabilities itself
//! ([`ComponentCaps::lookup`], [`CapTable::check`], [`CapTable::check_queue`], …) before it asks
//! the kernel anything, so a refused host call is refused the same way, with the same error, as
//! when the runtime ran in the kernel. For that it needs its component's [`ComponentCaps`] in its
//! own memory, where the kernel's tables are not. So the kernel writes a *replica*
//! ([`ComponentCaps::write_replica`]) into the process, and the host decodes it
//! (`ComponentCaps::from_replica`, cargo feature `replica`) into a value equal to the kernel's.
//!
//! # Why this does not weaken the model
//!
//! - **A replica is a copy, not authority.** The kernel keeps the authoritative tables in kernel
//!   memory and re-checks every supervisor call against them. It only ever *writes* replicas: it
//!   never decodes one, and nothing a process writes reaches a kernel table. A process that edits
//!   or forges its replica fools only its own pre-checks; the kernel still refuses whatever its
//!   own table refuses.
//! - **Decoding is the only other constructor of a [`Capability`]** (besides minting with the
//!   boot-only token and deriving with the grant right). It is behind the cargo feature
//!   `replica`, which the component host enables and the kernel does not, so in a kernel build
//!   no capability can come from bytes. (Cargo unifies features within one build: build the
//!   kernel on its own to keep that guarantee.) `Capability` stays neither `Clone` nor `Copy`.
//! - **A decoded value is one distribution could have produced.** The decoder checks what the
//!   constructors guarantee, so code in the host may rely on the same invariants as code in the
//!   kernel. The encoder checks the same (one function, `check`), so everything it writes decodes.
//!
//! # What every [`ComponentCaps`] satisfies (and the decoder checks)
//!
//! - names (the component's and each capability's) are 1 to [`MAX_NAME_LEN`] bytes of UTF-8,
//!   and no two capability names are equal;
//! - the table is sealed and has one slot per name; the names are in strictly increasing handle
//!   order, every handle inside the table (so name *i* has handle *i* and every slot is named);
//! - every capability's rights apply to its kind of object ([`ObjectKind::applicable_rights`]),
//!   never include [`Rights::GRANT`], and its badge is [`Badge::component`] of the component;
//! - memory ranges are non-empty and page aligned; object words a kind does not use are zero;
//! - a name's source agrees with its capability: a grant of a delegable kernel capability names
//!   exactly that kernel object, a region source a region, a queue end the same end, an
//!   interrupt source an interrupt. A named slot
//!   may be empty: the kernel revoked (removed) that capability, and the replica says so, so
//!   that `lookup` finds the handle and `check` refuses it with [`CapError::BadHandle`] exactly
//!   as in the kernel.
//!
//! # Format
//!
//! Documented on [`ComponentCaps::write_replica`], for the kernel and host sides alike.
//!
//! [`CapTable::check`]: crate::CapTable::check
//! [`CapTable::check_queue`]: crate::CapTable::check_queue
//! [`CapError::BadHandle`]: crate::CapError::BadHandle

use alloc::vec::Vec;

use ruvix_manifest::limits::MAX_NAME_LEN;
use ruvix_manifest::root_capability;

use crate::capability::Capability;
use crate::distribute::{CapSource, ComponentCaps};
use crate::object::{Badge, ObjectKind, ObjectRef};
use crate::rights::Rights;
use crate::table::Handle;

#[cfg(feature = "replica")]
mod decode;
mod error;

pub use error::ReplicaError;

/// Magic at the start of a replica ([`ComponentCaps::write_replica`]).
pub const REPLICA_MAGIC: [u8; 4] = *b"RVCR";
/// Version of the replica format.
pub const REPLICA_VERSION: u8 = 1;

/// Source tags of the name entries.
const SOURCE_GRANT: u8 = 1;
const SOURCE_REGION: u8 = 2;
const SOURCE_QUEUE_SEND: u8 = 3;
const SOURCE_QUEUE_RECEIVE: u8 = 4;
const SOURCE_INTERRUPT: u8 = 5;

/// The name list, as errors report it.
const SECTION_NAMES: &str = "name list";

impl ComponentCaps {
    /// Feeds the *replica* of these capabilities to `sink`, piece by piece, e.g. straight into
    /// the memory of the component's process: a copy for the component host's own checks,
    /// which it decodes with `ComponentCaps::from_replica` (cargo feature `replica`). The copy
    /// grants nothing; the kernel never decodes replicas and re-checks every supervisor call
    /// against its own table.
    ///
    /// Checks first that the replica would decode (names 1 to [`MAX_NAME_LEN`] bytes, the other
    /// invariants of a distributed [`ComponentCaps`]) and feeds nothing if not.
    ///
    /// Format, version 1: little-endian, fixed layout, no padding, nothing after the last field:
    ///
    /// - magic `RVCR` ([`REPLICA_MAGIC`]), version `u8` = 1 ([`REPLICA_VERSION`]), component
    ///   index `u16`, component name (length `u8`, UTF-8 bytes);
    /// - the table in its canonical encoding, byte for byte what [`CapTable::encode`] feeds
    ///   stage 4: header `RVCT`, version, sealed (always 1), capacity, count; then per
    ///   capability handle `u32`, kind tag `u8`, object words `u64` `u64`, rights `u8`, badge
    ///   `u32`;
    /// - name count `u32` (= the table's capacity), then per name, in handle order: handle
    ///   `u32`, source tag `u8` (1 grant, 2 region, 3 queue send end, 4 queue receive end,
    ///   5 interrupt), source value `u32` (a grant: the kernel capability's
    ///   [`ObjectKind::tag`]; otherwise the manifest's region, queue or interrupt index), name
    ///   (length `u8`, UTF-8 bytes).
    ///
    /// Interrupts (kind tag 10, source tag 5) came without a version change: every replica
    /// without them is byte for byte what it was, and a decoder that does not know the tags
    /// refuses them rather than misreading them.
    ///
    /// [`CapTable::encode`]: crate::CapTable::encode
    pub fn write_replica(&self, sink: &mut dyn FnMut(&[u8])) -> Result<(), ReplicaError> {
        check(self)?;
        sink(&REPLICA_MAGIC);
        sink(&[REPLICA_VERSION]);
        sink(&self.component().0.to_le_bytes());
        write_name(sink, self.name(), None)?;
        self.table().encode(sink);
        // `check` has made sure of everything below: the `?`s never return.
        let count =
            u32::try_from(self.names().len()).map_err(|_| ReplicaError::CapacityMismatch {
                capacity: self.table().capacity(),
                names: self.names().len(),
            })?;
        sink(&count.to_le_bytes());
        for named in self.names() {
            let (tag, value) = source_fields(named.source, named.handle)?;
            sink(&named.handle.0.to_le_bytes());
            sink(&[tag]);
            sink(&value.to_le_bytes());
            write_name(sink, &named.name, Some(named.handle))?;
        }
        Ok(())
    }

    /// The length in bytes of the replica [`ComponentCaps::write_replica`] writes (to size the
    /// memory it goes into).
    pub fn replica_len(&self) -> Result<usize, ReplicaError> {
        let mut len = 0usize;
        self.write_replica(&mut |piece| len = len.saturating_add(piece.len()))?;
        Ok(len)
    }

    /// The replica (see [`ComponentCaps::write_replica`]) as one byte vector.
    pub fn to_replica(&self) -> Result<Vec<u8>, ReplicaError> {
        let len = self.replica_len()?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(len)
            .map_err(|_| ReplicaError::AllocationFailed {
                what: "replica bytes",
                count: len,
            })?;
        self.write_replica(&mut |piece| bytes.extend_from_slice(piece))?;
        Ok(bytes)
    }
}

/// A name: length `u8`, then its bytes.
fn write_name(
    sink: &mut dyn FnMut(&[u8]),
    name: &str,
    handle: Option<Handle>,
) -> Result<(), ReplicaError> {
    let len = u8::try_from(name.len()).map_err(|_| ReplicaError::NameLength {
        handle,
        len: name.len(),
    })?;
    sink(&[len]);
    sink(name.as_bytes());
    Ok(())
}

/// The tag and value of `source` in a name entry; refuses a grant components are never given
/// and an index the format cannot hold.
fn source_fields(source: CapSource, handle: Handle) -> Result<(u8, u32), ReplicaError> {
    let index =
        |index: usize| u32::try_from(index).map_err(|_| ReplicaError::SourceTooLarge { handle });
    match source {
        CapSource::Grant(cap) => {
            if !root_capability(cap).is_some_and(|entry| entry.delegable) {
                return Err(ReplicaError::UndelegableGrant { handle, cap });
            }
            Ok((
                SOURCE_GRANT,
                u32::from(ObjectKind::of_kernel_cap(cap).tag()),
            ))
        }
        CapSource::Region { region } => Ok((SOURCE_REGION, index(region)?)),
        CapSource::QueueSend { queue } => Ok((SOURCE_QUEUE_SEND, index(queue)?)),
        CapSource::QueueReceive { queue } => Ok((SOURCE_QUEUE_RECEIVE, index(queue)?)),
        CapSource::Interrupt { interrupt } => Ok((SOURCE_INTERRUPT, index(interrupt)?)),
    }
}

/// Whether a name's `source` agrees with the `object` its capability names.
fn source_matches(source: CapSource, object: ObjectRef) -> bool {
    match source {
        CapSource::Grant(cap) => ObjectRef::of_kernel_cap(cap) == Some(object),
        CapSource::Region { .. } => matches!(object, ObjectRef::Region(_)),
        CapSource::QueueSend { .. } => matches!(object, ObjectRef::QueueSend(_)),
        CapSource::QueueReceive { .. } => matches!(object, ObjectRef::QueueReceive(_)),
        CapSource::Interrupt { .. } => matches!(object, ObjectRef::Interrupt(_)),
    }
}

/// A name's length is 1 to [`MAX_NAME_LEN`] bytes.
fn check_name_len(handle: Option<Handle>, len: usize) -> Result<(), ReplicaError> {
    if (1..=MAX_NAME_LEN).contains(&len) {
        Ok(())
    } else {
        Err(ReplicaError::NameLength { handle, len })
    }
}

/// `handle` is inside a table of `capacity` slots and above `previous`.
fn check_handle_order(
    section: &'static str,
    handle: Handle,
    previous: Option<Handle>,
    capacity: usize,
) -> Result<(), ReplicaError> {
    if usize::try_from(handle.0).map_or(true, |index| index >= capacity) {
        return Err(ReplicaError::HandleOutOfRange {
            section,
            handle,
            capacity,
        });
    }
    match previous {
        Some(after) if after == handle => Err(ReplicaError::DuplicateHandle { section, handle }),
        Some(after) if after > handle => Err(ReplicaError::HandlesOutOfOrder {
            section,
            handle,
            after,
        }),
        _ => Ok(()),
    }
}

/// Everything a [`ComponentCaps`] satisfies beyond what its types say (see the module docs): the
/// encoder checks it before writing, the decoder after building.
fn check(caps: &ComponentCaps) -> Result<(), ReplicaError> {
    check_name_len(None, caps.name().len())?;
    let table = caps.table();
    if !table.is_sealed() {
        return Err(ReplicaError::NotSealed);
    }
    let capacity = table.capacity();
    let names = caps.names();
    if names.len() != capacity {
        return Err(ReplicaError::CapacityMismatch {
            capacity,
            names: names.len(),
        });
    }
    let expected = Badge::component(caps.component());
    for (handle, capability) in table.iter() {
        check_capability(handle, capability, expected)?;
    }
    let mut previous = None;
    for (position, named) in names.iter().enumerate() {
        check_handle_order(SECTION_NAMES, named.handle, previous, capacity)?;
        previous = Some(named.handle);
        check_name_len(Some(named.handle), named.name.len())?;
        if names
            .iter()
            .take(position)
            .any(|other| other.name == named.name)
        {
            return Err(ReplicaError::DuplicateName {
                name: named.name.clone(),
            });
        }
    }
    // With every name's handle in place, what each says its capability is.
    for named in names {
        source_fields(named.source, named.handle)?;
        // An empty named slot is a capability the kernel revoked.
        if let Ok(capability) = table.get(named.handle)
            && !source_matches(named.source, capability.object())
        {
            return Err(ReplicaError::SourceMismatch {
                handle: named.handle,
                source: named.source,
                object: capability.object(),
            });
        }
    }
    Ok(())
}

/// A component's capability: no grant right, the component's badge. (That its rights apply to
/// its kind the constructors, the replica decoder's included, have made sure.)
fn check_capability(
    handle: Handle,
    capability: &Capability,
    expected: Badge,
) -> Result<(), ReplicaError> {
    if capability.rights().contains(Rights::GRANT) {
        return Err(ReplicaError::GrantRight { handle });
    }
    if capability.badge() != expected {
        return Err(ReplicaError::WrongBadge {
            handle,
            badge: capability.badge(),
            expected,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
