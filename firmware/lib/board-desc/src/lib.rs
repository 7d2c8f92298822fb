//! The single source of truth for each board's facts: where the device windows are, which
//! 4 KiB device pages exist and who may have them, the interrupt numbers the kernel uses and
//! the device interrupts components may be given, and the RAM facts the code relies on.
//!
//! The board layer (`board/src/bsp`) takes its addresses from here, the manifest validation
//! (shared by `rvf pack` and stage 1) refuses regions over the pages the kernel owns and
//! warns about pages that hold state the kernel depends on, the runner and the QEMU tests look
//! up UART and machine names here, and the README's page table is checked against it.
#![no_std]
#![forbid(unsafe_code)]

use core::fmt;
use core::ops::Range;

/// The size of a device page (the translation granule).
pub const PAGE_SIZE: u64 = 0x1000;

/// A range of the physical address map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// What it is.
    pub name: &'static str,
    /// First byte.
    pub base: u64,
    /// Size in bytes.
    pub size: u64,
}

impl Window {
    /// `base..base + size`.
    pub const fn range(&self) -> Range<u64> {
        self.base..self.base + self.size
    }
}

/// Who may be given a device page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The kernel uses it for itself: never grantable.
    Kernel,
    /// Grantable, but it also holds state the kernel depends on (a manifest granting it gets a
    /// warning saying what).
    SharedWithKernel,
}

/// A 4 KiB device page the kernel knows about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevicePage {
    /// Its name in messages (`UART0`, `GIC distributor`, ...).
    pub name: &'static str,
    /// Physical address (page aligned).
    pub base: u64,
    /// Who may have it.
    pub owner: Owner,
    /// Why: what the kernel uses it for.
    pub why: &'static str,
}

impl DevicePage {
    /// `base..base + PAGE_SIZE`.
    pub const fn range(&self) -> Range<u64> {
        self.base..self.base + PAGE_SIZE
    }

    /// Whether `range` touches this page.
    pub fn overlaps(&self, range: &Range<u64>) -> bool {
        range.start < self.base + PAGE_SIZE && self.base < range.end
    }
}

/// The interrupt controller that takes device interrupts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptController {
    /// Pi 3: the BCM2836 ARM-local controller (per-core timer lines, the "GPU interrupt"
    /// line) in front of the BCM2835 peripheral controller.
    Bcm2836Local,
    /// Pi 4: a GIC-400 (GICv2).
    Gic400,
}

/// Interrupt numbers the kernel uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupts {
    /// The controller.
    pub controller: InterruptController,
    /// The PL011 UART0: GPU (peripheral) interrupt 57 on the BCM2835 controller (Pi 3), GIC
    /// INTID 153 = SPI 121 (Pi 4).
    pub uart0: u32,
    /// The EL1 physical timer: the ARM-local CNTPNSIRQ bit (Pi 3), PPI INTID 30 (Pi 4).
    pub physical_timer: u32,
}

/// A device interrupt a component may be given (the manifest's `[[interrupt]]` `source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterruptLine {
    /// Board-neutral source name: "system-timer-1", "system-timer-3", "aux".
    pub source: &'static str,
    /// The controller's number for it: on the Pi 3 the BCM2835 peripheral ("GPU") interrupt
    /// number (0..64); on the Pi 4 the GIC-400 INTID.
    pub line: u32,
    /// What raises it (for messages), e.g. "system timer compare 1", "AUX (mini UART, SPI1,
    /// SPI2)".
    pub device: &'static str,
    /// The physical 4 KiB page of the device's registers: its holder needs this page granted
    /// `rw` (an MMIO region covering it) to clear the device's interrupt condition before
    /// acknowledging.
    pub device_page: u64,
}

