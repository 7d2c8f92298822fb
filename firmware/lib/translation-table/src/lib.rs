//! AArch64 VMSAv8-64 stage-1 translation tables for EL1, built and edited without `unsafe`.
//!
//! The kernel uses this crate three times:
//!
//! 1. **Stage 0** builds the boot identity map (RAM normal write-back, peripherals device,
//!    kernel text `RO X`, rodata `RO XN`, data `RW XN`) with the MMU still off, then programs
//!    `MAIR_EL1` = [`MAIR_EL1_VALUE`], `TCR_EL1` = [`tcr_el1_value`]`(PARange)` and
//!    `TTBR0_EL1` = [`AddressSpace::root_phys`] and turns the MMU on.
//! 2. **Stage 3** maps and unmaps capability regions while the MMU is on
//!    ([`AddressSpace::map`], [`AddressSpace::unmap`], [`AddressSpace::protect`]).
//! 3. The boot banner prints the memory map *as mapped*, read back from the tables
//!    ([`AddressSpace::for_each_mapping`], one coalesced [`Mapping`] per line).
//!
//! # Layout
//!
//! - 4 KiB granule, [`VA_BITS`] = 39 (`TCR_EL1.T0SZ` = [`T0SZ`] = 25), TTBR0 only.
//! - The walk starts at level 1: an L1 entry covers 1 GiB, an L2 entry 2 MiB, an L3 entry 4 KiB.
//!   Every table is 512 × 8 bytes = one 4 KiB frame.
//! - Mappings use 4 KiB pages (L3) and, where [`Granularity::Blocks`] allows and va, pa and the
//!   remaining size are 2 MiB aligned, 2 MiB blocks (L2). 1 GiB blocks are never created (they
//!   would save one 4 KiB table per GiB), but are read, split and unmapped correctly if present.
//! - Output addresses are limited to 48 bits.
//!
//! # MAIR_EL1 attribute indices
//!
//! | AttrIndx | MAIR byte | memory type                                    | [`MemoryKind`]       |
//! |---------:|----------:|------------------------------------------------|----------------------|
//! | 0        | `0x04`    | Device-nGnRE                                   | `Device`             |
//! | 1        | `0xFF`    | Normal, inner + outer write-back, RA/WA        | `Normal`             |
//! | 2        | `0x44`    | Normal, inner + outer non-cacheable            | `NormalNonCacheable` |
//!
//! Every leaf descriptor has AF = 1 (no access-flag faults). A kernel mapping has AP\[1\] = 0
//! (EL1 only, EL0 has no access), UXN = 1, PXN = 1 unless it is executable, and is global. A
//! user mapping ([`Attributes::user`]) has AP\[1\] = 1 (EL0 has the same access as EL1),
//! PXN = 1 always (EL1 never executes a user page), UXN = 1 unless EL0 may execute it, and
//! nG = 1 (its TLB entries carry the ASID). Normal memory is inner shareable; Device memory
//! says outer shareable, which is what the hardware treats it as whatever SH says. Device memory
//! is never executable.
//!
//! # Process address spaces
//!
//! A process's table holds its own user mappings and, in the root slots it shares with the
//! kernel's table ([`AddressSpace::share_root_entries`]), the kernel's level-2 tables
//! themselves: the kernel stays mapped (EL1-only) while the process runs, so exceptions and
//! `svc` land in kernel code without switching tables, and a change to the kernel's map shows
//! in every process at once.
//!
//! # Table frames without `unsafe`
//!
//! Tables are named by physical address. A [`TableAllocator`] hands out zeroed 4 KiB frames and
//! reads and writes their entries; [`TablePool`] is a ready one made of statically sized,
//! 4 KiB-aligned arrays whose physical address is their address in memory. That holds on the
//! host (tests) and in the identity-mapped kernel alike. The pool must stay put and stay mapped
//! read-write while the tables are live (a `static` in the kernel image, identity-mapped with
//! pages): a moved pool is detected and refused.
//!
//! # Errors leave the map as it was
//!
//! `map` checks that nothing in the range is mapped before writing, and rolls back (freeing the
//! tables it made) if the pool runs out. `unmap` and `protect` are strict: every page of the
//! range must be mapped, or nothing changes. They split the blocks straddling either end before
//! changing anything; if that runs out of tables the translation is still the same (a block may
//! now be equivalent pages). Every error is a [`MapError`] naming what and where.
//!
//! # Changing a live map
//!
//! Replacing a valid descriptor (splitting a block, changing attributes, unmapping, freeing an
//! empty table) follows break-before-make: write an invalid descriptor, call
//! [`TlbMaintenance::invalidate`] for the VA range it covered, then write the new one. The
//! kernel's implementation of that hook is where the barriers live:
//! `dsb ishst; tlbi vae1is, <va >> 12>` per page (or `tlbi vmalle1is` for large ranges);
//! `dsb ish; isb`. [`TlbMaintenance::publish`] runs once at the end of every change so new
//! descriptors become visible to the table walker (`dsb ishst; isb`). On the host and while the
//! MMU is off, [`NoTlbMaintenance`] does nothing.
//!
//! Break-before-make leaves a short window in which the range being changed faults. Code, stack
//! and the table pool must therefore never live inside a block that is split or unmapped while
//! running: map them with their own pages (they differ in attributes anyway).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address_space;
mod attributes;
pub mod descriptor;
mod error;
mod pool;
mod tlb;

