//! One TTBR0 address space: map, unmap, protect, translate and list its mappings.

use core::fmt;
use core::ops::ControlFlow;

use crate::descriptor::{self, Entry, TABLE, VALID, classify, entry_size, index, leaf_address};
use crate::{
    Attributes, BLOCK_SIZE, ENTRIES_PER_TABLE, MapError, NoTlbMaintenance, Operand, PA_LIMIT,
    PAGE_SIZE, TableAllocator, TableError, TlbMaintenance, VA_LIMIT,
};

/// The first table level of a walk (T0SZ = 25 with a 4 KiB granule starts at level 1).
const ROOT_LEVEL: u8 = 1;
/// The level of 2 MiB blocks.
const BLOCK_LEVEL: u8 = 2;
/// The level of 4 KiB pages.
const PAGE_LEVEL: u8 = 3;
/// Virtual addresses one root (level-1) entry covers.
const L1_SPAN: u64 = 1 << 30;

/// The first virtual address of root slot `slot`.
fn slot_va(slot: usize) -> u64 {
    u64::try_from(slot)
        .unwrap_or(u64::MAX)
        .saturating_mul(L1_SPAN)
}

/// Which leaf sizes [`AddressSpace::map`] may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    /// 4 KiB pages only: unmapping or protecting any page later needs no split.
    Pages,
    /// 2 MiB blocks wherever va, pa and the remaining size are 2 MiB aligned; pages elsewhere.
    Blocks,
}

/// Where a virtual address leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The physical address of the virtual address asked for.
    pub pa: u64,
    /// The attributes of its mapping.
    pub attrs: Attributes,
    /// Level of the leaf descriptor (1, 2 or 3).
    pub level: u8,
    /// Size of that leaf: 1 GiB, 2 MiB or 4 KiB.
    pub size: u64,
}

/// A mapped range: adjacent leaves with contiguous physical addresses and equal attributes
/// merged. Displays as `0x0000080000..0x00000a0000 -> 0x0000080000 normal RO X (128 KiB)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First virtual address.
    pub va: u64,
    /// Physical address of `va`.
    pub pa: u64,
    /// Bytes.
    pub size: u64,
    /// Attributes.
    pub attrs: Attributes,
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KIB: u64 = 1 << 10;
        const MIB: u64 = 1 << 20;
        const GIB: u64 = 1 << 30;
        let end = self.va.saturating_add(self.size);
        write!(
            f,
            "{:#012x}..{:#012x} -> {:#012x} {} (",
            self.va, end, self.pa, self.attrs
        )?;
        match self.size {
            s if s.is_multiple_of(GIB) => write!(f, "{} GiB)", s / GIB),
            s if s.is_multiple_of(MIB) => write!(f, "{} MiB)", s / MIB),
            s => write!(f, "{} KiB)", s / KIB),
        }
    }
}

/// What a walk finds over a stretch of addresses.
#[derive(Clone, Copy)]
enum Piece {
    /// Nothing mapped.
    Hole,
    /// Part of a leaf; `pa` is the physical address of the stretch's start.
    Leaf { pa: u64, descriptor: u64 },
}

/// The part of `start..end` one table entry covers.
#[derive(Clone, Copy)]
struct Chunk {
    index: usize,
    /// First address the entry covers.
    base: u64,
    start: u64,
    end: u64,
}

impl Chunk {
    /// Whether the request covers the entry's whole range.
    fn is_whole(&self, level: u8) -> bool {
        self.start == self.base && self.end - self.base == entry_size(level)
    }
}

/// The entries of one table that `start..end` (inside that table's range) touches, in order.
struct Chunks {
    level: u8,
    next: u64,
    end: u64,
}

impl Iterator for Chunks {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        if self.next >= self.end {
            return None;
        }
        let size = entry_size(self.level);
        let base = self.next & !(size - 1);
        let end = base.saturating_add(size).min(self.end);
        let chunk = Chunk {
            index: index(self.next, self.level),
            base,
            start: self.next,
            end,
        };
        self.next = end;
        Some(chunk)
    }
}

