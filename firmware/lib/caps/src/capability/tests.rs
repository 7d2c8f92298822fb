extern crate std;

use std::format;
use std::vec::Vec;

use ruvix_manifest::{Access, ComponentIndex};

use super::*;
use crate::object::{QueueId, RegionId};

const PAGE: u64 = 4096;

fn token() -> MintToken {
    MintToken::for_tests()
}

fn range(start: u64, end: u64) -> MemoryRange {
    MemoryRange::new(start, end).unwrap()
}

fn memory(start: u64, end: u64, rights: Rights) -> Capability {
    Capability::mint(
        &token(),
        ObjectRef::PhysicalMemory(range(start, end)),
        rights,
    )
    .unwrap()
}

const RW: Rights = Rights::READ.union(Rights::WRITE);
const RWG: Rights = RW.union(Rights::GRANT);

#[test]
fn rights_algebra() {
    assert!(Rights::READ.is_subset_of(RW));
    assert!(!RW.is_subset_of(Rights::READ));
    assert!(Rights::NONE.is_subset_of(Rights::NONE));
    assert!(RW.contains(Rights::WRITE));
    assert_eq!(RWG.without(Rights::GRANT), RW);
    assert_eq!(Rights::READ | Rights::WRITE, RW);
    assert_eq!(RWG & (Rights::SEND | Rights::READ), Rights::READ);
    assert_eq!(Rights::from_bits(0b1_1111), Some(Rights::ALL));
    assert_eq!(Rights::from_bits(0b10_0000), None);
    assert_eq!(Rights::from_bits(RW.bits()), Some(RW));
    assert_eq!(Rights::from_access(Access::ReadOnly), Rights::READ);
    assert_eq!(Rights::from_access(Access::WriteOnly), Rights::WRITE);
    assert_eq!(Rights::from_access(Access::ReadWrite), RW);
}

#[test]
fn rights_display() {
    assert_eq!(format!("{}", Rights::NONE), "none");
    assert_eq!(format!("{RWG}"), "read+write+grant");
    assert_eq!(
        format!("{}", Rights::SEND | Rights::RECEIVE),
        "send+receive"
    );
    assert_eq!(format!("{:?}", Rights::READ), "Rights(read)");
}

#[test]
fn memory_ranges_are_non_empty_whole_pages() {
    assert!(MemoryRange::new(0, PAGE).is_ok());
    for (start, end) in [(0, 0), (PAGE, 0), (1, PAGE), (0, PAGE + 1), (PAGE, PAGE)] {
        assert_eq!(
            MemoryRange::new(start, end),
            Err(CapError::BadRange { start, end })
        );
    }
    let r = range(PAGE, 4 * PAGE);
    assert_eq!((r.start(), r.end(), r.size()), (PAGE, 4 * PAGE, 3 * PAGE));
    assert!(r.contains(r));
    assert!(r.contains(range(2 * PAGE, 3 * PAGE)));
    assert!(!r.contains(range(0, 2 * PAGE)));
    assert_eq!(format!("{r}"), "0x1000..0x4000");
}

#[test]
fn minting_checks_the_rights_fit_the_kind() {
    let queue = ObjectRef::QueueSend(QueueId(0));
    assert!(Capability::mint(&token(), queue, Rights::SEND | Rights::GRANT).is_ok());
    assert_eq!(
        Capability::mint(&token(), queue, Rights::READ),
        Err(CapError::RightsNotApplicable {
            kind: ObjectKind::QueueSend,
            rights: Rights::READ
        })
    );
    assert!(Capability::mint(&token(), ObjectRef::QueueReceive(QueueId(0)), Rights::SEND).is_err());
    assert!(Capability::mint(&token(), ObjectRef::Region(RegionId(0)), Rights::RECEIVE).is_err());
    let timer = Capability::mint(&token(), ObjectRef::Timer, Rights::READ).unwrap();
    assert_eq!(timer.object(), ObjectRef::Timer);
    assert_eq!(timer.kind(), ObjectKind::Timer);
    assert_eq!(timer.rights(), Rights::READ);
    assert_eq!(timer.badge(), Badge::NONE);
    assert!(timer.allows(Rights::READ));
    assert!(!timer.allows(RW));
}

