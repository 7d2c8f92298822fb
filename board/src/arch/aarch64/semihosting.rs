//! Arm semihosting, used only by test images under QEMU (`-semihosting`): on a real board
//! without a debugger `hlt` would itself fault, so nothing else calls this.

use core::arch::asm;

const SYS_GET_CMDLINE: u64 = 0x15;
const SYS_EXIT: u64 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// # Safety
/// The caller passes a parameter block valid for `op`.
unsafe fn call(op: u64, parameter: u64) -> u64 {
    let result;
    // SAFETY: `hlt #0xf000` is the AArch64 semihosting trap; QEMU reads `parameter` as the
    // block for `op`, which the caller guarantees is valid, and returns the result in x0.
    unsafe {
        asm!("hlt #0xf000", inlateout("x0") op => result, in("x1") parameter, options(nostack));
    }
    result
}

/// Leave QEMU with `code` as its exit status.
pub fn exit(code: u32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, u64::from(code)];
    // SAFETY: SYS_EXIT reads two words at the pointer; `block` lives for the call.
    unsafe { call(SYS_EXIT, block.as_ptr() as u64) };
    loop {
        aarch64_cpu::asm::wfi();
    }
}

/// The command line QEMU was given for semihosting (`-semihosting-config arg=...`), copied
/// into `buffer`; returns the text, or `None` if there is none.
pub fn command_line(buffer: &mut [u8]) -> Option<&str> {
    let mut block = [buffer.as_mut_ptr() as u64, buffer.len() as u64];
    // SAFETY: SYS_GET_CMDLINE writes at most block[1] bytes to block[0] (our buffer) and the
    // length it wrote back into block[1].
    let status = unsafe { call(SYS_GET_CMDLINE, block.as_mut_ptr() as u64) };
    if status != 0 {
        return None;
    }
    let len = usize::try_from(block[1]).ok()?.min(buffer.len());
    core::str::from_utf8(&buffer[..len]).ok()
}
