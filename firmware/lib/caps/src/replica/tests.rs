extern crate std;

use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use ruvix_manifest::{BoardLimits, ComponentIndex, KernelCap, RvfManifest, parse_toml};
use ruvix_test_rng::SplitMix64 as Rng;

use super::*;
use crate::boot::{BootCapabilitySet, ObjectIds};
use crate::distribute::{CapabilityDistribution, distribute};
use crate::error::CapError;
use crate::object::{InterruptId, MemoryRange, QueueId, RegionId};
use crate::table::{ENCODED_ENTRY_LEN, ENCODED_HEADER_LEN};
use crate::token::MintToken;

/// Every manifest of the repository, by file name.
const MANIFESTS: [(&str, &str); 7] = [
    (
        "demo.toml",
        include_str!("../../../../../components/demo.toml"),
    ),
    (
        "test.toml",
        include_str!("../../../../../components/test.toml"),
    ),
    (
        "bench-queue.toml",
        include_str!("../../../../../components/bench-queue.toml"),
    ),
    (
        "bench-yield.toml",
        include_str!("../../../../../components/bench-yield.toml"),
    ),
    (
        "flood-equal.toml",
        include_str!("../../../../../components/flood-equal.toml"),
    ),
    (
        "flood-low.toml",
        include_str!("../../../../../components/flood-low.toml"),
    ),
    (
        "log-flood.toml",
        include_str!("../../../../../components/log-flood.toml"),
    ),
];

const KINDS: [ObjectKind; 12] = [
    ObjectKind::PhysicalMemory,
    ObjectKind::Region,
    ObjectKind::QueueSend,
    ObjectKind::QueueReceive,
    ObjectKind::Timer,
    ObjectKind::InterruptQueue,
    ObjectKind::WitnessLog,
    ObjectKind::Log,
    ObjectKind::Package,
    ObjectKind::Interrupt,
    ObjectKind::Console,
    ObjectKind::SystemInfo,
];

fn parse(file: &str, source: &str) -> RvfManifest {
    parse_toml(file, source, &[BoardLimits::RPI3, BoardLimits::RPI4])
        .unwrap_or_else(|diagnostics| panic!("{file} does not parse: {diagnostics:?}"))
}

fn run(manifest: &RvfManifest) -> CapabilityDistribution {
    let objects = ObjectIds::in_manifest_order(manifest);
    let ram = [MemoryRange::new(0, 0x3B40_0000).unwrap()];
    let root = BootCapabilitySet::new(&MintToken::for_tests(), &ram, &objects).unwrap();
    distribute(root.table(), manifest, &objects).unwrap()
}

fn demo() -> Vec<ComponentCaps> {
    let (file, source) = MANIFESTS[0];
    run(&parse(file, source)).into_components()
}

/// Demo component `name`'s capabilities.
fn demo_component(name: &str) -> ComponentCaps {
    demo().into_iter().find(|caps| caps.name() == name).unwrap()
}

/// Where the fields of `caps`'s replica start.
struct Layout {
    /// The component name's length byte.
    name: usize,
    /// The table's canonical encoding.
    table: usize,
    /// Each table entry (its handle).
    entries: Vec<usize>,
    /// The name count.
    name_count: usize,
    /// Each name entry (its handle).
    names: Vec<usize>,
    /// One past the end.
    end: usize,
}

/// Offsets within a table entry and a name entry.
const KIND: usize = 4;
const FIRST_WORD: usize = 5;
const SECOND_WORD: usize = 13;
const RIGHTS: usize = 21;
const BADGE: usize = 22;
const SOURCE_TAG: usize = 4;
const SOURCE_VALUE: usize = 5;
const NAME_LEN: usize = 9;
const NAME: usize = 10;

