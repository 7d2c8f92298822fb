//! `irq-storm`: a driver that never acknowledges. It turns on the mini UART's transmit
//! interrupt, which stays asserted for as long as the transmitter is empty (always, here), waits
//! for it once and then never clears it nor calls `ack`. The kernel masked the line when it
//! fired and keeps it masked, so the rest of the system must not notice (the storm tests).
//! Log line: `irq-storm: fired <n> time(s), never acknowledging`.
//!
//! Needs the grant `log`, the region `aux` (rw) and the interrupt `uart` (source `aux`).

#![no_std]

use ruvix_guest::{Guest, Line, fail, interrupts, regions, require, time};

const AUX_ENABLES: u32 = 0x04;
const MU_IER: u32 = 0x44;
const MU_CNTL: u32 = 0x60;
/// IER: the transmit interrupt (asserted while the transmitter is empty), with the bits a real
/// chip needs.
const IER_TX: u32 = 0b1110;

struct IrqStorm;

impl Guest for IrqStorm {
    fn run() {
        require("log");
        let aux = require("aux");
        let irq = require("uart");
        let write = |offset, value| {
            if let Err(error) = regions::write32(aux, offset, value) {
                fail("irq-storm: write32", error);
            }
        };
        let enables =
            regions::read32(aux, AUX_ENABLES).unwrap_or_else(|e| fail("irq-storm: read32", e));
        write(AUX_ENABLES, enables | 1);
        write(MU_CNTL, 3);
        write(MU_IER, IER_TX);
        let fired = interrupts::wait(irq).unwrap_or_else(|e| fail("irq-storm: wait", e));
        Line::new("irq-storm: fired ")
            .u64(fired.into())
            .str(" time(s), never acknowledging")
            .info();
        loop {
            // Sleeping, not polling: the line is masked and stays so.
            let _ = time::sleep_us(1_000_000);
        }
    }
}

ruvix_guest::export!(IrqStorm);
