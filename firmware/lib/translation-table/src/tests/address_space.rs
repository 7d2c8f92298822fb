//! Mapping, unmapping, protecting, translating and listing, with break-before-make checked on
//! every change.

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use super::{Event, assert_bbm, assert_no_empty_tables, in_use, mappings, space};
use crate::descriptor::{self, VALID};
use crate::{
    AddressSpace, Attributes, BLOCK_SIZE, Granularity, MapError, Mapping, NoTlbMaintenance,
    Operand, PA_LIMIT, PAGE_SIZE, TableAllocator, TableError, TablePool, Translation, VA_LIMIT,
};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn mapping(va: u64, pa: u64, size: u64, attrs: Attributes) -> Mapping {
    Mapping {
        va,
        pa,
        size,
        attrs,
    }
}

fn events_since(log: &super::Log, mark: usize) -> Vec<Event> {
    log.borrow()[mark..].to_vec()
}

#[test]
fn page_map_and_translate() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    assert_eq!(space.root_phys() % PAGE_SIZE, 0);
    assert_eq!(space.translate(0x1234_5000), None);

    space
        .map(
            0x1234_5000,
            0x8765_4000,
            2 * PAGE_SIZE,
            Attributes::NORMAL_RO,
            Granularity::Pages,
        )
        .unwrap();
    let t = space.translate(0x1234_5678).unwrap();
    assert_eq!(
        t,
        Translation {
            pa: 0x8765_4678,
            attrs: Attributes::NORMAL_RO,
            level: 3,
            size: PAGE_SIZE,
        }
    );
    assert_eq!(space.translate(0x1234_6FFF).unwrap().pa, 0x8765_5FFF);
    assert_eq!(space.translate(0x1234_4FFF), None);
    assert_eq!(space.translate(0x1234_7000), None);
    assert_eq!(
        space.translate(VA_LIMIT + 0x1234_5000),
        None,
        "beyond 39 bits"
    );
    assert_eq!(in_use(&space), 3, "root, L2, L3");
    assert_eq!(log.borrow().last(), Some(&Event::Publish));
    assert_bbm(space.root_phys(), &log);
}

#[test]
fn blocks_when_aligned_pages_otherwise() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(GIB, 4 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    let t = space.translate(GIB + 3 * MIB + 5).unwrap();
    assert_eq!((t.level, t.size, t.pa), (2, BLOCK_SIZE, GIB + 3 * MIB + 5));
    assert_eq!(in_use(&space), 2, "root and one L2, no L3");

    // Same VA alignment, but the PA is not 2 MiB aligned: pages only.
    space
        .map(
            2 * MIB,
            3 * MIB + PAGE_SIZE,
            4 * MIB,
            Attributes::NORMAL_RW,
            Granularity::Blocks,
        )
        .unwrap();
    let t = space.translate(2 * MIB).unwrap();
    assert_eq!((t.level, t.pa), (3, 3 * MIB + PAGE_SIZE));
    assert_eq!(in_use(&space), 5, "+ L2 and two L3 for 0x200000..0x600000");

    // Aligned but pages asked for.
    space
        .identity_map(2 * GIB, 2 * MIB, Attributes::NORMAL_RW, Granularity::Pages)
        .unwrap();
    assert_eq!(space.translate(2 * GIB).unwrap().level, 3);
    assert_bbm(space.root_phys(), &log);
    assert_no_empty_tables(&space);
}

#[test]
fn mixed_range_uses_pages_at_the_edges_and_blocks_inside() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    let (start, end) = (2 * MIB - PAGE_SIZE, 6 * MIB + PAGE_SIZE);
    space
        .identity_map(
            start,
            end - start,
            Attributes::NORMAL_RW,
            Granularity::Blocks,
        )
        .unwrap();
    let level = |va| space.translate(va).unwrap().level;
    assert_eq!(level(start), 3);
    assert_eq!(level(2 * MIB), 2);
    assert_eq!(level(4 * MIB), 2);
    assert_eq!(level(6 * MIB), 3);
    assert_eq!(space.translate(end), None);
    assert_eq!(space.translate(start - PAGE_SIZE), None);
    // Pages and blocks with contiguous addresses and equal attributes list as one range.
    assert_eq!(
        mappings(&space),
        vec![mapping(start, start, end - start, Attributes::NORMAL_RW)]
    );
    assert_eq!(in_use(&space), 4, "root, L2, L3 for each edge");
    assert_bbm(space.root_phys(), &log);
}

