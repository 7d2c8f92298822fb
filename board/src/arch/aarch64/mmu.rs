//! The MMU: stage 0 builds the identity map (with `ruvix-translation-table`) and turns on
//! translation and caches; later stages change the map through [`with_address_space`].
//!
//! Boot map: RAM normal write-back RW+XN (2 MiB blocks where possible), page 0 unmapped (null
//! pointers fault), kernel text RX, rodata RO+XN, data/bss/stacks/heap RW+XN with the stack
//! guard pages unmapped, device windows device-nGnRE RW+XN. SCTLR_EL1.WXN is set as well, so
//! no writable page can ever be executed whatever a descriptor says.

use core::arch::asm;
use core::cell::RefCell;
use core::ops::Range;

use aarch64_cpu::registers::{
    ID_AA64MMFR0_EL1, MAIR_EL1, ReadWriteable, Readable, SCTLR_EL1, TCR_EL1, TTBR0_EL1, Writeable,
};
use critical_section::Mutex;
use ruvix_translation_table::{
    AddressSpace, Attributes, Granularity, MAIR_EL1_VALUE, MapError, PAGE_SIZE, TableError,
    TablePool, TlbMaintenance, tcr_el1_value,
};

use super::layout;
use crate::board_info::{BoardInfo, without};

/// Table frames for the whole life of the system: the boot map needs about a dozen; the rest
/// is for capability regions mapped at stage 3.
const TABLE_FRAMES: usize = 64;
/// Above this many pages one `tlbi vmalle1is` is cheaper than per-page invalidation.
const TLBI_PAGE_LIMIT: u64 = 64;

static mut TABLE_POOL: TablePool<TABLE_FRAMES> = TablePool::new();

/// TLB maintenance for a live map (does nothing while the MMU is still off).
pub struct Tlb {
    mmu_on: bool,
}

impl TlbMaintenance for Tlb {
    fn invalidate(&mut self, va: u64, size: u64) {
        if !self.mmu_on {
            return;
        }
        // SAFETY: barriers and TLB invalidation change no memory the program can see; they
        // make the walker forget the descriptor just made invalid.
        unsafe {
            asm!("dsb ishst", options(nostack));
            if size / PAGE_SIZE > TLBI_PAGE_LIMIT {
                asm!("tlbi vmalle1is", options(nostack));
            } else {
                let mut page = va;
                while page < va + size {
                    // All ASIDs: a process's pages are not global.
                    asm!("tlbi vaae1is, {}", in(reg) page >> 12, options(nostack));
                    page += PAGE_SIZE;
                }
            }
            asm!("dsb ish", "isb", options(nostack));
        }
    }

    fn publish(&mut self) {
        // SAFETY: barriers only.
        unsafe { asm!("dsb ishst", "isb", options(nostack)) };
    }
}

pub type KernelAddressSpace = AddressSpace<&'static mut TablePool<TABLE_FRAMES>, Tlb>;

/// Table frames for a process address space (the EL0 self-test's one process: a root, a
/// level-2 and a level-3 table suffice; the process model will take frames from the frame
/// allocator instead).
const PROCESS_TABLE_FRAMES: usize = 4;
static mut PROCESS_TABLE_POOL: TablePool<PROCESS_TABLE_FRAMES> = TablePool::new();

/// A process's translation table: its own user mappings beside the kernel's shared slots.
pub type ProcessAddressSpace = AddressSpace<&'static mut TablePool<PROCESS_TABLE_FRAMES>, Tlb>;

/// The self-test's process address space (there is one static table pool for it, so this
/// works once). See [`new_user_space`].
pub fn new_process_space() -> Result<ProcessAddressSpace, MmuError> {
    static TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if TAKEN.swap(true, core::sync::atomic::Ordering::Relaxed) {
        return Err(MmuError::AlreadyOn);
    }
    // SAFETY: the guard above makes this the only reference ever made to the pool; it lives in
    // .bss for the whole program, mapped read-write for the kernel.
    let pool = unsafe { &mut *core::ptr::addr_of_mut!(PROCESS_TABLE_POOL) };
    new_user_space(pool)
}