fn chunks(level: u8, start: u64, end: u64) -> Chunks {
    Chunks {
        level,
        next: start,
        end,
    }
}

/// `va..va + size` checked: 4 KiB aligned, not empty, inside the 39-bit space. Returns the end.
fn check_va_range(va: u64, size: u64) -> Result<u64, MapError> {
    if !va.is_multiple_of(PAGE_SIZE) {
        return Err(MapError::Unaligned {
            operand: Operand::Va,
            value: va,
        });
    }
    if !size.is_multiple_of(PAGE_SIZE) {
        return Err(MapError::Unaligned {
            operand: Operand::Size,
            value: size,
        });
    }
    if size == 0 {
        return Err(MapError::Empty { va });
    }
    match va.checked_add(size) {
        Some(end) if end <= VA_LIMIT => Ok(end),
        _ => Err(MapError::VaOutOfRange { va, size }),
    }
}

fn check_pa_range(pa: u64, size: u64) -> Result<(), MapError> {
    if !pa.is_multiple_of(PAGE_SIZE) {
        return Err(MapError::Unaligned {
            operand: Operand::Pa,
            value: pa,
        });
    }
    match pa.checked_add(size) {
        Some(end) if end <= PA_LIMIT => Ok(()),
        _ => Err(MapError::PaOutOfRange { pa, size }),
    }
}

fn encode(va: u64, attrs: Attributes) -> Result<u64, MapError> {
    attrs
        .encode()
        .map_err(|error| MapError::Attributes { va, error })
}

/// A stage-1 EL1 address space (one TTBR0 root) whose tables come from `A` and whose live
/// changes are announced to `T`.
pub struct AddressSpace<A: TableAllocator, T: TlbMaintenance = NoTlbMaintenance> {
    tables: A,
    tlb: T,
    root: u64,
    /// Root slots whose tables belong to another address space (bit `i % 64` of word `i / 64`).
    shared: [u64; ENTRIES_PER_TABLE / 64],
}

impl<A: TableAllocator, T: TlbMaintenance> AddressSpace<A, T> {
    /// An empty address space with a fresh level-1 root table.
    pub fn new(mut tables: A, tlb: T) -> Result<Self, TableError> {
        let root = tables.allocate()?;
        if !root.is_multiple_of(PAGE_SIZE) || root >= PA_LIMIT {
            // Best effort: the frame is unusable either way.
            let _ = tables.free(root);
            return Err(TableError::InvalidFrame { phys: root });
        }
        for i in 0..ENTRIES_PER_TABLE {
            tables.write(root, i, 0)?;
        }
        Ok(Self {
            tables,
            tlb,
            root,
            shared: [0; ENTRIES_PER_TABLE / 64],
        })
    }

    /// Makes root slots `slots` (each 1 GiB of virtual addresses) point at the same level-2
    /// tables as in `owner`: what `owner` maps there, this space maps too, and every later
    /// change `owner` makes below the root shows here at once. This is how each process's table
    /// contains the kernel (EL1-only, global) beside its own user mappings. The shared slots
    /// cannot be changed through this space ([`MapError::Shared`]), are never freed by it, and
    /// are left out of its [`AddressSpace::translate`] and [`AddressSpace::for_each_mapping`]
    /// (ask the owner).
    /// Each slot must be empty here and hold a table in `owner`.
    pub fn share_root_entries<B: TableAllocator, U: TlbMaintenance>(
        &mut self,
        owner: &AddressSpace<B, U>,
        slots: core::ops::Range<usize>,
    ) -> Result<(), MapError> {
        // Check every slot first, so a refusal changes nothing.
        for slot in slots.clone() {
            let mine = self.root_entry(slot)?;
            let theirs = owner.root_entry(slot)?;
            if mine != 0 || theirs & (VALID | TABLE) != VALID | TABLE {
                return Err(MapError::ShareSlot { slot });
            }
        }
        for slot in slots {
            let entry = owner.root_entry(slot)?;
            self.tables
                .write(self.root, slot, entry)
                .map_err(|error| MapError::Table {
                    va: slot_va(slot),
                    error,
                })?;
            if let Some(word) = self.shared.get_mut(slot / 64) {
                *word |= 1 << (slot % 64);
            }
        }
        self.tlb.publish();
        Ok(())
    }

