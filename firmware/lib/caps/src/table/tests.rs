extern crate std;

use std::format;
use std::string::ToString;
use std::vec::Vec;

use ruvix_manifest::KernelCap;

use super::*;
use crate::boot::{BootCapabilitySet, ObjectIds};
use crate::object::{Badge, InterruptId, MemoryRange, QueueId, RegionId};
use crate::token::BootMinter;

const RW: Rights = Rights::READ.union(Rights::WRITE);
const RWG: Rights = RW.union(Rights::GRANT);

fn token() -> MintToken {
    MintToken::for_tests()
}

fn range(start: u64, end: u64) -> MemoryRange {
    MemoryRange::new(start, end).unwrap()
}

fn handles(table: &CapTable) -> Vec<u32> {
    table.iter().map(|(handle, _)| handle.0).collect()
}

/// A boot set over two RAM ranges with two regions, one queue and one interrupt.
fn boot_set() -> BootCapabilitySet {
    let objects = ObjectIds {
        regions: std::vec![RegionId(0), RegionId(1)],
        queues: std::vec![QueueId(0)],
        interrupts: std::vec![InterruptId(0)],
    };
    let ram = [range(0, 0x3B40_0000), range(0x4000_0000, 0xFC00_0000)];
    BootCapabilitySet::new(&token(), &ram, &objects).unwrap()
}

#[test]
fn the_boot_minter_hands_out_one_token() {
    // The only test that takes the real token: the process has one.
    let first = BootMinter::take();
    assert!(first.is_some());
    assert!(BootMinter::take().is_none());
    assert!(BootMinter::take().is_none());
    assert_eq!(core::mem::size_of::<MintToken>(), 0);
}

#[test]
fn table_sizes() {
    let table = CapTable::new(4).unwrap();
    assert_eq!(
        (table.capacity(), table.len(), table.is_empty()),
        (4, 0, true)
    );
    assert!(!table.is_sealed());
    assert!(CapTable::new(0).is_ok());
    assert!(CapTable::new(CapTable::MAX_CAPACITY).is_ok());
    assert_eq!(
        CapTable::new(CapTable::MAX_CAPACITY + 1),
        Err(CapError::CapacityTooLarge {
            requested: CapTable::MAX_CAPACITY + 1
        })
    );
}

#[test]
fn insert_takes_the_lowest_free_slot() {
    let mut table = CapTable::new(3).unwrap();
    let t = table
        .mint(&token(), ObjectRef::Timer, Rights::READ)
        .unwrap();
    let l = table.mint(&token(), ObjectRef::Log, Rights::WRITE).unwrap();
    let p = table
        .mint(&token(), ObjectRef::Package, Rights::READ)
        .unwrap();
    assert_eq!((t, l, p), (Handle(0), Handle(1), Handle(2)));
    assert_eq!(
        table.mint(&token(), ObjectRef::WitnessLog, RW),
        Err(CapError::TableFull { capacity: 3 })
    );
    let removed = table.remove(l).unwrap();
    assert_eq!(removed.object(), ObjectRef::Log);
    assert_eq!(table.get(l), Err(CapError::BadHandle { handle: l }));
    assert_eq!(table.insert(removed), Ok(Handle(1)));
    assert_eq!(handles(&table), [0, 1, 2]);
    assert_eq!(table.len(), 3);
}

#[test]
fn bad_handles() {
    let mut table = CapTable::new(2).unwrap();
    table
        .mint(&token(), ObjectRef::Timer, Rights::READ)
        .unwrap();
    for handle in [Handle(1), Handle(2), Handle(u32::MAX)] {
        assert_eq!(table.get(handle), Err(CapError::BadHandle { handle }));
        assert_eq!(
            table.check(handle, ObjectKind::Timer, Rights::READ),
            Err(CapError::BadHandle { handle })
        );
        assert_eq!(table.remove(handle), Err(CapError::BadHandle { handle }));
        assert_eq!(
            table.restrict(handle, Rights::NONE),
            Err(CapError::BadHandle { handle })
        );
        assert_eq!(
            table.derive(handle, Rights::NONE),
            Err(CapError::BadHandle { handle })
        );
    }
}

