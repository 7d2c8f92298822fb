//! Stage 0 — hardware: bring the board up and report what it is.

use crate::board;
use board::BoardInfo;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

pub fn run(dtb: u64, entry_counter: u64) -> BoardInfo {
    let info = match board::bring_up(dtb) {
        Ok(info) => info,
        Err(error) => super::stage_failed(0, "hardware", error),
    };
    report(&info);
    super::stage_ok(0, "hardware", entry_counter);
    info
}

fn report(info: &BoardInfo) {
    defmt::info!(
        "ruvix-pi {=str} for {=str} ({=str})",
        env!("CARGO_PKG_VERSION"),
        board::bsp::BOARD_NAME,
        board::bsp::SOC
    );
    match info.revision {
        Some(revision) => defmt::info!(
            "board: {=str}, revision {=u32:#08x} ({=str})",
            info.model(),
            revision.0,
            revision.processor()
        ),
        None => defmt::warn!(
            "board: {=str}, revision unknown (mailbox silent)",
            info.model()
        ),
    }
    if let Some(serial) = info.serial.filter(|&s| s != 0) {
        defmt::info!("serial: {=u64:#018x}", serial);
    }
    defmt::info!(
        "cpu: {=str} (MIDR part {=u16:#05x} r{=u8}p{=u8}), running at EL{=u8}",
        info.core.name(),
        info.core.part,
        info.core.variant,
        info.core.revision,
        board::cpu::current_el()
    );
    match info.arm_clock_hz {
        Some(hz) => defmt::info!(
            "clocks: ARM {=u32} MHz, counter {=u64} Hz",
            hz / 1_000_000,
            info.counter_hz
        ),
        None => defmt::info!("clocks: ARM unknown, counter {=u64} Hz", info.counter_hz),
    }
    match info.uart_clock_hz {
        Some(hz) => defmt::info!("uart: PL011 115200 8N1, clock {=u32} Hz (firmware)", hz),
        None => defmt::warn!("uart: PL011 115200 8N1, clock unknown: assumed 48 MHz"),
    }
    defmt::info!(
        "ram: {=u64} MiB (from {=str}), {=u64} MiB mapped for the ARM",
        info.ram_bytes / MIB,
        info.ram_source,
        info.ram_mapped_bytes() / MIB
    );
    if let Some(arm) = &info.arm_memory {
        defmt::info!(
            "ram: ARM memory {=u64:#010x}..{=u64:#010x} (mailbox)",
            arm.start,
            arm.end
        );
    }
    if let Some(vc) = &info.vc_memory {
        defmt::info!(
            "ram: VideoCore memory {=u64:#010x}..{=u64:#010x} (mailbox)",
            vc.start,
            vc.end
        );
    }
    match &info.device_tree {
        Some(dt) => {
            defmt::info!(
                "device tree: {=u64} bytes at {=u64:#010x}, model \"{=str}\"",
                dt.size,
                dt.address,
                dt.model.as_str()
            );
            if let Some(initrd) = &dt.initrd {
                defmt::info!(
                    "device tree: initrd {=u64:#010x}..{=u64:#010x}",
                    initrd.start,
                    initrd.end
                );
            }
        }
        None => defmt::info!("device tree: none passed"),
    }
    defmt::info!(
        "interrupts: {=str}, timer tick {=u32} Hz",
        board::bsp::INTERRUPT_CONTROLLER,
        super::TICK_HZ
    );

    defmt::info!("memory map (as mapped; anything else faults):");
    print_memory_map();
    let layout = board::layout::get();
    let (used, free) = board::heap::usage();
    defmt::info!(
        "heap: {=u64} KiB at {=u64:#010x} ({=usize} bytes used, {=usize} free)",
        (layout.heap.end - layout.heap.start) / KIB,
        layout.heap.start,
        used,
        free
    );
    defmt::info!(
        "stacks: kernel {=u64} KiB, exception {=u64} KiB, each above an unmapped guard page",
        (layout.boot_stack.end - layout.boot_stack.start) / KIB,
        (layout.exception_stack.end - layout.exception_stack.start) / KIB
    );
}

/// The memory map as the live translation tables say it is.
pub fn print_memory_map() {
    board::mmu::for_each_mapping(|line| {
        defmt::info!(
            "  {=u64:#011x}..{=u64:#011x} {=u64} KiB  {=str}  {=str}",
            line.range.start,
            line.range.end,
            (line.range.end - line.range.start) / KIB,
            line.attributes.unwrap_or("unmapped    "),
            line.label
        );
    });
}
