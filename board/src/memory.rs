//! Handing RAM that the frame allocator gave out to the kernel as ordinary Rust memory.

use core::ops::Range;

/// The RAM frames `range` as a mutable byte slice, zeroed.
///
/// # Safety
/// `range` must be RAM inside the boot identity map (mapped read-write), obtained from the
/// frame allocator and never handed out again while the slice lives: nothing else may read or
/// write it, which makes the returned `&mut` unique.
pub unsafe fn take_frames(range: Range<u64>) -> &'static mut [u8] {
    let len = (range.end - range.start) as usize;
    // SAFETY: the caller guarantees the memory is mapped, RAM and exclusively ours.
    let bytes = unsafe { core::slice::from_raw_parts_mut(range.start as *mut u8, len) };
    bytes.fill(0);
    bytes
}

/// One 32-bit device register read.
///
/// # Safety
/// `address` must be 4-byte aligned and inside a device window that is mapped (as device
/// memory) and whose registers may be read without side effects the kernel relies on.
pub unsafe fn mmio_read32(address: u64) -> u32 {
    // SAFETY: the caller's contract; volatile so the access really happens, once.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

/// One 32-bit device register write.
///
/// # Safety
/// As for [`mmio_read32`], and the write must be one the owner of the device may make.
pub unsafe fn mmio_write32(address: u64, value: u32) {
    // SAFETY: the caller's contract; volatile so the access really happens, once.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

/// Copies `into.len()` bytes at `address` into `into`, one volatile byte read each (memory the
/// kernel reaches by address rather than as a Rust slice it owns).
///
/// # Safety
/// `address .. address + into.len()` must be mapped readable in the current address space and
/// must not be written concurrently through a Rust reference.
pub unsafe fn read_bytes(address: u64, into: &mut [u8]) {
    for (offset, byte) in (0u64..).zip(into.iter_mut()) {
        // SAFETY: the caller's contract covers every byte of the range.
        *byte = unsafe { core::ptr::read_volatile((address + offset) as *const u8) };
    }
}

/// Copies `data` to `address`, one volatile byte write each.
///
/// # Safety
/// `address .. address + data.len()` must be mapped writable in the current address space and
/// no Rust reference may point into it.
pub unsafe fn write_bytes(address: u64, data: &[u8]) {
    for (offset, byte) in (0u64..).zip(data) {
        // SAFETY: the caller's contract covers every byte of the range.
        unsafe { core::ptr::write_volatile((address + offset) as *mut u8, *byte) };
    }
}
