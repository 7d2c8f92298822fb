//! The kernel heap: `embedded-alloc` over the region the linker script reserves.

use embedded_alloc::LlffHeap;

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// Hand the linker's heap region to the allocator. Called once, with the MMU on (the
/// allocator's bookkeeping must live in cacheable memory on real hardware).
pub(crate) fn init(region: core::ops::Range<u64>) {
    // SAFETY: called once from stage 0; the region is reserved for the heap by the linker
    // script (NOLOAD, used by nothing else) and mapped read-write.
    unsafe { HEAP.init(region.start as usize, (region.end - region.start) as usize) };
}

/// Bytes in use and free.
pub fn usage() -> (usize, usize) {
    (HEAP.used(), HEAP.free())
}
