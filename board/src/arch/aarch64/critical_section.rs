//! `critical-section` for one core: mask IRQ and FIQ, and restore DAIF afterwards.

use aarch64_cpu::registers::{DAIF, Readable, Writeable};

struct DaifCriticalSection;
critical_section::set_impl!(DaifCriticalSection);

// SAFETY: only core 0 runs kernel code (the others sleep in the park loop), so masking
// interrupts on this core excludes every other execution context; DAIF is restored exactly.
unsafe impl critical_section::Impl for DaifCriticalSection {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        let saved = DAIF.get();
        // SAFETY: masking IRQ and FIQ has no memory effect.
        unsafe { core::arch::asm!("msr daifset, #3", options(nomem, nostack)) };
        saved
    }

    unsafe fn release(saved: critical_section::RawRestoreState) {
        DAIF.set(saved);
    }
}
