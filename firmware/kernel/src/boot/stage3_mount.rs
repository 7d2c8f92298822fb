//! Stage 3 — mount (`Stage3Mount` of ruvix-boot, done for real), with the process model:
//!
//! 1. *distribute*: each component's capability table is derived from the root's per manifest
//!    (rights only ever reduced; small integer handles; every grant printed and recorded in
//!    the witness log);
//! 2. the **SEC-001 drop**: the root keeps only the manifest's minimum set (the mint token is
//!    consumed, the table sealed), and the boot-time identity map of all RAM and of every
//!    device window is replaced by the minimal map — kernel, heap, the regions and the device
//!    pages the kernel itself needs. Anything else now faults;
//! 3. *processes*: one EL0 process per component (`crate::process`), its regions mapped in its
//!    own table with its own rights; each then *mounts* its component inside itself, at EL0 —
//!    validates the module, checks its imports against the WIT world, instantiates it under
//!    wasmi with its memory limit and fuel metering, linked only to the host functions its
//!    capabilities allow — and reports back; one task per entry point, queue ends as wired.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use ruvix_caps::{BootCapabilitySet, CapError, DistributionError, distribute};
use ruvix_manifest::{Access, RvfManifest};
use ruvix_translation_table::{Access as MapAccess, Attributes, MemoryKind};
use ruvix_witness::WitnessKind;
use sha2::{Digest, Sha256};

use super::stage1_verify::VerifiedBoot;
use super::stage2_create::{KernelObjects, RegionMemory};
use crate::board;
use crate::process::Processes;

/// The running system after stage 3.
pub struct System {
    pub processes: Processes,
    pub root: BootCapabilitySet,
    pub report: MountSummary,
    /// SHA-256 of every capability table: each component's, then the root's after the drop.
    pub capability_table_sha256: [u8; 32],
    /// SHA-256 of the region layout (name, kind, physical range of each region).
    pub region_layout_sha256: [u8; 32],
    /// Physical ranges of the regions, in manifest order.
    #[cfg_attr(
        not(feature = "qemu-test"),
        expect(dead_code, reason = "only the self-tests need the region layout again")
    )]
    pub regions: Vec<Range<u64>>,
    pub platform_id: u64,
}

/// What stage 3 mounted.
pub struct MountSummary {
    pub components_mounted: usize,
    pub tasks_spawned: usize,
    pub queues_connected: usize,
}

pub enum MountFailure {
    Distribute(DistributionError),
    Drop(CapError),
    NoToken,
    Map(board::mmu::MmuError),
    Processes(crate::process::StartError),
}

impl fmt::Display for MountFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountFailure::Distribute(e) => write!(f, "distributing capabilities: {e}"),
            MountFailure::Drop(e) => write!(f, "SEC-001 drop: {e}"),
            MountFailure::NoToken => f.write_str("SEC-001 drop: the mint token is gone"),
            MountFailure::Map(e) => write!(f, "SEC-001 map: {e}"),
            MountFailure::Processes(e) => write!(f, "{e}"),
        }
    }
}

pub fn run(verified: &VerifiedBoot, kernel: KernelObjects, counter_hz: u64) -> System {
    let started = board::timer::counter();
    match mount(verified, kernel, counter_hz) {
        Ok(system) => {
            let r = &system.report;
            let ticks = board::timer::counter().wrapping_sub(started);
            defmt::info!(
                "stage 3 mount: ok ({=u64} ticks): {=usize} components mounted, {=usize} queues connected, {=usize} tasks spawned",
                ticks,
                r.components_mounted,
                r.queues_connected,
                r.tasks_spawned
            );
            system
        }
        Err(failure) => super::stage_failed(3, "mount", defmt::Display2Format(&failure)),
    }
}

