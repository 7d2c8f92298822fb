//! What the integration tests share: a host [`Platform`] (fake clock, console and event
//! recorder, the GPIO block as a register model), a system built from a manifest the way stages
//! 2 and 3 build it, and the real guest modules.

#![allow(dead_code)]

pub mod wat;

use std::path::PathBuf;
use std::sync::OnceLock;

use ruvix_caps::{
    BootCapabilitySet, BootMinter, ComponentCaps, Handle, MemoryRange, MintToken, ObjectIds,
    RegionId, distribute,
};
use ruvix_manifest::{BoardLimits, RegionKind, RvfManifest, parse_toml};
use ruvix_queue::Queue;
use ruvix_runtime::{
    CallError, LogLevel, MountError, MountReport, Platform, QueueBackend, QueueRefusal,
    RegionBacking, Runtime, RuntimeEvent, Step,
};

/// The fake clock's rate: one tick per microsecond.
pub const TICKS_PER_SECOND: u64 = 1_000_000;

/// Fuel per simulated microsecond: the tests advance the clock by the fuel a slice spent, as if
/// the CPU ran 100 million wasm instructions per second.
pub const FUEL_PER_TICK: u64 = 100;

/// The GPIO block of the BCM2835/BCM2711 as a register model: GPSET0/GPCLR0 drive the pin
/// levels that GPLEV0 reads back; other registers keep what is written.
pub struct Gpio {
    pub base: u64,
    pub registers: Vec<u32>,
    pub level: u32,
    pub writes: u64,
}

impl Gpio {
    pub const GPSET0: u64 = 0x1c;
    pub const GPCLR0: u64 = 0x28;
    pub const GPLEV0: u64 = 0x34;

    pub fn new(base: u64) -> Gpio {
        Gpio {
            base,
            registers: vec![0; 1024],
            level: 0,
            writes: 0,
        }
    }

    fn offset(&self, address: u64) -> u64 {
        assert!(
            (self.base..self.base + 4096).contains(&address) && address.is_multiple_of(4),
            "MMIO access at {address:#x} outside the GPIO page or unaligned"
        );
        address - self.base
    }

    fn read(&self, address: u64) -> u32 {
        match self.offset(address) {
            Self::GPLEV0 => self.level,
            offset => self.registers[(offset / 4) as usize],
        }
    }

    fn write(&mut self, address: u64, value: u32) {
        self.writes += 1;
        match self.offset(address) {
            Self::GPSET0 => self.level |= value,
            Self::GPCLR0 => self.level &= !value,
            offset => self.registers[(offset / 4) as usize] = value,
        }
    }
}

/// Where the fake address space's [`FakePlatform::mapped`] memory starts.
pub const MAPPED_BASE: u64 = 0x8000_0000;

/// The host platform of the tests.
pub struct FakePlatform {
    /// The clock, in ticks (µs).
    pub clock: u64,
    /// Every log line: component, level, text.
    pub logs: Vec<(String, LogLevel, String)>,
    /// Components whose lines were dropped over budget, one entry per line.
    pub dropped_logs: Vec<String>,
    /// Every event, as displayed, with the clock when it happened.
    pub events: Vec<(u64, String)>,
    pub gpio: Gpio,
    /// What `ticks_per_second` reports.
    pub ticks_per_second: u64,
    /// The lowest native stack address seen in a `log` call (the stack grows down).
    pub stack_low: usize,
    /// Regions handed back by `retire_region`, with the size of their memory.
    pub retired: Vec<(RegionId, u64)>,
    /// Memory of the "current address space" at [`MAPPED_BASE`], behind `RegionBacking::Mapped`
    /// RAM (a component host's own mappings).
    pub mapped: Vec<u8>,
    /// Calls of `write_mapped`.
    pub mapped_writes: u64,
    /// Plays a kernel with its own word on these calls (as the component host's platform
    /// asks the kernel): every `lookup` is denied, every `now-us` is denied, every line is
    /// dropped by the platform's own budget (the next allowed in 250 ticks).
    pub deny_lookups: bool,
    pub deny_now: bool,
    pub refuse_logs: bool,
    /// What is "typed" on the console, taken by `console_read`.
    pub console_input: std::collections::VecDeque<u8>,
}

