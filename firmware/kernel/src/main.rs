//! ruvix-pi kernel: the boot pipeline (stages 0–4 in `boot`), then the idle loop.
#![no_std]
#![no_main]

extern crate alloc;

mod boot;
mod panic;
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
    let mut kernel = boot::stage2_create::run(&hardware, &verified);
    boot::stage3_mount::run(&verified, &mut kernel);
    boot::stage4_attest::run(&verified, &mut kernel);

    #[cfg(feature = "qemu-test")]
    selftest::run_requested(&hardware);

    boot::idle(&hardware)
}
