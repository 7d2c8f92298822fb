//! `bench-mmio`: times `regions.read32` of a device register from wasm — the GPIO level
//! register GPLEV0 through the MMIO region `gpio`, served in the component's own process from
//! its own device mapping — and logs `bench-mmio: <n> read32 in <us> us`, then stops. Needs the
//! `gpio` region (read) and the `timer` and `log` grants.

#![no_std]

use ruvix_guest::{Guest, Line, fail, regions, require, time};

/// Pin level register for pins 0..=31.
const GPLEV0: u32 = 0x34;
/// Reads timed.
const READS: u32 = 100_000;

struct BenchMmio;

fn now_us() -> u64 {
    time::now_us().unwrap_or_else(|e| fail("bench-mmio: now", e))
}

impl Guest for BenchMmio {
    fn run() {
        let gpio = require("gpio");
        let started = now_us();
        let mut levels = 0u32;
        for _ in 0..READS {
            let level =
                regions::read32(gpio, GPLEV0).unwrap_or_else(|e| fail("bench-mmio: read32", e));
            levels = levels.wrapping_add(level);
        }
        let elapsed = now_us().saturating_sub(started);
        Line::new("bench-mmio: ")
            .u64(u64::from(READS))
            .str(" read32 in ")
            .u64(elapsed)
            .str(" us (levels sum ")
            .hex32(levels)
            .str(")")
            .info();
    }
}

ruvix_guest::export!(BenchMmio);