impl FakePlatform {
    pub fn new() -> FakePlatform {
        FakePlatform {
            clock: 0,
            logs: Vec::new(),
            dropped_logs: Vec::new(),
            events: Vec::new(),
            gpio: Gpio::new(rpi3_mmio(0x20_0000)),
            ticks_per_second: TICKS_PER_SECOND,
            stack_low: usize::MAX,
            retired: Vec::new(),
            mapped: vec![0; 0x4000],
            mapped_writes: 0,
            deny_lookups: false,
            deny_now: false,
            refuse_logs: false,
            console_input: std::collections::VecDeque::new(),
        }
    }

    /// The index range of `len` bytes at `address` in [`FakePlatform::mapped`]; panics outside
    /// (the runtime must have checked).
    fn mapped_range(&self, address: u64, len: usize) -> std::ops::Range<usize> {
        let start = address
            .checked_sub(MAPPED_BASE)
            .unwrap_or_else(|| panic!("mapped access at {address:#x} below the mapping"))
            as usize;
        assert!(
            start + len <= self.mapped.len(),
            "mapped access at {address:#x} ({len} bytes) past the mapping"
        );
        start..start + len
    }

    /// The log lines of `component`.
    pub fn lines(&self, component: &str) -> Vec<&str> {
        self.logs
            .iter()
            .filter(|(c, _, _)| c == component)
            .map(|(_, _, text)| text.as_str())
            .collect()
    }

    /// Whether some log line of `component` is exactly `text`.
    pub fn logged(&self, component: &str, text: &str) -> bool {
        self.lines(component).contains(&text)
    }

    /// The events containing `text`.
    pub fn events_with(&self, text: &str) -> Vec<&str> {
        self.events
            .iter()
            .filter(|(_, e)| e.contains(text))
            .map(|(_, e)| e.as_str())
            .collect()
    }

    /// The clock readings of the events containing `text`.
    pub fn event_times(&self, text: &str) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, e)| e.contains(text))
            .map(|(t, _)| *t)
            .collect()
    }
}

impl Platform for FakePlatform {
    fn now_ticks(&mut self) -> u64 {
        self.clock
    }

    fn ticks_per_second(&self) -> u64 {
        self.ticks_per_second
    }

    fn log(&mut self, component: &str, level: LogLevel, message: &str) -> Result<(), u64> {
        let marker = 0u8;
        self.stack_low = self.stack_low.min(std::ptr::addr_of!(marker) as usize);
        if std::env::var_os("RUVIX_TEST_ECHO").is_some() {
            println!("[{:>10}] {component}: {level}: {message}", self.clock);
        }
        if self.refuse_logs {
            return Err(250);
        }
        self.logs.push((component.into(), level, message.into()));
        Ok(())
    }

    fn now_us(&mut self) -> Result<u64, CallError> {
        if self.deny_now {
            return Err(CallError::Denied);
        }
        Ok(self.clock * 1_000_000 / self.ticks_per_second)
    }

    fn console_read(&mut self, into: &mut [u8]) -> Result<usize, QueueRefusal> {
        if self.console_input.is_empty() {
            return Err(QueueRefusal::WouldBlock);
        }
        let mut n = 0;
        while n < into.len()
            && let Some(byte) = self.console_input.pop_front()
        {
            into[n] = byte;
            n += 1;
        }
        Ok(n)
    }

    fn system_info(&mut self, topic: u32) -> Result<Vec<u8>, CallError> {
        Ok(format!("report {topic} at {}", self.clock).into_bytes())
    }

    fn lookup(&mut self, _name: &str, local: Option<Handle>) -> Result<Handle, CallError> {
        if self.deny_lookups {
            return Err(CallError::Denied);
        }
        local.ok_or(CallError::Denied)
    }