#[cfg(test)]
mod tests;

pub use address_space::{AddressSpace, Granularity, Mapping, Translation};
pub use attributes::{Access, AttributeError, Attributes, MemoryKind};
pub use error::{MapError, Operand};
pub use pool::{TableAllocator, TableError, TablePool};
pub use tlb::{NoTlbMaintenance, TlbMaintenance};

/// Virtual address bits translated through TTBR0_EL1.
pub const VA_BITS: u32 = 39;

/// `TCR_EL1.T0SZ`: the TTBR0 region is `2^(64 - T0SZ)` bytes.
pub const T0SZ: u64 = 64 - VA_BITS as u64;

/// First virtual address outside the translated range (512 GiB).
pub const VA_LIMIT: u64 = 1 << VA_BITS;

/// Output (physical) address bits a descriptor can hold.
pub const PA_BITS: u32 = 48;

/// First physical address a descriptor cannot hold.
pub const PA_LIMIT: u64 = 1 << PA_BITS;

/// Size of a page, of a table, and the alignment every range must have.
pub const PAGE_SIZE: u64 = 4096;

/// Size of a level-2 block.
pub const BLOCK_SIZE: u64 = 2 << 20;

/// Descriptors per table.
pub const ENTRIES_PER_TABLE: usize = 512;

/// `MAIR_EL1`: attribute index 0 = Device-nGnRE (`0x04`), 1 = Normal write-back RA/WA inner and
/// outer (`0xFF`), 2 = Normal non-cacheable (`0x44`). See [`MemoryKind::attr_index`].
pub const MAIR_EL1_VALUE: u64 = 0x04 | (0xFF << 8) | (0x44 << 16);

/// `TCR_EL1` for this layout, given `ID_AA64MMFR0_EL1.PARange` (bits \[3:0\]).
///
/// TTBR0: T0SZ = 25, 4 KiB granule, walks inner/outer write-back RA/WA, inner shareable (so
/// the walker reads the tables through the same cacheable view the kernel writes them with).
/// TTBR1: walks disabled (EPD1), T1SZ = 25 and a valid granule so the fields are well defined;
/// any upper-half address faults. IPS is PARange clamped to 48 bits, the most a descriptor here
/// holds.
pub const fn tcr_el1_value(pa_range: u64) -> u64 {
    let pa_range = pa_range & 0xF;
    let ips = if pa_range > 0b101 { 0b101 } else { pa_range };
    T0SZ // T0SZ [5:0]
        | (0b01 << 8) // IRGN0: write-back read/write-allocate
        | (0b01 << 10) // ORGN0: write-back read/write-allocate
        | (0b11 << 12) // SH0: inner shareable; TG0 [15:14] = 0b00: 4 KiB
        | (T0SZ << 16) // T1SZ
        | (1 << 23) // EPD1: no TTBR1 walks
        | (0b10 << 30) // TG1: 4 KiB
        | (ips << 32) // IPS
}
