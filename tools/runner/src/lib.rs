//! Host side of ruvix-pi: build kernel images, run them under QEMU, decode their defmt log,
//! and drive QEMU boot tests.
//!
//! The firmware logs `defmt` frames over the PL011 UART. QEMU's `-serial stdio` puts those raw
//! bytes on its stdout, and `defmt-print -e <ELF>` turns them into text lines. This crate wires
//! the two together:
//!
//! * [`image`]: `cargo build` the kernel for a board and lay out
//!   `<target>/images/<board>[-test]/{kernel.elf,kernel8.img}`;
//! * [`Qemu`]: a builder for one QEMU run; [`Qemu::run`] / [`Qemu::run_until`] capture the
//!   decoded lines with a deadline into an [`Outcome`] that tests assert on;
//! * [`Session`]: the running QEMU (+ decoder) processes, for interactive use (`ruvix-runner run`);
//! * [`sdcard`]: the SD-card image for a real board (`ruvix-runner sdcard`).
//!
//! ```no_run
//! use ruvix_runner::{Board, Qemu};
//! use std::time::Duration;
//!
//! let out = Qemu::for_test(Board::Rpi3)?
//!     .semihosting_args(["data-abort"])
//!     .timeout(Duration::from_secs(20))
//!     .run()?;
//! out.expect_line("ESR").unwrap();
//! out.assert_exit(0);
//! # Ok::<(), ruvix_runner::RunError>(())
//! ```

mod ansi;
pub mod bench;
mod board;
pub mod image;
pub mod new_component;
mod outcome;
pub mod package;
mod paths;
pub mod probe;
mod process;
mod qemu;
pub mod sdcard;
mod shell;

pub use ansi::strip_ansi;
pub use board::Board;
pub use outcome::{Outcome, number_after};
pub use paths::{
    IMAGES_DIR_ENV, find_defmt_print, find_qemu, image_dir, images_dir, target_dir, test_image_dir,
    workspace_root,
};
pub use qemu::{
    DEFAULT_GDB_PORT, DEFAULT_TIMEOUT, Decoder, Input, Output, Qemu, RunError, SEMIHOSTING_ARGV0,
    Session,
};
pub use shell::{join as shell_join, quote as shell_quote};

/// Name of the ELF (with symbols and the `.defmt` table) inside an image directory.
pub const ELF_NAME: &str = "kernel.elf";
/// Name of the raw image inside an image directory: what the Pi firmware and `-kernel` load.
pub const IMG_NAME: &str = "kernel8.img";
