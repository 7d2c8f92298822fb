//! Host tests. The helpers here record every descriptor write and TLB call in one log so tests
//! can assert break-before-make order, and walk the tables to check no empty table is kept.

mod address_space;
mod encoding;
mod model;
mod pool;
mod user;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::vec::Vec;

use crate::descriptor::{ADDRESS_MASK, Entry, VALID, classify, entry_size};
use crate::{AddressSpace, Mapping, TableAllocator, TableError, TablePool, TlbMaintenance};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Write {
        table: u64,
        index: usize,
        old: u64,
        new: u64,
    },
    Invalidate {
        va: u64,
        size: u64,
    },
    Publish,
}

pub(crate) type Log = Rc<RefCell<Vec<Event>>>;

/// A pool that logs every entry write (with the value it replaced).
pub(crate) struct Recording<'a, const N: usize> {
    pub(crate) pool: &'a mut TablePool<N>,
    log: Log,
}

impl<const N: usize> TableAllocator for Recording<'_, N> {
    fn allocate(&mut self) -> Result<u64, TableError> {
        self.pool.allocate()
    }

    fn free(&mut self, table: u64) -> Result<(), TableError> {
        self.pool.free(table)
    }

    fn read(&self, table: u64, index: usize) -> Result<u64, TableError> {
        self.pool.read(table, index)
    }

    fn write(&mut self, table: u64, index: usize, new: u64) -> Result<(), TableError> {
        let old = self.pool.read(table, index)?;
        self.pool.write(table, index, new)?;
        self.log.borrow_mut().push(Event::Write {
            table,
            index,
            old,
            new,
        });
        Ok(())
    }
}

/// A TLB hook that logs its calls into the same log.
pub(crate) struct RecordingTlb {
    log: Log,
}

impl TlbMaintenance for RecordingTlb {
    fn invalidate(&mut self, va: u64, size: u64) {
        self.log.borrow_mut().push(Event::Invalidate { va, size });
    }

    fn publish(&mut self) {
        self.log.borrow_mut().push(Event::Publish);
    }
}

pub(crate) type Space<'a, const N: usize> = AddressSpace<Recording<'a, N>, RecordingTlb>;

pub(crate) fn space<const N: usize>(pool: &mut TablePool<N>) -> (Space<'_, N>, Log) {
    let log = Log::default();
    let tables = Recording {
        pool,
        log: log.clone(),
    };
    let tlb = RecordingTlb { log: log.clone() };
    let space = AddressSpace::new(tables, tlb).expect("root table");
    (space, log)
}

pub(crate) fn in_use<const N: usize>(space: &Space<'_, N>) -> usize {
    space.tables().pool.in_use()
}

pub(crate) fn mappings<A: TableAllocator, T: TlbMaintenance>(
    space: &AddressSpace<A, T>,
) -> Vec<Mapping> {
    let mut all = Vec::new();
    space
        .for_each_mapping(|m| all.push(m))
        .expect("tables readable");
    all
}

/// Checks the whole log (from the creation of the address space) for break-before-make:
/// a valid descriptor is never replaced by another valid one, and one made invalid is not made
/// valid again until a TLB invalidation covering its whole range. Writes to tables not linked
/// into the tree are invisible to the walker and not checked. Every broken entry must have been
/// invalidated by the end of the log.
pub(crate) fn assert_bbm(root: u64, log: &Log) {
    // Linked tables: physical address -> (first VA covered, level).
    let mut linked: HashMap<u64, (u64, u8)> = HashMap::from([(root, (0, 1))]);
    // Broken entries: (table, index) -> (va, size, invalidated since).
    let mut broken: HashMap<(u64, usize), (u64, u64, bool)> = HashMap::new();
    for (n, event) in log.borrow().iter().enumerate() {
        match *event {
            Event::Write {
                table,
                index,
                old,
                new,
            } => {
                let Some(&(base, level)) = linked.get(&table) else {
                    continue;
                };
                let size = entry_size(level);
                let va = base + index as u64 * size;
                let (old_valid, new_valid) = (old & VALID != 0, new & VALID != 0);
                assert!(
                    !(old_valid && new_valid && old != new),
                    "event {n}: valid {old:#x} replaced by valid {new:#x} at va {va:#x}"
                );
                if old_valid && !new_valid {
                    broken.insert((table, index), (va, size, false));
                    if let Entry::Table(child) = classify(old, level) {
                        linked.remove(&child);
                    }
                }
                if new_valid {
                    if let Some((_, _, invalidated)) = broken.remove(&(table, index)) {
                        assert!(
                            invalidated,
                            "event {n}: va {va:#x} remade before its TLB invalidation"
                        );
                    }
                    if let Entry::Table(child) = classify(new, level) {
                        linked.insert(child, (va, level + 1));
                    }
                }
            }
            Event::Invalidate { va, size } => {
                for (slot_va, slot_size, invalidated) in broken.values_mut() {
                    if va <= *slot_va && *slot_va + *slot_size <= va + size {
                        *invalidated = true;
                    }
                }
            }
            Event::Publish => {}
        }
    }
    for ((table, index), (va, _, invalidated)) in broken {
        assert!(
            invalidated,
            "entry {index} of {table:#x} (va {va:#x}) broken but never invalidated"
        );
    }
}

/// Every table reachable from the root except the root holds a valid entry, and the pool holds
/// exactly the reachable tables.
pub(crate) fn assert_no_empty_tables<const N: usize>(space: &Space<'_, N>) {
    fn visit<const N: usize>(pool: &TablePool<N>, table: u64, level: u8, count: &mut usize) {
        *count += 1;
        let mut valid = 0;
        for i in 0..512 {
            let d = pool.read(table, i).expect("linked table readable");
            if d & VALID != 0 {
                valid += 1;
            }
            if let Entry::Table(child) = classify(d, level) {
                assert_eq!(child & !ADDRESS_MASK, 0);
                visit(pool, child, level + 1, count);
            }
        }
        assert!(
            level == 1 || valid > 0,
            "empty level-{level} table {table:#x} kept"
        );
    }
    let pool = &*space.tables().pool;
    let mut count = 0;
    visit(pool, space.root_phys(), 1, &mut count);
    assert_eq!(count, pool.in_use(), "tables allocated but not linked");
}
