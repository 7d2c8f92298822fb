//! `uart-echo`: echoes what arrives on the BCM2835 AUX mini UART, upper-cased (`a`-`z` to
//! `A`-`Z`, every other byte unchanged), served through the MMIO region `aux` and the
//! interrupt `uart` (the RX interrupt).
//!
//! Sets the mini UART up as a real Pi needs it — 8-bit mode, 115200 baud from a 250 MHz core
//! clock, the RX interrupt — (QEMU models only the data path and the interrupts), then for
//! ever: waits for `uart`, echoes every byte the receiver holds, each once and in order
//! (waiting for room in the transmitter rather than dropping one), and acknowledges the
//! interrupt. Log lines:
//! - at start: `uart-echo: started, echoing the mini UART upper-cased`;
//! - every 1000 bytes: `uart-echo: <n> bytes echoed` (n counted from the start).
//!
//! Needs the grant `log`, the region `aux` (rw) over the AUX page and the interrupt `uart`
//! (source `aux`).

#![no_std]

use ruvix_guest::{Guest, Handle, Line, fail, interrupts, regions, require, task};

/// Which AUX peripherals are on (bit 0 the mini UART; the others the two SPI masters).
const AUX_ENABLES: u32 = 0x04;
const MINI_UART_ON: u32 = 1 << 0;
/// Data: read the oldest received byte, write a byte to send.
const MU_IO: u32 = 0x40;
/// Interrupt enable.
const MU_IER: u32 = 0x44;
/// Interrupt identify; written, bits 1 and 2 clear the receive and transmit FIFOs.
const MU_IIR: u32 = 0x48;
/// Line control.
const MU_LCR: u32 = 0x4c;
/// Modem control.
const MU_MCR: u32 = 0x50;
/// Line status.
const MU_LSR: u32 = 0x54;
/// Extra control: bit 0 receiver on, bit 1 transmitter on.
const MU_CNTL: u32 = 0x60;
/// Baud rate: baud = core clock / (8 * (value + 1)).
const MU_BAUD: u32 = 0x68;

/// IER: the receive interrupt.
const IER_RX: u32 = 1 << 0;
/// IER bits 3:2: the datasheet calls them don't-care, but by the BCM2835 errata a real chip
/// raises no interrupt without them (QEMU ignores them).
const IER_REAL_CHIP: u32 = 0b1100;
/// IIR: clear both FIFOs (with the FIFO-enable bits 7:6 set, as they read).
const IIR_CLEAR_FIFOS: u32 = 0xc6;
/// LCR: 8-bit characters.
const LCR_8_BIT: u32 = 3;
/// CNTL: receiver and transmitter on.
const CNTL_RX_TX: u32 = 3;
/// 115200 baud at the 250 MHz core clock: 250 MHz / (8 * 271) = 115,313 baud (+0.1 %).
const BAUD_115200_AT_250_MHZ: u32 = 270;
/// LSR: the receiver holds at least one byte.
const LSR_DATA_READY: u32 = 1 << 0;
/// LSR: the transmitter can accept a byte.
const LSR_TX_EMPTY: u32 = 1 << 5;

/// LSR reads while the transmitter is full before yielding to the rest of the system.
const SPINS_PER_YIELD: u32 = 64;
/// Bytes between progress lines.
const LOG_EVERY: u64 = 1000;

struct UartEcho;

/// The mini UART's registers in the region `aux`.
struct MiniUart {
    region: Handle,
}

impl MiniUart {
    fn read(&self, offset: u32) -> u32 {
        regions::read32(self.region, offset).unwrap_or_else(|e| fail("uart-echo: read32", e))
    }

    fn write(&self, offset: u32, value: u32) {
        if let Err(error) = regions::write32(self.region, offset, value) {
            fail("uart-echo: write32", error);
        }
    }

    /// On, 8N1 at 115200 baud, FIFOs cleared, the receive interrupt enabled.
    fn set_up(&self) {
        // Keep the SPI masters' enable bits as they are.
        self.write(AUX_ENABLES, self.read(AUX_ENABLES) | MINI_UART_ON);
        // Receiver and transmitter off while the line is configured.
        self.write(MU_CNTL, 0);
        self.write(MU_LCR, LCR_8_BIT);
        self.write(MU_MCR, 0);
        self.write(MU_IER, 0);
        self.write(MU_IIR, IIR_CLEAR_FIFOS);
        self.write(MU_BAUD, BAUD_115200_AT_250_MHZ);
        self.write(MU_IER, IER_RX | IER_REAL_CHIP);
        self.write(MU_CNTL, CNTL_RX_TX);
    }

    /// The oldest received byte, if the receiver holds one.
    fn receive(&self) -> Option<u8> {
        if self.read(MU_LSR) & LSR_DATA_READY == 0 {
            return None;
        }
        Some((self.read(MU_IO) & 0xff) as u8)
    }

    /// Sends `byte`, waiting for room in the transmitter however long it takes (yielding every
    /// [`SPINS_PER_YIELD`] reads), so no byte is dropped.
    fn send(&self, byte: u8) {
        let mut spins = 0u32;
        while self.read(MU_LSR) & LSR_TX_EMPTY == 0 {
            spins += 1;
            if spins.is_multiple_of(SPINS_PER_YIELD) {
                task::yield_now();
            }
        }
        self.write(MU_IO, byte.into());
    }
}

impl Guest for UartEcho {
    fn run() {
        // `log` takes no handle; looking it up checks the grant at once.
        require("log");
        let uart = MiniUart {
            region: require("aux"),
        };
        let irq = require("uart");
        uart.set_up();
        Line::new("uart-echo: started, echoing the mini UART upper-cased").info();

        let mut echoed = 0u64;
        loop {
            if let Err(error) = interrupts::wait(irq) {
                fail("uart-echo: wait", error);
            }
            // Reading the receiver empty is what clears its interrupt condition.
            while let Some(byte) = uart.receive() {
                uart.send(byte.to_ascii_uppercase());
                echoed += 1;
                if echoed.is_multiple_of(LOG_EVERY) {
                    Line::new("uart-echo: ")
                        .u64(echoed)
                        .str(" bytes echoed")
                        .info();
                }
            }
            if let Err(error) = interrupts::ack(irq) {
                fail("uart-echo: ack", error);
            }
        }
    }
}

ruvix_guest::export!(UartEcho);