fn layout(caps: &ComponentCaps) -> Layout {
    let name = 4 + 1 + 2;
    let table = name + 1 + caps.name().len();
    let entries: Vec<usize> = (0..caps.table().len())
        .map(|i| table + ENCODED_HEADER_LEN + i * ENCODED_ENTRY_LEN)
        .collect();
    let name_count = table + ENCODED_HEADER_LEN + caps.table().len() * ENCODED_ENTRY_LEN;
    let mut names = Vec::new();
    let mut at = name_count + 4;
    for named in caps.names() {
        names.push(at);
        at += NAME + named.name.len();
    }
    Layout {
        name,
        table,
        entries,
        name_count,
        names,
        end: at,
    }
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

/// Decodes `caps`'s replica after `corrupt` has changed it.
fn decode_corrupted(
    caps: &ComponentCaps,
    corrupt: impl FnOnce(&mut Vec<u8>, &Layout),
) -> Result<ComponentCaps, ReplicaError> {
    let mut bytes = caps.to_replica().unwrap();
    corrupt(&mut bytes, &layout(caps));
    ComponentCaps::from_replica(&bytes)
}

/// Everything the component host asks of its capabilities gives the same answers on `a` and `b`.
fn assert_same_answers(a: &ComponentCaps, b: &ComponentCaps) {
    assert_eq!(a.component(), b.component());
    assert_eq!(a.name(), b.name());
    assert_eq!(a.names(), b.names());
    assert_eq!(a.len(), b.len());
    assert_eq!(
        (a.grants(), a.regions(), a.queue_ends()),
        (b.grants(), b.regions(), b.queue_ends())
    );
    assert_eq!(
        a.entries().collect::<Vec<_>>(),
        b.entries().collect::<Vec<_>>()
    );
    assert_eq!(a.table().to_bytes(), b.table().to_bytes());
    assert_eq!(a.table().is_sealed(), b.table().is_sealed());
    let mut names: Vec<&str> = a.names().iter().map(|named| named.name.as_str()).collect();
    names.extend(["", "nothing", "LOG", "log "]);
    for name in names {
        assert_eq!(a.lookup(name), b.lookup(name), "lookup({name:?})");
    }
    let rights = [
        Rights::NONE,
        Rights::READ,
        Rights::WRITE,
        Rights::READ | Rights::WRITE,
        Rights::GRANT,
        Rights::SEND,
        Rights::RECEIVE,
        Rights::ALL,
    ];
    let capacity = u32::try_from(a.table().capacity()).unwrap();
    for handle in (0..capacity + 3).chain([u32::MAX]).map(Handle) {
        assert_eq!(a.table().get(handle), b.table().get(handle));
        for needed in rights {
            assert_eq!(
                a.table().check_queue(handle, needed),
                b.table().check_queue(handle, needed)
            );
            assert_eq!(
                a.table().check_interrupt(handle, needed),
                b.table().check_interrupt(handle, needed)
            );
            for kind in KINDS {
                assert_eq!(
                    a.table().check(handle, kind, needed),
                    b.table().check(handle, kind, needed),
                    "check({handle}, {kind}, {needed})"
                );
            }
        }
    }
}

/// Decodes `bytes` and, if that succeeds, checks that the value is one the encoder accepts and
/// writes back to the same bytes (the decoder accepts nothing but the canonical form).
fn decode_and_recheck(bytes: &[u8]) -> Result<ComponentCaps, ReplicaError> {
    let decoded = ComponentCaps::from_replica(bytes)?;
    assert_eq!(decoded.to_replica().unwrap(), bytes);
    Ok(decoded)
}

#[test]
fn every_component_of_every_manifest_round_trips() {
    let mut components = 0;
    for (file, source) in MANIFESTS {
        let distribution = run(&parse(file, source));
        for caps in distribution.components() {
            let bytes = caps.to_replica().unwrap();
            assert_eq!(caps.replica_len().unwrap(), bytes.len());
            let mut streamed = Vec::new();
            caps.write_replica(&mut |piece| streamed.extend_from_slice(piece))
                .unwrap();
            assert_eq!(streamed, bytes);

            let decoded = ComponentCaps::from_replica(&bytes)
                .unwrap_or_else(|error| panic!("{file}: {}: {error}", caps.name()));
            assert_eq!(&decoded, caps, "{file}: {}", caps.name());
            assert_same_answers(&decoded, caps);
            assert_eq!(decoded.to_replica().unwrap(), bytes);
            components += 1;
        }
    }
    let declared: usize = MANIFESTS
        .iter()
        .map(|(file, source)| parse(file, source).components.len())
        .sum();
    assert_eq!(components, declared);
    assert!(components > MANIFESTS.len());
}

#[test]
fn kind_tags_decode_to_their_kinds() {
    for kind in KINDS {
        assert_eq!(ObjectKind::from_tag(kind.tag()), Some(kind));
    }
    let tags: Vec<u8> = KINDS.iter().map(|kind| kind.tag()).collect();
    for tag in (0..=u8::MAX).filter(|tag| !tags.contains(tag)) {
        assert_eq!(ObjectKind::from_tag(tag), None);
    }
}

#[test]
fn the_format_is_as_documented() {
    let caps = demo_component("sensor");
    let mut expected = Vec::new();
    expected.extend_from_slice(b"RVCR");
    expected.push(1);
    expected.extend_from_slice(&0u16.to_le_bytes());
    expected.push(6);
    expected.extend_from_slice(b"sensor");
    expected.extend_from_slice(&caps.table().to_bytes());
    expected.extend_from_slice(&3u32.to_le_bytes());
    let names: [(u32, u8, u32, &str); 3] = [
        (0, 1, u32::from(ObjectKind::Log.tag()), "log"),
        (1, 1, u32::from(ObjectKind::Timer.tag()), "timer"),
        (2, 3, 0, "out"),
    ];
    for (handle, tag, value, name) in names {
        expected.extend_from_slice(&handle.to_le_bytes());
        expected.push(tag);
        expected.extend_from_slice(&value.to_le_bytes());
        expected.push(u8::try_from(name.len()).unwrap());
        expected.extend_from_slice(name.as_bytes());
    }
    assert_eq!(caps.to_replica().unwrap(), expected);
    assert_eq!(layout(&caps).end, expected.len());

    // The table part is byte for byte the canonical encoding stage 4 hashes.
    let table = caps.table().to_bytes();
    assert_eq!(&table[..4], b"RVCT");
    assert_eq!(table.len(), ENCODED_HEADER_LEN + 3 * ENCODED_ENTRY_LEN);
}

#[test]
fn a_revoked_or_restricted_capability_round_trips() {
    let mut caps = demo_component("sink");
    let summary = caps.lookup("summary").unwrap();
    let input = caps.lookup("in").unwrap();
    caps.table_mut().remove(input).unwrap();
    caps.table_mut().restrict(summary, Rights::READ).unwrap();

    let decoded = ComponentCaps::from_replica(&caps.to_replica().unwrap()).unwrap();
    assert_eq!(decoded, caps);
    assert_same_answers(&decoded, &caps);
    // The name is still there, its capability is not: refused as in the kernel.
    assert_eq!(decoded.lookup("in"), Some(input));
    assert_eq!(
        decoded
            .table()
            .check(input, ObjectKind::QueueReceive, Rights::RECEIVE),
        Err(CapError::BadHandle { handle: input })
    );
    assert!(
        decoded
            .table()
            .check(summary, ObjectKind::Region, Rights::WRITE)
            .is_err()
    );
    assert_eq!(decoded.entries().count(), 3);
}

#[test]
fn decoding_builds_a_sealed_table_that_accepts_nothing() {
    let caps = demo_component("filter");
    let mut decoded = ComponentCaps::from_replica(&caps.to_replica().unwrap()).unwrap();
    assert!(decoded.table().is_sealed());
    let (_, source) = decoded.table().iter().next().unwrap();
    // No grant right: nothing can be derived from a decoded capability either.
    assert!(matches!(
        source.derive(Rights::NONE),
        Err(CapError::NotDerivable { .. })
    ));
    assert_eq!(
        decoded.table_mut().derive(Handle(0), Rights::NONE),
        Err(CapError::Sealed)
    );
}

#[test]
fn empty_and_truncated_replicas_are_refused() {
    assert_eq!(
        ComponentCaps::from_replica(&[]),
        Err(ReplicaError::Truncated {
            field: "magic",
            offset: 0
        })
    );
    for caps in demo() {
        let bytes = caps.to_replica().unwrap();
        for len in 0..bytes.len() {
            match ComponentCaps::from_replica(&bytes[..len]) {
                Err(ReplicaError::Truncated { offset, .. }) => assert!(offset <= len),
                other => panic!("{}: {len} of {} bytes: {other:?}", caps.name(), bytes.len()),
            }
        }
    }
}

#[test]
fn bad_headers_are_refused() {
    let caps = demo_component("sensor");
    assert_eq!(
        decode_corrupted(&caps, |bytes, _| bytes[..4].copy_from_slice(b"RVCT")),
        Err(ReplicaError::BadMagic {
            section: "replica",
            found: *b"RVCT"
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, _| bytes[4] = 2),
        Err(ReplicaError::UnsupportedVersion {
            section: "replica",
            found: 2
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.table + 3] = b'X'),
        Err(ReplicaError::BadMagic {
            section: "capability table",
            found: *b"RVCX"
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.table + 4] = 0),
        Err(ReplicaError::UnsupportedVersion {
            section: "capability table",
            found: 0
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.table + 5] = 2),
        Err(ReplicaError::BadSealedFlag {
            value: 2,
            offset: layout(&caps).table + 5
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.table + 5] = 0),
        Err(ReplicaError::NotSealed)
    );
}

#[test]
fn bad_counts_and_huge_lengths_are_refused() {
    let caps = demo_component("sensor");
    let capacity = |bytes: &mut Vec<u8>, at: &Layout, value| put_u32(bytes, at.table + 6, value);
    let count = |bytes: &mut Vec<u8>, at: &Layout, value| put_u32(bytes, at.table + 10, value);

    assert_eq!(
        decode_corrupted(&caps, |bytes, at| capacity(bytes, at, u32::MAX)),
        Err(ReplicaError::CapacityTooLarge { capacity: u32::MAX })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| capacity(bytes, at, 4097)),
        Err(ReplicaError::CapacityTooLarge { capacity: 4097 })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| count(bytes, at, 4)),
        Err(ReplicaError::TooManyCapabilities {
            count: 4,
            capacity: 3
        })
    );
    // A count the table could hold but the input cannot: refused before anything is reserved.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| {
            capacity(bytes, at, 4096);
            count(bytes, at, 4096);
        }),
        Err(ReplicaError::Truncated {
            field: "capability entries",
            offset: layout(&caps).entries[0]
        })
    );
    // A larger table than there are names.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| capacity(bytes, at, 4)),
        Err(ReplicaError::CapacityMismatch {
            capacity: 4,
            names: 3
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(bytes, at.name_count, u32::MAX)),
        Err(ReplicaError::CapacityMismatch {
            capacity: 3,
            names: usize::try_from(u32::MAX).unwrap()
        })
    );
    // A big table with no capabilities in it, and that many name entries announced: the slots
    // are never allocated, the input is too short for the names.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| {
            capacity(bytes, at, 4096);
            count(bytes, at, 0);
            let names = at.table + ENCODED_HEADER_LEN;
            bytes.drain(at.entries[0]..at.name_count);
            put_u32(bytes, names, 4096);
        }),
        Err(ReplicaError::Truncated {
            field: "name entries",
            offset: layout(&caps).table + ENCODED_HEADER_LEN + 4
        })
    );
    // Name lengths: 0, one past the limit, the most a byte can say.
    for len in [0u8, 33, 255] {
        assert_eq!(
            decode_corrupted(&caps, |bytes, at| bytes[at.names[1] + NAME_LEN] = len),
            Err(ReplicaError::NameLength {
                handle: Some(Handle(1)),
                len: usize::from(len)
            })
        );
        assert_eq!(
            decode_corrupted(&caps, |bytes, at| bytes[at.name] = len),
            Err(ReplicaError::NameLength {
                handle: None,
                len: usize::from(len)
            })
        );
    }
    // A longer name than the bytes left.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[2] + NAME_LEN] = 32),
        Err(ReplicaError::Truncated {
            field: "name",
            offset: layout(&caps).names[2] + NAME
        })
    );
}

