//! `bench-compute`: the compute suite (`ruvix-bench-suite`: CRC-32, matrix multiply,
//! recursive Fibonacci, heapsort, key=value parsing) compiled to wasm, each kernel run once
//! and timed with `time::now_us` — under `-icount shift=0`, 1 µs is 1,000 guest instructions —
//! logging `bench-compute <kernel>: <us> us, checksum <hex>`, then `bench-compute: done`.
//! The test kernel's `compute` scenario runs the same kernels natively first, in the same
//! boot, and `just bench` compares the two. Needs the `timer` and `log` grants.

#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use ruvix_bench_suite::{Kernel, Scratch};
use ruvix_guest::{Guest, Line, fail, time};

struct BenchCompute;

fn now_us() -> u64 {
    time::now_us().unwrap_or_else(|e| fail("bench-compute: now", e))
}

impl Guest for BenchCompute {
    fn run() {
        // About 116 KiB: on the heap, as components have a 64 KiB stack
        // (components/.cargo/config.toml).
        let mut scratch = Box::new(Scratch::new());
        for kernel in Kernel::ALL {
            let measured = kernel.measure(&mut scratch, now_us);
            Line::new("bench-compute ")
                .str(kernel.name())
                .str(": ")
                .u64(measured.elapsed)
                .str(" us, checksum ")
                .hex32(measured.checksum)
                .info();
        }
        Line::new("bench-compute: done").info();
    }
}

ruvix_guest::export!(BenchCompute);