/// Distribute, the SEC-001 drop, then one EL0 process per component, each mounting its
/// component inside itself.
fn mount(
    verified: &VerifiedBoot,
    mut kernel: KernelObjects,
    counter_hz: u64,
) -> Result<System, MountFailure> {
    let manifest = &verified.manifest;
    let distribution = distribute(kernel.root.table(), manifest, &kernel.objects)
        .map_err(MountFailure::Distribute)?;
    defmt::info!(
        "distribute: {=usize} capabilities to {=usize} components ({=usize} grants, {=usize} regions, {=usize} queue ends)",
        distribution.capabilities(),
        distribution.components().len(),
        distribution.grants(),
        distribution.regions(),
        distribution.queue_ends()
    );
    let mut capability_hash = Sha256::new();
    for component in distribution.components() {
        component
            .table()
            .encode(&mut |bytes| capability_hash.update(bytes));
        report_grants(component, &mut kernel.witness);
    }
    let regions: Vec<Range<u64>> = kernel.regions.iter().map(RegionMemory::range).collect();
    let region_layout_sha256 = region_layout_hash(manifest, &kernel.regions);
    let requests = minimal_map(manifest, &kernel.regions);
    // The processes reach region memory through their own mappings; the kernel keeps only
    // where it is (no reference into it survives).
    let placements: Vec<crate::process::RegionPlacement> = manifest
        .regions
        .iter()
        .zip(core::mem::take(&mut kernel.regions))
        .map(|(decl, memory)| {
            let range = memory.range();
            crate::process::RegionPlacement {
                name: decl.name.clone(),
                phys: range.start,
                size: range.end - range.start,
                mmio: matches!(memory, RegionMemory::Mmio { .. }),
            }
        })
        .collect();
    // Copies: the package may lie in memory the drop unmaps.
    let wasm: Vec<Vec<u8>> = verified
        .package
        .components()
        .map(|c| c.wasm.to_vec())
        .collect();

    let token = kernel.mint_token.take().ok_or(MountFailure::NoToken)?;
    kernel
        .root
        .reduce_to_minimum(&manifest.root_minimum, token)
        .map_err(MountFailure::Drop)?;
    kernel
        .root
        .table()
        .encode(&mut |bytes| capability_hash.update(bytes));
    // SAFETY: nothing refers to memory outside the kernel, its heap (which holds the copies
    // above and, soon, the processes' memory) and the regions in `requests`.
    unsafe { board::mmu::drop_boot_map(&requests) }.map_err(MountFailure::Map)?;
    kernel
        .witness
        .append(board::timer::counter(), WitnessKind::Sec001Drop, &[])
        .ok();
    report_drop(manifest, &kernel.root);

    // Process tables are made after the drop: they share the kernel's final root slots.
    let modules: Vec<&[u8]> = wasm.iter().map(Vec::as_slice).collect();
    let processes = crate::process::Processes::start(
        manifest,
        &modules,
        distribution.into_components(),
        core::mem::take(&mut kernel.queues),
        placements,
        kernel.witness,
        counter_hz,
    )
    .map_err(MountFailure::Processes)?;
    let mut report = MountSummary {
        components_mounted: 0,
        tasks_spawned: 0,
        queues_connected: processes.queues.len(),
    };
    for (process, wasm) in processes.processes.iter().zip(&wasm) {
        report.components_mounted += 1;
        report.tasks_spawned += process.tasks;
        defmt::info!(
            "mount: {=str}: {=usize} bytes of wasm, {=usize} task(s), {=u64} ticks, in its own process at EL0",
            process.name.as_str(),
            wasm.len(),
            process.tasks,
            process.mount_ticks
        );
    }
    processes.report_memory();
    report_mapped(&processes);
    Ok(System {
        processes,
        root: kernel.root,
        report,
        capability_table_sha256: capability_hash.finalize().into(),
        region_layout_sha256,
        regions,
        platform_id: kernel.platform_id,
    })
}

/// Per process, what its own translation table maps (the benchmarks read these lines).
fn report_mapped(processes: &Processes) {
    const KIB: u64 = 1024;
    for process in &processes.processes {
        let m = process.mapped();
        defmt::info!(
            "mapped: {=str}: {=u64} pages ({=u64} KiB): code {=u64} KiB and read-only data {=u64} KiB shared, data {=u64} KiB, stack {=u64} KiB, heap {=u64} KiB, inputs {=u64} KiB, regions {=u64} KiB",
            process.name.as_str(),
            m.total() / ruvix_process_abi::layout::PAGE_SIZE,
            m.total() / KIB,
            m.code / KIB,
            m.rodata / KIB,
            m.data / KIB,
            m.stack / KIB,
            m.heap / KIB,
            m.inputs / KIB,
            m.regions / KIB
        );
    }
}

