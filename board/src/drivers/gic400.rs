//! The GIC-400 (GICv2) of the Pi 4: distributor + CPU interface, just enough to take the
//! generic-timer PPI and device SPIs (the UART) on core 0.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

use super::Mmio;

register_structs! {
    pub DistributorRegisters {
        (0x000 => ctlr: ReadWrite<u32>),
        (0x004 => _reserved0),
        (0x080 => igroupr: [ReadWrite<u32>; 32]),
        (0x100 => isenabler: [ReadWrite<u32>; 32]),
        (0x180 => icenabler: [ReadWrite<u32>; 32]),
        (0x200 => _reserved1),
        (0x400 => ipriorityr: [ReadWrite<u32>; 255]),
        (0x7fc => _reserved2),
        (0x800 => itargetsr: [ReadWrite<u32>; 255]),
        (0xbfc => @END),
    }
}

register_structs! {
    pub CpuInterfaceRegisters {
        (0x00 => ctlr: ReadWrite<u32>),
        (0x04 => pmr: ReadWrite<u32>),
        (0x08 => bpr: ReadWrite<u32>),
        (0x0c => iar: ReadOnly<u32>),
        (0x10 => eoir: WriteOnly<u32>),
        (0x14 => @END),
    }
}

/// PPI 14 = INTID 30: the non-secure EL1 physical timer.
pub const PHYSICAL_TIMER_INTID: u32 = 30;
/// IDs 1020..=1023 are special ("nothing for you"), never real interrupts.
const FIRST_SPECIAL_ID: u32 = 1020;
const ENABLE_GROUP0: u32 = 1 << 0;
const ENABLE_GROUP1: u32 = 1 << 1;
const ACK_CTL: u32 = 1 << 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    PhysicalTimer,
    Other(u32),
}

pub struct Gic400 {
    distributor: Mmio<DistributorRegisters>,
    cpu: Mmio<CpuInterfaceRegisters>,
}

impl Gic400 {
    /// # Safety
    /// The two bases are the GIC distributor and CPU interface (see `Mmio::new`).
    pub const unsafe fn new(distributor: usize, cpu_interface: usize) -> Self {
        // SAFETY: forwarded contract.
        unsafe {
            Self {
                distributor: Mmio::new(distributor),
                cpu: Mmio::new(cpu_interface),
            }
        }
    }

    /// Enable the distributor and this core's interface for both groups, accepting every
    /// priority. Interrupts are put in group 1 (non-secure): that is what the Pi firmware's
    /// armstub does, and where a non-secure kernel can take them. On a GIC without security
    /// extensions (QEMU) our accesses count as secure, so AckCtl is set too, or acknowledging
    /// a group 1 interrupt would read the special ID 1022.
    pub fn init(&self) {
        self.cpu.pmr.set(0xff);
        self.cpu.bpr.set(0);
        self.distributor.ctlr.set(ENABLE_GROUP0 | ENABLE_GROUP1);
        self.cpu.ctlr.set(ENABLE_GROUP0 | ENABLE_GROUP1 | ACK_CTL);
    }

    pub fn enable(&self, intid: u32) {
        let (word, bit) = ((intid / 32) as usize, intid % 32);
        let group = &self.distributor.igroupr[word];
        group.set(group.get() | 1 << bit);
        let priority = &self.distributor.ipriorityr[(intid / 4) as usize];
        let shift = (intid % 4) * 8;
        priority.set((priority.get() & !(0xff << shift)) | 0xa0 << shift);
        if intid >= 32 {
            // An SPI goes to no core until it is given one (PPIs are banked per core).
            let target = &self.distributor.itargetsr[(intid / 4) as usize];
            target.set((target.get() & !(0xff << shift)) | 0x01 << shift);
        }
        self.distributor.isenabler[word].set(1 << bit);
    }

    /// Stops `intid` from being signalled (the distributor's clear-enable bit).
    pub fn disable(&self, intid: u32) {
        if let Some(register) = self.distributor.icenabler.get((intid / 32) as usize) {
            register.set(1 << (intid % 32));
        }
    }

    /// Acknowledge the highest-priority pending interrupt, if any.
    pub fn pending(&self, _core: usize) -> Option<(Source, u32)> {
        let iar = self.cpu.iar.get();
        let intid = iar & 0x3ff;
        if intid >= FIRST_SPECIAL_ID {
            return None;
        }
        let source = if intid == PHYSICAL_TIMER_INTID {
            Source::PhysicalTimer
        } else {
            Source::Other(intid)
        };
        Some((source, iar))
    }

    pub fn end_of_interrupt(&self, iar: u32) {
        self.cpu.eoir.set(iar);
    }
}
