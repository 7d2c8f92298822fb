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