#[test]
fn overlap_is_refused_and_nothing_is_left_behind() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(
            0x3F20_0000,
            PAGE_SIZE,
            Attributes::DEVICE_RW,
            Granularity::Pages,
        )
        .unwrap();
    space
        .identity_map(
            0x0040_0000,
            2 * MIB,
            Attributes::NORMAL_RW,
            Granularity::Blocks,
        )
        .unwrap();
    let before = mappings(&space);
    let tables = in_use(&space);
    let mark = log.borrow().len();

    let err = space
        .identity_map(
            0x3F00_0000,
            4 * MIB,
            Attributes::DEVICE_RW,
            Granularity::Blocks,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MapError::AlreadyMapped {
            start: 0x3F20_0000,
            end: 0x3F20_1000
        }
    );
    assert_eq!(err.to_string(), "0x3f200000..0x3f201000 already mapped");

    // Overlapping the end of a block.
    let err = space
        .identity_map(
            0x005F_F000,
            2 * PAGE_SIZE,
            Attributes::NORMAL_RW,
            Granularity::Pages,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MapError::AlreadyMapped {
            start: 0x005F_F000,
            end: 0x0060_0000
        }
    );
    // The same range again.
    let err = space
        .identity_map(
            0x0040_0000,
            2 * MIB,
            Attributes::NORMAL_RW,
            Granularity::Blocks,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MapError::AlreadyMapped {
            start: 0x0040_0000,
            end: 0x0060_0000
        }
    );
    assert!(
        events_since(&log, mark).is_empty(),
        "refused before any write"
    );
    assert_eq!(mappings(&space), before);
    assert_eq!(in_use(&space), tables);
}

#[test]
fn already_mapped_names_the_whole_first_stretch() {
    let mut pool = TablePool::<8>::new();
    let (mut space, _log) = space(&mut pool);
    for va in [0x1000, 0x2000, 0x5000] {
        space
            .identity_map(va, PAGE_SIZE, Attributes::NORMAL_RW, Granularity::Pages)
            .unwrap();
    }
    assert_eq!(
        space.identity_map(0, 0x8000, Attributes::NORMAL_RW, Granularity::Pages),
        Err(MapError::AlreadyMapped {
            start: 0x1000,
            end: 0x3000
        })
    );
}

#[test]
fn unmap_a_page_inside_a_block_splits_it_break_before_make() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    let (va, pa) = (0x0060_0000, 0x1_0020_0000);
    space
        .map(va, pa, 2 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    let root = space.root_phys();
    let l2 = space.tables().read(root, 0).unwrap() & descriptor::ADDRESS_MASK;
    let block = space.tables().read(l2, 3).unwrap();
    assert_eq!(block & 0b11, 0b01);
    let mark = log.borrow().len();

    space.unmap(va + 0x5000, PAGE_SIZE).unwrap();

    let l3 = space.tables().read(l2, 3).unwrap() & descriptor::ADDRESS_MASK;
    let bits = Attributes::NORMAL_RW.encode().unwrap();
    let mut expected = Vec::new();
    // The new table is zeroed and filled before the walker can see it ...
    for index in 0..512 {
        expected.push(Event::Write {
            table: l3,
            index,
            old: 0,
            new: 0,
        });
    }
    for index in 0..512 {
        expected.push(Event::Write {
            table: l3,
            index,
            old: 0,
            new: descriptor::page(pa + index as u64 * PAGE_SIZE, bits),
        });
    }
    expected.extend([
        // ... then the block is broken, invalidated and replaced by the table ...
        Event::Write {
            table: l2,
            index: 3,
            old: block,
            new: 0,
        },
        Event::Invalidate { va, size: 2 * MIB },
        Event::Write {
            table: l2,
            index: 3,
            old: 0,
            new: descriptor::table(l3),
        },
        // ... and only then the page goes.
        Event::Write {
            table: l3,
            index: 5,
            old: descriptor::page(pa + 0x5000, bits),
            new: 0,
        },
        Event::Invalidate {
            va: va + 0x5000,
            size: PAGE_SIZE,
        },
        Event::Publish,
    ]);
    assert_eq!(events_since(&log, mark), expected);
    assert_bbm(root, &log);

    assert_eq!(space.translate(va + 0x5000), None);
    for offset in [0, 0x4000, 0x6000, 2 * MIB - PAGE_SIZE] {
        let t = space.translate(va + offset).unwrap();
        assert_eq!(
            (t.pa, t.attrs, t.level),
            (pa + offset, Attributes::NORMAL_RW, 3)
        );
    }
    assert_eq!(
        mappings(&space),
        vec![
            mapping(va, pa, 0x5000, Attributes::NORMAL_RW),
            mapping(
                va + 0x6000,
                pa + 0x6000,
                2 * MIB - 0x6000,
                Attributes::NORMAL_RW
            ),
        ]
    );
    assert_no_empty_tables(&space);
}