#[test]
fn bad_table_entries_are_refused() {
    let caps = demo_component("sensor"); // log (write), timer (read), out (queue 0 send)
    let entry = |i: usize| layout(&caps).entries[i];

    // 13: the first tag past the last kind (12, system info).
    for tag in [0u8, 13, 0xFF] {
        assert_eq!(
            decode_corrupted(&caps, |bytes, at| bytes[at.entries[1] + KIND] = tag),
            Err(ReplicaError::UnknownKind {
                tag,
                offset: entry(1) + KIND
            })
        );
    }
    // Rights bits that name no right, rights the kind cannot carry, the grant right.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[0] + RIGHTS] = 0x20),
        Err(ReplicaError::UnknownRights {
            bits: 0x20,
            offset: entry(0) + RIGHTS
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[0] + RIGHTS] =
            (Rights::WRITE | Rights::SEND).bits()),
        Err(ReplicaError::Capability {
            handle: Handle(0),
            error: CapError::RightsNotApplicable {
                kind: ObjectKind::Log,
                rights: Rights::WRITE | Rights::SEND
            }
        })
    );
    // The queue send end made a region: `send` does not apply to regions.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[2] + KIND] =
            ObjectKind::Region.tag()),
        Err(ReplicaError::Capability {
            handle: Handle(2),
            error: CapError::RightsNotApplicable {
                kind: ObjectKind::Region,
                rights: Rights::SEND
            }
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[0] + RIGHTS] =
            (Rights::WRITE | Rights::GRANT).bits()),
        Err(ReplicaError::GrantRight { handle: Handle(0) })
    );
    // Badges: the root's, another component's.
    for badge in [Badge::NONE, Badge::component(ComponentIndex(1))] {
        assert_eq!(
            decode_corrupted(&caps, |bytes, at| put_u32(
                bytes,
                at.entries[2] + BADGE,
                badge.0
            )),
            Err(ReplicaError::WrongBadge {
                handle: Handle(2),
                badge,
                expected: Badge::component(ComponentIndex(0))
            })
        );
    }
    // Object words: unused ones not zero, a queue id beyond u32.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u64(
            bytes,
            at.entries[0] + FIRST_WORD,
            1
        )),
        Err(ReplicaError::NonCanonicalObject {
            handle: Handle(0),
            kind: ObjectKind::Log
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u64(
            bytes,
            at.entries[2] + SECOND_WORD,
            1
        )),
        Err(ReplicaError::NonCanonicalObject {
            handle: Handle(2),
            kind: ObjectKind::QueueSend
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u64(
            bytes,
            at.entries[2] + FIRST_WORD,
            1 << 32
        )),
        Err(ReplicaError::NonCanonicalObject {
            handle: Handle(2),
            kind: ObjectKind::QueueSend
        })
    );
    // Memory ranges: empty, unaligned; a well-formed one is refused as no component's.
    let memory = |start: u64, end: u64| {
        decode_corrupted(&caps, move |bytes, at| {
            bytes[at.entries[1] + KIND] = ObjectKind::PhysicalMemory.tag();
            put_u64(bytes, at.entries[1] + FIRST_WORD, start);
            put_u64(bytes, at.entries[1] + SECOND_WORD, end);
        })
    };
    assert_eq!(
        memory(0x1000, 0x1000),
        Err(ReplicaError::Capability {
            handle: Handle(1),
            error: CapError::BadRange {
                start: 0x1000,
                end: 0x1000
            }
        })
    );
    assert_eq!(
        memory(0x1001, 0x3000),
        Err(ReplicaError::Capability {
            handle: Handle(1),
            error: CapError::BadRange {
                start: 0x1001,
                end: 0x3000
            }
        })
    );
    assert_eq!(
        memory(0x1000, 0x3000),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(1),
            source: CapSource::Grant(KernelCap::Timer),
            object: ObjectRef::PhysicalMemory(MemoryRange::new(0x1000, 0x3000).unwrap())
        })
    );
    // Another valid kind whose rights fit: the name's source gives it away.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[1] + KIND] =
            ObjectKind::WitnessLog.tag()),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(1),
            source: CapSource::Grant(KernelCap::Timer),
            object: ObjectRef::WitnessLog
        })
    );
    // Handles: past the end, twice, backwards.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(bytes, at.entries[2], 3)),
        Err(ReplicaError::HandleOutOfRange {
            section: "capability table",
            handle: Handle(3),
            capacity: 3
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(bytes, at.entries[1], 0)),
        Err(ReplicaError::DuplicateHandle {
            section: "capability table",
            handle: Handle(0)
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| {
            put_u32(bytes, at.entries[0], 1);
            put_u32(bytes, at.entries[1], 0);
        }),
        Err(ReplicaError::HandlesOutOfOrder {
            section: "capability table",
            handle: Handle(0),
            after: Handle(1)
        })
    );
}

