//! Raspberry Pi 3 Model B (BCM2837, Cortex-A53): memory map and interrupt routing.

use core::ops::Range;

use ruvix_board_desc::BoardDescription;

use super::DeviceWindow;
use crate::drivers::bcm2835_intc::PeripheralIntc;
use crate::drivers::bcm2836_local_intc::{LocalIntc, Source};
use crate::drivers::gpio::PullScheme;

/// This board's facts: the one description shared with the manifest check and the tools.
pub const BOARD: &BoardDescription = &ruvix_board_desc::RPI3;
pub const BOARD_NAME: &str = BOARD.name;
pub const SOC: &str = BOARD.soc;

/// The board's MMIO addresses, all from [`BOARD`].
pub mod memory_map {
    use super::BOARD;

    /// Main peripherals (the "legacy" VideoCore bus address 0x7E000000 seen by the ARM).
    pub const PERIPHERAL_BASE: usize = BOARD.peripherals.base as usize;
    pub const PERIPHERAL_SIZE: usize = BOARD.peripherals.size as usize;
    /// ARM-local block: per-core timer and interrupt routing.
    pub const LOCAL_BASE: usize = BOARD.local.base as usize;
    pub const LOCAL_SIZE: usize = BOARD.local.size as usize;

    pub const MAILBOX: usize = BOARD.mailbox as usize;
    pub const GPIO: usize = BOARD.gpio as usize;
    pub const UART0: usize = BOARD.uart0 as usize;
    /// The BCM2835 controller of the peripheral ("GPU") interrupts.
    pub const PERIPHERAL_INTC: usize = BOARD.peripheral_intc as usize;
    /// RAM is everything below the peripherals.
    pub const RAM_LIMIT: u64 = BOARD.ram_limit;
}

pub const GPIO_PULLS: PullScheme = PullScheme::Bcm2837;

pub fn device_windows() -> [DeviceWindow; 2] {
    [BOARD.peripherals, BOARD.local].map(|w| DeviceWindow {
        name: w.name,
        range: w.range(),
    })
}

/// The device pages the kernel itself keeps after the SEC-001 drop (the board description's
/// kernel-owned pages: UART, mailbox and peripheral interrupt controller, ARM-local).
pub fn kernel_device_pages() -> impl Iterator<Item = (&'static str, Range<u64>)> {
    BOARD.kernel_pages().map(|p| (p.name, p.range()))
}

// SAFETY: the ARM-local block lives at LOCAL_BASE on every BCM2837 and is mapped as device.
static INTC: LocalIntc = unsafe { LocalIntc::new(memory_map::LOCAL_BASE) };
// SAFETY: the BCM2835 interrupt controller of every BCM2837, mapped as device.
static PERIPHERAL: PeripheralIntc = unsafe { PeripheralIntc::new(memory_map::PERIPHERAL_INTC) };

pub const INTERRUPT_CONTROLLER: &str = "BCM2836 ARM-local + BCM2835";

pub(crate) fn irq_init() {
    INTC.enable_physical_timer(0);
    INTC.route_peripheral_interrupts_to(0);
    PERIPHERAL.enable(BOARD.interrupts.uart0);
}

/// Take every pending interrupt of core 0.
pub(crate) fn irq_dispatch(
    mut on_timer: impl FnMut(),
    mut on_uart: impl FnMut(),
    mut on_other: impl FnMut(u32),
) {
    // Each source is level-triggered: handling it clears it; bounded so a stuck line cannot
    // hold the core in the handler for ever.
    for _ in 0..8 {
        match INTC.pending(0) {
            None => return,
            Some(Source::PhysicalTimer) => on_timer(),
            Some(Source::Peripheral) => {
                if PERIPHERAL.is_pending(BOARD.interrupts.uart0) {
                    on_uart();
                } else {
                    // A component's device line (masked by `on_other`), or nobody's.
                    let mut pending = PERIPHERAL.pending_lines();
                    if pending == 0 {
                        on_other(0x100);
                        return;
                    }
                    while pending != 0 {
                        on_other(pending.trailing_zeros());
                        pending &= pending - 1;
                    }
                }
            }
            Some(Source::Other(bits)) => {
                on_other(bits);
                return;
            }
        }
    }
}

/// Disables peripheral line `line` (a component's device interrupt) at the BCM2835 controller.
pub(crate) fn mask_device_line(line: u32) {
    if line < 64 && line != BOARD.interrupts.uart0 {
        PERIPHERAL.disable(line);
    }
}

/// Enables peripheral line `line` at the BCM2835 controller.
pub(crate) fn unmask_device_line(line: u32) {
    if line < 64 && line != BOARD.interrupts.uart0 {
        PERIPHERAL.enable(line);
    }
}
