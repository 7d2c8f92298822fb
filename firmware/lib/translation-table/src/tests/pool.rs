//! The table pool: addresses, zeroing, exhaustion and refusal of foreign addresses.

use std::boxed::Box;
use std::string::ToString;
use std::vec::Vec;

use crate::{PAGE_SIZE, TableAllocator, TableError, TablePool};

#[test]
fn frames_are_aligned_distinct_and_addressed_by_location() {
    let mut pool = TablePool::<4>::new();
    assert_eq!(pool.capacity(), 4);
    let frames: Vec<u64> = (0..4).map(|_| pool.allocate().unwrap()).collect();
    for (i, &frame) in frames.iter().enumerate() {
        assert_eq!(frame % PAGE_SIZE, 0);
        assert_eq!(frame, frames[0] + i as u64 * PAGE_SIZE);
    }
    assert_eq!(pool.in_use(), 4);
    assert_eq!(pool.allocate(), Err(TableError::Exhausted { capacity: 4 }));
}

#[test]
fn frames_handed_out_are_zeroed() {
    let mut pool = TablePool::<1>::new();
    let frame = pool.allocate().unwrap();
    for i in 0..512 {
        pool.write(frame, i, 0xDEAD_BEEF).unwrap();
    }
    pool.free(frame).unwrap();
    let again = pool.allocate().unwrap();
    assert_eq!(again, frame);
    assert!((0..512).all(|i| pool.read(again, i) == Ok(0)));
}

#[test]
fn foreign_and_freed_addresses_are_refused() {
    let mut pool = TablePool::<2>::new();
    let frame = pool.allocate().unwrap();
    let other = frame + PAGE_SIZE;
    assert_eq!(
        pool.read(other, 0),
        Err(TableError::NotAllocated { phys: other })
    );
    for phys in [
        frame + 8,
        frame - PAGE_SIZE,
        frame + 2 * PAGE_SIZE,
        0,
        u64::MAX,
    ] {
        assert_eq!(pool.read(phys, 0), Err(TableError::Foreign { phys }));
        assert_eq!(pool.write(phys, 0, 1), Err(TableError::Foreign { phys }));
        assert_eq!(pool.free(phys), Err(TableError::Foreign { phys }));
    }
    assert_eq!(
        pool.read(frame, 512),
        Err(TableError::IndexOutOfRange { index: 512 })
    );
    pool.free(frame).unwrap();
    assert_eq!(
        pool.free(frame),
        Err(TableError::NotAllocated { phys: frame })
    );
    assert_eq!(pool.in_use(), 0);
}

#[test]
fn a_moved_pool_is_refused() {
    let mut pool = TablePool::<2>::new();
    let frame = pool.allocate().unwrap();
    let was = frame;
    let moved = Box::new(pool);
    let now = moved.current_base();
    assert_ne!(was, now);
    assert_eq!(moved.read(frame, 0), Err(TableError::Moved { was, now }));
}

#[test]
fn errors_display() {
    assert_eq!(
        TableError::Exhausted { capacity: 16 }.to_string(),
        "translation table pool exhausted (16 tables)"
    );
    assert_eq!(
        TableError::Foreign { phys: 0x1008 }.to_string(),
        "0x1008 is not a table frame of this pool"
    );
    assert_eq!(
        TableError::NotAllocated { phys: 0x2000 }.to_string(),
        "table 0x2000 is not allocated"
    );
}
