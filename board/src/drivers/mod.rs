//! Device drivers for the Raspberry Pi peripherals, each a `tock-registers` block plus a small
//! driver type. Addresses come only from the board's memory map (`bsp::memory_map`).

pub mod bcm2835_intc;
pub mod bcm2836_local_intc;
pub mod gic400;
pub mod gpio;
pub mod mailbox;
pub mod pl011;

use core::marker::PhantomData;
use core::ops::Deref;

/// A typed view of a memory-mapped register block at a fixed physical address.
pub struct Mmio<T> {
    base: usize,
    _registers: PhantomData<fn() -> T>,
}

impl<T> Mmio<T> {
    /// # Safety
    /// `base` must be the address of a device whose registers have layout `T`, mapped as
    /// device memory (or with the MMU off), for the whole life of the program.
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            base,
            _registers: PhantomData,
        }
    }

    pub fn base(&self) -> usize {
        self.base
    }
}

impl<T> Deref for Mmio<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `new`'s contract: a live register block of layout `T` is at `base`.
        // tock-registers types only allow volatile access.
        unsafe { &*(self.base as *const T) }
    }
}