#[test]
fn check_kind_and_rights() {
    let mut table = CapTable::new(2).unwrap();
    let send = table
        .mint(&token(), ObjectRef::QueueSend(QueueId(4)), Rights::SEND)
        .unwrap();
    assert!(
        table
            .check(send, ObjectKind::QueueSend, Rights::SEND)
            .is_ok()
    );
    assert!(
        table
            .check(send, ObjectKind::QueueSend, Rights::NONE)
            .is_ok()
    );
    assert_eq!(
        table.check(send, ObjectKind::QueueReceive, Rights::RECEIVE),
        Err(CapError::WrongKind {
            expected: ObjectKind::QueueReceive,
            found: ObjectKind::QueueSend
        })
    );
    assert_eq!(
        table.check(send, ObjectKind::QueueSend, Rights::SEND | Rights::GRANT),
        Err(CapError::Denied {
            object: ObjectRef::QueueSend(QueueId(4)),
            needed: Rights::SEND | Rights::GRANT,
            held: Rights::SEND
        })
    );
}

#[test]
fn check_queue_treats_the_other_end_as_a_missing_right() {
    let mut table = CapTable::new(3).unwrap();
    let send = table
        .mint(&token(), ObjectRef::QueueSend(QueueId(4)), Rights::SEND)
        .unwrap();
    let receive = table
        .mint(
            &token(),
            ObjectRef::QueueReceive(QueueId(5)),
            Rights::RECEIVE,
        )
        .unwrap();
    let timer = table
        .mint(&token(), ObjectRef::Timer, Rights::READ)
        .unwrap();
    assert_eq!(table.check_queue(send, Rights::SEND).unwrap().1, QueueId(4));
    assert_eq!(
        table.check_queue(receive, Rights::RECEIVE).unwrap().1,
        QueueId(5)
    );
    assert_eq!(
        table.check_queue(receive, Rights::SEND).unwrap_err(),
        CapError::Denied {
            object: ObjectRef::QueueReceive(QueueId(5)),
            needed: Rights::SEND,
            held: Rights::RECEIVE
        }
    );
    assert!(matches!(
        table.check_queue(send, Rights::RECEIVE),
        Err(CapError::Denied { .. })
    ));
    assert_eq!(
        table.check_queue(timer, Rights::RECEIVE).unwrap_err(),
        CapError::WrongKind {
            expected: ObjectKind::QueueReceive,
            found: ObjectKind::Timer
        }
    );
    assert_eq!(
        table.check_queue(Handle(9), Rights::SEND).unwrap_err(),
        CapError::BadHandle { handle: Handle(9) }
    );
}

#[test]
fn check_interrupt_gives_the_id_or_refuses_as_check_queue_does() {
    let mut table = CapTable::new(3).unwrap();
    let irq = table
        .mint(&token(), ObjectRef::Interrupt(InterruptId(2)), RW)
        .unwrap();
    let wait_only = table
        .mint(&token(), ObjectRef::Interrupt(InterruptId(0)), Rights::READ)
        .unwrap();
    let receive = table
        .mint(
            &token(),
            ObjectRef::QueueReceive(QueueId(5)),
            Rights::RECEIVE,
        )
        .unwrap();
    let (capability, id) = table.check_interrupt(irq, Rights::READ).unwrap();
    assert_eq!(
        (id, capability.object()),
        (InterruptId(2), ObjectRef::Interrupt(InterruptId(2)))
    );
    assert_eq!(table.check_interrupt(irq, RW).unwrap().1, InterruptId(2));
    assert_eq!(
        table.check_interrupt(wait_only, Rights::WRITE).unwrap_err(),
        CapError::Denied {
            object: ObjectRef::Interrupt(InterruptId(0)),
            needed: Rights::WRITE,
            held: Rights::READ
        }
    );
    assert_eq!(
        table.check_interrupt(receive, Rights::READ).unwrap_err(),
        CapError::WrongKind {
            expected: ObjectKind::Interrupt,
            found: ObjectKind::QueueReceive
        }
    );
    assert_eq!(
        table.check_interrupt(Handle(3), Rights::READ).unwrap_err(),
        CapError::BadHandle { handle: Handle(3) }
    );
    // The general check agrees; a queue check refuses an interrupt as the wrong kind.
    assert!(table.check(irq, ObjectKind::Interrupt, RW).is_ok());
    assert_eq!(
        table.check_queue(irq, Rights::RECEIVE).unwrap_err(),
        CapError::WrongKind {
            expected: ObjectKind::QueueReceive,
            found: ObjectKind::Interrupt
        }
    );
    // An interrupt carries read, write and grant only.
    assert_eq!(
        Capability::mint(&token(), ObjectRef::Interrupt(InterruptId(1)), Rights::SEND).unwrap_err(),
        CapError::RightsNotApplicable {
            kind: ObjectKind::Interrupt,
            rights: Rights::SEND
        }
    );
}