/// Everything the firmware and the tools know about one board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardDescription {
    /// Short name: `rpi3`, `rpi4` (cargo feature `board-<name>`, image directory, manifest
    /// `boards`).
    pub name: &'static str,
    /// The board.
    pub model: &'static str,
    /// The SoC.
    pub soc: &'static str,
    /// QEMU's `-M` machine.
    pub qemu_machine: &'static str,
    /// The main peripheral window (MMIO regions are given as offsets into it).
    pub peripherals: Window,
    /// The ARM-local window (and, on the Pi 4, the GIC).
    pub local: Window,
    /// PL011 UART0, where the log goes.
    pub uart0: u64,
    /// The VideoCore mailbox registers.
    pub mailbox: u64,
    /// The GPIO registers.
    pub gpio: u64,
    /// Pi 3: the BCM2835 peripheral interrupt controller registers.
    pub peripheral_intc: u64,
    /// Pi 4: the GIC-400 distributor and CPU interface (0 on the Pi 3).
    pub gic_distributor: u64,
    /// See `gic_distributor`.
    pub gic_cpu_interface: u64,
    /// Device pages the kernel knows about, by address.
    pub pages: &'static [DevicePage],
    /// Interrupt numbers.
    pub interrupts: Interrupts,
    /// The device interrupts components may be given.
    pub device_interrupts: &'static [InterruptLine],
    /// ARM RAM ends here at the latest (where the peripherals, or on the Pi 4 the space below
    /// them, start); more RAM on a 4 GiB+ Pi 4 continues at 4 GiB.
    pub ram_limit: u64,
    /// The smallest RAM (VideoCore share included) any board of this kind has: the build-time
    /// check uses it, stage 1 checks again against what it finds.
    pub min_ram: u64,
}

impl BoardDescription {
    /// The device pages the kernel owns (never grantable; kept mapped after SEC-001).
    pub fn kernel_pages(&self) -> impl Iterator<Item = &'static DevicePage> {
        self.pages.iter().filter(|p| p.owner == Owner::Kernel)
    }

    /// The first kernel-owned page `range` (physical) touches.
    pub fn kernel_page_in(&self, range: &Range<u64>) -> Option<&'static DevicePage> {
        self.kernel_pages().find(|p| p.overlaps(range))
    }

    /// The first page shared with the kernel that `range` touches.
    pub fn shared_page_in(&self, range: &Range<u64>) -> Option<&'static DevicePage> {
        self.pages
            .iter()
            .find(|p| p.owner == Owner::SharedWithKernel && p.overlaps(range))
    }

    /// The device interrupt `source` names on this board.
    pub fn device_interrupt(&self, source: &str) -> Option<&'static InterruptLine> {
        self.device_interrupts.iter().find(|i| i.source == source)
    }

    /// The board called `name` (`rpi3`, `rpi4`).
    pub fn by_name(name: &str) -> Option<&'static BoardDescription> {
        BOARDS.iter().copied().find(|b| b.name == name)
    }
}

impl fmt::Display for BoardDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.model, self.soc)
    }
}

const fn page(name: &'static str, base: u64, owner: Owner, why: &'static str) -> DevicePage {
    DevicePage {
        name,
        base,
        owner,
        why,
    }
}

const GPIO_WHY: &str =
    "its function-select registers also route GPIO14/15 to UART0, the kernel's log (GPFSEL1)";
const UART_WHY: &str = "the kernel's log";
const MAILBOX_WHY: &str = "the kernel asks the firmware for clocks and board facts through it";

const RPI3_PERIPHERALS: u64 = 0x3f00_0000;
const RPI4_PERIPHERALS: u64 = 0xfe00_0000;

/// The system timer's registers (control/status, counter, compare 0..3), from the peripheral
/// base; the same on both boards.
const SYSTEM_TIMER_OFFSET: u64 = 0x3000;
/// The AUX block's registers (interrupt status, enables, mini UART, SPI1, SPI2).
const AUX_OFFSET: u64 = 0x21_5000;

/// Compare channels 0 and 2 of the system timer are the VideoCore's, so only 1 and 3 are
/// offered. `line` is the VideoCore IRQ number n; the Pi 4's GIC sees it as SPI 64 + n
/// (INTID 96 + n, as UART0's 57 is INTID 153).
const fn device_interrupts(peripherals: u64, intid_base: u32) -> [InterruptLine; 3] {
    let timer = peripherals + SYSTEM_TIMER_OFFSET;
    [
        InterruptLine {
            source: "system-timer-1",
            line: intid_base + 1,
            device: "system timer compare 1",
            device_page: timer,
        },
        InterruptLine {
            source: "system-timer-3",
            line: intid_base + 3,
            device: "system timer compare 3",
            device_page: timer,
        },
        InterruptLine {
            source: "aux",
            line: intid_base + 29,
            device: "AUX (mini UART, SPI1, SPI2)",
            device_page: peripherals + AUX_OFFSET,
        },
    ]
}

/// On the Pi 3 the BCM2835 controller numbers the VideoCore IRQs from 0.
const RPI3_DEVICE_INTERRUPTS: [InterruptLine; 3] = device_interrupts(RPI3_PERIPHERALS, 0);
/// On the Pi 4 VideoCore IRQ n is GIC SPI 64 + n, INTID 32 + 64 + n.
const RPI4_DEVICE_INTERRUPTS: [InterruptLine; 3] = device_interrupts(RPI4_PERIPHERALS, 96);

