//! Raspberry Pi 4 Model B (BCM2711, Cortex-A72): memory map and interrupt routing (GIC-400).

use core::ops::Range;

use ruvix_board_desc::BoardDescription;

use super::DeviceWindow;
use crate::drivers::gic400::{Gic400, Source};
use crate::drivers::gpio::PullScheme;

/// This board's facts: the one description shared with the manifest check and the tools.
pub const BOARD: &BoardDescription = &ruvix_board_desc::RPI4;
pub const BOARD_NAME: &str = BOARD.name;
pub const SOC: &str = BOARD.soc;

/// The board's MMIO addresses, all from [`BOARD`] ("low peripheral" mode, the default the Pi
/// firmware sets up).
pub mod memory_map {
    use super::BOARD;

    pub const PERIPHERAL_BASE: usize = BOARD.peripherals.base as usize;
    pub const PERIPHERAL_SIZE: usize = BOARD.peripherals.size as usize;
    /// ARM-local block and the GIC-400.
    pub const LOCAL_BASE: usize = BOARD.local.base as usize;
    pub const LOCAL_SIZE: usize = BOARD.local.size as usize;
    pub const GIC_DISTRIBUTOR: usize = BOARD.gic_distributor as usize;
    pub const GIC_CPU_INTERFACE: usize = BOARD.gic_cpu_interface as usize;

    pub const MAILBOX: usize = BOARD.mailbox as usize;
    pub const GPIO: usize = BOARD.gpio as usize;
    pub const UART0: usize = BOARD.uart0 as usize;
    /// Low RAM ends where the peripheral area starts (0xFC000000, with PCIe/ARM-local above);
    /// boards with more than 4 GiB continue at 4 GiB.
    pub const RAM_LIMIT: u64 = BOARD.ram_limit;
}

pub const GPIO_PULLS: PullScheme = PullScheme::Bcm2711;

pub fn device_windows() -> [DeviceWindow; 2] {
    [BOARD.peripherals, BOARD.local].map(|w| DeviceWindow {
        name: w.name,
        range: w.range(),
    })
}

/// The device pages the kernel itself keeps after the SEC-001 drop (the board description's
/// kernel-owned pages: UART, mailbox, the GIC).
pub fn kernel_device_pages() -> impl Iterator<Item = (&'static str, Range<u64>)> {
    BOARD.kernel_pages().map(|p| (p.name, p.range()))
}

// SAFETY: the GIC-400 of every BCM2711 is at these addresses, mapped as device.
static GIC: Gic400 =
    unsafe { Gic400::new(memory_map::GIC_DISTRIBUTOR, memory_map::GIC_CPU_INTERFACE) };

pub const INTERRUPT_CONTROLLER: &str = "GIC-400";

pub(crate) fn irq_init() {
    GIC.init();
    GIC.enable(BOARD.interrupts.physical_timer);
    GIC.enable(BOARD.interrupts.uart0);
}

/// Take every pending interrupt of core 0.
pub(crate) fn irq_dispatch(
    mut on_timer: impl FnMut(),
    mut on_uart: impl FnMut(),
    mut on_other: impl FnMut(u32),
) {
    for _ in 0..8 {
        match GIC.pending(0) {
            None => return,
            Some((source, iar)) => {
                match source {
                    Source::PhysicalTimer => on_timer(),
                    Source::Other(intid) if intid == BOARD.interrupts.uart0 => on_uart(),
                    Source::Other(intid) => on_other(intid),
                }
                GIC.end_of_interrupt(iar);
            }
        }
    }
}

/// Disables SPI `line` (a component's device interrupt) at the GIC distributor.
pub(crate) fn mask_device_line(line: u32) {
    if (32..1020).contains(&line) && line != BOARD.interrupts.uart0 {
        GIC.disable(line);
    }
}

/// Enables SPI `line` at the GIC distributor (routed to core 0).
pub(crate) fn unmask_device_line(line: u32) {
    if (32..1020).contains(&line) && line != BOARD.interrupts.uart0 {
        GIC.enable(line);
    }
}
