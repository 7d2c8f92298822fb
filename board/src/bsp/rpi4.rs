//! Raspberry Pi 4 Model B (BCM2711, Cortex-A72): memory map and interrupt routing (GIC-400).

use core::ops::Range;

use super::DeviceWindow;
use crate::drivers::gic400::{Gic400, PHYSICAL_TIMER_INTID, Source};
use crate::drivers::gpio::PullScheme;

pub const BOARD_NAME: &str = "rpi4";
pub const SOC: &str = "BCM2711";

/// The only place raw MMIO addresses of this board are written down ("low peripheral" mode,
/// the default the Pi firmware sets up).
pub mod memory_map {
    pub const PERIPHERAL_BASE: usize = 0xfe00_0000;
    pub const PERIPHERAL_SIZE: usize = 0x0180_0000;
    /// ARM-local block and the GIC-400.
    pub const LOCAL_BASE: usize = 0xff80_0000;
    pub const LOCAL_SIZE: usize = 0x0080_0000;
    pub const GIC_DISTRIBUTOR: usize = 0xff84_1000;
    pub const GIC_CPU_INTERFACE: usize = 0xff84_2000;

    pub const MAILBOX: usize = PERIPHERAL_BASE + 0xb880;
    pub const GPIO: usize = PERIPHERAL_BASE + 0x20_0000;
    pub const UART0: usize = PERIPHERAL_BASE + 0x20_1000;
    /// Low RAM ends where the peripheral area starts (0xFC000000, with PCIe/ARM-local above);
    /// boards with more than 4 GiB continue at 4 GiB.
    pub const RAM_LIMIT: u64 = 0xfc00_0000;
}

pub const GPIO_PULLS: PullScheme = PullScheme::Bcm2711;

pub fn device_windows() -> [DeviceWindow; 2] {
    use memory_map::*;
    [
        DeviceWindow {
            name: "peripherals",
            range: PERIPHERAL_BASE as u64..(PERIPHERAL_BASE + PERIPHERAL_SIZE) as u64,
        },
        DeviceWindow {
            name: "ARM local + GIC",
            range: LOCAL_BASE as u64..(LOCAL_BASE + LOCAL_SIZE) as u64,
        },
    ]
}

/// The device pages the kernel itself keeps after the SEC-001 drop: the UART (the log) and
/// the GIC (the timer tick).
pub fn kernel_device_pages() -> [(&'static str, Range<u64>); 3] {
    use memory_map::*;
    let page = |base: usize| base as u64..base as u64 + 0x1000;
    [
        ("UART0 (log)", page(UART0)),
        ("GIC distributor", page(GIC_DISTRIBUTOR)),
        ("GIC CPU interface", page(GIC_CPU_INTERFACE)),
    ]
}

// SAFETY: the GIC-400 of every BCM2711 is at these addresses, mapped as device.
static GIC: Gic400 =
    unsafe { Gic400::new(memory_map::GIC_DISTRIBUTOR, memory_map::GIC_CPU_INTERFACE) };

pub const INTERRUPT_CONTROLLER: &str = "GIC-400";

pub(crate) fn irq_init() {
    GIC.init();
    GIC.enable(PHYSICAL_TIMER_INTID);
}

/// Take every pending interrupt of core 0.
pub(crate) fn irq_dispatch(mut on_timer: impl FnMut(), mut on_other: impl FnMut(u32)) {
    for _ in 0..8 {
        match GIC.pending(0) {
            None => return,
            Some((source, iar)) => {
                match source {
                    Source::PhysicalTimer => on_timer(),
                    Source::Other(intid) => on_other(intid),
                }
                GIC.end_of_interrupt(iar);
            }
        }
    }
}