/// Raspberry Pi 3 Model B (BCM2837, Cortex-A53); QEMU `raspi3b`.
pub const RPI3: BoardDescription = BoardDescription {
    name: "rpi3",
    model: "Raspberry Pi 3 Model B",
    soc: "BCM2837",
    qemu_machine: "raspi3b",
    peripherals: Window {
        name: "peripherals",
        base: RPI3_PERIPHERALS,
        size: 0x0100_0000,
    },
    local: Window {
        name: "ARM local",
        base: 0x4000_0000,
        size: 0x0004_0000,
    },
    uart0: RPI3_PERIPHERALS + 0x20_1000,
    mailbox: RPI3_PERIPHERALS + 0xb880,
    gpio: RPI3_PERIPHERALS + 0x20_0000,
    peripheral_intc: RPI3_PERIPHERALS + 0xb200,
    gic_distributor: 0,
    gic_cpu_interface: 0,
    pages: &[
        page(
            "mailbox and peripheral interrupt controller",
            RPI3_PERIPHERALS + 0xb000,
            Owner::Kernel,
            "the VideoCore mailbox, and the BCM2835 controller that delivers the UART interrupt",
        ),
        page(
            "GPIO",
            RPI3_PERIPHERALS + 0x20_0000,
            Owner::SharedWithKernel,
            GPIO_WHY,
        ),
        page(
            "UART0",
            RPI3_PERIPHERALS + 0x20_1000,
            Owner::Kernel,
            UART_WHY,
        ),
        page(
            "ARM-local interrupt controller",
            0x4000_0000,
            Owner::Kernel,
            "the timer tick and the routing of every interrupt to core 0",
        ),
    ],
    interrupts: Interrupts {
        controller: InterruptController::Bcm2836Local,
        uart0: 57,
        physical_timer: 1,
    },
    device_interrupts: &RPI3_DEVICE_INTERRUPTS,
    ram_limit: RPI3_PERIPHERALS,
    min_ram: 1 << 30,
};

/// Raspberry Pi 4 Model B (BCM2711, Cortex-A72), "low peripheral" mode (what the firmware
/// sets up); QEMU `raspi4b`.
pub const RPI4: BoardDescription = BoardDescription {
    name: "rpi4",
    model: "Raspberry Pi 4 Model B",
    soc: "BCM2711",
    qemu_machine: "raspi4b",
    peripherals: Window {
        name: "peripherals",
        base: RPI4_PERIPHERALS,
        size: 0x0180_0000,
    },
    local: Window {
        name: "ARM local + GIC",
        base: 0xff80_0000,
        size: 0x0080_0000,
    },
    uart0: RPI4_PERIPHERALS + 0x20_1000,
    mailbox: RPI4_PERIPHERALS + 0xb880,
    gpio: RPI4_PERIPHERALS + 0x20_0000,
    peripheral_intc: RPI4_PERIPHERALS + 0xb200,
    gic_distributor: 0xff84_1000,
    gic_cpu_interface: 0xff84_2000,
    pages: &[
        page(
            "mailbox",
            RPI4_PERIPHERALS + 0xb000,
            Owner::Kernel,
            MAILBOX_WHY,
        ),
        page(
            "GPIO",
            RPI4_PERIPHERALS + 0x20_0000,
            Owner::SharedWithKernel,
            GPIO_WHY,
        ),
        page(
            "UART0",
            RPI4_PERIPHERALS + 0x20_1000,
            Owner::Kernel,
            UART_WHY,
        ),
        page(
            "GIC distributor",
            0xff84_1000,
            Owner::Kernel,
            "the timer tick and the UART interrupt",
        ),
        page(
            "GIC CPU interface",
            0xff84_2000,
            Owner::Kernel,
            "acknowledging interrupts",
        ),
    ],
    interrupts: Interrupts {
        controller: InterruptController::Gic400,
        uart0: 153,
        physical_timer: 30,
    },
    device_interrupts: &RPI4_DEVICE_INTERRUPTS,
    ram_limit: 0xfc00_0000,
    min_ram: 1 << 30,
};