#[test]
fn bad_name_entries_are_refused() {
    let caps = demo_component("sensor"); // log (write), timer (read), out (queue 0 send)
    let name = |i: usize| layout(&caps).names[i];

    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(bytes, at.names[2], 3)),
        Err(ReplicaError::HandleOutOfRange {
            section: "name list",
            handle: Handle(3),
            capacity: 3
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(bytes, at.names[2], 1)),
        Err(ReplicaError::DuplicateHandle {
            section: "name list",
            handle: Handle(1)
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| {
            put_u32(bytes, at.names[0], 1);
            put_u32(bytes, at.names[1], 0);
        }),
        Err(ReplicaError::HandlesOutOfOrder {
            section: "name list",
            handle: Handle(0),
            after: Handle(1)
        })
    );
    // "out" renamed "log".
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[2] + NAME..][..3]
            .copy_from_slice(b"log")),
        Err(ReplicaError::DuplicateName {
            name: "log".to_string()
        })
    );
    // Not UTF-8: a capability name, the component name.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[1] + NAME + 2] = 0xFF),
        Err(ReplicaError::NameNotUtf8 {
            handle: Some(Handle(1)),
            offset: name(1) + NAME
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.name + 1] = 0xC3),
        Err(ReplicaError::NameNotUtf8 {
            handle: None,
            offset: layout(&caps).name + 1
        })
    );
    // Sources: an unknown tag (6, the first past interrupt's 5), a grant of nothing, of physical
    // memory, of the wrong object.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[0] + SOURCE_TAG] = 6),
        Err(ReplicaError::UnknownSource {
            tag: 6,
            offset: name(0) + SOURCE_TAG
        })
    );
    for value in [0, 2, 3, 4, 10, 256, u32::MAX] {
        assert_eq!(
            decode_corrupted(&caps, |bytes, at| put_u32(
                bytes,
                at.names[0] + SOURCE_VALUE,
                value
            )),
            Err(ReplicaError::UnknownKernelCap {
                value,
                offset: name(0) + SOURCE_TAG
            }),
            "grant value {value}"
        );
    }
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(
            bytes,
            at.names[0] + SOURCE_VALUE,
            u32::from(ObjectKind::PhysicalMemory.tag())
        )),
        Err(ReplicaError::UndelegableGrant {
            handle: Handle(0),
            cap: KernelCap::PhysicalMemory
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(
            bytes,
            at.names[0] + SOURCE_VALUE,
            u32::from(ObjectKind::Package.tag())
        )),
        Err(ReplicaError::UndelegableGrant {
            handle: Handle(0),
            cap: KernelCap::Package
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u32(
            bytes,
            at.names[0] + SOURCE_VALUE,
            u32::from(ObjectKind::WitnessLog.tag())
        )),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(0),
            source: CapSource::Grant(KernelCap::WitnessLog),
            object: ObjectRef::Log
        })
    );
    // The send end said to be a receive end, a region.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[2] + SOURCE_TAG] = 4),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(2),
            source: CapSource::QueueReceive { queue: 0 },
            object: ObjectRef::QueueSend(QueueId(0))
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[2] + SOURCE_TAG] = 2),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(2),
            source: CapSource::Region { region: 0 },
            object: ObjectRef::QueueSend(QueueId(0))
        })
    );
    // Trailing bytes.
    let end = layout(&caps).end;
    assert_eq!(
        decode_corrupted(&caps, |bytes, _| bytes.push(0)),
        Err(ReplicaError::TrailingBytes {
            offset: end,
            extra: 1
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, _| bytes.extend_from_slice(&[0; 100])),
        Err(ReplicaError::TrailingBytes {
            offset: end,
            extra: 100
        })
    );
}