/// A process address space in `pool` (which must lie in memory the kernel reaches at its
/// physical address, as the heap does): every root slot the kernel's table uses is shared, so
/// the kernel stays mapped — EL1-only — while the process runs, and the rest is the
/// process's. Call after the MMU is on and after the SEC-001 drop (a slot shared earlier would
/// keep pointing at the boot map's tables).
pub fn new_user_space<const N: usize>(
    pool: &'static mut TablePool<N>,
) -> Result<AddressSpace<&'static mut TablePool<N>, Tlb>, MmuError> {
    let mut space = AddressSpace::new(pool, Tlb { mmu_on: true }).map_err(MmuError::Tables)?;
    with_address_space(|kernel| {
        let slots: heapless::Vec<usize, 8> = kernel.root_tables().take(8).collect();
        slots.iter().try_for_each(|&slot| {
            space
                .share_root_entries(kernel, slot..slot + 1)
                .map_err(|error| MmuError::Map {
                    what: "the kernel's part of a process table",
                    error,
                })
        })
    })
    .ok_or(MmuError::NotOn)??;
    Ok(space)
}

/// How many labelled mappings the kernel's map can have.
const LABEL_CAPACITY: usize = 48;
/// What each mapped range is, for the banner and for what the SEC-001 drop removes.
type Labels = heapless::Vec<(Range<u64>, &'static str), LABEL_CAPACITY>;

/// Labels of the boot-time mappings that the SEC-001 drop removes (all of RAM outside the
/// kernel, every device window); everything else (kernel text, data, stacks, heap) stays.
const BOOT_ONLY: &[&str] = &["RAM below the kernel", "RAM"];

static SPACE: Mutex<RefCell<Option<KernelAddressSpace>>> = Mutex::new(RefCell::new(None));
/// Set once the boot map is gone (changes how holes are named in the map printout).
static LABELS_DROPPED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
static LABELS: Mutex<RefCell<Labels>> = Mutex::new(RefCell::new(heapless::Vec::new()));

#[derive(Clone, Copy, Debug)]
pub enum MmuError {
    Tables(TableError),
    Map {
        what: &'static str,
        error: MapError,
    },
    AlreadyOn,
    NotOn,
    /// The record of what each mapping is (the banner's labels) is full: refuse the mapping
    /// rather than map something the record does not know.
    TooManyMappings {
        what: &'static str,
    },
}

impl core::fmt::Display for MmuError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MmuError::Tables(e) => write!(f, "translation tables: {e}"),
            MmuError::Map { what, error } => write!(f, "mapping {what}: {error}"),
            MmuError::AlreadyOn => f.write_str("the boot map was already built"),
            MmuError::NotOn => f.write_str("the MMU is not on yet"),
            MmuError::TooManyMappings { what } => write!(
                f,
                "mapping {what}: the record of mappings is full ({LABEL_CAPACITY} entries)"
            ),
        }
    }
}

impl defmt::Format for MmuError {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{}", defmt::Display2Format(self));
    }
}

fn map(
    space: &mut KernelAddressSpace,
    labels: &mut Labels,
    what: &'static str,
    range: Range<u64>,
    attrs: Attributes,
) -> Result<(), MmuError> {
    if range.end <= range.start {
        return Ok(());
    }
    if labels.is_full() {
        return Err(MmuError::TooManyMappings { what });
    }
    space
        .identity_map(
            range.start,
            range.end - range.start,
            attrs,
            Granularity::Blocks,
        )
        .map_err(|error| MmuError::Map { what, error })?;
    labels
        .push((range, what))
        .map_err(|_| MmuError::TooManyMappings { what })
}

