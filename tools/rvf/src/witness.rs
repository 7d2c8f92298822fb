//! `rvf witness verify`: check a witness-log dump (as printed by the firmware's stage 4, inside
//! a decoded boot log) by recomputing the hash chain.

use std::path::Path;

use ruvix_witness::{DumpSummary, verify_dump_bytes};

use crate::Failure;

/// Reads `log` (a decoded boot log, or `-` for standard input) and verifies every witness dump
/// in it; the error names the first bad line and entry.
pub fn verify(log: &Path) -> Result<DumpSummary, Failure> {
    let bytes = if log == Path::new("-") {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer)
            .map_err(|e| Failure::new(format!("reading standard input: {e}")))?;
        buffer
    } else {
        std::fs::read(log).map_err(|e| Failure::new(format!("{}: {e}", log.display())))?
    };
    verify_dump_bytes(&bytes).map_err(|e| Failure::new(format!("{}: {e}", log.display())))
}
