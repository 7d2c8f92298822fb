//! What board this is and how much memory it has, from the VideoCore firmware (mailbox), the
//! device tree when one was passed, and the CPU's own ID registers. Nothing is assumed: a
//! value the hardware did not report is shown as unknown.

use core::ops::Range;

use crate::arch::cpu::CoreType;
use crate::drivers::mailbox::{Clock, Mailbox};

/// Decoded "new style" board revision code (bit 23 set), see the Raspberry Pi documentation
/// of revision codes: type, processor, memory size, manufacturer, revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision(pub u32);

impl Revision {
    pub fn is_new_style(self) -> bool {
        self.0 & (1 << 23) != 0
    }

    pub fn model_name(self) -> &'static str {
        if !self.is_new_style() {
            return "Raspberry Pi (old-style revision)";
        }
        match (self.0 >> 4) & 0xff {
            0x04 => "Raspberry Pi 2 Model B",
            0x08 => "Raspberry Pi 3 Model B",
            0x0a => "Raspberry Pi Compute Module 3",
            0x0d => "Raspberry Pi 3 Model B+",
            0x0e => "Raspberry Pi 3 Model A+",
            0x10 => "Raspberry Pi Compute Module 3+",
            0x11 => "Raspberry Pi 4 Model B",
            0x13 => "Raspberry Pi 400",
            0x14 => "Raspberry Pi Compute Module 4",
            0x17 => "Raspberry Pi 5",
            _ => "Raspberry Pi (unknown type)",
        }
    }

    pub fn processor(self) -> &'static str {
        match (self.0 >> 12) & 0xf {
            0 => "BCM2835",
            1 => "BCM2836",
            2 => "BCM2837",
            3 => "BCM2711",
            4 => "BCM2712",
            _ => "unknown SoC",
        }
    }

    /// Total RAM on the board, from the revision code's memory-size field.
    pub fn ram_bytes(self) -> Option<u64> {
        if !self.is_new_style() {
            return None;
        }
        let code = (self.0 >> 20) & 0x7;
        (code <= 5).then(|| (256u64 << 20) << code)
    }
}

/// Facts read from a flattened device tree.
#[derive(Clone, Debug, Default)]
pub struct DeviceTreeInfo {
    pub address: u64,
    pub size: u64,
    pub model: heapless::String<64>,
    /// Up to 4 `/memory` ranges.
    pub memory: heapless::Vec<Range<u64>, 4>,
    /// `/chosen` `linux,initrd-start` .. `linux,initrd-end`.
    pub initrd: Option<Range<u64>>,
}

/// Everything stage 0 learned about the machine.
#[derive(Clone, Debug)]
pub struct BoardInfo {
    pub board: &'static str,
    pub revision: Option<Revision>,
    pub serial: Option<u64>,
    pub core: CoreType,
    /// Total RAM on the board.
    pub ram_bytes: u64,
    /// Where `ram_bytes` came from.
    pub ram_source: &'static str,
    /// RAM the kernel maps (ARM-owned memory).
    pub ram: heapless::Vec<Range<u64>, 4>,
    pub arm_memory: Option<Range<u64>>,
    pub vc_memory: Option<Range<u64>>,
    pub arm_clock_hz: Option<u32>,
    pub uart_clock_hz: Option<u32>,
    pub counter_hz: u64,
    pub device_tree: Option<DeviceTreeInfo>,
}

impl BoardInfo {
    pub fn model(&self) -> &str {
        if let Some(dt) = self.device_tree.as_ref().filter(|dt| !dt.model.is_empty()) {
            return &dt.model;
        }
        self.revision
            .map_or("unknown Raspberry Pi", Revision::model_name)
    }

    pub fn ram_mapped_bytes(&self) -> u64 {
        self.ram.iter().map(|r| r.end - r.start).sum()
    }
}

fn range(base: u32, size: u32) -> Range<u64> {
    u64::from(base)..u64::from(base) + u64::from(size)
}

