//! The EL0 component host's ELF turned into a mapping plan.
//!
//! The kernel embeds one EL0 program, the component host: a statically linked AArch64 executable
//! at a fixed user virtual address, without relocations. It maps it into every process — its code
//! readable and executable (the same frames for every process), its read-only data readable, and
//! for each process a fresh copy of its writable data followed by zeroed bss.
//! [`UserImage::parse`] checks the ELF and returns that plan: the entry point and up to
//! [`MAX_SEGMENTS`] [`Segment`]s, each a run of whole 4 KiB pages with the file bytes to copy
//! into it, where in the first page they start, and a [`SegmentKind`].
//!
//! # Design
//!
//! - It runs in the kernel at boot, on bytes built elsewhere, so nothing it is given can make it
//!   panic: checked arithmetic, no indexing, no allocation; every rejection is an [`ImageError`]
//!   that names the program header and the values involved.
//! - Parsing is the `elf` crate's zero-copy `ElfBytes::minimal_parse`; this crate adds the
//!   loader's checks (see [`UserImage::parse`] for the list).
//! - A segment need not start on a page: its first page starts at `p_vaddr` rounded down, and its
//!   file bytes start [`Segment::data_offset`] (`p_vaddr % 4096`) into that page. Segments are
//!   copied into fresh zeroed frames, never mapped from the ELF's own pages, so the rest of each
//!   page is zero.
//! - Two segments may not touch a common page, even where their bytes do not overlap (some
//!   linkers start a segment in the previous one's last page): a page has one set of permissions
//!   and code pages are shared while data pages are not. Our linker script page-aligns every
//!   output section.
//! - Execute-only segments are accepted and mapped readable too (the System V ABI allows granting
//!   more access than requested, except write); write-and-execute segments are refused.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The kernel runs this on boot: no indexing, unwrapping or unchecked arithmetic outside the tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

mod error;
mod image;
mod segment;

pub use error::{ElfFault, ImageError};
pub use image::{MAX_SEGMENTS, UserImage};
pub use segment::{Segment, SegmentKind};

/// The page size the plan is made of, in bytes.
pub const PAGE_SIZE: u64 = 4096;
