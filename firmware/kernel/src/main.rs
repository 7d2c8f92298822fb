//! ruvix-pi kernel: the boot pipeline (stages 0–4 in `boot`), then the idle loop.
#![no_std]
#![no_main]

extern crate alloc;

mod boot;
mod panic;
mod process;
#[cfg(feature = "qemu-test")]
mod selftest;

use ruvix_board as board;

/// Called by `board`'s entry code (`boot.s`) on core 0 at EL1, with the boot stack, vectors
/// and a zeroed .bss; `dtb` is the device-tree address the firmware passed (0 if none),
/// `entry_counter` the generic counter when `_start` ran.
#[unsafe(no_mangle)]
extern "C" fn kernel_main(dtb: u64, entry_counter: u64) -> ! {
    let hardware = boot::stage0_hardware::run(dtb, entry_counter);
    let verified = boot::stage1_verify::run(&hardware);
    let kernel = boot::stage2_create::run(&hardware, &verified);
    let mut system = boot::stage3_mount::run(&verified, kernel, hardware.counter_hz);
    boot::stage4_attest::run(&verified, &mut system);
    // The package's bytes may lie in memory the SEC-001 drop unmapped: nothing reads them now.
    drop(verified);

    #[cfg(feature = "qemu-test")]
    selftest::run_requested(&hardware, &mut system);

    boot::run_system(system)
}
