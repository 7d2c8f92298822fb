//! The replica decoder: [`ComponentCaps::from_replica`], for the component host (cargo feature
//! `replica`). Reads the format of [`ComponentCaps::write_replica`] field by field, refusing each
//! bad field where it stands, then checks the whole as the encoder does.
//!
//! Nothing here allocates more than the input can hold: every count is checked against the bytes
//! left before anything is reserved, and the table's slots (one per name entry, each at least
//! [`MIN_NAME_ENTRY_LEN`] bytes) are allocated only after all the entries have been read.

use alloc::string::String;
use alloc::vec::Vec;

use ruvix_manifest::ComponentIndex;

use super::{
    REPLICA_MAGIC, REPLICA_VERSION, ReplicaError, SOURCE_GRANT, SOURCE_INTERRUPT,
    SOURCE_QUEUE_RECEIVE, SOURCE_QUEUE_SEND, SOURCE_REGION, check, check_handle_order,
    check_name_len,
};
use crate::capability::Capability;
use crate::distribute::{CapSource, ComponentCaps, NamedCap};
use crate::error::CapError;
use crate::object::{Badge, InterruptId, MemoryRange, ObjectKind, ObjectRef, QueueId, RegionId};
use crate::rights::Rights;
use crate::table::{CapTable, ENCODED_ENTRY_LEN, ENCODING_MAGIC, ENCODING_VERSION, Handle};

/// The sections with a magic and a version, as errors report them.
const SECTION_REPLICA: &str = "replica";
const SECTION_TABLE: &str = "capability table";

/// Bytes of the smallest name entry: handle `u32`, source tag `u8`, source value `u32`, name
/// length `u8`, a one-byte name.
const MIN_NAME_ENTRY_LEN: usize = 4 + 1 + 4 + 1 + 1;

impl ComponentCaps {
    /// **Decodes a replica** (written by [`ComponentCaps::write_replica`]) into capabilities
    /// equal to those it was written from: the component host's copy for its own checks. This
    /// is the only constructor of [`Capability`] values besides minting and deriving; what it
    /// builds is a copy that grants nothing (the kernel re-checks every call against its own
    /// table and never decodes replicas; see the crate docs).
    ///
    /// Refuses, with the field and where, anything the constructors would not produce: a bad
    /// magic or version, truncation, an unknown kind, rights or source, rights a kind cannot
    /// carry, a bad memory range, a handle out of range or order, an unsealed table, a badge
    /// that is not the component's, the grant right, a bad, long or repeated name, a source
    /// that disagrees with its capability, trailing bytes. Never panics.
    pub fn from_replica(bytes: &[u8]) -> Result<ComponentCaps, ReplicaError> {
        let mut reader = Reader::new(bytes);
        reader.header(SECTION_REPLICA, REPLICA_MAGIC, REPLICA_VERSION)?;
        let component = ComponentIndex(reader.u16("component index")?);
        let name = reader.name(None)?;
        let table = read_table(&mut reader)?;
        let names = read_names(&mut reader, table.capacity)?;
        if !reader.rest.is_empty() {
            return Err(ReplicaError::TrailingBytes {
                offset: reader.offset(),
                extra: reader.rest.len(),
            });
        }
        let table = table.build()?;
        let caps = ComponentCaps::from_replica_parts(component, name, table, names);
        check(&caps)?;
        Ok(caps)
    }
}

