//! Bounds every manifest must respect, on every board. Validation checks them all, so the
//! firmware can size its tables from them and never meets an absurd value.

/// Size of a translation-table page: region sizes and MMIO offsets are multiples of it.
pub const PAGE_SIZE: u64 = 4096;
/// Size of a WebAssembly linear-memory page.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// Most target boards a manifest may list.
pub const MAX_BOARDS: usize = 8;
/// Most components in a system.
pub const MAX_COMPONENTS: usize = 32;
/// Most regions in a system.
pub const MAX_REGIONS: usize = 64;
/// Most queues in a system.
pub const MAX_QUEUES: usize = 64;
/// Most device interrupts given to components (the boards offer 3; room for more sources).
pub const MAX_INTERRUPTS: usize = 16;
/// Most entry points (tasks) per component.
pub const MAX_ENTRY_POINTS: usize = 8;

/// Longest name (system, component, region, queue, port, interrupt).
pub const MAX_NAME_LEN: usize = 32;
/// Longest wasm file name or export name.
pub const MAX_FILE_NAME_LEN: usize = 64;
/// Longest entry-point export name.
pub const MAX_EXPORT_LEN: usize = 64;

/// Largest linear-memory limit, in wasm pages (1 GiB).
pub const MAX_MEMORY_PAGES: u32 = 16384;
/// Largest fuel slice (instructions, roughly) a task may run before it is preempted.
pub const MAX_FUEL_SLICE: u64 = 1_000_000_000;
/// Longest time slice of a component's process, in milliseconds (one second).
pub const MAX_TIME_SLICE_MS: u32 = 1000;
/// Time slice of a component's process when the manifest does not give one, in milliseconds.
pub const DEFAULT_TIME_SLICE_MS: u32 = 10;
/// Least urgent entry-point priority; 0 is the most urgent.
pub const MAX_PRIORITY: u8 = 15;
/// Priority of an entry point that does not give one.
pub const DEFAULT_PRIORITY: u8 = 8;
/// Most restarts a restart policy may allow.
pub const MAX_RESTARTS: u32 = 1000;
/// Longest minimum run time of a restart policy (one hour).
pub const MAX_MIN_RUN_MS: u32 = 3_600_000;

/// Largest region (1 GiB).
pub const MAX_REGION_SIZE: u64 = 1 << 30;
/// Deepest queue, in messages.
pub const MAX_QUEUE_DEPTH: u32 = 1024;
/// Largest queue message, in bytes.
pub const MAX_MESSAGE_SIZE: u32 = 4096;

/// Most witness-log entries.
pub const MAX_WITNESS_ENTRIES: u32 = 65536;
/// Witness-log size when the manifest does not give one.
pub const DEFAULT_WITNESS_ENTRIES: u32 = 256;

/// Largest encoded manifest `decode` accepts.
pub const MAX_ENCODED_LEN: usize = 1 << 20;

/// Most log lines per second a component's budget may allow.
pub const MAX_LOG_LINES_PER_SECOND: u32 = 1000;

/// Largest log burst a component's budget may allow.
pub const MAX_LOG_BURST: u32 = 10_000;
