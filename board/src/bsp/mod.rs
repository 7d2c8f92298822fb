//! The per-board half: each board's memory map and interrupt controller. Exactly one is
//! compiled in, chosen by the `rpi3` / `rpi4` feature.

#[cfg(all(feature = "rpi3", feature = "rpi4"))]
compile_error!("choose one board: feature `rpi3` or `rpi4`, not both");
#[cfg(not(any(feature = "rpi3", feature = "rpi4")))]
compile_error!("choose a board: feature `rpi3` or `rpi4`");

#[cfg(feature = "rpi3")]
mod rpi3;
#[cfg(feature = "rpi3")]
pub use rpi3::*;

#[cfg(feature = "rpi4")]
mod rpi4;
#[cfg(feature = "rpi4")]
pub use rpi4::*;

use core::ops::Range;

/// A device window of the board's physical address map.
#[derive(Clone, Debug)]
pub struct DeviceWindow {
    pub name: &'static str,
    pub range: Range<u64>,
}