#[test]
fn derivation_only_reduces() {
    let log = Capability::mint(&token(), ObjectRef::Log, Rights::WRITE | Rights::GRANT).unwrap();
    let child = log.derive(Rights::WRITE).unwrap();
    assert_eq!(child.rights(), Rights::WRITE);
    assert_eq!(child.object(), ObjectRef::Log);
    assert_eq!(
        log.derive(RW),
        Err(CapError::Denied {
            object: ObjectRef::Log,
            needed: RW,
            held: Rights::WRITE | Rights::GRANT
        })
    );
    // The child has no grant right, so nothing derives from it.
    assert_eq!(
        child.derive(Rights::WRITE),
        Err(CapError::NotDerivable {
            object: ObjectRef::Log,
            held: Rights::WRITE
        })
    );
    assert_eq!(
        child.derive(Rights::NONE).unwrap_err(),
        CapError::NotDerivable {
            object: ObjectRef::Log,
            held: Rights::WRITE
        }
    );
    // An equal set is fine (with grant), and an empty one.
    assert_eq!(log.derive(log.rights()).unwrap().rights(), log.rights());
    assert_eq!(log.derive(Rights::NONE).unwrap().rights(), Rights::NONE);
}

#[test]
fn badges_are_set_once() {
    let timer = Capability::mint(&token(), ObjectRef::Timer, Rights::READ | Rights::GRANT).unwrap();
    let sink = Badge::component(ComponentIndex(2));
    assert_eq!(sink, Badge(3));
    assert_eq!(sink.as_component(), Some(ComponentIndex(2)));
    assert_eq!(Badge::NONE.as_component(), None);
    let badged = timer
        .derive_badged(Rights::READ | Rights::GRANT, sink)
        .unwrap();
    assert_eq!(badged.badge(), sink);
    // Derivation keeps the badge; re-badging with another fails, with the same one is fine.
    assert_eq!(badged.derive(Rights::READ).unwrap().badge(), sink);
    assert_eq!(
        badged.derive_badged(Rights::READ, Badge(9)),
        Err(CapError::BadgeAlreadySet {
            object: ObjectRef::Timer,
            badge: sink
        })
    );
    assert!(badged.derive_badged(Rights::READ, sink).is_ok());
}

#[test]
fn memory_derivation_stays_inside_the_parent() {
    let parent = memory(0x10_0000, 0x20_0000, RWG);
    let child = parent
        .derive_memory(range(0x10_0000, 0x10_1000), Rights::READ)
        .unwrap();
    assert_eq!(
        child.object(),
        ObjectRef::PhysicalMemory(range(0x10_0000, 0x10_1000))
    );
    assert_eq!(child.rights(), Rights::READ);
    assert!(
        parent
            .derive_memory(range(0x10_0000, 0x20_0000), RWG)
            .is_ok()
    );
    for outside in [
        range(0xF_F000, 0x10_1000),
        range(0x1F_F000, 0x20_1000),
        range(0, PAGE),
    ] {
        assert_eq!(
            parent.derive_memory(outside, Rights::READ),
            Err(CapError::OutsideParent {
                parent: range(0x10_0000, 0x20_0000),
                requested: outside
            })
        );
    }
    let timer = Capability::mint(&token(), ObjectRef::Timer, RWG).unwrap();
    assert_eq!(
        timer.derive_memory(range(0, PAGE), Rights::READ),
        Err(CapError::WrongKind {
            expected: ObjectKind::PhysicalMemory,
            found: ObjectKind::Timer
        })
    );
    let no_grant = memory(0, 16 * PAGE, RW);
    assert!(matches!(
        no_grant.derive_memory(range(0, PAGE), Rights::READ),
        Err(CapError::NotDerivable { .. })
    ));
}

#[test]
fn restrict_only_removes() {
    let mut cap = memory(0, PAGE, RWG);
    cap.restrict(Rights::READ | Rights::SEND);
    assert_eq!(cap.rights(), Rights::READ);
    cap.restrict(Rights::ALL);
    assert_eq!(cap.rights(), Rights::READ);
}

use ruvix_test_rng::SplitMix64 as Rng;

/// Draws these tests need besides numbers.
trait Draw {
    fn rights(&mut self) -> Rights;
    /// A page-aligned range around [0, 64 pages), sometimes off the edges of the parent.
    fn range(&mut self) -> MemoryRange;
}

impl Draw for Rng {
    fn rights(&mut self) -> Rights {
        Rights::from_bits((self.next_u64() & 0b1_1111) as u8).unwrap()
    }