/// Every board, in a stable order.
pub const BOARDS: [&BoardDescription; 2] = [&RPI3, &RPI4];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_aligned_sorted_and_inside_a_window() {
        for board in BOARDS {
            for pair in board.pages.windows(2) {
                assert!(
                    pair[0].base < pair[1].base,
                    "{}: pages not sorted",
                    board.name
                );
            }
            for page in board.pages {
                assert_eq!(page.base % PAGE_SIZE, 0, "{}", page.name);
                let inside = [board.peripherals, board.local]
                    .iter()
                    .any(|w| w.range().contains(&page.base));
                assert!(inside, "{}: {} outside every window", board.name, page.name);
            }
        }
    }

    #[test]
    fn the_devices_the_kernel_drives_are_on_kernel_pages() {
        for board in BOARDS {
            let on_kernel_page = |address: u64| board.kernel_page_in(&(address..address + 4));
            assert_eq!(on_kernel_page(board.uart0).map(|p| p.name), Some("UART0"));
            assert!(on_kernel_page(board.mailbox).is_some(), "{}", board.name);
            match board.interrupts.controller {
                InterruptController::Bcm2836Local => {
                    assert!(on_kernel_page(board.local.base).is_some());
                    assert!(on_kernel_page(board.peripheral_intc).is_some());
                }
                InterruptController::Gic400 => {
                    assert!(on_kernel_page(board.gic_distributor).is_some());
                    assert!(on_kernel_page(board.gic_cpu_interface).is_some());
                }
            }
            let gpio = board.shared_page_in(&(board.gpio..board.gpio + 4));
            assert_eq!(gpio.map(|p| p.name), Some("GPIO"));
            assert_eq!(board.kernel_page_in(&(board.gpio..board.gpio + 4)), None);
        }
    }

    #[test]
    fn lookup_by_name() {
        assert_eq!(BoardDescription::by_name("rpi3"), Some(&RPI3));
        assert_eq!(
            BoardDescription::by_name("rpi4").map(|b| b.qemu_machine),
            Some("raspi4b")
        );
        assert_eq!(BoardDescription::by_name("rpi5"), None);
        extern crate std;
        use std::string::ToString;
        assert_eq!(RPI4.to_string(), "Raspberry Pi 4 Model B (BCM2711)");
    }

    #[test]
    fn device_interrupts_on_both_boards() {
        let lines = |board: &BoardDescription| {
            ["system-timer-1", "system-timer-3", "aux"].map(|source| {
                let line = board.device_interrupt(source).expect(source);
                (line.source, line.line, line.device_page)
            })
        };
        assert_eq!(
            lines(&RPI3),
            [
                ("system-timer-1", 1, 0x3f00_3000),
                ("system-timer-3", 3, 0x3f00_3000),
                ("aux", 29, 0x3f21_5000),
            ]
        );
        assert_eq!(
            lines(&RPI4),
            [
                ("system-timer-1", 97, 0xfe00_3000),
                ("system-timer-3", 99, 0xfe00_3000),
                ("aux", 125, 0xfe21_5000),
            ]
        );
        // The Pi 4's numbering is the one UART0 already follows: INTID 96 + VideoCore IRQ.
        assert_eq!(RPI4.interrupts.uart0, 96 + RPI3.interrupts.uart0);
        for board in BOARDS {
            assert_eq!(board.device_interrupts.len(), 3, "{}", board.name);
            for name in [
                "",
                "system-timer-0",
                "system-timer-2",
                "uart0",
                "AUX",
                "aux ",
            ] {
                assert_eq!(
                    board.device_interrupt(name),
                    None,
                    "{}: {name:?}",
                    board.name
                );
            }
        }
        for line in RPI3.device_interrupts {
            assert!(
                line.line < 64,
                "{}: not a BCM2835 peripheral IRQ",
                line.source
            );
        }
    }

    #[test]
    fn device_pages_are_grantable_pages_of_the_peripheral_window() {
        for board in BOARDS {
            for line in board.device_interrupts {
                let page = line.device_page..line.device_page + PAGE_SIZE;
                assert_eq!(line.device_page % PAGE_SIZE, 0, "{}", line.source);
                assert!(
                    board.peripherals.range().contains(&page.start)
                        && page.end <= board.peripherals.range().end,
                    "{}: {} outside the peripheral window",
                    board.name,
                    line.source
                );
                assert_eq!(board.kernel_page_in(&page), None, "{}", line.source);
                assert_eq!(board.shared_page_in(&page), None, "{}", line.source);
            }
        }
    }

    #[test]
    fn ram_ends_below_the_peripherals() {
        for board in BOARDS {
            assert!(board.ram_limit <= board.peripherals.base);
        }
    }
}
