//! GPIO function select and pulls; used to put GPIO14/15 on UART0 (ALT0) for real boards and
//! later handed to components as an MMIO region.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::ReadWrite;

use super::Mmio;

register_structs! {
    pub Registers {
        (0x00 => gpfsel: [ReadWrite<u32>; 6]),
        (0x18 => _reserved0),
        (0x1c => gpset: [ReadWrite<u32>; 2]),
        (0x24 => _reserved1),
        (0x28 => gpclr: [ReadWrite<u32>; 2]),
        (0x30 => _reserved2),
        (0x34 => gplev: [ReadWrite<u32>; 2]),
        (0x3c => _reserved3),
        (0x94 => gppud: ReadWrite<u32>),
        (0x98 => gppudclk: [ReadWrite<u32>; 2]),
        (0xa0 => _reserved4),
        (0xe4 => pup_pdn_cntrl: [ReadWrite<u32>; 4]),
        (0xf4 => @END),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Function {
    Input = 0b000,
    Output = 0b001,
    Alt0 = 0b100,
}

/// How this SoC disables pull resistors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PullScheme {
    /// BCM2837: GPPUD + GPPUDCLK clocking sequence.
    Bcm2837,
    /// BCM2711: two bits per pin in GPIO_PUP_PDN_CNTRL_REGn.
    Bcm2711,
}

pub struct Gpio {
    registers: Mmio<Registers>,
    pulls: PullScheme,
}

impl Gpio {
    /// # Safety
    /// `base` is the GPIO register block (see `Mmio::new`).
    pub const unsafe fn new(base: usize, pulls: PullScheme) -> Self {
        Self {
            // SAFETY: the caller guarantees what `Mmio::new` requires.
            registers: unsafe { Mmio::new(base) },
            pulls,
        }
    }

    pub fn set_function(&self, pin: usize, function: Function) {
        let register = &self.registers.gpfsel[pin / 10];
        let shift = (pin % 10) * 3;
        let value = register.get() & !(0b111 << shift);
        register.set(value | (function as u32) << shift);
    }

    pub fn disable_pulls(&self, pins: &[usize]) {
        match self.pulls {
            PullScheme::Bcm2711 => {
                for &pin in pins {
                    let register = &self.registers.pup_pdn_cntrl[pin / 16];
                    let shift = (pin % 16) * 2;
                    register.set(register.get() & !(0b11 << shift));
                }
            }
            PullScheme::Bcm2837 => {
                // The documented sequence: select "off", wait 150 cycles, clock it into the
                // chosen pins, wait, then clear both.
                self.registers.gppud.set(0);
                crate::arch::timer::spin_for(core::time::Duration::from_micros(5));
                let mask = pins
                    .iter()
                    .fold(0u32, |m, &p| if p < 32 { m | 1 << p } else { m });
                self.registers.gppudclk[0].set(mask);
                crate::arch::timer::spin_for(core::time::Duration::from_micros(5));
                self.registers.gppudclk[0].set(0);
            }
        }
    }

    /// Route GPIO14 (TXD0) and GPIO15 (RXD0) to the PL011.
    pub fn route_uart0(&self) {
        self.disable_pulls(&[14, 15]);
        self.set_function(14, Function::Alt0);
        self.set_function(15, Function::Alt0);
    }

    pub fn level(&self, pin: usize) -> bool {
        self.registers.gplev[pin / 32].get() & (1 << (pin % 32)) != 0
    }
}
