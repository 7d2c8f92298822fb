//! The `compute` scenario: the compute suite (`ruvix-bench-suite`) natively, then the packaged
//! system, in one boot. Each kernel runs once here at EL1 (MMU on, caches on, before the
//! tick starts: nothing interrupts it), timed with the generic counter, and logs
//!
//! `compute native <kernel>: <ticks> ticks, checksum <hex>`
//!
//! then the system runs as in the `run` scenario, so the `bench-compute` component's lines for
//! the same kernels, compiled to wasm, come in the same log (`just bench` compares the two; a
//! QEMU test checks the checksums agree).

use ruvix_bench_suite::{Kernel, Scratch};

use super::run_and_report;
use crate::board;
use crate::boot::stage3_mount::System;

pub(super) fn compute(_: &board::BoardInfo, system: &mut System) {
    defmt::info!(
        "compute native: counter at {=u64} Hz",
        board::timer::frequency()
    );
    // About 116 KiB: the boot stack has 1 MiB.
    let mut scratch = Scratch::new();
    for kernel in Kernel::ALL {
        let measured = kernel.measure(&mut scratch, board::timer::counter);
        defmt::info!(
            "compute native {=str}: {=u64} ticks, checksum {=u32:#010x}",
            kernel.name(),
            measured.elapsed,
            measured.checksum
        );
    }
    run_and_report(system, "compute");
}
