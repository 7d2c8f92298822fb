//! Data-cache maintenance by address, for memory shared with the VideoCore (mailbox).

use core::arch::asm;

const LINE: usize = 64;

/// Clean and invalidate `[start, start + len)` to the point of coherency, so the GPU sees
/// what the CPU wrote and the CPU then reads what the GPU wrote.
pub fn clean_invalidate(start: usize, len: usize) {
    let mut line = start & !(LINE - 1);
    let end = start + len;
    while line < end {
        // SAFETY: `dc civac` only changes cache state for an address the caller can access;
        // it never changes memory contents as seen by the program.
        unsafe { asm!("dc civac, {}", in(reg) line, options(nostack)) };
        line += LINE;
    }
    // SAFETY: barrier only.
    unsafe { asm!("dsb sy", options(nostack)) };
}
