//! Stage 4 — attest: append the boot attestation to the witness log — SHA-256 of the package,
//! of the root's capability table, of the region layout; the platform id; the time — print it,
//! and dump the whole log in the form `rvf witness verify` checks on the host.

use core::fmt::Write;

use ruvix_witness::{Attestation, dump_lines};

use super::Hex;
use super::stage1_verify::VerifiedBoot;
use super::stage3_mount::System;
use crate::board;

pub fn run(verified: &VerifiedBoot, system: &mut System) {
    let started = board::timer::counter();
    let attestation = Attestation {
        package_sha256: verified.package_sha256,
        capability_table_sha256: system.capability_table_sha256,
        region_layout_sha256: system.region_layout_sha256,
        platform_id: system.platform_id,
        boot_ticks: started,
    };
    let appended = system
        .processes
        .witness
        .append_attestation(started, &attestation)
        .map(|_| ());
    if let Err(error) = appended {
        let reason = alloc::format!("witness log: {error}");
        super::stage_failed(4, "attest", defmt::Display2Format(&reason));
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
    dump_witness_log(&system.processes.witness);
    super::stage_ok(4, "attest", started);
    report_heap(system);
}

/// The kernel heap once the boot is done. The processes' memory comes from it too, so that
/// part is shown apart from the kernel's own objects (capability tables, queues, the witness
/// log, the decoded manifest).
fn report_heap(system: &System) {
    let (used, free) = board::heap::usage();
    let processes = usize::try_from(system.processes.heap_bytes()).unwrap_or(usize::MAX);
    defmt::info!(
        "heap after boot: {=usize} bytes used ({=usize} of them the processes' memory and translation tables, {=usize} the kernel's own), {=usize} free",
        used,
        processes,
        used.saturating_sub(processes),
        free
    );
}

/// Print the witness log, one log line per dump line.
pub fn dump_witness_log(witness: &ruvix_witness::WitnessLog) {
    let mut line = heapless::String::<{ ruvix_witness::MAX_LINE_LEN }>::new();
    for dump_line in dump_lines(witness) {
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
