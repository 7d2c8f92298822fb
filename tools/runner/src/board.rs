//! The boards the firmware supports and what the host needs to know about each.

use std::fmt;
use std::str::FromStr;

/// A supported board. The names match the kernel's cargo features (`board-rpi3`, `board-rpi4`)
/// and the image directory names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Board {
    /// Raspberry Pi 3B (BCM2837, Cortex-A53); QEMU machine `raspi3b`.
    Rpi3,
    /// Raspberry Pi 4B (BCM2711, Cortex-A72); QEMU machine `raspi4b`.
    Rpi4,
}

impl Board {
    /// Every board, in a stable order.
    pub const ALL: [Board; 2] = [Board::Rpi3, Board::Rpi4];

    /// Short name: `rpi3` / `rpi4`.
    pub fn name(self) -> &'static str {
        self.description().name
    }

    /// QEMU `-M` machine name.
    pub fn machine(self) -> &'static str {
        self.description().qemu_machine
    }

    /// The kernel's cargo feature selecting this board.
    pub fn cargo_feature(self) -> &'static str {
        match self {
            Board::Rpi3 => "board-rpi3",
            Board::Rpi4 => "board-rpi4",
        }
    }

    /// The board's facts (the one description the firmware and the manifest check use too).
    pub fn description(self) -> &'static ruvix_board_desc::BoardDescription {
        match self {
            Board::Rpi3 => &ruvix_board_desc::RPI3,
            Board::Rpi4 => &ruvix_board_desc::RPI4,
        }
    }

    /// Physical address of PL011 UART0, where the defmt frames go.
    pub fn uart_base(self) -> u64 {
        self.description().uart0
    }

    /// Image directory name: `rpi3`, or `rpi3-test` for the `qemu-test` build.
    pub fn image_name(self, test: bool) -> String {
        if test {
            format!("{}-test", self.name())
        } else {
            self.name().to_owned()
        }
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Board {
    type Err = String;

    /// Accepts the board name or the QEMU machine name (`rpi3`, `raspi3b`, …).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rpi3" | "raspi3b" | "pi3" => Ok(Board::Rpi3),
            "rpi4" | "raspi4b" | "pi4" => Ok(Board::Rpi4),
            _ => Err(format!("unknown board `{s}` (expected rpi3 or rpi4)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Board;

    #[test]
    fn names() {
        assert_eq!(Board::Rpi3.machine(), "raspi3b");
        assert_eq!(Board::Rpi4.machine(), "raspi4b");
        assert_eq!(Board::Rpi4.cargo_feature(), "board-rpi4");
        assert_eq!(Board::Rpi3.image_name(false), "rpi3");
        assert_eq!(Board::Rpi4.image_name(true), "rpi4-test");
        assert_eq!(Board::Rpi3.uart_base(), 0x3F20_1000);
        assert_eq!(Board::Rpi4.to_string(), "rpi4");
    }

    /// The README and docs/manifest.md list every device page of the board description, with
    /// its address, and say whether it can be granted.
    #[test]
    fn the_docs_list_every_device_page() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for doc in ["README.md", "docs/manifest.md"] {
            let text = std::fs::read_to_string(root.join(doc)).unwrap();
            for board in Board::ALL {
                for page in board.description().pages {
                    let address = format!("0x{:08X}", page.base);
                    let listed = text.lines().any(|l| {
                        l.starts_with('|') && l.contains(page.name) && l.contains(&address)
                    });
                    let kernel = page.owner == ruvix_board_desc::Owner::Kernel;
                    // The README's table lists only the pages that cannot be granted.
                    if kernel || doc != "README.md" {
                        assert!(listed, "{doc}: no row for {} {address}", page.name);
                    }
                }
            }
        }
    }

    #[test]
    fn parse() {
        assert_eq!("rpi3".parse::<Board>(), Ok(Board::Rpi3));
        assert_eq!("RASPI4B".parse::<Board>(), Ok(Board::Rpi4));
        assert!("rpi5".parse::<Board>().is_err());
    }
}