#[test]
fn derive_within_a_table() {
    let mut table = CapTable::new(3).unwrap();
    let root = table.mint(&token(), ObjectRef::WitnessLog, RWG).unwrap();
    let child = table.derive(root, Rights::READ).unwrap();
    assert_eq!(table.get(child).unwrap().rights(), Rights::READ);
    assert!(matches!(
        table.derive(child, Rights::READ),
        Err(CapError::NotDerivable { .. })
    ));
    assert!(matches!(
        table.derive(root, Rights::SEND),
        Err(CapError::Denied { .. })
    ));
    assert_eq!(table.len(), 2);
}

#[test]
fn restrict_in_place() {
    let mut table = CapTable::new(1).unwrap();
    let h = table.mint(&token(), ObjectRef::WitnessLog, RWG).unwrap();
    table.restrict(h, Rights::READ).unwrap();
    assert_eq!(table.get(h).unwrap().rights(), Rights::READ);
}

#[test]
fn a_sealed_table_accepts_nothing_new() {
    let mut table = CapTable::new(4).unwrap();
    let log = table
        .mint(&token(), ObjectRef::Log, Rights::WRITE | Rights::GRANT)
        .unwrap();
    let timer = table
        .mint(&token(), ObjectRef::Timer, Rights::READ)
        .unwrap();
    table.seal();
    assert!(table.is_sealed());
    assert_eq!(
        table.mint(&token(), ObjectRef::Package, Rights::READ),
        Err(CapError::Sealed)
    );
    let outside = Capability::mint(&token(), ObjectRef::Package, Rights::READ).unwrap();
    assert_eq!(table.insert(outside), Err(CapError::Sealed));
    assert_eq!(table.derive(log, Rights::WRITE), Err(CapError::Sealed));
    // Reducing still works.
    table.restrict(log, Rights::WRITE).unwrap();
    table.remove(timer).unwrap();
    assert_eq!(handles(&table), [0]);
    assert!(table.is_sealed());
}

#[test]
fn iteration_and_lookup_in_handle_order() {
    let set = boot_set();
    let table = set.table();
    assert_eq!(handles(table), (0..14).collect::<Vec<_>>());
    assert_eq!(
        table.find(ObjectRef::Region(RegionId(1))).map(|(h, _)| h),
        Some(Handle(10))
    );
    assert_eq!(
        table.find_kind(ObjectKind::PhysicalMemory).map(|(h, _)| h),
        Some(Handle(0))
    );
    assert_eq!(table.find(ObjectRef::Region(RegionId(7))), None);
}

#[test]
fn the_boot_set() {
    let set = boot_set();
    let table = set.table();
    // Exactly full: 2 RAM ranges + 7 kernel capabilities + 2 regions + 2 queue ends + 1
    // interrupt.
    assert_eq!((table.len(), table.capacity()), (14, 14));
    let expected = [
        (ObjectRef::PhysicalMemory(range(0, 0x3B40_0000)), RWG),
        (
            ObjectRef::PhysicalMemory(range(0x4000_0000, 0xFC00_0000)),
            RWG,
        ),
        (ObjectRef::Timer, Rights::READ | Rights::GRANT),
        (ObjectRef::InterruptQueue, Rights::READ | Rights::GRANT),
        (ObjectRef::WitnessLog, RWG),
        (ObjectRef::Log, Rights::WRITE | Rights::GRANT),
        (ObjectRef::Package, Rights::READ | Rights::GRANT),
        (ObjectRef::Console, Rights::READ | Rights::GRANT),
        (ObjectRef::SystemInfo, Rights::READ | Rights::GRANT),
        (ObjectRef::Region(RegionId(0)), RWG),
        (ObjectRef::Region(RegionId(1)), RWG),
        (
            ObjectRef::QueueSend(QueueId(0)),
            Rights::SEND | Rights::GRANT,
        ),
        (
            ObjectRef::QueueReceive(QueueId(0)),
            Rights::RECEIVE | Rights::GRANT,
        ),
        (ObjectRef::Interrupt(InterruptId(0)), RWG),
    ];
    let got: Vec<_> = table
        .iter()
        .map(|(_, cap)| (cap.object(), cap.rights()))
        .collect();
    assert_eq!(got, expected);
    assert!(table.iter().all(|(_, cap)| cap.badge() == Badge::NONE));
    assert_eq!(set.handle(KernelCap::Timer), Some(Handle(2)));
    assert_eq!(set.handle(KernelCap::PhysicalMemory), Some(Handle(0)));
    assert_eq!(set.memory().count(), 2);
    assert_eq!(
        set.memory().nth(1),
        Some((Handle(1), range(0x4000_0000, 0xFC00_0000)))
    );
}