#[test]
fn a_region_capability_is_checked_too() {
    let caps = demo_component("sink"); // log, timer, summary (region 0, rw), in (queue 1)
    let summary = caps.lookup("summary").unwrap();
    assert_eq!(summary, Handle(2));
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[2] + RIGHTS] =
            Rights::RECEIVE.bits()),
        Err(ReplicaError::Capability {
            handle: summary,
            error: CapError::RightsNotApplicable {
                kind: ObjectKind::Region,
                rights: Rights::RECEIVE
            }
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[2] + SOURCE_TAG] = 1),
        Err(ReplicaError::UnknownKernelCap {
            value: 0,
            offset: layout(&caps).names[2] + SOURCE_TAG
        })
    );
    // A different kernel region id still decodes: ids are the kernel's, not the manifest's.
    let decoded = decode_corrupted(&caps, |bytes, at| {
        put_u64(bytes, at.entries[2] + FIRST_WORD, 7);
    })
    .unwrap();
    assert_eq!(
        decoded.table().get(summary).unwrap().object(),
        ObjectRef::Region(RegionId(7))
    );
}

#[test]
fn the_encoder_refuses_what_the_decoder_would() {
    let (file, source) = MANIFESTS[0];
    let mut manifest = parse(file, source);
    // Distribution itself does not validate names (the manifest's validation does).
    let long = "p".repeat(MAX_NAME_LEN + 1);
    manifest.queues[0].from.port = long.clone();
    manifest.components[1].name = "f".repeat(MAX_NAME_LEN + 1);
    let distribution = run(&manifest);
    let sensor = &distribution.components()[0];
    let mut fed = 0usize;
    assert_eq!(
        sensor.write_replica(&mut |piece| fed += piece.len()),
        Err(ReplicaError::NameLength {
            handle: Some(Handle(2)),
            len: MAX_NAME_LEN + 1
        })
    );
    assert_eq!(
        fed, 0,
        "nothing is written when the replica would not decode"
    );
    assert_eq!(
        sensor.to_replica(),
        Err(ReplicaError::NameLength {
            handle: Some(Handle(2)),
            len: MAX_NAME_LEN + 1
        })
    );
    assert_eq!(
        distribution.components()[1].replica_len(),
        Err(ReplicaError::NameLength {
            handle: None,
            len: MAX_NAME_LEN + 1
        })
    );
    // The longest valid names are fine.
    manifest.queues[0].from.port = "p".repeat(MAX_NAME_LEN);
    let distribution = run(&manifest);
    let sensor = &distribution.components()[0];
    let decoded = ComponentCaps::from_replica(&sensor.to_replica().unwrap()).unwrap();
    assert_eq!(&decoded, sensor);
}

