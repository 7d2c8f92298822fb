//! The processor itself: identification, exception level, sleeping and stopping.

use aarch64_cpu::asm;
use aarch64_cpu::registers::{CurrentEL, DAIF, MIDR_EL1, Readable, Writeable};

/// The CPU core type, from MIDR_EL1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct CoreType {
    pub implementer: u8,
    pub part: u16,
    pub variant: u8,
    pub revision: u8,
}

impl CoreType {
    pub fn read() -> Self {
        let midr = MIDR_EL1.get();
        CoreType {
            implementer: (midr >> 24) as u8,
            variant: ((midr >> 20) & 0xf) as u8,
            part: ((midr >> 4) & 0xfff) as u16,
            revision: (midr & 0xf) as u8,
        }
    }

    pub fn name(&self) -> &'static str {
        match (self.implementer, self.part) {
            (0x41, 0xd03) => "Cortex-A53",
            (0x41, 0xd08) => "Cortex-A72",
            (0x41, 0xd0b) => "Cortex-A76",
            (0x41, _) => "Arm (unknown part)",
            _ => "unknown core",
        }
    }
}

/// The exception level the kernel runs at (1 after boot).
pub fn current_el() -> u8 {
    CurrentEL.read(CurrentEL::EL) as u8
}

/// Sleep until the next interrupt (or event).
#[inline]
pub fn wait_for_interrupt() {
    asm::wfi();
}

pub fn enable_interrupts() {
    DAIF.write(DAIF::D::Masked + DAIF::A::Unmasked + DAIF::I::Unmasked + DAIF::F::Masked);
}

pub fn disable_interrupts() {
    DAIF.write(DAIF::D::Masked + DAIF::A::Masked + DAIF::I::Masked + DAIF::F::Masked);
}

/// Why the machine stops; in test images this becomes QEMU's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Panic = 2,
    Exception = 3,
    BootFailed = 4,
}

/// Stop for good. Test images (feature `qemu-exit`) leave QEMU with `code` through
/// semihosting; the real firmware masks interrupts and sleeps for ever, so nothing runs after
/// a fatal error (no fallback path).
pub fn fatal_stop(code: ExitCode) -> ! {
    disable_interrupts();
    // Nothing queued is lost: the lines before the stop go out first.
    crate::console::flush();
    let _ = code;
    #[cfg(feature = "qemu-exit")]
    super::semihosting::exit(code as u32);
    #[allow(unreachable_code)]
    loop {
        asm::wfi();
    }
}