/// Build the identity map and switch the MMU and caches on.
pub fn enable_boot_map(info: &BoardInfo) -> Result<(), MmuError> {
    static TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if TAKEN.swap(true, core::sync::atomic::Ordering::Relaxed) {
        return Err(MmuError::AlreadyOn);
    }
    // SAFETY: the guard above makes this the only reference ever made to the pool; it lives in
    // .bss for the whole program and is mapped read-write below.
    let pool = unsafe { &mut *core::ptr::addr_of_mut!(TABLE_POOL) };
    let mut space = AddressSpace::new(pool, Tlb { mmu_on: false }).map_err(MmuError::Tables)?;
    let mut labels = Labels::new();
    let l = layout::get();

    // RAM around the kernel image; page 0 stays unmapped.
    let null_page = 0..PAGE_SIZE;
    for ram in &info.ram {
        for part in without(ram, &null_page) {
            for piece in without(&part, &l.image) {
                let what = if piece.end <= l.image.start {
                    "RAM below the kernel"
                } else {
                    "RAM"
                };
                map(&mut space, &mut labels, what, piece, Attributes::NORMAL_RW)?;
            }
        }
    }
    map(
        &mut space,
        &mut labels,
        "kernel text",
        l.text.clone(),
        Attributes::NORMAL_RX,
    )?;
    map(
        &mut space,
        &mut labels,
        "kernel rodata",
        l.rodata.clone(),
        Attributes::NORMAL_RO,
    )?;
    map(
        &mut space,
        &mut labels,
        "kernel data+bss",
        l.data.start..l.boot_stack_guard.start,
        Attributes::NORMAL_RW,
    )?;
    map(
        &mut space,
        &mut labels,
        "kernel stack",
        l.boot_stack.clone(),
        Attributes::NORMAL_RW,
    )?;
    map(
        &mut space,
        &mut labels,
        "exception stack",
        l.exception_stack.clone(),
        Attributes::NORMAL_RW,
    )?;
    map(
        &mut space,
        &mut labels,
        "heap",
        l.heap.clone(),
        Attributes::NORMAL_RW,
    )?;
    for window in crate::bsp::device_windows() {
        map(
            &mut space,
            &mut labels,
            window.name,
            window.range,
            Attributes::DEVICE_RW,
        )?;
    }

    turn_on(space.root_phys());
    space.tlb_mut().mmu_on = true;
    critical_section::with(|cs| {
        SPACE.borrow(cs).replace(Some(space));
        *LABELS.borrow(cs).borrow_mut() = labels;
    });
    Ok(())
}

fn turn_on(root: u64) {
    MAIR_EL1.set(MAIR_EL1_VALUE);
    TCR_EL1.set(tcr_el1_value(ID_AA64MMFR0_EL1.get() & 0xf));
    TTBR0_EL1.set(root);
    // SAFETY: forgetting all EL1 translations is always allowed; the barriers order the table
    // writes and register updates before translation starts.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            options(nostack)
        )
    };
    SCTLR_EL1.modify(
        SCTLR_EL1::M::Enable
            + SCTLR_EL1::C::Cacheable
            + SCTLR_EL1::I::Cacheable
            + SCTLR_EL1::WXN::Enable,
    );
    // SAFETY: barrier only; the next instruction is fetched with translation on (identity
    // map, so at the same address).
    unsafe { asm!("isb", options(nostack)) };
}

/// Run `f` on the live kernel address space (stage 3 maps capability regions this way).
pub fn with_address_space<R>(f: impl FnOnce(&mut KernelAddressSpace) -> R) -> Option<R> {
    critical_section::with(|cs| SPACE.borrow(cs).borrow_mut().as_mut().map(f))
}

/// One mapping of the minimal map that replaces the boot map at the SEC-001 drop.
pub struct MapRequest {
    pub range: Range<u64>,
    pub attributes: Attributes,
    pub label: &'static str,
}

fn is_boot_only(label: &str) -> bool {
    BOOT_ONLY.contains(&label) || crate::bsp::device_windows().iter().any(|w| w.name == label)
}

/// SEC-001: replace the boot-time identity map of all RAM and every device window with the
/// minimal map — the kernel's own ranges (kept as they are) plus exactly `keep`, page by page.
/// Afterwards any access outside these ranges faults.
///
/// # Safety
/// No live reference may point into memory the minimal map leaves out (RAM outside the kernel
/// and `keep`, device windows outside `keep`): after this call such an access faults.
pub unsafe fn drop_boot_map(keep: &[MapRequest]) -> Result<(), MmuError> {
    critical_section::with(|cs| {
        let mut space = SPACE.borrow(cs).borrow_mut();
        let space = space.as_mut().ok_or(MmuError::NotOn)?;
        let mut labels = LABELS.borrow(cs).borrow_mut();
        let (dropped, kept): (Labels, Labels) = labels
            .iter()
            .cloned()
            .partition(|(_, label)| is_boot_only(label));
        for (range, label) in &dropped {
            space
                .unmap(range.start, range.end - range.start)
                .map_err(|error| MmuError::Map { what: label, error })?;
        }
        *labels = kept;
        LABELS_DROPPED.store(true, core::sync::atomic::Ordering::Relaxed);
        for request in keep {
            if labels.is_full() {
                return Err(MmuError::TooManyMappings {
                    what: request.label,
                });
            }
            space
                .identity_map(
                    request.range.start,
                    request.range.end - request.range.start,
                    request.attributes,
                    Granularity::Pages,
                )
                .map_err(|error| MmuError::Map {
                    what: request.label,
                    error,
                })?;
            labels
                .push((request.range.clone(), request.label))
                .map_err(|_| MmuError::TooManyMappings {
                    what: request.label,
                })?;
        }
        Ok(())
    })
}

