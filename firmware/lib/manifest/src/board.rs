//! The boards a manifest can target, and the limits validation checks a manifest against.

use core::fmt;

use ruvix_board_desc::{BoardDescription, DevicePage, InterruptLine};
use serde::{Deserialize, Serialize};

/// A board family a system can be built for. QEMU's `raspi3b` is a [`BoardId::Rpi3`], its
/// `raspi4b` a [`BoardId::Rpi4`]. In TOML: `"rpi3"`, `"rpi4"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BoardId {
    /// Raspberry Pi 3B (BCM2837).
    Rpi3,
    /// Raspberry Pi 4B (BCM2711).
    Rpi4,
}

impl BoardId {
    /// Every board, in declaration order.
    pub const ALL: [BoardId; 2] = [BoardId::Rpi3, BoardId::Rpi4];

    /// The name used in TOML and in messages.
    pub const fn as_str(self) -> &'static str {
        self.description().name
    }

    /// The board's facts (`ruvix-board-desc`, the one source of truth).
    pub const fn description(self) -> &'static BoardDescription {
        match self {
            BoardId::Rpi3 => &ruvix_board_desc::RPI3,
            BoardId::Rpi4 => &ruvix_board_desc::RPI4,
        }
    }

    /// The board whose description is called `name`, if any (no default: an unknown board is
    /// an error for the caller to report).
    pub fn from_name(name: &str) -> Option<BoardId> {
        BoardId::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

impl fmt::Display for BoardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What validation needs to know about the board a manifest will run on.
///
/// The tool checks against the constants [`BoardLimits::RPI3`] and [`BoardLimits::RPI4`]; the
/// firmware builds one with [`BoardLimits::new`] from what stage 0 detected (DTB / mailbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardLimits {
    /// Which board family this is (must be one of the manifest's `boards`).
    pub board: BoardId,
    /// A human-readable name for messages.
    pub name: &'static str,
    /// Bytes of RAM available for regions, component linear memories and queue buffers.
    pub ram_size: u64,
    /// Physical base address of the peripheral (MMIO) window as the ARM cores see it.
    pub peripheral_base: u64,
    /// Size of the peripheral window in bytes; MMIO regions must lie inside it.
    pub peripheral_size: u64,
    /// The board's device pages: a region over one the kernel owns is refused, one over a
    /// page shared with the kernel gets a warning.
    pub pages: &'static [DevicePage],
    /// The device interrupts components may be given here (an `[[interrupt]]` whose source is
    /// not among them is refused).
    pub device_interrupts: &'static [InterruptLine],
}

impl BoardLimits {
    /// Raspberry Pi 3B / QEMU `raspi3b`: 1 GiB of RAM, peripherals at 0x3F00_0000 (16 MiB).
    pub const RPI3: BoardLimits = BoardLimits::build_time(BoardId::Rpi3);

    /// Raspberry Pi 4B / QEMU `raspi4b`, low-peripheral mode: peripherals at 0xFE00_0000
    /// (24 MiB). RAM is the smallest Pi 4B made (1 GiB), so a package that passes the build-time
    /// check fits every Pi 4B; the firmware checks again against the RAM it actually finds.
    pub const RPI4: BoardLimits = BoardLimits::build_time(BoardId::Rpi4);

    /// The build-time limits of `board`, all from its description.
    const fn build_time(board: BoardId) -> BoardLimits {
        let d = board.description();
        BoardLimits::detected(board, d.min_ram)
    }

    /// The limits of `board` with `ram_size` bytes of RAM found (what stage 1 checks).
    pub const fn detected(board: BoardId, ram_size: u64) -> BoardLimits {
        let d = board.description();
        BoardLimits {
            board,
            name: d.name,
            ram_size,
            peripheral_base: d.peripherals.base,
            peripheral_size: d.peripherals.size,
            pages: d.pages,
            device_interrupts: d.device_interrupts,
        }
    }

    /// Describes a board with a window of its own (tests of the validation); the device pages
    /// and interrupts are `board`'s.
    pub const fn new(
        board: BoardId,
        name: &'static str,
        ram_size: u64,
        peripheral_base: u64,
        peripheral_size: u64,
    ) -> BoardLimits {
        BoardLimits {
            board,
            name,
            ram_size,
            peripheral_base,
            peripheral_size,
            pages: board.description().pages,
            device_interrupts: board.description().device_interrupts,
        }
    }

    /// The build-time limits of a board family.
    pub const fn for_board(board: BoardId) -> BoardLimits {
        match board {
            BoardId::Rpi3 => BoardLimits::RPI3,
            BoardId::Rpi4 => BoardLimits::RPI4,
        }
    }

    /// The device interrupt `source` names on this board, if it has it.
    pub fn device_interrupt(&self, source: &str) -> Option<&'static InterruptLine> {
        self.device_interrupts
            .iter()
            .find(|line| line.source == source)
    }

    /// The physical address of a peripheral-window offset on this board, if it does not
    /// overflow. (Validation has already checked the offset lies inside the window.)
    pub const fn mmio_address(&self, peripheral_offset: u64) -> Option<u64> {
        self.peripheral_base.checked_add(peripheral_offset)
    }
}
