//! Stage 2 — create: the kernel objects the manifest describes, before anything runs.
//!
//! - a frame allocator over the RAM stage 0 found, minus the kernel image, its stacks and heap,
//!   the device tree and the initrd;
//! - the regions: RAM regions from the frame allocator (zeroed), MMIO regions at their place in
//!   this board's peripheral window (stage 1 checked they lie inside it);
//! - the queues, with the depth and message size the manifest gives;
//! - the witness log, of the size the manifest's policy asks, as a SHA-256 hash chain;
//! - the root task's `BootCapabilitySet`: all of physical memory, timer, interrupt queue,
//!   witness log, log, the package, every region and both ends of every queue.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use ruvix_caps::{BootCapabilitySet, BootMinter, CapError, MemoryRange, MintToken, ObjectIds};
use ruvix_frames::{FRAME_SIZE, FrameAllocator, FrameError};
use ruvix_manifest::{RegionKind, RvfManifest};
use ruvix_queue::{Queue, QueueError};
use ruvix_witness::{WitnessConfig, WitnessError, WitnessLog};

use super::stage1_verify::VerifiedBoot;
use crate::board::{self, BoardInfo};

/// Where a region lives.
pub enum RegionMemory {
    /// RAM frames from the frame allocator, zeroed, mapped for the kernel.
    Ram(&'static mut [u8]),
    /// A device register window (physical address, size).
    Mmio { base: u64, size: u64 },
}

impl RegionMemory {
    pub fn range(&self) -> Range<u64> {
        match self {
            RegionMemory::Ram(bytes) => {
                let start = bytes.as_ptr() as u64;
                start..start + bytes.len() as u64
            }
            RegionMemory::Mmio { base, size } => *base..*base + *size,
        }
    }
}

/// Everything stage 2 made.
pub struct KernelObjects {
    pub frames: FrameAllocator,
    pub regions: Vec<RegionMemory>,
    pub queues: Vec<Queue>,
    pub witness: WitnessLog,
    pub root: BootCapabilitySet,
    pub objects: ObjectIds,
    /// The one token that can mint capabilities; consumed by the SEC-001 drop.
    pub mint_token: Option<MintToken>,
    pub platform_id: u64,
}

pub enum CreateFailure {
    TokenTaken,
    Frames(FrameError),
    Region {
        name: alloc::string::String,
        error: FrameError,
    },
    Queue {
        name: alloc::string::String,
        error: QueueError,
    },
    Witness(WitnessError),
    Capabilities(CapError),
}

impl fmt::Display for CreateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateFailure::TokenTaken => f.write_str("the capability mint token was already taken"),
            CreateFailure::Frames(e) => write!(f, "frame allocator: {e}"),
            CreateFailure::Region { name, error } => write!(f, "region \"{name}\": {error}"),
            CreateFailure::Queue { name, error } => write!(f, "queue \"{name}\": {error}"),
            CreateFailure::Witness(e) => write!(f, "witness log: {e}"),
            CreateFailure::Capabilities(e) => write!(f, "root capabilities: {e}"),
        }
    }
}

pub fn run(info: &BoardInfo, verified: &VerifiedBoot) -> KernelObjects {
    let started = board::timer::counter();
    match create(info, verified) {
        Ok(objects) => {
            report(&verified.manifest, &objects);
            super::stage_ok(2, "create", started);
            objects
        }
        Err(failure) => super::stage_failed(2, "create", defmt::Display2Format(&failure)),
    }
}

/// RAM nobody may hand out: the kernel image with its stacks and heap, the device tree and the
/// initrd the firmware loaded.
fn reserved_ranges(info: &BoardInfo) -> heapless::Vec<Range<u64>, 4> {
    let mut reserved = heapless::Vec::new();
    let _ = reserved.push(0..FRAME_SIZE); // the null page stays unmapped
    let _ = reserved.push(board::layout::get().image);
    if let Some(dt) = &info.device_tree {
        let _ = reserved.push(dt.address..dt.address + dt.size);
        if let Some(initrd) = &dt.initrd {
            let _ = reserved.push(initrd.clone());
        }
    }
    reserved
}

