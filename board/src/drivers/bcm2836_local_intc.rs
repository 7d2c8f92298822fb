//! The BCM2836 "ARM local" interrupt controller of the Pi 3 (BCM2837): routes each core's
//! generic-timer interrupts and the peripheral ("GPU") interrupt to an IRQ line and reports
//! the pending source.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite};

use super::Mmio;

register_structs! {
    pub Registers {
        (0x00 => _reserved0),
        (0x0c => gpu_interrupt_routing: ReadWrite<u32>),
        (0x10 => _reserved2),
        (0x40 => core_timer_irq_control: [ReadWrite<u32>; 4]),
        (0x50 => _reserved1),
        (0x60 => core_irq_source: [ReadOnly<u32>; 4]),
        (0x70 => @END),
    }
}

/// Bit for the non-secure EL1 physical timer (CNTPNSIRQ) in both registers.
const CNTPNSIRQ: u32 = 1 << 1;

/// Bit of the peripheral interrupt controller's output in the core's source register.
const GPU_INTERRUPT: u32 = 1 << 8;

/// What interrupted the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    PhysicalTimer,
    /// The BCM2835 peripheral controller (ask it which line).
    Peripheral,
    Other(u32),
}

pub struct LocalIntc {
    registers: Mmio<Registers>,
}

impl LocalIntc {
    /// # Safety
    /// `base` is the ARM-local register block (see `Mmio::new`).
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            // SAFETY: the caller guarantees what `Mmio::new` requires.
            registers: unsafe { Mmio::new(base) },
        }
    }

    pub fn enable_physical_timer(&self, core: usize) {
        let control = &self.registers.core_timer_irq_control[core];
        control.set(control.get() | CNTPNSIRQ);
    }

    /// Deliver the peripheral controller's IRQ to `core` (the reset value, written anyway: the
    /// firmware may have changed it).
    pub fn route_peripheral_interrupts_to(&self, core: u32) {
        self.registers.gpu_interrupt_routing.set(core & 3);
    }

    /// The highest-priority pending source of `core` (nothing to acknowledge: the timer line
    /// drops when the timer is re-armed).
    pub fn pending(&self, core: usize) -> Option<Source> {
        let pending = self.registers.core_irq_source[core].get();
        if pending == 0 {
            None
        } else if pending & CNTPNSIRQ != 0 {
            Some(Source::PhysicalTimer)
        } else if pending & GPU_INTERRUPT != 0 {
            Some(Source::Peripheral)
        } else {
            Some(Source::Other(pending))
        }
    }

    pub fn acknowledge(&self, _source: Source) {}
}
