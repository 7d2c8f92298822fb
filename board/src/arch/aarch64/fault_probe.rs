//! Single instructions that the self-tests use to provoke faults on purpose (a load, a store,
//! a branch to an address), kept out of the compiler's sight so it cannot reason about them.

use core::arch::asm;

/// Load 8 bytes from `address`.
///
/// # Safety
/// `address` must be readable, or the read must be meant to fault (a fault stops the machine).
pub unsafe fn read_u64(address: u64) -> u64 {
    let value: u64;
    // SAFETY: the caller's contract; one load, no other memory touched.
    unsafe {
        asm!("ldr {v}, [{a}]", a = in(reg) address, v = out(reg) value, options(nostack, readonly))
    };
    value
}

/// Store 8 bytes at `address`.
///
/// # Safety
/// `address` must be writable memory nobody else relies on, or the write must be meant to fault.
pub unsafe fn write_u64(address: u64, value: u64) {
    // SAFETY: the caller's contract; one store.
    unsafe { asm!("str {v}, [{a}]", a = in(reg) address, v = in(reg) value, options(nostack)) };
}

/// Call the code at `address` as `extern "C" fn()`.
///
/// # Safety
/// `address` must hold a valid function, or the call must be meant to fault.
pub unsafe fn call(address: u64) {
    // SAFETY: the caller's contract; every caller-saved register is declared clobbered.
    unsafe { asm!("blr {a}", a = in(reg) address, clobber_abi("C"), options(nostack)) };
}
