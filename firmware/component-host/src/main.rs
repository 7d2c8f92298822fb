//! The component host: the EL0 program every process runs. It mounts one component — validates
//! the module, checks its imports against the WIT world, instantiates it under wasmi — and then
//! runs its tasks (cooperative, fuel-sliced) with the same runtime the host tests exercise.
//! Region accesses are served here from this process's own mappings; queues, the log, time,
//! waiting and the end of the process are supervisor calls (`svc`, see `docs/svc-abi.md`).
//!
//! The kernel starts it at `_start` with `x0` = the boot information page and `sp` at the top
//! of its stack. Nothing here is trusted by the kernel: a fault of this program ends only its
//! process.
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(feature = "fault-injection")]
mod inject;
mod platform;
mod queues;
mod svc;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use core::arch::global_asm;

use embedded_alloc::LlffHeap as Heap;
use ruvix_caps::ComponentCaps;
use ruvix_manifest::{RestartPolicy, RvfManifest};
use ruvix_process_abi::{
    BOOT_MAGIC, BootInfo, MAX_WAITS, REGION_HELD, REGION_MMIO, REGION_WRITABLE, layout,
};
use ruvix_runtime::{RegionBacking, Runtime, SliceOutcome, Step, WaitOn};

use platform::HostPlatform;
use queues::KernelQueues;

global_asm!(
    ".section .text._start, \"ax\"",
    ".global _start",
    "_start:",
    "    mov x29, xzr",
    "    mov x30, xzr",
    "    bl {main}",
    "1:  b 1b",
    main = sym host_main,
);

#[global_allocator]
static HEAP: Heap = Heap::empty();

/// A process runs on one core and the kernel never runs its code concurrently with itself:
/// a critical section inside it needs no masking.
struct SingleThreaded;
critical_section::set_impl!(SingleThreaded);

// SAFETY: see `SingleThreaded`: nothing in a process can interrupt its own code (the kernel
// preempts it, but only ever resumes it where it stopped).
unsafe impl critical_section::Impl for SingleThreaded {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        0
    }
    unsafe fn release(_: critical_section::RawRestoreState) {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let text = format!("component host panicked: {}", info.message());
    svc::fault(&text)
}

/// The inputs area (`layout::INPUTS_BASE`): boot page, manifest, capabilities, module.
fn input(blob: ruvix_process_abi::Blob) -> &'static [u8] {
    let Some(end) = blob.offset.checked_add(blob.len) else {
        svc::mount_failed("boot information: an input overflows")
    };
    if end > layout::INPUTS_MAX {
        svc::mount_failed("boot information: an input lies outside the inputs area")
    }
    // SAFETY: the kernel maps the whole inputs area it described read-only for the life of
    // the process and never changes it; the range was checked to lie inside it.
    unsafe {
        core::slice::from_raw_parts(
            (layout::INPUTS_BASE + blob.offset) as *const u8,
            blob.len as usize,
        )
    }
}

extern "C" fn host_main(boot: u64) -> ! {
    if boot != layout::INPUTS_BASE {
        svc::mount_failed("boot information not where the layout puts it")
    }
    // SAFETY: the kernel mapped the boot page read-only at `INPUTS_BASE` before starting us.
    let info: &'static BootInfo = unsafe { &*(boot as *const BootInfo) };
    if info.magic != BOOT_MAGIC {
        svc::mount_failed("boot information: bad magic")
    }
    // SAFETY: the heap range is mapped read-write for this process alone and used for nothing
    // else; this runs once, before the first allocation.
    unsafe { HEAP.init(info.heap_base as usize, info.heap_size as usize) };

    let mut manifest = RvfManifest::decode(input(info.manifest))
        .unwrap_or_else(|e| svc::mount_failed(&format!("manifest: {e}")));
    let caps = ComponentCaps::from_replica(input(info.capabilities))
        .unwrap_or_else(|e| svc::mount_failed(&format!("capabilities: {e}")));
    let module = input(info.module);
    let index = usize::try_from(info.component).unwrap_or(usize::MAX);
    if index >= manifest.components.len() {
        svc::mount_failed("boot information: no such component")
    }
    // This process runs only its own component, and restarts are the kernel's business.
    let mut decl = manifest.components.swap_remove(index);
    #[cfg(feature = "fault-injection")]
    let attack_name = decl.name.clone();
    #[cfg(feature = "fault-injection")]
    inject::before_mount(&attack_name);
    decl.restart = RestartPolicy::Never;
    manifest.components = vec![decl];

    let count = usize::try_from(info.region_count)
        .unwrap_or(usize::MAX)
        .min(info.regions.len());
    if count != manifest.regions.len() {
        svc::mount_failed("boot information: region count differs from the manifest")
    }
    let regions: Vec<RegionBacking> = info
        .regions
        .iter()
        .take(count)
        .map(|slot| RegionBacking::Mapped {
            address: slot.address,
            size: slot.size,
            writable: slot.flags & REGION_HELD != 0 && slot.flags & REGION_WRITABLE != 0,
            mmio: slot.flags & REGION_MMIO != 0,
        })
        .collect();
    let queues = Box::new(KernelQueues::new(manifest.queues.len()));
    let platform = HostPlatform {
        ticks_per_second: info.ticks_per_second,
    };
    let mut runtime = match Runtime::mount_with_backend(
        &manifest,
        &[module],
        vec![caps],
        queues,
        regions,
        platform,
    ) {
        Ok((runtime, report)) => {
            let denied = report.components.first().map_or(0, |c| c.denied.bits());
            svc::mounted(report.tasks_spawned as u64, u64::from(denied));
            runtime
        }
        Err(error) => svc::mount_failed(&error.to_string()),
    };
    #[cfg(feature = "fault-injection")]
    inject::attack(&attack_name, info);
    run(&mut runtime)
}

/// Runs the tasks for ever: when none is ready, waits in the kernel for what they wait on.
fn run(runtime: &mut Runtime<HostPlatform>) -> ! {
    let mut words: Vec<u32> = Vec::with_capacity(MAX_WAITS);
    let mut waits: Vec<WaitOn> = Vec::with_capacity(MAX_WAITS);
    loop {
        match runtime.run_slice() {
            // `task.yield-now` lets the other processes' tasks run too.
            Step::Ran {
                outcome: SliceOutcome::Yielded,
                ..
            } => svc::yield_now(fuel(runtime)),
            Step::Ran { .. } => {}
            Step::Idle { next_wakeup_ticks } => {
                waits.clear();
                words.clear();
                for wait in runtime.waits() {
                    if !waits.contains(&wait) && waits.len() < MAX_WAITS {
                        waits.push(wait);
                        words.push(platform::wait_word(wait));
                    }
                }
                if waits.is_empty() && next_wakeup_ticks.is_none() {
                    // Every task has returned: nothing will ever run here again.
                    svc::exit()
                }
                let deadline = next_wakeup_ticks.unwrap_or(u64::MAX);
                match svc::wait(&words, deadline, fuel(runtime)) {
                    Ok(satisfied) => {
                        for (bit, wait) in waits.iter().enumerate() {
                            if satisfied & (1 << bit) != 0 {
                                runtime.notify(*wait);
                            }
                        }
                    }
                    Err(status) => svc::fault(&format!("wait refused: {status}")),
                }
            }
        }
    }
}

/// The fuel the component's tasks have spent so far, for the kernel's reports.
fn fuel(runtime: &Runtime<HostPlatform>) -> u64 {
    runtime.tasks().map(|t| t.stats.fuel).sum()
}
