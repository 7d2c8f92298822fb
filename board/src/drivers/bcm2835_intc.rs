//! The BCM2835 interrupt controller of the Pi 3's peripheral ("GPU") interrupts: enables a
//! line and says whether it is pending. Its output reaches the cores through the ARM-local
//! controller's "GPU interrupt" routing.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

use super::Mmio;

register_structs! {
    pub Registers {
        (0x00 => basic_pending: ReadOnly<u32>),
        (0x04 => pending: [ReadOnly<u32>; 2]),
        (0x0c => _fiq_control),
        (0x10 => enable: [WriteOnly<u32>; 2]),
        (0x18 => _enable_basic),
        (0x1c => disable: [WriteOnly<u32>; 2]),
        (0x24 => @END),
    }
}

pub struct PeripheralIntc {
    registers: Mmio<Registers>,
}

impl PeripheralIntc {
    /// # Safety
    /// `base` is the controller's register block (see `Mmio::new`).
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            // SAFETY: the caller guarantees what `Mmio::new` requires.
            registers: unsafe { Mmio::new(base) },
        }
    }

    /// Enable peripheral interrupt `irq` (0..64); the set-enable register ignores 0 bits.
    pub fn enable(&self, irq: u32) {
        if let Some(register) = self.registers.enable.get((irq / 32) as usize) {
            register.set(1 << (irq % 32));
        }
    }

    pub fn disable(&self, irq: u32) {
        if let Some(register) = self.registers.disable.get((irq / 32) as usize) {
            register.set(1 << (irq % 32));
        }
    }

    /// Whether `irq` is pending (and enabled).
    pub fn is_pending(&self, irq: u32) -> bool {
        self.registers
            .pending
            .get((irq / 32) as usize)
            .is_some_and(|r| r.get() & (1 << (irq % 32)) != 0)
    }

    /// A bit per pending (and enabled) line 0..64.
    pub fn pending_lines(&self) -> u64 {
        let word = |i: usize| {
            self.registers
                .pending
                .get(i)
                .map_or(0, |r| u64::from(r.get()))
        };
        word(0) | word(1) << 32
    }

    /// The basic pending register (for reports).
    pub fn basic_pending(&self) -> u32 {
        self.registers.basic_pending.get()
    }
}
