//! The boards a manifest can target, and the limits validation checks a manifest against.

use core::fmt;

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
        match self {
            BoardId::Rpi3 => "rpi3",
            BoardId::Rpi4 => "rpi4",
        }
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
}

impl BoardLimits {
    /// Raspberry Pi 3B / QEMU `raspi3b`: 1 GiB of RAM, peripherals at 0x3F00_0000 (16 MiB).
    pub const RPI3: BoardLimits =
        BoardLimits::new(BoardId::Rpi3, "rpi3", 1 << 30, 0x3F00_0000, 0x0100_0000);

    /// Raspberry Pi 4B / QEMU `raspi4b`, low-peripheral mode: peripherals at 0xFE00_0000
    /// (24 MiB). RAM is the smallest Pi 4B made (1 GiB), so a package that passes the build-time
    /// check fits every Pi 4B; the firmware checks again against the RAM it actually finds.
    pub const RPI4: BoardLimits =
        BoardLimits::new(BoardId::Rpi4, "rpi4", 1 << 30, 0xFE00_0000, 0x0180_0000);

    /// Describes a board, e.g. from what the firmware detected at run time.
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
        }
    }

    /// The build-time limits of a board family.
    pub const fn for_board(board: BoardId) -> BoardLimits {
        match board {
            BoardId::Rpi3 => BoardLimits::RPI3,
            BoardId::Rpi4 => BoardLimits::RPI4,
        }
    }

    /// The physical address of a peripheral-window offset on this board, if it does not
    /// overflow. (Validation has already checked the offset lies inside the window.)
    pub const fn mmio_address(&self, peripheral_offset: u64) -> Option<u64> {
        self.peripheral_base.checked_add(peripheral_offset)
    }
}