/// Prints a component's grants and records them in the witness log.
fn report_grants(caps: &ruvix_caps::ComponentCaps, witness: &mut ruvix_witness::WitnessLog) {
    for (named, capability) in caps.entries() {
        let text = format!(
            "{}: capability \"{}\" = handle {}: {} ({})",
            caps.name(),
            named.name,
            named.handle.0,
            capability.object(),
            capability.rights()
        );
        defmt::info!("grant: {=str}", text.as_str());
        if let Ok(grant) = ruvix_witness::CapabilityGrant::new(
            caps.component().0,
            named.handle.0,
            capability.object().kind() as u16,
            capability.rights().bits().into(),
            &named.name,
        ) {
            let _ = witness.append(
                board::timer::counter(),
                WitnessKind::CapabilityGrant,
                grant.encode().as_bytes(),
            );
        }
    }
}

/// The mappings that remain after the drop besides the kernel's own: every region with the
/// widest access any component was granted (read-only unless someone may write), never
/// executable, MMIO as device memory; and the device pages the kernel itself uses.
fn minimal_map(manifest: &RvfManifest, regions: &[RegionMemory]) -> Vec<board::mmu::MapRequest> {
    let mut requests = Vec::new();
    for (decl, memory) in manifest.regions.iter().zip(regions) {
        let writable = decl.access.iter().any(|a| a.rights != Access::ReadOnly);
        let access = if writable {
            MapAccess::ReadWrite
        } else {
            MapAccess::ReadOnly
        };
        let kind = match memory {
            RegionMemory::Ram(_) => MemoryKind::Normal,
            RegionMemory::Mmio { .. } => MemoryKind::Device,
        };
        // Region names live as long as the system: leak one label per region.
        let label: &'static str = Box::leak(format!("region {}", decl.name).into_boxed_str());
        requests.push(board::mmu::MapRequest {
            range: memory.range(),
            attributes: Attributes::new(kind, access, false),
            label,
        });
    }
    for (label, range) in board::bsp::kernel_device_pages() {
        requests.push(board::mmu::MapRequest {
            range,
            attributes: Attributes::DEVICE_RW,
            label,
        });
    }
    requests
}

/// SHA-256 over every region: name length, name, kind (0 RAM, 1 MMIO), start, end (LE).
fn region_layout_hash(manifest: &RvfManifest, regions: &[RegionMemory]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for (decl, memory) in manifest.regions.iter().zip(regions) {
        let range = memory.range();
        hasher.update((decl.name.len() as u32).to_le_bytes());
        hasher.update(decl.name.as_bytes());
        hasher.update([matches!(memory, RegionMemory::Mmio { .. }) as u8]);
        hasher.update(range.start.to_le_bytes());
        hasher.update(range.end.to_le_bytes());
    }
    hasher.finalize().into()
}

fn report_drop(manifest: &RvfManifest, root: &BootCapabilitySet) {
    let mut held = String::new();
    for (handle, capability) in root.table().iter() {
        if !held.is_empty() {
            held.push_str(", ");
        }
        held.push_str(&format!("{}={}", handle.0, capability.object()));
    }
    let mut minimum = String::new();
    for cap in &manifest.root_minimum {
        if !minimum.is_empty() {
            minimum.push_str(", ");
        }
        minimum.push_str(cap.as_str());
    }
    defmt::info!(
        "SEC-001: root holds {=usize} capabilities: {=str} (manifest minimum: {=str}); table sealed, mint token consumed",
        root.table().len(),
        held.as_str(),
        minimum.as_str()
    );
    defmt::info!("SEC-001: boot map of all RAM dropped; memory map now:");
    super::stage0_hardware::print_memory_map();
}