#[test]
fn unmap_across_blocks_splits_only_the_edges() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(GIB, 6 * MIB, Attributes::NORMAL_RO, Granularity::Blocks)
        .unwrap();
    space.unmap(GIB + MIB, 4 * MIB).unwrap();
    assert_eq!(
        mappings(&space),
        vec![
            mapping(GIB, GIB, MIB, Attributes::NORMAL_RO),
            mapping(GIB + 5 * MIB, GIB + 5 * MIB, MIB, Attributes::NORMAL_RO),
        ]
    );
    assert_eq!(space.translate(GIB + 3 * MIB), None);
    assert_eq!(space.translate(GIB + MIB - PAGE_SIZE).unwrap().level, 3);
    assert_eq!(in_use(&space), 4, "root, L2, two L3");
    assert_bbm(space.root_phys(), &log);
    assert_no_empty_tables(&space);
}

#[test]
fn unmapping_a_whole_block_frees_its_tables() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(GIB, 2 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    let root = space.root_phys();
    let l2 = space.tables().read(root, 1).unwrap();
    let l2_table = l2 & descriptor::ADDRESS_MASK;
    let block = space.tables().read(l2_table, 0).unwrap();
    let mark = log.borrow().len();
    space.unmap(GIB, 2 * MIB).unwrap();
    assert_eq!(
        events_since(&log, mark),
        vec![
            Event::Write {
                table: l2_table,
                index: 0,
                old: block,
                new: 0
            },
            Event::Invalidate {
                va: GIB,
                size: 2 * MIB
            },
            Event::Write {
                table: root,
                index: 1,
                old: l2,
                new: 0
            },
            Event::Invalidate { va: GIB, size: GIB },
            Event::Publish,
        ]
    );
    assert_eq!(in_use(&space), 1);
    assert_bbm(root, &log);
}

#[test]
fn unmap_is_strict() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(0x1000, 0x2000, Attributes::NORMAL_RW, Granularity::Pages)
        .unwrap();
    let mark = log.borrow().len();
    let err = space.unmap(0, 0x4000).unwrap_err();
    assert_eq!(
        err,
        MapError::NotMapped {
            start: 0,
            end: 0x1000
        }
    );
    assert_eq!(err.to_string(), "0x0..0x1000 not mapped");
    assert_eq!(
        space.unmap(0x1000, 0x3000),
        Err(MapError::NotMapped {
            start: 0x3000,
            end: 0x4000
        })
    );
    assert_eq!(
        space.unmap(GIB, GIB),
        Err(MapError::NotMapped {
            start: GIB,
            end: 2 * GIB
        })
    );
    assert!(events_since(&log, mark).is_empty());
    assert_eq!(
        mappings(&space),
        vec![mapping(0x1000, 0x1000, 0x2000, Attributes::NORMAL_RW)]
    );
}

