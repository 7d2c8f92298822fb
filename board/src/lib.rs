//! Board support for ruvix-pi: everything that touches CPU system registers or MMIO.
//!
//! - [`arch`]: the AArch64 half — entry and exception levels (`boot.s`), the exception vectors
//!   and fault report, the MMU, the generic timer, cache maintenance, `critical-section`.
//! - [`bsp`]: the per-board half — the memory map and interrupt controller of the Pi 3
//!   (BCM2837) or Pi 4 (BCM2711), chosen with the `rpi3` / `rpi4` feature.
//! - [`drivers`]: PL011 UART, VideoCore mailbox, GPIO, BCM2836 local interrupt controller,
//!   GIC-400, each on `tock-registers`.
//!
//! The kernel calls [`bring_up`] once; it returns what was found ([`BoardInfo`]) with the MMU,
//! caches, heap, log and interrupt controller running.
#![no_std]

pub mod arch;
pub mod board_info;
pub mod bsp;
pub mod console;
pub mod drivers;
pub mod heap;
pub mod irq;
pub mod memory;

pub use arch::cpu::{ExitCode, fatal_stop};
pub use arch::{cpu, layout, mmu, timer};
pub use board_info::BoardInfo;

use drivers::gpio::Gpio;
use drivers::mailbox::{Clock, Mailbox};

/// The UART clock we ask the firmware for; it divides to 115200 baud with a small error.
const UART_CLOCK_HZ: u32 = 48_000_000;

// SAFETY: the mailbox and GPIO register blocks of the chosen board, mapped as device memory.
static MAILBOX: Mailbox = unsafe { Mailbox::new(bsp::memory_map::MAILBOX) };
// SAFETY: as above.
pub static GPIO: Gpio = unsafe { Gpio::new(bsp::memory_map::GPIO, bsp::GPIO_PULLS) };

/// Errors that stop stage 0.
#[derive(Debug, defmt::Format)]
pub enum BringUpError {
    Mmu(mmu::MmuError),
}

/// Stage 0 hardware bring-up: UART (with its clock from the firmware), board discovery, MMU
/// and caches, heap, interrupt controller. `dtb` is what the boot firmware left in x0.
pub fn bring_up(dtb: u64) -> Result<BoardInfo, BringUpError> {
    // The UART first, so everything after can report. Its clock comes from the firmware:
    // on a real Pi it is not what the PL011 defaults assume.
    let _ = MAILBOX.set_clock_rate(Clock::Uart, UART_CLOCK_HZ);
    let uart_clock = MAILBOX.clock_rate(Clock::Uart).ok().filter(|&hz| hz != 0);
    GPIO.route_uart0();
    console::UART.init(uart_clock.unwrap_or(UART_CLOCK_HZ));

    let device_tree = board_info::read_device_tree(dtb);
    let info = board_info::discover(
        &MAILBOX,
        device_tree,
        uart_clock,
        bsp::memory_map::RAM_LIMIT,
    );

    mmu::enable_boot_map(&info).map_err(BringUpError::Mmu)?;
    heap::init(layout::get().heap);
    irq::init();
    Ok(info)
}