/// Ask the firmware, read the DTB, and decide what RAM there is.
pub(crate) fn discover(
    mailbox: &Mailbox,
    device_tree: Option<DeviceTreeInfo>,
    uart_clock_hz: Option<u32>,
    ram_limit: u64,
) -> BoardInfo {
    let revision = mailbox.board_revision().ok().map(Revision);
    let arm_memory = mailbox.arm_memory().ok().map(|(b, s)| range(b, s));
    let vc_memory = mailbox.vc_memory().ok().map(|(b, s)| range(b, s));

    // Prefer the device tree's /memory, then the revision code; the mailbox's ARM split is a
    // lower bound when neither is there.
    let mut ram: heapless::Vec<Range<u64>, 4> = heapless::Vec::new();
    let (ram_bytes, ram_source) = match (&device_tree, revision.and_then(Revision::ram_bytes)) {
        (Some(dt), _) if !dt.memory.is_empty() => {
            for r in &dt.memory {
                let _ = ram.push(r.clone());
            }
            (
                dt.memory.iter().map(|r| r.end - r.start).sum(),
                "device tree /memory",
            )
        }
        (_, Some(total)) => (total, "board revision code"),
        _ => (
            arm_memory.as_ref().map_or(0, |r| r.end - r.start),
            "mailbox ARM memory",
        ),
    };
    if ram.is_empty() {
        // Without a device tree: the ARM's share of low RAM as the firmware reports it (the
        // VideoCore's part above it is not ours), then RAM above 1 GiB up to the peripheral
        // hole (Pi 4), then what lies above 4 GiB on big boards.
        let low_end = match &arm_memory {
            Some(arm) if arm.start == 0 && arm.end > 0 => arm.end,
            _ => ram_bytes.min(ram_limit),
        };
        let _ = ram.push(0..low_end);
        let gib = 1u64 << 30;
        if ram_bytes > gib && low_end <= gib {
            let _ = ram.push(gib..ram_bytes.min(ram_limit));
        }
        if ram_bytes > 1 << 32 {
            let _ = ram.push(1 << 32..ram_bytes);
        }
    }
    // RAM is only what the ARM owns: never the VideoCore's share or a device window, whatever
    // a device tree claims (QEMU's says "all 1 GiB" on a Pi 3, peripherals included).
    if let Some(vc) = &vc_memory {
        ram = subtract(&ram, vc);
    }
    for window in crate::bsp::device_windows() {
        ram = subtract(&ram, &window.range);
    }

    BoardInfo {
        board: crate::bsp::BOARD_NAME,
        revision,
        serial: mailbox.board_serial().ok(),
        core: CoreType::read(),
        ram_bytes,
        ram_source,
        ram,
        arm_memory,
        vc_memory,
        arm_clock_hz: mailbox.clock_rate(Clock::Arm).ok(),
        uart_clock_hz,
        counter_hz: crate::arch::timer::frequency(),
        device_tree,
    }
}

/// `range` without `hole`: the parts before and after it (either may be empty).
pub(crate) fn without(range: &Range<u64>, hole: &Range<u64>) -> [Range<u64>; 2] {
    [
        range.start..hole.start.min(range.end).max(range.start),
        hole.end.max(range.start).min(range.end)..range.end,
    ]
}

/// `ranges` without `hole` (each range may be cut in two), empty pieces dropped.
fn subtract(
    ranges: &heapless::Vec<Range<u64>, 4>,
    hole: &Range<u64>,
) -> heapless::Vec<Range<u64>, 4> {
    let mut out = heapless::Vec::new();
    for piece in ranges.iter().flat_map(|r| without(r, hole)) {
        if piece.start < piece.end {
            let _ = out.push(piece);
        }
    }
    out
}

/// Read model, memory and initrd from the DTB at `address`, if there is a valid one.
pub(crate) fn read_device_tree(address: u64) -> Option<DeviceTreeInfo> {
    if address == 0 || !address.is_multiple_of(8) {
        return None;
    }
    // SAFETY: the boot firmware passes the DTB address in x0; it lies in RAM, which is
    // identity-mapped, and `Fdt::from_ptr` checks the magic and header before trusting sizes.
    let fdt = unsafe { fdt::Fdt::from_ptr(address as *const u8) }.ok()?;
    let mut info = DeviceTreeInfo {
        address,
        size: fdt.total_size() as u64,
        ..DeviceTreeInfo::default()
    };
    if let Some(model) = fdt.root().property("model").and_then(|p| p.as_str()) {
        for c in model.chars() {
            if info.model.push(c).is_err() {
                break;
            }
        }
    }
    // Every `memory@…` node (not `Fdt::memory()`, which insists on a node named exactly
    // "/memory" and panics without one).
    let memory_nodes = fdt.all_nodes().filter(|n| {
        n.name.split('@').next() == Some("memory")
            || n.property("device_type").and_then(|p| p.as_str()) == Some("memory")
    });
    for node in memory_nodes {
        for region in node.reg().into_iter().flatten() {
            if let Some(size) = region.size.filter(|&s| s > 0) {
                let start = region.starting_address as u64;
                let _ = info.memory.push(start..start.saturating_add(size as u64));
            }
        }
    }
    // Found by walking the nodes: fdt 0.1's `find_node("/chosen")` misses it in the trees
    // QEMU writes (checked with QEMU 10's raspi4b).
    let chosen = fdt.all_nodes().find(|n| n.name == "chosen");
    let read = |name: &str| {
        chosen
            .as_ref()?
            .property(name)
            .and_then(|p| match p.value.len() {
                4 => Some(u64::from(u32::from_be_bytes(p.value.try_into().ok()?))),
                8 => Some(u64::from_be_bytes(p.value.try_into().ok()?)),
                _ => None,
            })
    };
    if let (Some(start), Some(end)) = (read("linux,initrd-start"), read("linux,initrd-end"))
        && end > start
    {
        info.initrd = Some(start..end);
    }
    Some(info)
}

impl BoardInfo {
    /// The bytes of the initial ramdisk the boot firmware loaded (`initramfs` in config.txt,
    /// `-initrd` in QEMU), as announced in the device tree.
    pub fn initrd(&self) -> Option<&'static [u8]> {
        let range = self.device_tree.as_ref()?.initrd.clone()?;
        let len = usize::try_from(range.end - range.start).ok()?;
        let inside_ram = self
            .ram
            .iter()
            .any(|r| r.start <= range.start && range.end <= r.end);
        if !inside_ram {
            return None;
        }
        // SAFETY: the range lies inside RAM that stage 0 identity-mapped readable, the firmware
        // put the file there before the kernel started, and the kernel keeps it reserved (the
        // frame allocator never hands it out), so nothing writes it while it is borrowed.
        Some(unsafe { core::slice::from_raw_parts(range.start as *const u8, len) })
    }
}
