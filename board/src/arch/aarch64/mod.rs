//! The AArch64 half of the board layer: entry, exception levels, vectors, MMU, timer.

use core::arch::global_asm;

pub mod cache;
pub mod cpu;
mod critical_section;
pub mod el0;
pub mod exception;
pub mod fault_probe;
pub mod layout;
pub mod mmu;
#[cfg(feature = "qemu-exit")]
pub mod semihosting;
pub mod timer;

global_asm!(include_str!("boot.s"));

/// Entry addresses for the parked secondary cores (index = core number); written by the
/// kernel when it wants a core, read by `__secondary_park` in `boot.s`.
#[unsafe(no_mangle)]
static __secondary_entry: [core::sync::atomic::AtomicU64; 4] =
    [const { core::sync::atomic::AtomicU64::new(0) }; 4];