    /// The root slots that hold a table (what a process space shares of the kernel's).
    pub fn root_tables(&self) -> impl Iterator<Item = usize> + '_ {
        (0..ENTRIES_PER_TABLE).filter(|&slot| {
            self.root_entry(slot)
                .is_ok_and(|entry| entry & (VALID | TABLE) == VALID | TABLE)
        })
    }

    fn root_entry(&self, slot: usize) -> Result<u64, MapError> {
        if slot >= ENTRIES_PER_TABLE {
            return Err(MapError::ShareSlot { slot });
        }
        self.tables
            .read(self.root, slot)
            .map_err(|error| MapError::Table {
                va: slot_va(slot),
                error,
            })
    }

    fn is_shared(&self, slot: usize) -> bool {
        self.shared
            .get(slot / 64)
            .is_some_and(|word| word & (1 << (slot % 64)) != 0)
    }

    /// Refuses a change to `va..end` that touches a shared root slot.
    fn check_not_shared(&self, va: u64, end: u64) -> Result<(), MapError> {
        let first = usize::try_from(va / L1_SPAN).unwrap_or(usize::MAX);
        let last = usize::try_from((end - 1) / L1_SPAN).unwrap_or(usize::MAX);
        for slot in first..=last {
            if self.is_shared(slot) {
                return Err(MapError::Shared {
                    va: va.max(slot_va(slot)),
                });
            }
        }
        Ok(())
    }

    /// Physical address of the level-1 table, for `TTBR0_EL1`.
    pub fn root_phys(&self) -> u64 {
        self.root
    }

    /// The table allocator.
    pub fn tables(&self) -> &A {
        &self.tables
    }

    /// The table allocator, for tests that plant descriptors this crate never writes.
    #[cfg(test)]
    pub(crate) fn tables_mut(&mut self) -> &mut A {
        &mut self.tables
    }

    /// The TLB maintenance hook.
    pub fn tlb(&self) -> &T {
        &self.tlb
    }

    /// The TLB maintenance hook, e.g. to switch it on once the MMU is enabled.
    pub fn tlb_mut(&mut self) -> &mut T {
        &mut self.tlb
    }

    /// Maps `va..va + size` to `pa..pa + size`. Nothing in the range may be mapped yet. On any
    /// error nothing is left mapped and every table allocated for it is freed.
    pub fn map(
        &mut self,
        va: u64,
        pa: u64,
        size: u64,
        attrs: Attributes,
        granularity: Granularity,
    ) -> Result<(), MapError> {
        let end = check_va_range(va, size)?;
        check_pa_range(pa, size)?;
        self.check_not_shared(va, end)?;
        let bits = encode(va, attrs)?;
        // Check first, so a refusal leaves the tables untouched.
        if let Some((start, end)) = self.find(va, end, true)? {
            return Err(MapError::AlreadyMapped { start, end });
        }
        let target = Target {
            va,
            pa,
            bits,
            granularity,
        };
        let result = self.map_range(self.root, ROOT_LEVEL, va, end, &target);
        if result.is_err() {
            // The range was empty before: removing everything in it restores the old state and
            // frees the tables made for it. Its own failure could only come from a corrupt
            // table, which the first error already describes.
            let _ = self.remove(self.root, ROOT_LEVEL, va, end);
        }
        self.tlb.publish();
        result
    }

    /// [`AddressSpace::map`] with `pa == va`.
    pub fn identity_map(
        &mut self,
        pa: u64,
        size: u64,
        attrs: Attributes,
        granularity: Granularity,
    ) -> Result<(), MapError> {
        self.map(pa, pa, size, attrs, granularity)
    }

    /// Unmaps `va..va + size`, which must be mapped entirely (strict: a hole is an error and
    /// nothing changes). Blocks straddling either end are split first and keep their
    /// attributes outside the range; tables left empty are freed.
    pub fn unmap(&mut self, va: u64, size: u64) -> Result<(), MapError> {
        let end = check_va_range(va, size)?;
        self.check_not_shared(va, end)?;
        if let Some((start, end)) = self.find(va, end, false)? {
            return Err(MapError::NotMapped { start, end });
        }
        let result = self.unmap_mapped(va, end);
        self.tlb.publish();
        result
    }

    /// Gives `va..va + size`, which must be mapped entirely, new attributes (keeping its
    /// physical addresses). Blocks straddling either end are split first.
    pub fn protect(&mut self, va: u64, size: u64, attrs: Attributes) -> Result<(), MapError> {
        let end = check_va_range(va, size)?;
        self.check_not_shared(va, end)?;
        let bits = encode(va, attrs)?;
        if let Some((start, end)) = self.find(va, end, false)? {
            return Err(MapError::NotMapped { start, end });
        }
        let result = self.protect_mapped(va, end, bits);
        self.tlb.publish();
        result
    }

    /// Where `va` leads, if it is mapped (`None` also for a leaf whose attributes
    /// [`Attributes::decode`] refuses, which this crate never writes).
    pub fn translate(&self, va: u64) -> Option<Translation> {
        if va >= VA_LIMIT || self.is_shared(index(va, ROOT_LEVEL)) {
            return None;
        }
        let mut table = self.root;
        for level in ROOT_LEVEL..=PAGE_LEVEL {
            let descriptor = self.tables.read(table, index(va, level)).ok()?;
            match classify(descriptor, level) {
                Entry::Invalid => return None,
                Entry::Table(next) => table = next,
                Entry::Leaf => {
                    let size = entry_size(level);
                    return Some(Translation {
                        pa: leaf_address(descriptor, level) | (va & (size - 1)),
                        attrs: Attributes::decode(descriptor)?,
                        level,
                        size,
                    });
                }
            }
        }
        None
    }

    /// Calls `f` for every mapped range in address order, merging neighbours whose physical
    /// addresses continue and whose attributes are equal: the memory map as the MMU sees it.
    /// Fails only if a table cannot be read (a corrupt descriptor).
    pub fn for_each_mapping(&self, mut f: impl FnMut(Mapping)) -> Result<(), MapError> {
        let mut pending: Option<Mapping> = None;
        // The visitor never breaks.
        let _: ControlFlow<()> = self.walk(
            self.root,
            ROOT_LEVEL,
            0,
            VA_LIMIT,
            &mut |start, end, piece| {
                let next = match piece {
                    Piece::Leaf { pa, descriptor } => {
                        Attributes::decode(descriptor).map(|attrs| Mapping {
                            va: start,
                            pa,
                            size: end - start,
                            attrs,
                        })
                    }
                    Piece::Hole => None,
                };
                match (&mut pending, next) {
                    (Some(open), Some(next))
                        if open.va + open.size == next.va
                            && open.pa + open.size == next.pa
                            && open.attrs == next.attrs =>
                    {
                        open.size += next.size;
                    }
                    (_, next) => {
                        if let Some(done) = core::mem::replace(&mut pending, next) {
                            f(done);
                        }
                    }
                }
                ControlFlow::Continue(())
            },
        )?;
        if let Some(done) = pending {
            f(done);
        }
        Ok(())
    }

    // ---- reading ----

    fn read(&self, table: u64, index: usize, va: u64) -> Result<u64, MapError> {
        self.tables
            .read(table, index)
            .map_err(|error| MapError::Table { va, error })
    }

    /// Visits `start..end` (inside `table`'s range) in order as holes and leaf pieces.
    fn walk<F>(
        &self,
        table: u64,
        level: u8,
        start: u64,
        end: u64,
        f: &mut F,
    ) -> Result<ControlFlow<()>, MapError>
    where
        F: FnMut(u64, u64, Piece) -> ControlFlow<()>,
    {
        for chunk in chunks(level, start, end) {
            // The owner's tables are the owner's to walk (and may live outside our allocator).
            if level == ROOT_LEVEL && self.is_shared(chunk.index) {
                continue;
            }
            let descriptor = self.read(table, chunk.index, chunk.start)?;
            let flow = match classify(descriptor, level) {
                Entry::Invalid => f(chunk.start, chunk.end, Piece::Hole),
                Entry::Table(next) => self.walk(next, level + 1, chunk.start, chunk.end, f)?,
                Entry::Leaf => {
                    let pa = leaf_address(descriptor, level) + (chunk.start - chunk.base);
                    f(chunk.start, chunk.end, Piece::Leaf { pa, descriptor })
                }
            };
            if flow.is_break() {
                return Ok(flow);
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// The first stretch of `start..end` that is mapped (`mapped`) or unmapped (`!mapped`).
    fn find(&self, start: u64, end: u64, mapped: bool) -> Result<Option<(u64, u64)>, MapError> {
        let mut found: Option<(u64, u64)> = None;
        // A break only means the stretch has ended.
        let _: ControlFlow<()> =
            self.walk(self.root, ROOT_LEVEL, start, end, &mut |s, e, piece| {
                let is_mapped = matches!(piece, Piece::Leaf { .. });
                match &mut found {
                    None if is_mapped == mapped => found = Some((s, e)),
                    Some((_, found_end)) if is_mapped == mapped && *found_end == s => {
                        *found_end = e
                    }
                    None => {}
                    Some(_) => return ControlFlow::Break(()),
                }
                ControlFlow::Continue(())
            })?;
        Ok(found)
    }

    // ---- writing ----

    fn write(
        &mut self,
        table: u64,
        index: usize,
        descriptor: u64,
        va: u64,
    ) -> Result<(), MapError> {
        self.tables
            .write(table, index, descriptor)
            .map_err(|error| MapError::Table { va, error })
    }

    /// A zeroed table frame.
    fn new_table(&mut self, va: u64) -> Result<u64, MapError> {
        let table = self
            .tables
            .allocate()
            .map_err(|error| MapError::Table { va, error })?;
        if !table.is_multiple_of(PAGE_SIZE) || table >= PA_LIMIT {
            let _ = self.tables.free(table);
            let error = TableError::InvalidFrame { phys: table };
            return Err(MapError::Table { va, error });
        }
        // Zeroed here as well: a stale entry in a custom allocator's frame would be a mapping
        // nobody asked for.
        for i in 0..ENTRIES_PER_TABLE {
            if let Err(error) = self.write(table, i, 0, va) {
                let _ = self.tables.free(table);
                return Err(error);
            }
        }
        Ok(table)
    }

    /// Replaces the valid entry `index` of `table` (covering `base..base + size`) with
    /// `descriptor`, break-before-make.
    fn replace(
        &mut self,
        table: u64,
        index: usize,
        base: u64,
        size: u64,
        descriptor: u64,
    ) -> Result<(), MapError> {
        self.write(table, index, 0, base)?;
        self.tlb.invalidate(base, size);
        self.write(table, index, descriptor, base)
    }

    fn map_range(
        &mut self,
        table: u64,
        level: u8,
        start: u64,
        end: u64,
        target: &Target,
    ) -> Result<(), MapError> {
        for chunk in chunks(level, start, end) {
            let pa = target.pa + (chunk.start - target.va);
            let descriptor = self.read(table, chunk.index, chunk.start)?;
            match classify(descriptor, level) {
                Entry::Invalid if level == PAGE_LEVEL => {
                    let page = descriptor::page(pa, target.bits);
                    self.write(table, chunk.index, page, chunk.start)?;
                }
                Entry::Invalid
                    if level == BLOCK_LEVEL
                        && target.granularity == Granularity::Blocks
                        && chunk.is_whole(level)
                        && pa.is_multiple_of(BLOCK_SIZE) =>
                {
                    let block = descriptor::block(pa, target.bits);
                    self.write(table, chunk.index, block, chunk.start)?;
                }
                Entry::Invalid => {
                    let next = self.new_table(chunk.start)?;
                    if let Err(error) =
                        self.write(table, chunk.index, descriptor::table(next), chunk.start)
                    {
                        let _ = self.tables.free(next);
                        return Err(error);
                    }
                    self.map_range(next, level + 1, chunk.start, chunk.end, target)?;
                }
                Entry::Table(next) => {
                    self.map_range(next, level + 1, chunk.start, chunk.end, target)?;
                }
                // Ruled out by the check in `map`; kept so a bug cannot overwrite a mapping.
                Entry::Leaf => {
                    return Err(MapError::AlreadyMapped {
                        start: chunk.start,
                        end: chunk.end,
                    });
                }
            }
        }
        Ok(())
    }

    /// Replaces the block at entry `index` of `table` (level `level`, covering `base..`) with a
    /// next-level table of equivalent entries. Returns the new table.
    fn split(&mut self, table: u64, level: u8, index: usize, base: u64) -> Result<u64, MapError> {
        let block = self.read(table, index, base)?;
        let next = self.new_table(base)?;
        let child_level = level + 1;
        let child_size = entry_size(child_level);
        let pa = leaf_address(block, level);
        let mut child_pa = pa;
        for i in 0..ENTRIES_PER_TABLE {
            let entry = descriptor::leaf(child_level, child_pa, block);
            if let Err(error) = self.write(next, i, entry, base) {
                let _ = self.tables.free(next);
                return Err(error);
            }
            child_pa += child_size;
        }
        self.replace(
            table,
            index,
            base,
            entry_size(level),
            descriptor::table(next),
        )?;
        Ok(next)
    }

    /// Makes sure no leaf straddles `va` by splitting the blocks that do. The translation is
    /// unchanged whether or not this succeeds.
    fn split_at(&mut self, va: u64) -> Result<(), MapError> {
        let mut table = self.root;
        for level in ROOT_LEVEL..PAGE_LEVEL {
            if va.is_multiple_of(entry_size(level)) {
                return Ok(());
            }
            let index = index(va, level);
            match classify(self.read(table, index, va)?, level) {
                Entry::Invalid => return Ok(()),
                Entry::Table(next) => table = next,
                Entry::Leaf => {
                    let base = va & !(entry_size(level) - 1);
                    table = self.split(table, level, index, base)?;
                }
            }
        }
        Ok(())
    }

    fn unmap_mapped(&mut self, va: u64, end: u64) -> Result<(), MapError> {
        // Splitting is the only step that needs new tables; do it before anything is removed.
        self.split_at(va)?;
        self.split_at(end)?;
        self.remove(self.root, ROOT_LEVEL, va, end)
    }

    fn protect_mapped(&mut self, va: u64, end: u64, bits: u64) -> Result<(), MapError> {
        self.split_at(va)?;
        self.split_at(end)?;
        self.reprotect(self.root, ROOT_LEVEL, va, end, bits)
    }

    /// Removes every leaf in `start..end` and frees tables left empty. Holes are skipped.
    fn remove(&mut self, table: u64, level: u8, start: u64, end: u64) -> Result<(), MapError> {
        // Cleared leaves awaiting one TLB invalidation; nothing new is written there, so
        // invalidating a run once is still break-before-make.
        let mut cleared: Option<(u64, u64)> = None;
        for chunk in chunks(level, start, end) {
            // The owner's tables are the owner's to walk (and may live outside our allocator).
            if level == ROOT_LEVEL && self.is_shared(chunk.index) {
                continue;
            }
            let descriptor = self.read(table, chunk.index, chunk.start)?;
            match classify(descriptor, level) {
                Entry::Invalid => {}
                Entry::Leaf if chunk.is_whole(level) => {
                    self.write(table, chunk.index, 0, chunk.start)?;
                    cleared = match cleared {
                        Some((run_start, run_end)) if run_end == chunk.base => {
                            Some((run_start, chunk.end))
                        }
                        other => {
                            self.flush(other);
                            Some((chunk.base, chunk.end))
                        }
                    };
                }
                Entry::Leaf => {
                    let next = self.split(table, level, chunk.index, chunk.base)?;
                    self.remove(next, level + 1, chunk.start, chunk.end)?;
                }
                Entry::Table(next) => {
                    self.remove(next, level + 1, chunk.start, chunk.end)?;
                    self.free_if_empty(table, level, chunk, next)?;
                }
            }
        }
        self.flush(cleared);
        Ok(())
    }

    fn flush(&mut self, run: Option<(u64, u64)>) {
        if let Some((start, end)) = run {
            self.tlb.invalidate(start, end - start);
        }
    }

    /// Unlinks and frees `next` (entry `chunk.index` of `table`) if it holds no valid entry.
    fn free_if_empty(
        &mut self,
        table: u64,
        level: u8,
        chunk: Chunk,
        next: u64,
    ) -> Result<(), MapError> {
        for i in 0..ENTRIES_PER_TABLE {
            if self.read(next, i, chunk.base)? & VALID != 0 {
                return Ok(());
            }
        }
        self.write(table, chunk.index, 0, chunk.base)?;
        // Walk caches may hold the table descriptor: invalidate before the frame is reused.
        self.tlb.invalidate(chunk.base, entry_size(level));
        self.tables.free(next).map_err(|error| MapError::Table {
            va: chunk.base,
            error,
        })
    }

    /// Rewrites every leaf in `start..end` with attribute bits `bits`, break-before-make.
    fn reprotect(
        &mut self,
        table: u64,
        level: u8,
        start: u64,
        end: u64,
        bits: u64,
    ) -> Result<(), MapError> {
        // Break every changing leaf of this table, invalidate once, then make them all. A
        // broken entry keeps its old bits with VALID clear (hardware ignores the rest of an
        // invalid descriptor), so the output address survives until it is remade.
        let mut broken = [0u64; ENTRIES_PER_TABLE / 64];
        let mut range: Option<(u64, u64)> = None;
        for chunk in chunks(level, start, end) {
            // The owner's tables are the owner's to walk (and may live outside our allocator).
            if level == ROOT_LEVEL && self.is_shared(chunk.index) {
                continue;
            }
            let descriptor = self.read(table, chunk.index, chunk.start)?;
            match classify(descriptor, level) {
                Entry::Invalid => {}
                Entry::Table(next) => {
                    self.reprotect(next, level + 1, chunk.start, chunk.end, bits)?
                }
                Entry::Leaf if chunk.is_whole(level) => {
                    let pa = leaf_address(descriptor, level);
                    if descriptor::leaf(level, pa, bits) == descriptor {
                        continue;
                    }
                    self.write(table, chunk.index, descriptor & !VALID, chunk.start)?;
                    if let Some(word) = broken.get_mut(chunk.index / 64) {
                        *word |= 1 << (chunk.index % 64);
                    }
                    range = Some(match range {
                        Some((first, _)) => (first, chunk.end),
                        None => (chunk.base, chunk.end),
                    });
                }
                Entry::Leaf => {
                    let next = self.split(table, level, chunk.index, chunk.base)?;
                    self.reprotect(next, level + 1, chunk.start, chunk.end, bits)?;
                }
            }
        }
        let Some((first, last)) = range else {
            return Ok(());
        };
        self.tlb.invalidate(first, last - first);
        for chunk in chunks(level, start, end) {
            let is_broken = broken
                .get(chunk.index / 64)
                .is_some_and(|word| word & (1 << (chunk.index % 64)) != 0);
            if is_broken {
                let old = self.read(table, chunk.index, chunk.start)?;
                let remade = descriptor::leaf(level, leaf_address(old, level), bits);
                self.write(table, chunk.index, remade, chunk.start)?;
            }
        }
        Ok(())
    }
}

/// What [`AddressSpace::map`] is mapping.
struct Target {
    va: u64,
    pa: u64,
    bits: u64,
    granularity: Granularity,
}