#[test]
fn the_boot_set_covers_the_manifest_root_set() {
    // Every capability the manifest says the root holds, the root holds, with at least those
    // rights (validation relies on it).
    let set = boot_set();
    for entry in ruvix_manifest::ROOT_BOOT_SET {
        let (_, cap) = set
            .table()
            .find_kind(ObjectKind::of_kernel_cap(entry.cap))
            .unwrap();
        assert!(
            cap.rights().contains(Rights::from_access(entry.rights)),
            "{}",
            entry.cap
        );
    }
}

#[test]
fn the_root_can_hand_out_memory_sub_ranges() {
    let mut set = boot_set();
    let (handle, _) = set.memory().next().unwrap();
    let sub = set
        .table()
        .get(handle)
        .unwrap()
        .derive_memory(range(0x8_0000, 0x10_0000), Rights::READ)
        .unwrap();
    let table = set.table_mut();
    table.remove(Handle(10)).unwrap();
    assert_eq!(table.insert(sub), Ok(Handle(10)));
}

#[test]
fn sec_001_drop_leaves_exactly_the_minimum() {
    let mut set = boot_set();
    let minimum = [
        KernelCap::Timer,
        KernelCap::InterruptQueue,
        KernelCap::WitnessLog,
    ];
    set.reduce_to_minimum(&minimum, token()).unwrap();
    let table = set.table();
    let held: Vec<_> = table
        .iter()
        .map(|(handle, cap)| (handle, cap.object(), cap.rights()))
        .collect();
    assert_eq!(
        held,
        [
            (Handle(2), ObjectRef::Timer, Rights::READ),
            (Handle(3), ObjectRef::InterruptQueue, Rights::READ),
            (Handle(4), ObjectRef::WitnessLog, RW),
        ],
        "only the minimum, without grant"
    );
    assert!(table.is_sealed());
    assert!(table.find_kind(ObjectKind::PhysicalMemory).is_none());
    // Interrupts go like regions and queue ends: the root keeps none.
    assert!(table.find_kind(ObjectKind::Interrupt).is_none());
}

#[test]
fn minting_after_the_drop_fails() {
    let mut set = boot_set();
    set.reduce_to_minimum(&[KernelCap::Timer], token()).unwrap();
    // The real token is gone (consumed); even a second one cannot put anything in the table.
    let table = set.table_mut();
    assert_eq!(
        table.mint(&token(), ObjectRef::Log, Rights::WRITE),
        Err(CapError::Sealed)
    );
    assert_eq!(table.derive(Handle(2), Rights::READ), Err(CapError::Sealed));
    let timer = table.get(Handle(2)).unwrap();
    assert!(matches!(
        timer.derive(Rights::READ),
        Err(CapError::NotDerivable { .. })
    ));
    assert_eq!(table.len(), 1);
}

#[test]
fn the_drop_refuses_a_minimum_the_root_does_not_hold() {
    let mut set = boot_set();
    set.table_mut().remove(Handle(4)).unwrap(); // the witness log
    let before = set.table().to_bytes();
    assert_eq!(
        set.reduce_to_minimum(&[KernelCap::Timer, KernelCap::WitnessLog], token()),
        Err(CapError::MinimumNotHeld {
            cap: KernelCap::WitnessLog
        })
    );
    assert_eq!(set.table().to_bytes(), before, "unchanged on error");
    assert_eq!(
        set.reduce_to_minimum(&[KernelCap::PhysicalMemory], token()),
        Err(CapError::NotRetainable {
            cap: KernelCap::PhysicalMemory
        })
    );
    assert_eq!(set.table().to_bytes(), before, "unchanged on error");
}

