//! What a mounted system costs the kernel heap and how long mount takes (natively): figures for
//! sizing the kernel heap. Counts every allocation of this test process.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{component_manifest, guest_module, mount, step};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn heap_and_mount_time_of_the_test_system() {
    // Long slices: see tests/native_stack.rs.
    common::with_big_stack(heap_and_mount_time_of_the_test_system_body);
}

fn heap_and_mount_time_of_the_test_system_body() {
    let manifest = component_manifest("test.toml");
    let wasm: Vec<Vec<u8>> = manifest
        .components
        .iter()
        .map(|c| guest_module(&c.wasm))
        .collect();
    let before = CURRENT.load(Ordering::Relaxed);
    let started = Instant::now();
    let (mut runtime, report) = mount(&manifest, &wasm).unwrap();
    let mount_time = started.elapsed();
    let mounted = CURRENT.load(Ordering::Relaxed) - before;
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    for _ in 0..20_000 {
        step(&mut runtime);
    }
    let running = CURRENT.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let components = report.components_mounted;
    println!(
        "test system: {components} components mounted in {mount_time:?} natively; heap after mount \
         {} KiB ({} KiB per component), after 20000 slices {} KiB (peak {} KiB)",
        mounted / 1024,
        mounted / components / 1024,
        running / 1024,
        peak / 1024
    );
    // Each Rust guest starts with 17 pages (1.06 MiB) of linear memory and may grow to its
    // 2 MiB limit; everything else is small.
    assert!(running / components < 3 << 20);
}