    fn log_dropped(&mut self, component: &str) {
        self.dropped_logs.push(component.into());
    }

    fn mmio_read32(&mut self, address: u64) -> u32 {
        self.gpio.read(address)
    }

    fn mmio_write32(&mut self, address: u64, value: u32) {
        self.gpio.write(address, value);
    }

    fn read_mapped(&mut self, address: u64, into: &mut [u8]) {
        let range = self.mapped_range(address, into.len());
        into.copy_from_slice(&self.mapped[range]);
    }

    fn write_mapped(&mut self, address: u64, data: &[u8]) {
        let range = self.mapped_range(address, data.len());
        self.mapped[range].copy_from_slice(data);
        self.mapped_writes += 1;
    }

    fn event(&mut self, event: RuntimeEvent<'_>) {
        if std::env::var_os("RUVIX_TEST_ECHO").is_some() {
            println!("[{:>10}] event: {event}", self.clock);
        }
        self.events.push((self.clock, event.to_string()));
    }

    fn retire_region(&mut self, region: RegionId, backing: RegionBacking) {
        self.retired.push((region, backing.size()));
    }
}

/// The physical address of a peripheral-window offset on the Pi 3.
pub fn rpi3_mmio(offset: u64) -> u64 {
    BoardLimits::RPI3.mmio_address(offset).unwrap()
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// Where the guest modules are: `RUVIX_WASM_DIR`, else
/// `<workspace>/target/components/wasm32-unknown-unknown/release`.
pub fn wasm_dir() -> PathBuf {
    match std::env::var_os("RUVIX_WASM_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace().join("target/components/wasm32-unknown-unknown/release"),
    }
}

/// A guest module by file name. Fails the test (never skips it) when it is missing.
pub fn guest_module(file: &str) -> Vec<u8> {
    let path = wasm_dir().join(file);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!(
            "guest module {} not readable ({error}): build the components first — `just components` \
             (or `cd components && CARGO_TARGET_DIR=../target/components cargo build --release \
             --target wasm32-unknown-unknown`) — or point RUVIX_WASM_DIR at the directory holding \
             the .wasm files",
            path.display()
        ),
    }
}

/// The system's one mint token, shared by every system a test process builds (each test binary
/// is one process; `BootMinter` hands out one token per process).
fn token() -> &'static MintToken {
    static TOKEN: OnceLock<MintToken> = OnceLock::new();
    TOKEN.get_or_init(|| BootMinter::take().expect("the only taker of the mint token"))
}

/// A manifest from TOML text (validated for the Pi 3).
pub fn manifest(name: &str, source: &str) -> RvfManifest {
    match parse_toml(name, source, &[BoardLimits::RPI3, BoardLimits::RPI4]) {
        Ok(manifest) => manifest,
        Err(diagnostics) => panic!("{name}: {diagnostics:#?}"),
    }
}

/// A manifest of `components/`.
pub fn component_manifest(file: &str) -> RvfManifest {
    let path = workspace().join("components").join(file);
    let source = std::fs::read_to_string(&path).unwrap();
    manifest(file, &source)
}

/// Stages 2 and 3 on the host: the root's capabilities, their distribution, the queues and
/// regions (RAM as leaked zeroed buffers, MMIO at the Pi 3's addresses), then mount.
pub fn mount(
    manifest: &RvfManifest,
    wasm: &[Vec<u8>],
) -> Result<(Runtime<FakePlatform>, MountReport), MountError> {
    mount_with(manifest, wasm, |_| {})
}

/// What [`mount_with`] hands to mount, to tamper with.
pub struct Parts {
    pub caps: Vec<ComponentCaps>,
    pub queues: Vec<Queue>,
    pub regions: Vec<RegionBacking>,
    pub platform: FakePlatform,
}