/// The input, consumed from the front.
struct Reader<'a> {
    rest: &'a [u8],
    len: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            rest: bytes,
            len: bytes.len(),
        }
    }

    /// Where the next field starts.
    fn offset(&self) -> usize {
        self.len.saturating_sub(self.rest.len())
    }

    /// Whether `count` entries of at least `each` bytes fit in what is left.
    fn ensure(&self, count: usize, each: usize, field: &'static str) -> Result<(), ReplicaError> {
        match count.checked_mul(each) {
            Some(needed) if needed <= self.rest.len() => Ok(()),
            _ => Err(ReplicaError::Truncated {
                field,
                offset: self.offset(),
            }),
        }
    }

    fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ReplicaError> {
        let offset = self.offset();
        let (taken, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or(ReplicaError::Truncated { field, offset })?;
        self.rest = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ReplicaError> {
        let offset = self.offset();
        let (taken, rest) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(ReplicaError::Truncated { field, offset })?;
        self.rest = rest;
        Ok(*taken)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, ReplicaError> {
        self.array::<1>(field).map(u8::from_le_bytes)
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, ReplicaError> {
        self.array(field).map(u16::from_le_bytes)
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, ReplicaError> {
        self.array(field).map(u32::from_le_bytes)
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, ReplicaError> {
        self.array(field).map(u64::from_le_bytes)
    }

    /// A magic and a version.
    fn header(
        &mut self,
        section: &'static str,
        magic: [u8; 4],
        version: u8,
    ) -> Result<(), ReplicaError> {
        let found = self.array::<4>("magic")?;
        if found != magic {
            return Err(ReplicaError::BadMagic { section, found });
        }
        let found = self.u8("version")?;
        if found != version {
            return Err(ReplicaError::UnsupportedVersion { section, found });
        }
        Ok(())
    }

    /// A name: length `u8` (1 to `MAX_NAME_LEN`), then UTF-8 bytes.
    fn name(&mut self, handle: Option<Handle>) -> Result<String, ReplicaError> {
        let len = usize::from(self.u8("name length")?);
        check_name_len(handle, len)?;
        let offset = self.offset();
        let bytes = self.bytes(len, "name")?;
        let text = core::str::from_utf8(bytes)
            .map_err(|_| ReplicaError::NameNotUtf8 { handle, offset })?;
        let mut name = String::new();
        name.try_reserve_exact(len)
            .map_err(|_| ReplicaError::AllocationFailed {
                what: "name bytes",
                count: len,
            })?;
        name.push_str(text);
        Ok(name)
    }
}

/// The table section, read but not yet built (its slots are not allocated yet).
struct ReadTable {
    sealed: bool,
    capacity: usize,
    entries: Vec<(Handle, Capability)>,
}

impl ReadTable {
    /// The table: `capacity` slots (checked by now against the name entries read), each entry in
    /// its slot.
    fn build(self) -> Result<CapTable, ReplicaError> {
        let capacity = self.capacity;
        let mut table = CapTable::new(capacity).map_err(|_| ReplicaError::AllocationFailed {
            what: "table slots",
            count: capacity,
        })?;
        for (handle, capability) in self.entries {
            // The entries' handles were checked in range and increasing: this never fails.
            table
                .put_replica(handle, capability)
                .map_err(|_| ReplicaError::DuplicateHandle {
                    section: SECTION_TABLE,
                    handle,
                })?;
        }
        if self.sealed {
            table.seal();
        }
        Ok(table)
    }
}

/// The table section: the canonical encoding of [`CapTable::encode`].
fn read_table(reader: &mut Reader<'_>) -> Result<ReadTable, ReplicaError> {
    reader.header(SECTION_TABLE, ENCODING_MAGIC, ENCODING_VERSION)?;
    let offset = reader.offset();
    let sealed = match reader.u8("sealed flag")? {
        0 => false,
        1 => true,
        value => return Err(ReplicaError::BadSealedFlag { value, offset }),
    };
    let capacity = reader.u32("table capacity")?;
    let capacity = usize::try_from(capacity)
        .ok()
        .filter(|&slots| slots <= CapTable::MAX_CAPACITY)
        .ok_or(ReplicaError::CapacityTooLarge { capacity })?;
    let count = reader.u32("capability count")?;
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= capacity)
        .ok_or(ReplicaError::TooManyCapabilities { count, capacity })?;
    reader.ensure(count, ENCODED_ENTRY_LEN, "capability entries")?;
    let mut entries = Vec::new();
    entries
        .try_reserve_exact(count)
        .map_err(|_| ReplicaError::AllocationFailed {
            what: "capabilities",
            count,
        })?;
    let mut previous = None;
    for _ in 0..count {
        let handle = Handle(reader.u32("capability handle")?);
        check_handle_order(SECTION_TABLE, handle, previous, capacity)?;
        previous = Some(handle);
        entries.push((handle, read_capability(reader, handle)?));
    }
    Ok(ReadTable {
        sealed,
        capacity,
        entries,
    })
}

/// One capability entry after its handle: kind tag, object words, rights, badge.
fn read_capability(reader: &mut Reader<'_>, handle: Handle) -> Result<Capability, ReplicaError> {
    let offset = reader.offset();
    let tag = reader.u8("kind tag")?;
    let kind = ObjectKind::from_tag(tag).ok_or(ReplicaError::UnknownKind { tag, offset })?;
    let first = reader.u64("object word")?;
    let second = reader.u64("object word")?;
    let object = object(kind, first, second, handle)?;
    let offset = reader.offset();
    let bits = reader.u8("rights")?;
    let rights = Rights::from_bits(bits).ok_or(ReplicaError::UnknownRights { bits, offset })?;
    let badge = Badge(reader.u32("badge")?);
    Capability::from_replica(object, rights, badge)
        .map_err(|error| ReplicaError::Capability { handle, error })
}

/// The object of `kind` with encoding words `first`, `second` (the inverse of
/// `ObjectRef::words`), refusing anything but the canonical words.
fn object(
    kind: ObjectKind,
    first: u64,
    second: u64,
    handle: Handle,
) -> Result<ObjectRef, ReplicaError> {
    let non_canonical = ReplicaError::NonCanonicalObject { handle, kind };
    let id = || {
        u32::try_from(first)
            .ok()
            .filter(|_| second == 0)
            .ok_or(non_canonical.clone())
    };
    let unit = |object: ObjectRef| {
        if first == 0 && second == 0 {
            Ok(object)
        } else {
            Err(non_canonical.clone())
        }
    };
    match kind {
        ObjectKind::PhysicalMemory => MemoryRange::new(first, second)
            .map(ObjectRef::PhysicalMemory)
            .map_err(|error: CapError| ReplicaError::Capability { handle, error }),
        ObjectKind::Region => Ok(ObjectRef::Region(RegionId(id()?))),
        ObjectKind::QueueSend => Ok(ObjectRef::QueueSend(QueueId(id()?))),
        ObjectKind::QueueReceive => Ok(ObjectRef::QueueReceive(QueueId(id()?))),
        ObjectKind::Interrupt => Ok(ObjectRef::Interrupt(InterruptId(id()?))),
        ObjectKind::Timer => unit(ObjectRef::Timer),
        ObjectKind::InterruptQueue => unit(ObjectRef::InterruptQueue),
        ObjectKind::WitnessLog => unit(ObjectRef::WitnessLog),
        ObjectKind::Log => unit(ObjectRef::Log),
        ObjectKind::Console => unit(ObjectRef::Console),
        ObjectKind::SystemInfo => unit(ObjectRef::SystemInfo),
        ObjectKind::Package => unit(ObjectRef::Package),
    }
}

/// The name section: a count equal to the table's capacity, then the entries.
fn read_names(reader: &mut Reader<'_>, capacity: usize) -> Result<Vec<NamedCap>, ReplicaError> {
    let count = reader.u32("name count")?;
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n == capacity)
        .ok_or(ReplicaError::CapacityMismatch {
            capacity,
            names: usize::try_from(count).unwrap_or(usize::MAX),
        })?;
    reader.ensure(count, MIN_NAME_ENTRY_LEN, "name entries")?;
    let mut names = Vec::new();
    names
        .try_reserve_exact(count)
        .map_err(|_| ReplicaError::AllocationFailed {
            what: "names",
            count,
        })?;
    for _ in 0..count {
        let handle = Handle(reader.u32("name handle")?);
        let offset = reader.offset();
        let tag = reader.u8("source tag")?;
        let value = reader.u32("source value")?;
        let source = source(tag, value, offset, handle)?;
        let name = reader.name(Some(handle))?;
        names.push(NamedCap {
            name,
            handle,
            source,
        });
    }
    // Their handles' range and order are checked by `check`, which the encoder shares.
    Ok(names)
}

/// The source with `tag` and `value` (the inverse of `source_fields`).
fn source(tag: u8, value: u32, offset: usize, handle: Handle) -> Result<CapSource, ReplicaError> {
    let index = || usize::try_from(value).map_err(|_| ReplicaError::SourceTooLarge { handle });
    match tag {
        SOURCE_GRANT => u8::try_from(value)
            .ok()
            .and_then(ObjectKind::from_tag)
            .and_then(ObjectKind::kernel_cap)
            .map(CapSource::Grant)
            .ok_or(ReplicaError::UnknownKernelCap { value, offset }),
        SOURCE_REGION => Ok(CapSource::Region { region: index()? }),
        SOURCE_QUEUE_SEND => Ok(CapSource::QueueSend { queue: index()? }),
        SOURCE_QUEUE_RECEIVE => Ok(CapSource::QueueReceive { queue: index()? }),
        SOURCE_INTERRUPT => Ok(CapSource::Interrupt {
            interrupt: index()?,
        }),
        _ => Err(ReplicaError::UnknownSource { tag, offset }),
    }
}
