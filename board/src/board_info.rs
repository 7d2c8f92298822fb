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
    for region in fdt.memory().regions() {
        if let Some(size) = region.size {
            let start = region.starting_address as u64;
            let _ = info.memory.push(start..start + size as u64);
        }
    }
    let chosen = fdt.find_node("/chosen");
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