    /// A page-aligned range around [0, 64 pages), sometimes off the edges of the parent.
    fn range(&mut self) -> MemoryRange {
        let start = self.below(64);
        let len = 1 + self.below(64);
        range(start * PAGE, (start + len) * PAGE)
    }
}

const OBJECTS: [ObjectRef; 7] = [
    ObjectRef::Region(RegionId(1)),
    ObjectRef::QueueSend(QueueId(2)),
    ObjectRef::QueueReceive(QueueId(2)),
    ObjectRef::Timer,
    ObjectRef::WitnessLog,
    ObjectRef::Log,
    ObjectRef::Package,
];

/// For random held and requested rights on every kind of object: a derivation succeeds exactly
/// when the source holds grant and the request is a subset, and then the result has exactly the
/// requested rights on the same object — so it is always a subset of the source's.
#[test]
fn property_derived_rights_are_always_a_subset() {
    let mut rng = Rng(0xCAB5);
    for _ in 0..20_000 {
        let object = OBJECTS[rng.below(OBJECTS.len() as u64) as usize];
        let held = rng.rights() & object.kind().applicable_rights();
        let source = Capability::mint(&token(), object, held).unwrap();
        let requested = rng.rights();
        let allowed = held.contains(Rights::GRANT) && requested.is_subset_of(held);
        match source.derive(requested) {
            Ok(child) => {
                assert!(allowed, "{held} gave {requested}");
                assert_eq!(child.rights(), requested);
                assert!(child.rights().is_subset_of(source.rights()));
                assert_eq!(child.object(), object);
                assert!(
                    child
                        .rights()
                        .is_subset_of(object.kind().applicable_rights())
                );
            }
            Err(_) => assert!(!allowed, "{held} refused {requested}"),
        }
    }
}

/// Random chains of derivations (rights and memory sub-ranges) from one root: every link's
/// rights are a subset of its parent's, every range inside its parent's, and so inside the
/// root's, however long the chain.
#[test]
fn property_chains_never_gain_rights_or_memory() {
    let mut rng = Rng(0x5EC_0001);
    let root_range = range(0, 64 * PAGE);
    for _ in 0..2_000 {
        let mut chain: Vec<Capability> = Vec::new();
        chain.push(Capability::mint(&token(), ObjectRef::PhysicalMemory(root_range), RWG).unwrap());
        for _ in 0..12 {
            let Some(parent) = chain.last() else {
                break;
            };
            let ObjectRef::PhysicalMemory(parent_range) = parent.object() else {
                panic!("memory derives memory");
            };
            let requested_range = rng.range();
            let requested_rights = rng.rights();
            let allowed = parent.rights().contains(Rights::GRANT)
                && requested_rights.is_subset_of(parent.rights())
                && parent_range.contains(requested_range);
            match parent.derive_memory(requested_range, requested_rights) {
                Ok(child) => {
                    assert!(allowed);
                    let ObjectRef::PhysicalMemory(child_range) = child.object() else {
                        panic!("memory derives memory");
                    };
                    assert!(parent_range.contains(child_range));
                    assert!(root_range.contains(child_range));
                    assert!(child.rights().is_subset_of(parent.rights()));
                    assert!(child.rights().is_subset_of(RWG));
                    chain.push(child);
                }
                Err(CapError::OutsideParent {
                    parent: p,
                    requested,
                }) => {
                    assert!(!allowed);
                    assert_eq!((p, requested), (parent_range, requested_range));
                }
                Err(_) => assert!(!allowed),
            }
        }
    }
}

#[test]
fn error_messages_say_what_and_where() {
    let denied = CapError::Denied {
        object: ObjectRef::QueueSend(QueueId(3)),
        needed: Rights::SEND,
        held: Rights::GRANT,
    };
    assert_eq!(
        format!("{denied}"),
        "capability on queue 3 send end denied: needs send, holds grant"
    );
    let outside = CapError::OutsideParent {
        parent: range(0, PAGE),
        requested: range(0, 2 * PAGE),
    };
    assert_eq!(
        format!("{outside}"),
        "memory range 0x0..0x2000 is not inside the parent capability's 0x0..0x1000"
    );
    assert_eq!(
        format!("{}", ObjectRef::PhysicalMemory(range(0, PAGE))),
        "physical memory 0x0..0x1000"
    );
}
