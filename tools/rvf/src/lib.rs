//! The `rvf` tool as a library: one module per subcommand, each a function from options to a
//! report, so the tests can call them and `main.rs` stays a thin clap layer.
//!
//! - [`keygen`] — a new ML-DSA-65 key pair;
//! - [`pack`] — TOML manifest + wasm files → signed package, rejecting at build time everything
//!   stage 1 would reject (and the entry-point exports stage 3 checks), with file and line;
//! - [`verify`] — what stage 1 does to a package, on the host;
//! - [`inspect`] — a readable tree of a package, or JSON.

#![forbid(unsafe_code)]

pub mod check;
pub mod inspect;
pub mod keygen;
pub mod pack;
pub mod verify;
pub mod wasm;
pub mod witness;

use std::fmt;

/// A command failed; `lines` say why, one problem a line (a `pack` of a bad manifest gives one
/// `file:line:column: reason` line per problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The problems.
    pub lines: Vec<String>,
}

impl Failure {
    /// One problem.
    pub fn new(line: impl Into<String>) -> Self {
        Self {
            lines: vec![line.into()],
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

impl std::error::Error for Failure {}

/// Reads a file, or says which one could not be read.
pub(crate) fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::new(format!("{}: cannot read {what}: {e}", path.display())))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