#[test]
fn no_flipped_bit_or_byte_panics() {
    for caps in demo() {
        let bytes = caps.to_replica().unwrap();
        let mut accepted = 0;
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            for bit in 0..8 {
                changed[at] = bytes[at] ^ (1 << bit);
                accepted += usize::from(decode_and_recheck(&changed).is_ok());
            }
            for value in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                changed[at] = value;
                let _ = decode_and_recheck(&changed);
            }
        }
        // Only the fields no check can tell from the original (a region or queue id, a manifest
        // index, a name changed into another UTF-8 name) survive a flip: about one in six.
        assert!(
            accepted > 0,
            "{}: no flip decodes, so none was re-encoded",
            caps.name()
        );
        assert!(
            accepted < bytes.len() * 8 / 4,
            "{}: {accepted} of {} flips accepted",
            caps.name(),
            bytes.len() * 8
        );
    }
}

#[test]
fn no_random_corruption_panics() {
    let replicas: Vec<Vec<u8>> = demo()
        .iter()
        .map(|caps| caps.to_replica().unwrap())
        .collect();
    let mut rng = Rng(0x5EED_CAFE);
    for _ in 0..20_000 {
        let mut bytes = replicas[rng.index(replicas.len())].clone();
        match rng.below(4) {
            // A few random bytes.
            0 | 1 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.index(bytes.len());
                    bytes[at] = rng.next_u64() as u8;
                }
            }
            // Cut somewhere, perhaps with random bytes after.
            2 => {
                bytes.truncate(rng.index(bytes.len()));
                for _ in 0..rng.below(40) {
                    bytes.push(rng.next_u64() as u8);
                }
            }
            // Pure noise behind a valid magic and version.
            _ => {
                bytes = vec![b'R', b'V', b'C', b'R', 1];
                for _ in 0..rng.below(200) {
                    bytes.push(rng.next_u64() as u8);
                }
            }
        }
        let _ = decode_and_recheck(&bytes);
    }
}

