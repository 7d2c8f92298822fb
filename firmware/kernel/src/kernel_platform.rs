//! The kernel's side of the WebAssembly runtime: time from the generic timer, component log
//! lines through the kernel log, device registers through volatile accesses, and every runtime
//! event printed and recorded in the witness log.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::ops::Range;

use ruvix_caps::RegionId;
use ruvix_runtime::{LogLevel, Platform, RegionBacking, RuntimeEvent};
use ruvix_witness::{CapabilityGrant, TaskEvent, WitnessKind, WitnessLog};

use crate::board;

pub struct KernelPlatform {
    pub witness: WitnessLog,
    counter_hz: u64,
    /// Component names in manifest order: witness payloads carry the index.
    components: Vec<String>,
    /// Restarts seen per component (for the witness payload).
    restarts: Vec<u32>,
    /// Each region of the minimal map (by `RegionId`), for teardown when the runtime retires it.
    regions: Vec<MappedRegion>,
}

/// A region of the minimal map.
pub struct MappedRegion {
    pub name: String,
    pub range: Range<u64>,
    pub mapped: bool,
}

/// Reason codes in witness task events.
const REASON_TRAP: u32 = 1;
const REASON_RESTART: u32 = 2;
const REASON_STOPPED: u32 = 3;

impl KernelPlatform {
    pub fn new(
        witness: WitnessLog,
        counter_hz: u64,
        components: Vec<String>,
        regions: Vec<MappedRegion>,
    ) -> Self {
        let restarts = alloc::vec![0; components.len()];
        KernelPlatform {
            witness,
            counter_hz,
            components,
            restarts,
            regions,
        }
    }

    fn index(&self, component: &str) -> u16 {
        self.components
            .iter()
            .position(|c| c == component)
            .map_or(u16::MAX, |i| i as u16)
    }

    fn record(&mut self, kind: WitnessKind, payload: &[u8]) {
        let now = board::timer::counter();
        if let Err(error) = self.witness.append(now, kind, payload) {
            defmt::error!("witness log: {}", defmt::Display2Format(&error));
        }
    }

    fn task_event(&mut self, kind: WitnessKind, component: &str, reason: u32) {
        let index = self.index(component);
        let restarts = self.restarts.get(usize::from(index)).copied().unwrap_or(0);
        let event = TaskEvent {
            component: index,
            entry: 0,
            reason,
            restart_count: restarts,
        };
        self.record(kind, &event.encode());
    }
}

impl Platform for KernelPlatform {
    fn now_ticks(&mut self) -> u64 {
        board::timer::counter()
    }

    fn ticks_per_second(&self) -> u64 {
        self.counter_hz
    }

    fn log(&mut self, component: &str, level: LogLevel, message: &str) {
        // Component lines may be dropped when the log ring is full (counted against it).
        let source = u8::try_from(self.index(component)).unwrap_or(u8::MAX - 1);
        board::console::droppable(source, || match level {
            LogLevel::Debug => defmt::debug!("[{=str}] {=str}", component, message),
            LogLevel::Info => defmt::info!("[{=str}] {=str}", component, message),
            LogLevel::Warn => defmt::warn!("[{=str}] {=str}", component, message),
            LogLevel::Error => defmt::error!("[{=str}] {=str}", component, message),
        });
    }

    // The runtime's own counts are the kernel's here (`Runtime::log_counts`).
    fn log_dropped(&mut self, _component: &str) {}

    fn mmio_read32(&mut self, address: u64) -> u32 {
        // SAFETY: the runtime checked that the word is 4-byte aligned and inside an MMIO region
        // the calling component holds a read capability for; stage 3 mapped every such region
        // as device memory, and the manifest validation kept regions inside the peripheral
        // window.
        unsafe { board::memory::mmio_read32(address) }
    }

