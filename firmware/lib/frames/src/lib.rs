//! The physical frame allocator: hands out contiguous runs of 4 KiB frames of RAM, never a frame
//! of a reserved range (kernel image, heap, DTB, initrd, package, …).
//!
//! # Design
//!
//! - Metadata is two sorted lists of half-open page-aligned spans with a fixed capacity of
//!   [`MAX_RANGES`] each, so its size does not depend on the amount of RAM (a Pi 4B has up to
//!   8 GiB; a bitmap would need 256 KiB): the *usable* spans (RAM minus reserved, fixed at
//!   [`FrameAllocator::new`]) and the *free* spans (a subset of them, coalesced on every free).
//! - Allocation is first fit from the lowest address, so the layout is deterministic from boot to
//!   boot (and the stage-4 attestation of the region layout is reproducible).
//! - Construction is conservative about alignment: RAM ranges shrink inwards to whole frames,
//!   reserved ranges grow outwards, so a partly reserved frame is never handed out.
//! - `free` accepts any whole-frame range that is currently allocated — a whole allocation or a
//!   part of one — and refuses a range that is partly free (double free) or that this allocator
//!   never managed (reserved, or not RAM). There is no per-allocation record, so the number of live
//!   allocations is unbounded.
//! - The crate never reads or writes the memory it manages (it has no pointers, only addresses);
//!   zeroing frames before use is the kernel's job.
//!
//! Every operation is checked arithmetic over bounded lists: no input can make it panic, and a
//! failed operation leaves the allocator unchanged.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod allocator;
mod error;
mod span;

pub use allocator::{FRAME_SIZE, FrameAllocator, MAX_RANGES};
pub use error::{FrameError, NotAllocatedReason};