/// Teardown: unmap one range the SEC-001 map holds (a region nobody may use any more) and
/// forget its label. Afterwards an access to it faults.
///
/// # Safety
/// Nothing may refer to memory in `range` any more (no live reference, no pending access).
pub unsafe fn unmap_range(range: Range<u64>) -> Result<(), MmuError> {
    critical_section::with(|cs| {
        let mut space = SPACE.borrow(cs).borrow_mut();
        let space = space.as_mut().ok_or(MmuError::NotOn)?;
        space
            .unmap(range.start, range.end - range.start)
            .map_err(|error| MmuError::Map {
                what: "region",
                error,
            })?;
        LABELS.borrow(cs).borrow_mut().retain(|(r, _)| *r != range);
        Ok(())
    })
}

/// Short name for attributes, for the log.
pub fn attributes_name(attrs: Attributes) -> &'static str {
    use ruvix_translation_table::{Access::*, MemoryKind::*};
    match (attrs.memory, attrs.access, attrs.executable) {
        (Normal, ReadOnly, true) => "normal RO X ",
        (Normal, ReadOnly, false) => "normal RO XN",
        (Normal, ReadWrite, true) => "normal RW X ",
        (Normal, ReadWrite, false) => "normal RW XN",
        (NormalNonCacheable, ReadOnly, _) => "uncached RO XN",
        (NormalNonCacheable, ReadWrite, _) => "uncached RW XN",
        (Device, ReadOnly, _) => "device RO XN",
        (Device, ReadWrite, _) => "device RW XN",
    }
}

/// One line of the memory map: a range that is mapped (attributes read back from the live
/// tables) or a hole the kernel deliberately left unmapped.
pub struct MapLine {
    pub range: Range<u64>,
    /// `None` for an unmapped hole.
    pub attributes: Option<&'static str>,
    pub label: &'static str,
}

/// The memory map as the live tables say it is, split at the kernel's named ranges, with the
/// deliberate holes between them (null page, guard pages) shown as unmapped.
pub fn for_each_mapping(mut f: impl FnMut(MapLine)) {
    critical_section::with(|cs| {
        let space = SPACE.borrow(cs).borrow();
        let mut labels = LABELS.borrow(cs).borrow().clone();
        labels.sort_unstable_by_key(|(r, _)| r.start);
        let Some(space) = space.as_ref() else { return };
        let mut previous_end = 0;
        let _ = space.for_each_mapping(|m| {
            let mapping = m.va..m.va + m.size;
            for (named, label) in labels
                .iter()
                .filter(|(r, _)| r.start < mapping.end && mapping.start < r.end)
            {
                let start = named.start.max(mapping.start);
                let end = named.end.min(mapping.end);
                if start > previous_end {
                    let hole = hole_name(previous_end..start);
                    f(MapLine {
                        range: previous_end..start,
                        attributes: None,
                        label: hole,
                    });
                }
                f(MapLine {
                    range: start..end,
                    attributes: Some(attributes_name(m.attrs)),
                    label,
                });
                previous_end = end;
            }
        });
    });
}

fn hole_name(hole: Range<u64>) -> &'static str {
    let l = layout::get();
    if hole.start == 0 {
        "null page"
    } else if hole == l.boot_stack_guard {
        "kernel stack guard page"
    } else if hole == l.exception_stack_guard {
        "exception stack guard page"
    } else if LABELS_DROPPED.load(core::sync::atomic::Ordering::Relaxed) {
        "-"
    } else {
        "not mapped (VideoCore memory or no RAM)"
    }
}
