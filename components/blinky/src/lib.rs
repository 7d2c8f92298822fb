//! `blinky`: toggles GPIO 21 (header pin 40, free on every Pi 3B/4B) through the MMIO region
//! `gpio` — the BCM2835/BCM2711 GPIO register block — and logs the level it reads back.
//!
//! Configures the pin as an output (read-modify-write of GPFSEL2), then for ever: set it
//! (GPSET0), wait, read the level register (GPLEV0), clear it (GPCLR0), wait, read again.
//! Logs `blinky: gpio21 level <0|1>` — the level *read back*, not the one written — for the
//! first 10 toggles and then every 100th. An LED between pin 40 and ground blinks at 2 Hz.

#![no_std]

use ruvix_guest::{Guest, Handle, Line, fail, regions, require, time};

/// The pin.
const PIN: u32 = 21;
/// Function select register for pins 20..=29 (3 bits per pin; 0b001 = output).
const GPFSEL2: u32 = 0x08;
/// Output set register for pins 0..=31 (write 1 to set).
const GPSET0: u32 = 0x1c;
/// Output clear register for pins 0..=31 (write 1 to clear).
const GPCLR0: u32 = 0x28;
/// Pin level register for pins 0..=31.
const GPLEV0: u32 = 0x34;
/// Half the blink period.
const HALF_PERIOD_US: u64 = 250_000;

struct Blinky;

fn read32(gpio: Handle, offset: u32) -> u32 {
    regions::read32(gpio, offset).unwrap_or_else(|e| fail("blinky: read32", e))
}

fn write32(gpio: Handle, offset: u32, value: u32) {
    if let Err(error) = regions::write32(gpio, offset, value) {
        fail("blinky: write32", error);
    }
}

fn sleep() {
    if let Err(error) = time::sleep_us(HALF_PERIOD_US) {
        fail("blinky: sleep", error);
    }
}

impl Guest for Blinky {
    fn run() {
        let gpio = require("gpio");
        let shift = (PIN % 10) * 3;
        let select = (read32(gpio, GPFSEL2) & !(0b111 << shift)) | (0b001 << shift);
        write32(gpio, GPFSEL2, select);
        Line::new("blinky: gpio21 is an output (GPFSEL2 = ")
            .hex32(read32(gpio, GPFSEL2))
            .str(")")
            .info();

        let mask = 1 << PIN;
        let mut toggles = 0u64;
        loop {
            for register in [GPSET0, GPCLR0] {
                write32(gpio, register, mask);
                sleep();
                let level = (read32(gpio, GPLEV0) & mask) >> PIN;
                toggles += 1;
                if toggles <= 10 || toggles.is_multiple_of(100) {
                    Line::new("blinky: gpio21 level ").u64(level.into()).info();
                }
            }
        }
    }
}

ruvix_guest::export!(Blinky);
