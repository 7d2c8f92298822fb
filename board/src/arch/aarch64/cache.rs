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

/// Zeroes `[start, start + len)` with `dc zva`, one cache-line-sized block per instruction
/// (a process's pages: megabytes at each mount and restart, where a store loop would spend an
/// instruction per 16 bytes). Falls back to `write_bytes` where DC ZVA is prohibited.
///
/// # Safety
///
/// `[start, start + len)` must be writable normal memory (MMU on: DC ZVA faults on device
/// memory) that no Rust reference covers, with `start` and `len` multiples of 4 KiB.
pub unsafe fn zero_pages(start: *mut u8, len: usize) {
    let dczid: u64;
    // SAFETY: reads an ID register.
    unsafe { asm!("mrs {}, dczid_el0", out(reg) dczid, options(nomem, nostack)) };
    // DZP (bit 4) set: the instruction is prohibited. BS (bits 3:0): log2 of the block in words.
    let block = 4usize << (dczid & 0xf);
    if dczid & 0x10 != 0 || block > 1024 {
        // SAFETY: the caller's contract.
        unsafe { core::ptr::write_bytes(start, 0, len) };
        return;
    }
    let mut at = start as usize;
    let end = at + len;
    // Four blocks per round (a page is a whole number of rounds: blocks are at most 1 KiB).
    while at < end {
        // SAFETY: the four blocks lie in the caller's range, which is whole pages.
        unsafe {
            asm!(
                "dc zva, {a}",
                "add {t}, {a}, {b}",
                "dc zva, {t}",
                "add {t}, {t}, {b}",
                "dc zva, {t}",
                "add {t}, {t}, {b}",
                "dc zva, {t}",
                a = in(reg) at,
                b = in(reg) block,
                t = out(reg) _,
                options(nostack)
            )
        };
        at += 4 * block;
    }
    // SAFETY: barrier only: the zeroes are visible before the pages are handed out.
    unsafe { asm!("dsb ish", options(nostack)) };
}
