//! Stage 4 — attest: append the boot attestation to the witness log — SHA-256 of the package,
//! of the root's capability table, of the region layout; the platform id; the time — print it,
//! and dump the whole log in the form `rvf witness verify` checks on the host.

use core::fmt::Write;

use ruvix_witness::{Attestation, dump_lines};
use sha2::{Digest, Sha256};

use super::Hex;
use super::stage1_verify::VerifiedBoot;
use super::stage2_create::{KernelObjects, RegionMemory};
use crate::board;

pub fn run(verified: &VerifiedBoot, kernel: &mut KernelObjects) {
    let started = board::timer::counter();
    let attestation = Attestation {
        package_sha256: verified.package_sha256,
        capability_table_sha256: capability_table_hash(kernel),
        region_layout_sha256: region_layout_hash(verified, kernel),
        platform_id: kernel.platform_id,
        boot_ticks: started,
    };
    if let Err(error) = kernel.witness.append_attestation(started, &attestation) {
        defmt::error!(
            "stage 4 attest: failed: witness log: {}",
            defmt::Display2Format(&error)
        );
        board::console::flush();
        board::fatal_stop(board::ExitCode::BootFailed);
    }
    defmt::info!(
        "attestation: package      {}",
        Hex(&attestation.package_sha256)
    );
    defmt::info!(
        "attestation: capabilities {}",
        Hex(&attestation.capability_table_sha256)
    );
    defmt::info!(
        "attestation: regions      {}",
        Hex(&attestation.region_layout_sha256)
    );
    defmt::info!(
        "attestation: platform {=u64:#018x}, at {=u64} ticks",
        attestation.platform_id,
        attestation.boot_ticks
    );
    dump_witness_log(kernel);
    super::stage_ok(4, "attest", started);
}

/// SHA-256 of the root's capability table in its canonical encoding.
fn capability_table_hash(kernel: &KernelObjects) -> [u8; 32] {
    let mut hasher = Sha256::new();
    kernel
        .root
        .table()
        .encode(&mut |bytes| hasher.update(bytes));
    hasher.finalize().into()
}

/// SHA-256 over every region: name length, name, kind (0 RAM, 1 MMIO), start, end (LE).
fn region_layout_hash(verified: &VerifiedBoot, kernel: &KernelObjects) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for (decl, memory) in verified.manifest.regions.iter().zip(&kernel.regions) {
        let range = memory.range();
        hasher.update((decl.name.len() as u32).to_le_bytes());
        hasher.update(decl.name.as_bytes());
        hasher.update([matches!(memory, RegionMemory::Mmio { .. }) as u8]);
        hasher.update(range.start.to_le_bytes());
        hasher.update(range.end.to_le_bytes());
    }
    hasher.finalize().into()
}

/// Print the witness log, one log line per dump line.
pub fn dump_witness_log(kernel: &KernelObjects) {
    let mut line = heapless::String::<{ ruvix_witness::MAX_LINE_LEN }>::new();
    for dump_line in dump_lines(&kernel.witness) {
        line.clear();
        if write!(line, "{dump_line}").is_ok() {
            defmt::info!("{=str}", line.as_str());
        } else {
            defmt::error!(
                "witness: a dump line did not fit {=usize} bytes",
                line.capacity()
            );
        }
    }
}