#[test]
fn error_messages() {
    let cases: Vec<(ReplicaError, &str)> = vec![
        (
            ReplicaError::Truncated {
                field: "name",
                offset: 12,
            },
            "capability replica truncated: name at byte 12 runs past the end",
        ),
        (
            ReplicaError::BadMagic {
                section: "replica",
                found: *b"ELF\x7f",
            },
            "capability replica: the replica starts with [45, 4c, 46, 7f], not its magic",
        ),
        (
            ReplicaError::Capability {
                handle: Handle(2),
                error: CapError::RightsNotApplicable {
                    kind: ObjectKind::Region,
                    rights: Rights::SEND,
                },
            },
            "capability replica: capability #2: a region capability cannot carry the rights send",
        ),
        (
            ReplicaError::SourceMismatch {
                handle: Handle(1),
                source: CapSource::Grant(KernelCap::Timer),
                object: ObjectRef::WitnessLog,
            },
            "capability replica: name #1 says a grant of \"timer\", but the capability names \
             witness log",
        ),
        (
            ReplicaError::NameLength {
                handle: None,
                len: 0,
            },
            "capability replica: the component name is 0 bytes long; names have 1 to 32",
        ),
        (
            ReplicaError::NameNotUtf8 {
                handle: Some(Handle(3)),
                offset: 99,
            },
            "capability replica: the name of capability #3 at byte 99 is not UTF-8",
        ),
        (
            ReplicaError::DuplicateName {
                name: "log".to_string(),
            },
            "capability replica: two capabilities are named \"log\"",
        ),
        (
            ReplicaError::TrailingBytes {
                offset: 100,
                extra: 4,
            },
            "capability replica: 4 bytes after the end, from byte 100",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
    // Every other variant says something of its own.
    let others = [
        ReplicaError::UnsupportedVersion {
            section: "capability table",
            found: 9,
        },
        ReplicaError::BadSealedFlag {
            value: 7,
            offset: 20,
        },
        ReplicaError::CapacityTooLarge { capacity: 5000 },
        ReplicaError::TooManyCapabilities {
            count: 5,
            capacity: 4,
        },
        ReplicaError::HandleOutOfRange {
            section: "name list",
            handle: Handle(9),
            capacity: 3,
        },
        ReplicaError::DuplicateHandle {
            section: "name list",
            handle: Handle(1),
        },
        ReplicaError::HandlesOutOfOrder {
            section: "capability table",
            handle: Handle(0),
            after: Handle(1),
        },
        ReplicaError::UnknownKind {
            tag: 42,
            offset: 30,
        },
        ReplicaError::NonCanonicalObject {
            handle: Handle(0),
            kind: ObjectKind::Log,
        },
        ReplicaError::UnknownRights {
            bits: 0x40,
            offset: 31,
        },
        ReplicaError::GrantRight { handle: Handle(0) },
        ReplicaError::WrongBadge {
            handle: Handle(0),
            badge: Badge(3),
            expected: Badge(1),
        },
        ReplicaError::NotSealed,
        ReplicaError::CapacityMismatch {
            capacity: 3,
            names: 4,
        },
        ReplicaError::UnknownSource { tag: 9, offset: 50 },
        ReplicaError::UnknownKernelCap {
            value: 77,
            offset: 51,
        },
        ReplicaError::UndelegableGrant {
            handle: Handle(0),
            cap: KernelCap::PhysicalMemory,
        },
        ReplicaError::SourceTooLarge { handle: Handle(0) },
        ReplicaError::AllocationFailed {
            what: "names",
            count: 4096,
        },
    ];
    let messages: Vec<String> = others.iter().map(ToString::to_string).collect();
    for (i, message) in messages.iter().enumerate() {
        assert!(message.starts_with("capability replica"), "{message}");
        assert!(
            !messages[..i].contains(message),
            "two variants say {message}"
        );
    }
    assert!(format!("{}", others[0]).contains("version 9"));
}

/// A `ticker` with the system timer's page and its compare-1 interrupt.
const TICKER: &str = r#"
[system]
name = "irqs"
boards = ["rpi3", "rpi4"]

[root]
minimum = ["timer"]

[[component]]
name = "ticker"
wasm = "ticker.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]

[[region]]
name = "systimer"
kind = "mmio"
peripheral_offset = 0x3000
size = "4 KiB"
access = { ticker = "rw" }

[[interrupt]]
name = "tick"
source = "system-timer-1"
holder = "ticker"
"#;

#[test]
fn an_interrupt_round_trips_and_a_corrupted_one_is_refused() {
    let caps = run(&parse("irqs.toml", TICKER)).into_components().remove(0);
    let tick = caps.lookup("tick").unwrap();
    assert_eq!(tick, Handle(1));
    let bytes = caps.to_replica().unwrap();
    let decoded = decode_and_recheck(&bytes).unwrap();
    assert_eq!(decoded, caps);
    assert_same_answers(&decoded, &caps);
    assert_eq!(
        decoded
            .table()
            .check_interrupt(tick, Rights::READ | Rights::WRITE)
            .unwrap()
            .1,
        InterruptId(0)
    );
    assert_eq!(decoded.interrupts(), 1);
    // As documented: kind tag 10 with the id in the first word; source tag 5, the manifest
    // index.
    let at = layout(&caps);
    assert_eq!(bytes[at.entries[1] + KIND], 10);
    assert_eq!(bytes[at.names[1] + SOURCE_TAG], 5);

    // A kind tag past the last is unknown; another kind's tag disagrees with the source.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[1] + KIND] = 13),
        Err(ReplicaError::UnknownKind {
            tag: 13,
            offset: at.entries[1] + KIND
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[1] + KIND] = 2),
        Err(ReplicaError::SourceMismatch {
            handle: tick,
            source: CapSource::Interrupt { interrupt: 0 },
            object: ObjectRef::Region(RegionId(0)),
        })
    );
    // Likewise for the source tag.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[1] + SOURCE_TAG] = 6),
        Err(ReplicaError::UnknownSource {
            tag: 6,
            offset: at.names[1] + SOURCE_TAG
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[1] + SOURCE_TAG] = 2),
        Err(ReplicaError::SourceMismatch {
            handle: tick,
            source: CapSource::Region { region: 0 },
            object: ObjectRef::Interrupt(InterruptId(0)),
        })
    );
    // And the other way round: an interrupt source on a region's slot.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.names[0] + SOURCE_TAG] = 5),
        Err(ReplicaError::SourceMismatch {
            handle: Handle(0),
            source: CapSource::Interrupt { interrupt: 0 },
            object: ObjectRef::Region(RegionId(0)),
        })
    );
    // A non-canonical id, rights an interrupt cannot carry.
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| put_u64(
            bytes,
            at.entries[1] + SECOND_WORD,
            1
        )),
        Err(ReplicaError::NonCanonicalObject {
            handle: tick,
            kind: ObjectKind::Interrupt
        })
    );
    assert_eq!(
        decode_corrupted(&caps, |bytes, at| bytes[at.entries[1] + RIGHTS] =
            Rights::SEND.bits()),
        Err(ReplicaError::Capability {
            handle: tick,
            error: CapError::RightsNotApplicable {
                kind: ObjectKind::Interrupt,
                rights: Rights::SEND
            }
        })
    );
}