fn create(info: &BoardInfo, verified: &VerifiedBoot) -> Result<KernelObjects, CreateFailure> {
    let manifest = &verified.manifest;
    let token = BootMinter::take().ok_or(CreateFailure::TokenTaken)?;

    let mut frames =
        FrameAllocator::new(&info.ram, &reserved_ranges(info)).map_err(CreateFailure::Frames)?;

    let mut regions = Vec::with_capacity(manifest.regions.len());
    for region in &manifest.regions {
        let memory = match region.kind {
            RegionKind::Ram => {
                let range = frames
                    .allocate(region.size.div_ceil(FRAME_SIZE))
                    .map_err(|error| CreateFailure::Region {
                        name: region.name.clone(),
                        error,
                    })?;
                // SAFETY: fresh frames from the frame allocator, inside the RAM stage 0 mapped
                // read-write, never handed out again while this region exists.
                RegionMemory::Ram(unsafe { board::memory::take_frames(range) })
            }
            RegionKind::Mmio { peripheral_offset } => RegionMemory::Mmio {
                base: verified.limits.peripheral_base + peripheral_offset,
                size: region.size,
            },
        };
        regions.push(memory);
    }

    let mut queues = Vec::with_capacity(manifest.queues.len());
    for queue in &manifest.queues {
        queues.push(
            Queue::new(queue.depth, queue.message_size).map_err(|error| CreateFailure::Queue {
                name: queue.name.clone(),
                error,
            })?,
        );
    }

    let platform_id = ruvix_witness::platform_id(
        info.revision.map_or(0, |r| r.0),
        (u32::from(info.core.implementer) << 24) | (u32::from(info.core.part) << 4),
    );
    let policy = &manifest.witness_log;
    let witness = WitnessLog::new(
        WitnessConfig {
            max_entries: policy.max_entries,
            hash_chain: policy.hash_chain,
        },
        platform_id,
        info.counter_hz,
    )
    .map_err(CreateFailure::Witness)?;

    let ram: Vec<MemoryRange> = info
        .ram
        .iter()
        .filter_map(|r| MemoryRange::new(r.start, r.end).ok())
        .collect();
    let objects = ObjectIds::in_manifest_order(manifest);
    let root =
        BootCapabilitySet::new(&token, &ram, &objects).map_err(CreateFailure::Capabilities)?;

    Ok(KernelObjects {
        frames,
        regions,
        queues,
        witness,
        root,
        objects,
        mint_token: Some(token),
        platform_id,
    })
}

fn report(manifest: &RvfManifest, k: &KernelObjects) {
    defmt::info!(
        "root task: {=usize} boot capabilities (physical memory, timer, interrupt queue, witness log, log, package, {=usize} regions, {=usize} queue ends)",
        k.root.table().len(),
        k.regions.len(),
        k.queues.len() * 2
    );
    for (decl, memory) in manifest.regions.iter().zip(&k.regions) {
        let range = memory.range();
        let kind = match memory {
            RegionMemory::Ram(_) => "RAM (zeroed frames)",
            RegionMemory::Mmio { .. } => "MMIO",
        };
        defmt::info!(
            "region {=str}: {=u64:#010x}..{=u64:#010x} {=str}",
            decl.name.as_str(),
            range.start,
            range.end,
            kind
        );
    }
    for (decl, queue) in manifest.queues.iter().zip(&k.queues) {
        defmt::info!(
            "queue {=str}: depth {=usize}, {=usize}-byte messages",
            decl.name.as_str(),
            queue.depth(),
            queue.message_size()
        );
    }
    defmt::info!(
        "frames: {=u64} KiB free of {=u64} KiB usable; witness log: {=u32} entries, hash chain {=bool}",
        k.frames.free_bytes() / 1024,
        k.frames.total_bytes() / 1024,
        manifest.witness_log.max_entries,
        manifest.witness_log.hash_chain
    );
}
