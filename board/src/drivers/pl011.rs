//! ARM PrimeCell PL011 UART (UART0 on both boards): 115200 8N1, FIFO on; transmit by
//! interrupt (the log drain) or, on the fatal path, by polling.

use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

use super::Mmio;

register_bitfields! {u32,
    FR [
        TXFE OFFSET(7) NUMBITS(1) [],
        RXFF OFFSET(6) NUMBITS(1) [],
        TXFF OFFSET(5) NUMBITS(1) [],
        RXFE OFFSET(4) NUMBITS(1) [],
        BUSY OFFSET(3) NUMBITS(1) []
    ],
    LCR_H [
        WLEN OFFSET(5) NUMBITS(2) [EightBit = 0b11],
        FEN OFFSET(4) NUMBITS(1) []
    ],
    CR [
        RXE OFFSET(9) NUMBITS(1) [],
        TXE OFFSET(8) NUMBITS(1) [],
        UARTEN OFFSET(0) NUMBITS(1) []
    ],
    IFLS [
        /// Transmit interrupt when the FIFO drains to this level: 0b000 = 1/8 full.
        TXIFLSEL OFFSET(0) NUMBITS(3) [OneEighth = 0b000]
    ],
    IMSC [
        /// Receive timeout: bytes wait in the FIFO below its trigger level.
        RTIM OFFSET(6) NUMBITS(1) [],
        TXIM OFFSET(5) NUMBITS(1) [],
        RXIM OFFSET(4) NUMBITS(1) []
    ]
}

register_structs! {
    pub Registers {
        (0x00 => dr: ReadWrite<u32>),
        (0x04 => _reserved0),
        (0x18 => fr: ReadOnly<u32, FR::Register>),
        (0x1c => _reserved1),
        (0x24 => ibrd: WriteOnly<u32>),
        (0x28 => fbrd: WriteOnly<u32>),
        (0x2c => lcr_h: WriteOnly<u32, LCR_H::Register>),
        (0x30 => cr: WriteOnly<u32, CR::Register>),
        (0x34 => ifls: WriteOnly<u32, IFLS::Register>),
        (0x38 => imsc: ReadWrite<u32, IMSC::Register>),
        (0x3c => _reserved2),
        (0x44 => icr: WriteOnly<u32>),
        (0x48 => @END),
    }
}

pub const BAUD: u32 = 115_200;

/// Transmit FIFO depth of the PL011 on the BCM2837 and BCM2711.
pub const TX_FIFO_DEPTH: usize = 16;

pub struct Pl011 {
    registers: Mmio<Registers>,
}

/// Integer and fractional baud-rate divisors for `clock_hz`: clock / (16 * baud), the fraction
/// in 1/64ths, rounded.
pub const fn divisors(clock_hz: u32, baud: u32) -> (u32, u32) {
    let scaled = (clock_hz as u64 * 4 + baud as u64 / 2) / baud as u64; // clock*64/(16*baud)
    ((scaled / 64) as u32, (scaled % 64) as u32)
}

impl Pl011 {
    /// # Safety
    /// `base` is the PL011's register block (see `Mmio::new`).
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            // SAFETY: the caller guarantees what `Mmio::new` requires.
            registers: unsafe { Mmio::new(base) },
        }
    }

    /// Program 115200 8N1 with FIFOs for a UART clock of `clock_hz`.
    pub fn init(&self, clock_hz: u32) {
        self.flush();
        self.registers.cr.set(0);
        self.registers.icr.set(0x7ff);
        let (integer, fraction) = divisors(clock_hz, BAUD);
        self.registers.ibrd.set(integer);
        self.registers.fbrd.set(fraction);
        self.registers
            .lcr_h
            .write(LCR_H::WLEN::EightBit + LCR_H::FEN::SET);
        self.registers.ifls.write(IFLS::TXIFLSEL::OneEighth);
        self.registers.imsc.set(0);
        self.registers
            .cr
            .write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
    }

    pub fn write_byte(&self, byte: u8) {
        while self.registers.fr.is_set(FR::TXFF) {
            core::hint::spin_loop();
        }
        self.registers.dr.set(u32::from(byte));
    }

    /// Put `byte` into the transmit FIFO unless it is full; never waits.
    pub fn try_write_byte(&self, byte: u8) -> bool {
        if self.registers.fr.is_set(FR::TXFF) {
            return false;
        }
        self.registers.dr.set(u32::from(byte));
        true
    }

    /// Whether the transmit interrupt (FIFO drained below its level) is unmasked.
    pub fn set_tx_interrupt(&self, on: bool) {
        self.registers.imsc.modify(if on {
            IMSC::TXIM::SET
        } else {
            IMSC::TXIM::CLEAR
        });
    }

    /// The receive interrupts (a byte arrived, or bytes wait below the FIFO's trigger level).
    pub fn set_rx_interrupt(&self, on: bool) {
        self.registers.imsc.modify(if on {
            IMSC::RXIM::SET + IMSC::RTIM::SET
        } else {
            IMSC::RXIM::CLEAR + IMSC::RTIM::CLEAR
        });
    }

    pub fn write_bytes(&self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    /// Wait until every queued byte has left the transmitter.
    pub fn flush(&self) {
        while self.registers.fr.is_set(FR::BUSY) {
            core::hint::spin_loop();
        }
    }

    pub fn try_read_byte(&self) -> Option<u8> {
        if self.registers.fr.is_set(FR::RXFE) {
            None
        } else {
            Some(self.registers.dr.get() as u8)
        }
    }
}