/// What stages 2 and 3 make from `manifest` for mount: capabilities, queues, regions (RAM as
/// leaked zeroed buffers, MMIO at the Pi 3's addresses) and a fresh platform.
pub fn parts(manifest: &RvfManifest) -> Parts {
    let objects = ObjectIds::in_manifest_order(manifest);
    let ram = [MemoryRange::new(0, 0x4000_0000).unwrap()];
    let root = BootCapabilitySet::new(token(), &ram, &objects).unwrap();
    let distribution = distribute(root.table(), manifest, &objects).unwrap();
    let queues = manifest
        .queues
        .iter()
        .map(|q| Queue::new(q.depth, q.message_size).unwrap())
        .collect();
    let regions = manifest
        .regions
        .iter()
        .map(|r| match r.kind {
            RegionKind::Ram => RegionBacking::Ram(Vec::leak(vec![0u8; r.size as usize])),
            RegionKind::Mmio { peripheral_offset } => RegionBacking::Mmio {
                base: rpi3_mmio(peripheral_offset),
                size: r.size,
            },
        })
        .collect();
    Parts {
        caps: distribution.into_components(),
        queues,
        regions,
        platform: FakePlatform::new(),
    }
}

/// [`mount`], after `tweak` has changed what is passed.
pub fn mount_with(
    manifest: &RvfManifest,
    wasm: &[Vec<u8>],
    tweak: impl FnOnce(&mut Parts),
) -> Result<(Runtime<FakePlatform>, MountReport), MountError> {
    let wasm: Vec<&[u8]> = wasm.iter().map(Vec::as_slice).collect();
    let mut parts = parts(manifest);
    tweak(&mut parts);
    Runtime::mount(
        manifest,
        &wasm,
        parts.caps,
        parts.queues,
        parts.regions,
        parts.platform,
    )
}

/// [`mount`] with the queues behind the backend `backend` makes of the usual ones.
pub fn mount_with_backend(
    manifest: &RvfManifest,
    wasm: &[Vec<u8>],
    backend: impl FnOnce(Vec<Queue>) -> Box<dyn QueueBackend>,
) -> Result<(Runtime<FakePlatform>, MountReport), MountError> {
    let wasm: Vec<&[u8]> = wasm.iter().map(Vec::as_slice).collect();
    let parts = parts(manifest);
    Runtime::mount_with_backend(
        manifest,
        &wasm,
        parts.caps,
        backend(parts.queues),
        parts.regions,
        parts.platform,
    )
}

/// Mounts a manifest of `components/` with the real guest modules.
pub fn mount_components(file: &str) -> (Runtime<FakePlatform>, MountReport, RvfManifest) {
    let manifest = component_manifest(file);
    let wasm: Vec<Vec<u8>> = manifest
        .components
        .iter()
        .map(|c| guest_module(&c.wasm))
        .collect();
    let (runtime, report) = mount(&manifest, &wasm).unwrap_or_else(|e| panic!("mount: {e}"));
    (runtime, report, manifest)
}

/// Runs `f` on a thread with a 256 MiB stack (reserved, not committed): for tests that run long
/// slices while wasmi is built with debug assertions, whose dispatch then grows the native
/// stack with every instruction (see `tests/native_stack.rs`).
pub fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Runs one slice and moves the fake clock: by the fuel the slice spent
/// ([`FUEL_PER_TICK`]), or, when idle, to the next wake-up.
pub fn step(runtime: &mut Runtime<FakePlatform>) -> Step {
    let fuel_before: u64 = runtime.tasks().map(|t| t.stats.fuel).sum();
    let step = runtime.run_slice();
    let fuel_after: u64 = runtime.tasks().map(|t| t.stats.fuel).sum();
    let mut platform = runtime.platform_mut();
    match step {
        Step::Ran { .. } => {
            platform.clock += (fuel_after - fuel_before).div_ceil(FUEL_PER_TICK).max(1)
        }
        Step::Idle {
            next_wakeup_ticks: Some(at),
        } => platform.clock = platform.clock.max(at),
        Step::Idle {
            next_wakeup_ticks: None,
        } => platform.clock += 1000,
    }
    step
}