    fn mmio_write32(&mut self, address: u64, value: u32) {
        // SAFETY: as for `mmio_read32`, with a write capability.
        unsafe { board::memory::mmio_write32(address, value) }
    }

    // The kernel makes no `RegionBacking::Mapped` (its regions are `Ram` it owns or `Mmio`), so
    // the runtime never calls these two here; they are what a mapped backing would need.
    fn read_mapped(&mut self, address: u64, into: &mut [u8]) {
        // SAFETY: the runtime calls this only for a `Mapped` RAM region, after checking that
        // the range lies inside it and that the caller may read it; whoever made the backing
        // vouched that it stays mapped readable, and no Rust reference points into it.
        unsafe { board::memory::read_bytes(address, into) }
    }

    fn write_mapped(&mut self, address: u64, data: &[u8]) {
        // SAFETY: as for `read_mapped`, for a `Mapped` region that is writable, with the
        // caller's write right checked.
        unsafe { board::memory::write_bytes(address, data) }
    }

    fn event(&mut self, event: RuntimeEvent<'_>) {
        let mut text = heapless::String::<200>::new();
        let _ = write!(text, "{event}");
        match event {
            RuntimeEvent::Granted {
                component,
                name,
                handle,
                object,
                rights,
            } => {
                defmt::info!("grant: {=str}", text.as_str());
                let kind = object.kind() as u16;
                if let Ok(grant) = CapabilityGrant::new(
                    self.index(component),
                    handle,
                    kind,
                    rights.bits().into(),
                    name,
                ) {
                    self.record(WitnessKind::CapabilityGrant, grant.encode().as_bytes());
                }
            }
            RuntimeEvent::Mounted { .. } => defmt::info!("mount: {=str}", text.as_str()),
            RuntimeEvent::Denied { .. } => defmt::warn!("denied: {=str}", text.as_str()),
            RuntimeEvent::TaskFinished { .. } => defmt::info!("task: {=str}", text.as_str()),
            RuntimeEvent::TaskFault { component, .. } => {
                defmt::warn!("fault: {=str}", text.as_str());
                self.task_event(WitnessKind::TaskFault, component, REASON_TRAP);
            }
            RuntimeEvent::RestartScheduled { .. } => {
                defmt::info!("restart: {=str}", text.as_str())
            }
            RuntimeEvent::Restarted {
                component, restart, ..
            } => {
                defmt::info!("restart: {=str}", text.as_str());
                let index = usize::from(self.index(component));
                if let Some(count) = self.restarts.get_mut(index) {
                    *count = restart;
                }
                self.task_event(WitnessKind::TaskRestart, component, REASON_RESTART);
            }
            RuntimeEvent::Stopped { component, .. } => {
                defmt::warn!("stopped: {=str}", text.as_str());
                self.task_event(WitnessKind::TaskStopped, component, REASON_STOPPED);
            }
        }
    }

    /// Teardown: the runtime has let go of a region no running component holds (its
    /// capabilities live on only in tables no task will run with again): unmap it.
    fn retire_region(&mut self, region: RegionId, _memory: RegionBacking) {
        let Some(mapped) = usize::try_from(region.0)
            .ok()
            .and_then(|index| self.regions.get_mut(index))
            .filter(|r| r.mapped)
        else {
            return;
        };
        // SAFETY: `_memory` was the only reference to the region's memory (the runtime kept an
        // empty one) and is never used; no other kernel code refers to region memory.
        let unmapped = unsafe { board::mmu::unmap_range(mapped.range.clone()) };
        match unmapped {
            Ok(()) => {
                mapped.mapped = false;
                defmt::info!(
                    "teardown: region {=str} ({=u64:#010x}..{=u64:#010x}) unmapped: no running component holds it",
                    mapped.name.as_str(),
                    mapped.range.start,
                    mapped.range.end
                );
            }
            Err(error) => {
                defmt::error!("teardown: region {=str}: {}", mapped.name.as_str(), error)
            }
        }
    }
}
