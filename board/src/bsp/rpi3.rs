//! Raspberry Pi 3 Model B (BCM2837, Cortex-A53): memory map and interrupt routing.

use core::ops::Range;

use super::DeviceWindow;
use crate::drivers::bcm2836_local_intc::{LocalIntc, Source};
use crate::drivers::gpio::PullScheme;

pub const BOARD_NAME: &str = "rpi3";
pub const SOC: &str = "BCM2837";

/// The only place raw MMIO addresses of this board are written down.
pub mod memory_map {
    /// Main peripherals (the "legacy" VideoCore bus address 0x7E000000 seen by the ARM).
    pub const PERIPHERAL_BASE: usize = 0x3f00_0000;
    pub const PERIPHERAL_SIZE: usize = 0x0100_0000;
    /// ARM-local block: per-core timer and mailbox interrupt routing.
    pub const LOCAL_BASE: usize = 0x4000_0000;
    pub const LOCAL_SIZE: usize = 0x0004_0000;

    pub const MAILBOX: usize = PERIPHERAL_BASE + 0xb880;
    pub const GPIO: usize = PERIPHERAL_BASE + 0x20_0000;
    pub const UART0: usize = PERIPHERAL_BASE + 0x20_1000;
    /// RAM is everything below the peripherals.
    pub const RAM_LIMIT: u64 = PERIPHERAL_BASE as u64;
}

pub const GPIO_PULLS: PullScheme = PullScheme::Bcm2837;

pub fn device_windows() -> [DeviceWindow; 2] {
    use memory_map::*;
    [
        DeviceWindow {
            name: "peripherals",
            range: PERIPHERAL_BASE as u64..(PERIPHERAL_BASE + PERIPHERAL_SIZE) as u64,
        },
        DeviceWindow {
            name: "ARM local",
            range: LOCAL_BASE as u64..(LOCAL_BASE + LOCAL_SIZE) as u64,
        },
    ]
}

/// The device pages the kernel itself keeps after the SEC-001 drop: the UART (the log) and
/// the interrupt controller (the timer tick).
pub fn kernel_device_pages() -> [(&'static str, Range<u64>); 2] {
    use memory_map::*;
    let page = |base: usize| base as u64..base as u64 + 0x1000;
    [
        ("UART0 (log)", page(UART0)),
        ("ARM local interrupt controller", page(LOCAL_BASE)),
    ]
}

// SAFETY: the ARM-local block lives at LOCAL_BASE on every BCM2837 and is mapped as device.
static INTC: LocalIntc = unsafe { LocalIntc::new(memory_map::LOCAL_BASE) };

pub const INTERRUPT_CONTROLLER: &str = "BCM2836 ARM-local";

pub(crate) fn irq_init() {
    INTC.enable_physical_timer(0);
}

/// Take every pending interrupt of core 0.
pub(crate) fn irq_dispatch(mut on_timer: impl FnMut(), mut on_other: impl FnMut(u32)) {
    // Each source is level-triggered: handling it clears it; bounded so a stuck line cannot
    // hold the core in the handler for ever.
    for _ in 0..8 {
        match INTC.pending(0) {
            None => return,
            Some(Source::PhysicalTimer) => on_timer(),
            Some(Source::Other(bits)) => {
                on_other(bits);
                return;
            }
        }
    }
}
