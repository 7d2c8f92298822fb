//! User (EL0) mappings and address spaces that share the kernel's part.

use super::{Space, space};
use crate::descriptor::{AP_EL0, NG, PXN, UXN};
use crate::{Access, Attributes, Granularity, MapError, MemoryKind, PAGE_SIZE, TablePool};

/// The VA window of a process in these tests: root slot 128 (128 GiB).
const USER_VA: u64 = 128 << 30;

#[test]
fn user_mappings_are_el0_accessible_not_global_and_never_kernel_executable() {
    for attrs in [
        Attributes::USER_RX,
        Attributes::USER_RO,
        Attributes::USER_RW,
        Attributes::user(MemoryKind::Device, Access::ReadWrite, false),
    ] {
        let bits = attrs.encode().unwrap();
        assert_ne!(bits & AP_EL0, 0, "{attrs}");
        assert_ne!(bits & NG, 0, "{attrs}");
        assert_ne!(bits & PXN, 0, "{attrs}: EL1 must never execute a user page");
        assert_eq!(bits & UXN == 0, attrs.executable, "{attrs}");
        assert_eq!(Attributes::decode(bits), Some(attrs));
    }
    // Kernel mappings stay EL1-only and global, and EL0 never executes them.
    for attrs in [
        Attributes::NORMAL_RX,
        Attributes::NORMAL_RW,
        Attributes::DEVICE_RW,
    ] {
        let bits = attrs.encode().unwrap();
        assert_eq!(bits & (AP_EL0 | NG), 0, "{attrs}");
        assert_ne!(bits & UXN, 0, "{attrs}");
    }
    assert_eq!(Attributes::USER_RX.to_string(), "user normal RO X");
    assert!(
        Attributes::user(MemoryKind::Device, Access::ReadWrite, true)
            .encode()
            .is_err()
    );
}

#[test]
fn decode_refuses_what_is_never_written() {
    let user_rw = Attributes::USER_RW.encode().unwrap();
    // EL1-executable user page, global user page, EL0-executable kernel page.
    assert_eq!(Attributes::decode(user_rw & !PXN), None);
    assert_eq!(Attributes::decode(user_rw & !NG), None);
    let kernel_rx = Attributes::NORMAL_RX.encode().unwrap();
    assert_eq!(Attributes::decode(kernel_rx & !UXN), None);
}

/// A kernel space with its text page at 0x8_0000 mapped, and an empty process space.
fn kernel_and_process<'a>(
    kernel_pool: &'a mut TablePool<8>,
    process_pool: &'a mut TablePool<8>,
) -> (Space<'a, 8>, Space<'a, 8>) {
    let (mut kernel, _) = space(kernel_pool);
    let (process, _) = space(process_pool);
    kernel
        .identity_map(
            0x8_0000,
            PAGE_SIZE,
            Attributes::NORMAL_RX,
            Granularity::Pages,
        )
        .unwrap();
    (kernel, process)
}

#[test]
fn a_process_space_shares_the_kernel_slots_and_keeps_its_own() {
    let mut kernel_pool = TablePool::<8>::new();
    let mut process_pool = TablePool::<8>::new();
    let (mut kernel, mut process) = kernel_and_process(&mut kernel_pool, &mut process_pool);
    assert_eq!(kernel.root_tables().collect::<Vec<_>>(), [0]);
    process.share_root_entries(&kernel, 0..1).unwrap();
    process
        .map(
            USER_VA,
            0x20_0000,
            PAGE_SIZE,
            Attributes::USER_RX,
            Granularity::Pages,
        )
        .unwrap();
    // The process's root points at the kernel's own level-2 table (what the MMU walks); its
    // own queries leave the shared part to the owner.
    let root_entry = |space: &super::Space<'_, 8>| {
        crate::TableAllocator::read(space.tables(), space.root_phys(), 0).unwrap()
    };
    assert_eq!(root_entry(&process), root_entry(&kernel));
    assert_eq!(process.translate(0x8_0000), None);
    let mut own = Vec::new();
    process.for_each_mapping(|m| own.push(m.va)).unwrap();
    assert_eq!(own, [USER_VA]);
    assert_eq!(kernel.translate(USER_VA), None);
    assert_eq!(kernel.translate(0x8_0000).map(|t| t.pa), Some(0x8_0000));
    assert_eq!(
        process.translate(USER_VA).map(|t| t.attrs),
        Some(Attributes::USER_RX)
    );
    // A later kernel change below the root is in the shared table: the root entry stays.
    kernel
        .identity_map(
            0x9_0000,
            PAGE_SIZE,
            Attributes::NORMAL_RW,
            Granularity::Pages,
        )
        .unwrap();
    assert_eq!(root_entry(&process), root_entry(&kernel));
}

#[test]
fn the_shared_part_cannot_be_changed_through_the_process() {
    let mut kernel_pool = TablePool::<8>::new();
    let mut process_pool = TablePool::<8>::new();
    let (kernel, mut process) = kernel_and_process(&mut kernel_pool, &mut process_pool);
    process.share_root_entries(&kernel, 0..1).unwrap();
    let refused = MapError::Shared { va: 0x8_0000 };
    assert_eq!(process.unmap(0x8_0000, PAGE_SIZE), Err(refused));
    assert_eq!(
        process.protect(0x8_0000, PAGE_SIZE, Attributes::USER_RW),
        Err(refused)
    );
    assert_eq!(
        process.map(
            0x9_0000,
            0x9_0000,
            PAGE_SIZE,
            Attributes::USER_RW,
            Granularity::Pages
        ),
        Err(MapError::Shared { va: 0x9_0000 })
    );
    // A range that only starts outside is refused too, naming the first shared address.
    assert_eq!(
        process.unmap((1 << 30) - PAGE_SIZE, 2 * PAGE_SIZE),
        Err(MapError::Shared {
            va: (1 << 30) - PAGE_SIZE
        })
    );
    assert_eq!(
        kernel.translate(0x8_0000).map(|t| t.attrs),
        Some(Attributes::NORMAL_RX)
    );
    assert!(
        refused
            .to_string()
            .contains("shared part of the address space")
    );
}

#[test]
fn sharing_needs_an_empty_slot_here_and_a_table_there() {
    let mut kernel_pool = TablePool::<8>::new();
    let mut process_pool = TablePool::<8>::new();
    let (mut kernel, _) = space(&mut kernel_pool);
    let (mut process, _) = space(&mut process_pool);
    // Nothing mapped in the kernel's slot 0 yet: no table to share.
    assert_eq!(
        process.share_root_entries(&kernel, 0..1),
        Err(MapError::ShareSlot { slot: 0 })
    );
    kernel
        .identity_map(
            0x8_0000,
            PAGE_SIZE,
            Attributes::NORMAL_RX,
            Granularity::Pages,
        )
        .unwrap();
    assert_eq!(
        process.share_root_entries(&kernel, 511..513),
        Err(MapError::ShareSlot { slot: 511 })
    );
    process.share_root_entries(&kernel, 0..1).unwrap();
    // Twice: the slot is in use here now.
    assert_eq!(
        process.share_root_entries(&kernel, 0..1),
        Err(MapError::ShareSlot { slot: 0 })
    );
    assert!(
        MapError::ShareSlot { slot: 3 }
            .to_string()
            .contains("slot 3")
    );
}