#[test]
fn the_drop_keeps_one_per_kind_and_tolerates_repeats() {
    let mut table = CapTable::new(4).unwrap();
    table.mint(&token(), ObjectRef::Log, Rights::WRITE).unwrap();
    table
        .mint(&token(), ObjectRef::Timer, Rights::READ)
        .unwrap();
    table
        .mint(&token(), ObjectRef::Log, Rights::WRITE | Rights::GRANT)
        .unwrap();
    table
        .reduce_to_minimum(&[KernelCap::Log, KernelCap::Log], token())
        .unwrap();
    assert_eq!(handles(&table), [0]);
    // An empty minimum leaves nothing.
    let mut set = boot_set();
    set.reduce_to_minimum(&[], token()).unwrap();
    assert!(set.table().is_empty());
}

#[test]
fn the_encoding_is_canonical() {
    let set = boot_set();
    let bytes = set.table().to_bytes();
    assert_eq!(bytes.len(), ENCODED_HEADER_LEN + 14 * ENCODED_ENTRY_LEN);
    assert_eq!(&bytes[..4], b"RVCT");
    assert_eq!(bytes[4], ENCODING_VERSION);
    assert_eq!(bytes[5], 0, "not sealed");
    assert_eq!(&bytes[6..10], &14u32.to_le_bytes(), "capacity");
    assert_eq!(&bytes[10..14], &14u32.to_le_bytes(), "count");
    // The second entry: handle 1, physical memory 0x4000_0000..0xFC00_0000, rwg, no badge.
    let entry = &bytes[ENCODED_HEADER_LEN + ENCODED_ENTRY_LEN..][..ENCODED_ENTRY_LEN];
    assert_eq!(&entry[..4], &1u32.to_le_bytes());
    assert_eq!(entry[4], ObjectKind::PhysicalMemory.tag());
    assert_eq!(&entry[5..13], &0x4000_0000u64.to_le_bytes());
    assert_eq!(&entry[13..21], &0xFC00_0000u64.to_le_bytes());
    assert_eq!(entry[21], RWG.bits());
    assert_eq!(&entry[22..26], &0u32.to_le_bytes());
    // The last entry: handle 13, interrupt 0 (tag 10, words id and 0), rwg.
    let entry = &bytes[ENCODED_HEADER_LEN + 13 * ENCODED_ENTRY_LEN..];
    assert_eq!(&entry[..4], &13u32.to_le_bytes());
    assert_eq!(entry[4], 10);
    assert_eq!(&entry[5..21], &[0u8; 16]);
    assert_eq!(entry[21], RWG.bits());
    // Deterministic, and streaming gives the same bytes.
    assert_eq!(boot_set().table().to_bytes(), bytes);
    let mut streamed = Vec::new();
    set.table()
        .encode(&mut |piece| streamed.extend_from_slice(piece));
    assert_eq!(streamed, bytes);
}

#[test]
fn the_encoding_changes_with_every_field() {
    let base = boot_set().table().to_bytes();
    let mut restricted = boot_set();
    restricted
        .table_mut()
        .restrict(Handle(5), Rights::NONE)
        .unwrap();
    let mut removed = boot_set();
    removed.table_mut().remove(Handle(5)).unwrap();
    let mut sealed = boot_set();
    sealed.table_mut().seal();
    let variants = [
        restricted.table().to_bytes(),
        removed.table().to_bytes(),
        sealed.table().to_bytes(),
    ];
    for (i, variant) in variants.iter().enumerate() {
        assert_ne!(variant, &base, "variant {i}");
    }
}

#[test]
fn error_messages() {
    assert_eq!(
        format!("{}", CapError::BadHandle { handle: Handle(7) }),
        "bad capability handle #7: no capability there"
    );
    assert_eq!(
        format!(
            "{}",
            CapError::WrongKind {
                expected: ObjectKind::QueueReceive,
                found: ObjectKind::Timer
            }
        ),
        "wrong kind of capability: expected queue receive end, found timer"
    );
    assert_eq!(
        format!(
            "{}",
            CapError::Denied {
                object: ObjectRef::Interrupt(InterruptId(0)),
                needed: Rights::WRITE,
                held: Rights::READ
            }
        ),
        format!(
            "capability on interrupt 0 denied: needs {}, holds {}",
            Rights::WRITE,
            Rights::READ
        )
    );
    assert_eq!(ObjectKind::Interrupt.to_string(), "interrupt");
    assert_eq!(
        format!(
            "{}",
            CapError::MinimumNotHeld {
                cap: KernelCap::Package
            }
        ),
        "the root's minimum set names \"package\", which the root does not hold"
    );
}