#[test]
fn protect_changes_attributes_and_splits_only_when_needed() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    let va = 0x4000_0000;
    space
        .identity_map(va, 4 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();

    // A whole block: changed in place, still a block.
    let root = space.root_phys();
    let l2 = space.tables().read(root, 1).unwrap() & descriptor::ADDRESS_MASK;
    let old = space.tables().read(l2, 1).unwrap();
    let mark = log.borrow().len();
    space
        .protect(va + 2 * MIB, 2 * MIB, Attributes::NORMAL_NC_RW)
        .unwrap();
    let new = descriptor::block(va + 2 * MIB, Attributes::NORMAL_NC_RW.encode().unwrap());
    assert_eq!(
        events_since(&log, mark),
        vec![
            Event::Write {
                table: l2,
                index: 1,
                old,
                new: old & !VALID
            },
            Event::Invalidate {
                va: va + 2 * MIB,
                size: 2 * MIB
            },
            Event::Write {
                table: l2,
                index: 1,
                old: old & !VALID,
                new
            },
            Event::Publish,
        ]
    );
    let t = space.translate(va + 2 * MIB).unwrap();
    assert_eq!((t.attrs, t.level), (Attributes::NORMAL_NC_RW, 2));

    // One page inside the first block: split, then that page alone changes.
    space
        .protect(va + 0x10000, PAGE_SIZE, Attributes::NORMAL_RX)
        .unwrap();
    assert_eq!(
        space.translate(va + 0x10000).unwrap().attrs,
        Attributes::NORMAL_RX
    );
    assert_eq!(
        mappings(&space),
        vec![
            mapping(va, va, 0x10000, Attributes::NORMAL_RW),
            mapping(va + 0x10000, va + 0x10000, PAGE_SIZE, Attributes::NORMAL_RX),
            mapping(
                va + 0x11000,
                va + 0x11000,
                2 * MIB - 0x11000,
                Attributes::NORMAL_RW
            ),
            mapping(
                va + 2 * MIB,
                va + 2 * MIB,
                2 * MIB,
                Attributes::NORMAL_NC_RW
            ),
        ]
    );

    // Back to RW over everything: only the leaves that differ are rewritten.
    let mark = log.borrow().len();
    space.protect(va, 4 * MIB, Attributes::NORMAL_RW).unwrap();
    let writes = events_since(&log, mark)
        .iter()
        .filter(|e| matches!(e, Event::Write { .. }))
        .count();
    assert_eq!(writes, 4, "break and make for one page and one block");
    assert_eq!(
        mappings(&space),
        vec![mapping(va, va, 4 * MIB, Attributes::NORMAL_RW)]
    );
    assert_bbm(root, &log);
    assert_no_empty_tables(&space);
}

#[test]
fn protect_refusals() {
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(
            0x3F00_0000,
            2 * MIB,
            Attributes::DEVICE_RW,
            Granularity::Blocks,
        )
        .unwrap();
    let mark = log.borrow().len();
    let exec_device = Attributes {
        executable: true,
        ..Attributes::DEVICE_RW
    };
    let err = space
        .protect(0x3F00_0000, PAGE_SIZE, exec_device)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "0x3f000000: device memory cannot be executable"
    );
    assert_eq!(
        space.protect(0x3F1F_F000, 0x2000, Attributes::DEVICE_RW),
        Err(MapError::NotMapped {
            start: 0x3F20_0000,
            end: 0x3F20_1000
        })
    );
    assert!(events_since(&log, mark).is_empty());
    assert_eq!(space.translate(0x3F00_0000).unwrap().level, 2, "not split");
}

#[test]
fn executable_device_is_refused() {
    let mut pool = TablePool::<4>::new();
    let (mut space, _log) = space(&mut pool);
    let exec_device = Attributes {
        executable: true,
        ..Attributes::DEVICE_RW
    };
    assert_eq!(
        space.identity_map(0x3F00_0000, PAGE_SIZE, exec_device, Granularity::Pages),
        Err(MapError::Attributes {
            va: 0x3F00_0000,
            error: crate::AttributeError::ExecutableDevice
        })
    );
    assert_eq!(in_use(&space), 1);
}

#[test]
fn pool_exhaustion_rolls_back() {
    // Root, L2 and one L3 fit; a page range across a 2 MiB boundary needs a second L3.
    let mut pool = TablePool::<3>::new();
    let (mut space, log) = space(&mut pool);
    let err = space
        .identity_map(
            2 * MIB - PAGE_SIZE,
            2 * PAGE_SIZE,
            Attributes::NORMAL_RW,
            Granularity::Pages,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MapError::Table {
            va: 2 * MIB,
            error: TableError::Exhausted { capacity: 3 }
        }
    );
    assert_eq!(
        err.to_string(),
        "translation table for 0x200000: translation table pool exhausted (3 tables)"
    );
    assert_eq!(in_use(&space), 1, "every table made for it freed");
    assert_eq!(space.translate(2 * MIB - PAGE_SIZE), None);
    assert!(mappings(&space).is_empty());
    assert_bbm(space.root_phys(), &log);
    assert_no_empty_tables(&space);
}

#[test]
fn pool_exhaustion_keeps_existing_mappings() {
    let mut pool = TablePool::<4>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(0x1000, PAGE_SIZE, Attributes::NORMAL_RW, Granularity::Pages)
        .unwrap();
    let before = mappings(&space);
    // Needs an L2 (the last frame) and an L3 (none left).
    assert!(matches!(
        space.identity_map(GIB, PAGE_SIZE, Attributes::NORMAL_RW, Granularity::Pages),
        Err(MapError::Table {
            error: TableError::Exhausted { .. },
            ..
        })
    ));
    assert_eq!(mappings(&space), before);
    assert_eq!(in_use(&space), 3);
    // The pool is usable again afterwards.
    space
        .identity_map(GIB, 2 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    assert_bbm(space.root_phys(), &log);
    assert_no_empty_tables(&space);
}

#[test]
fn split_without_tables_changes_nothing() {
    let mut pool = TablePool::<2>::new();
    let (mut space, log) = space(&mut pool);
    space
        .identity_map(2 * MIB, 2 * MIB, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    let before = mappings(&space);
    let mark = log.borrow().len();
    for result in [
        space.unmap(2 * MIB + PAGE_SIZE, PAGE_SIZE),
        space.protect(2 * MIB, PAGE_SIZE, Attributes::NORMAL_RO),
    ] {
        assert_eq!(
            result,
            Err(MapError::Table {
                va: 2 * MIB,
                error: TableError::Exhausted { capacity: 2 }
            })
        );
    }
    assert_eq!(
        events_since(&log, mark),
        vec![Event::Publish, Event::Publish],
        "no descriptor written"
    );
    assert_eq!(mappings(&space), before);
    assert_eq!(space.translate(2 * MIB).unwrap().level, 2);
}

#[test]
fn for_each_mapping_coalesces_only_true_neighbours() {
    let mut pool = TablePool::<8>::new();
    let (mut space, _log) = space(&mut pool);
    let rw = Attributes::NORMAL_RW;
    let pages = Granularity::Pages;
    space.map(0x10000, 0x110000, 0x3000, rw, pages).unwrap();
    space.map(0x13000, 0x113000, 0x1000, rw, pages).unwrap(); // continues both
    space.map(0x14000, 0x200000, 0x1000, rw, pages).unwrap(); // PA jumps
    space
        .map(0x15000, 0x201000, 0x1000, Attributes::NORMAL_RO, pages)
        .unwrap(); // attrs differ
    space
        .map(0x17000, 0x203000, 0x1000, Attributes::NORMAL_RO, pages)
        .unwrap(); // VA gap
    assert_eq!(
        mappings(&space),
        vec![
            mapping(0x10000, 0x110000, 0x4000, rw),
            mapping(0x14000, 0x200000, 0x1000, rw),
            mapping(0x15000, 0x201000, 0x1000, Attributes::NORMAL_RO),
            mapping(0x17000, 0x203000, 0x1000, Attributes::NORMAL_RO),
        ]
    );
    assert_eq!(
        mapping(0x80000, 0x80000, 0x20000, Attributes::NORMAL_RX).to_string(),
        "0x0000080000..0x00000a0000 -> 0x0000080000 normal RO X (128 KiB)"
    );
    assert_eq!(
        mapping(0x3F00_0000, 0x3F00_0000, 16 * MIB, Attributes::DEVICE_RW).to_string(),
        "0x003f000000..0x0040000000 -> 0x003f000000 device RW XN (16 MiB)"
    );
}

#[test]
fn the_39_bit_and_48_bit_limits() {
    let mut pool = TablePool::<8>::new();
    let (mut space, _log) = space(&mut pool);
    let rw = Attributes::NORMAL_RW;
    let pages = Granularity::Pages;
    let top = VA_LIMIT - PAGE_SIZE;
    space
        .map(top, PA_LIMIT - PAGE_SIZE, PAGE_SIZE, rw, pages)
        .unwrap();
    assert_eq!(space.translate(VA_LIMIT - 1).unwrap().pa, PA_LIMIT - 1);
    assert_eq!(space.translate(VA_LIMIT), None);

    for (va, size) in [
        (top, 2 * PAGE_SIZE),
        (VA_LIMIT, PAGE_SIZE),
        (!0xFFF, PAGE_SIZE),
        (PAGE_SIZE, !0xFFF),
    ] {
        let want = MapError::VaOutOfRange { va, size };
        assert_eq!(space.map(va, 0, size, rw, pages), Err(want));
        assert_eq!(space.unmap(va, size), Err(want));
        assert_eq!(space.protect(va, size, rw), Err(want));
    }
    assert_eq!(
        MapError::VaOutOfRange {
            va: VA_LIMIT,
            size: PAGE_SIZE
        }
        .to_string(),
        "0x8000000000 + 0x1000 is outside the 39-bit virtual address space"
    );
    for pa in [PA_LIMIT, !0xFFF] {
        assert_eq!(
            space.map(0, pa, PAGE_SIZE, rw, pages),
            Err(MapError::PaOutOfRange {
                pa,
                size: PAGE_SIZE
            })
        );
    }
}

#[test]
fn misaligned_and_empty_requests() {
    let mut pool = TablePool::<4>::new();
    let (mut space, _log) = space(&mut pool);
    let rw = Attributes::NORMAL_RW;
    let pages = Granularity::Pages;
    let unaligned = |operand, value| MapError::Unaligned { operand, value };
    assert_eq!(
        space.map(0x1001, 0, PAGE_SIZE, rw, pages),
        Err(unaligned(Operand::Va, 0x1001))
    );
    assert_eq!(
        space.map(0x1000, 0x800, PAGE_SIZE, rw, pages),
        Err(unaligned(Operand::Pa, 0x800))
    );
    assert_eq!(
        space.map(0x1000, 0, 0x1800, rw, pages),
        Err(unaligned(Operand::Size, 0x1800))
    );
    assert_eq!(
        space.map(0x1000, 0, 0, rw, pages),
        Err(MapError::Empty { va: 0x1000 })
    );
    assert_eq!(space.unmap(0x1000, 0), Err(MapError::Empty { va: 0x1000 }));
    assert_eq!(
        space.protect(0x10, PAGE_SIZE, rw),
        Err(unaligned(Operand::Va, 0x10))
    );
    assert_eq!(
        unaligned(Operand::Va, 0x1001).to_string(),
        "va 0x1001 is not 4 KiB aligned"
    );
    assert_eq!(
        MapError::Empty { va: 0x1000 }.to_string(),
        "empty range at 0x1000"
    );
    assert_eq!(in_use(&space), 1);
}

#[test]
fn gigabyte_blocks_are_read_split_and_unmapped() {
    // This crate never writes 1 GiB blocks, but must handle one correctly if it finds one.
    let mut pool = TablePool::<8>::new();
    let (mut space, log) = space(&mut pool);
    let root = space.root_phys();
    let bits = Attributes::NORMAL_RW.encode().unwrap();
    space
        .tables_mut()
        .write(root, 1, descriptor::block(GIB, bits))
        .unwrap();
    let t = space.translate(GIB + 0x1234_5678).unwrap();
    assert_eq!((t.level, t.size, t.pa), (1, GIB, GIB + 0x1234_5678));

    space.unmap(GIB + 3 * MIB, PAGE_SIZE).unwrap();
    assert_eq!(
        mappings(&space),
        vec![
            mapping(GIB, GIB, 3 * MIB, Attributes::NORMAL_RW),
            mapping(
                GIB + 3 * MIB + PAGE_SIZE,
                GIB + 3 * MIB + PAGE_SIZE,
                GIB - 3 * MIB - PAGE_SIZE,
                Attributes::NORMAL_RW
            ),
        ]
    );
    assert_eq!(space.translate(GIB + 4 * MIB).unwrap().level, 2);
    assert_eq!(space.translate(GIB + 2 * MIB).unwrap().level, 3);
    assert_eq!(in_use(&space), 3, "root, L2 of blocks, one L3");
    assert_bbm(root, &log);
}

/// Raspberry Pi 3: 1 GiB of RAM of which the ARM sees 0..0x3F000000, the 16 MiB peripheral
/// window at 0x3F000000, the ARM-local block at 0x40000000 and the kernel loaded at 0x80000.
#[test]
fn raspberry_pi_3_identity_map() {
    let mut pool = TablePool::<16>::new();
    let (mut space, log) = space(&mut pool);
    let blocks = Granularity::Blocks;
    let layout = [
        (0x0000_0000, 0x0008_0000, Attributes::NORMAL_RW), // boot stack
        (0x0008_0000, 0x000A_0000, Attributes::NORMAL_RX), // text
        (0x000A_0000, 0x000B_0000, Attributes::NORMAL_RO), // rodata
        (0x000B_0000, 0x0020_0000, Attributes::NORMAL_RW), // data, bss, table pool
        (0x0020_0000, 0x3F00_0000, Attributes::NORMAL_RW), // rest of RAM
        (0x3F00_0000, 0x4000_0000, Attributes::DEVICE_RW), // peripherals
        (0x4000_0000, 0x4000_1000, Attributes::DEVICE_RW), // ARM local
    ];
    for (start, end, attrs) in layout {
        space
            .identity_map(start, end - start, attrs, blocks)
            .unwrap();
    }
    let map = mappings(&space);
    assert_eq!(
        map,
        vec![
            mapping(0, 0, 0x8_0000, Attributes::NORMAL_RW),
            mapping(0x8_0000, 0x8_0000, 0x2_0000, Attributes::NORMAL_RX),
            mapping(0xA_0000, 0xA_0000, 0x1_0000, Attributes::NORMAL_RO),
            mapping(
                0xB_0000,
                0xB_0000,
                0x3F00_0000 - 0xB_0000,
                Attributes::NORMAL_RW
            ),
            mapping(0x3F00_0000, 0x3F00_0000, 0x100_1000, Attributes::DEVICE_RW),
        ]
    );
    let banner: Vec<_> = map.iter().map(ToString::to_string).collect();
    assert_eq!(
        banner[1],
        "0x0000080000..0x00000a0000 -> 0x0000080000 normal RO X (128 KiB)"
    );
    assert_eq!(
        banner[3],
        "0x00000b0000..0x003f000000 -> 0x00000b0000 normal RW XN (1031488 KiB)"
    );
    // root, L2 (GiB 0), L3 (first 2 MiB), L2 (GiB 1), L3 (ARM local)
    assert_eq!(in_use(&space), 5);

    let t = space.translate(0x8_0123).unwrap();
    assert_eq!((t.attrs, t.level), (Attributes::NORMAL_RX, 3));
    let t = space.translate(0x3F20_1000).unwrap();
    assert_eq!(
        (t.attrs, t.level, t.pa),
        (Attributes::DEVICE_RW, 2, 0x3F20_1000)
    );
    let t = space.translate(0x1000_0000).unwrap();
    assert_eq!((t.attrs, t.level), (Attributes::NORMAL_RW, 2));
    assert_eq!(space.translate(0x4000_1000), None);

    // Replace the map of all RAM with nothing, as SEC-001's drop does: every table goes back.
    for (start, end, _) in layout {
        space.unmap(start, end - start).unwrap();
    }
    assert!(mappings(&space).is_empty());
    assert_eq!(in_use(&space), 1);
    assert_bbm(space.root_phys(), &log);
}

/// Raspberry Pi 4 with 4 GiB: RAM below the 0xFC000000 peripheral window spans four L2 tables.
#[test]
fn raspberry_pi_4_identity_map() {
    let mut pool = TablePool::<8>::new();
    let mut space = AddressSpace::new(&mut pool, NoTlbMaintenance).unwrap();
    space
        .identity_map(0, 0xFC00_0000, Attributes::NORMAL_RW, Granularity::Blocks)
        .unwrap();
    space
        .identity_map(
            0xFC00_0000,
            0x400_0000,
            Attributes::DEVICE_RW,
            Granularity::Blocks,
        )
        .unwrap();
    assert_eq!(space.tables().in_use(), 5, "root and four L2");
    assert_eq!(
        mappings(&space),
        vec![
            mapping(0, 0, 0xFC00_0000, Attributes::NORMAL_RW),
            mapping(0xFC00_0000, 0xFC00_0000, 64 * MIB, Attributes::DEVICE_RW),
        ]
    );
    let t = space.translate(0xFE20_1000).unwrap(); // PL011
    assert_eq!((t.attrs, t.level), (Attributes::DEVICE_RW, 2));
}
