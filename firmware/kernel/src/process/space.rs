//! One process's address space: what is mapped where (`ruvix_process_abi::layout`), with which
//! rights, and the kernel's view of it for supervisor calls (which user addresses it may copy
//! from and to) and fault reports (which mapping an address hit).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use board::arch::el0::{self, UserContext};
use board::mmu::{self, Tlb};
use ruvix_caps::{ComponentCaps, ObjectRef, RegionId, Rights};
use ruvix_process_abi::{
    BOOT_MAGIC, Blob, BootInfo, REGION_HELD, REGION_MMIO, REGION_WRITABLE, RegionSlot, Status,
    layout,
};
use ruvix_translation_table::{
    Access, AddressSpace, Attributes, Granularity, MemoryKind, TablePool,
};
use ruvix_user_image::SegmentKind;

use super::StartError;
use super::image::HostImage;
use super::memory::UserPages;
use crate::board;

/// Translation-table frames per process: the user window's level-2 table and a level-3 table
/// per 2 MiB mapped (a 34 MiB heap, stack, image, inputs and regions fit).
const TABLE_FRAMES: usize = 32;

type Tables = AddressSpace<&'static mut TablePool<TABLE_FRAMES>, Tlb>;

/// Where a region of the system is in physical memory (stage 2 made it).
pub struct RegionPlacement {
    pub name: String,
    pub phys: u64,
    pub size: u64,
    pub mmio: bool,
}

/// What a new process is told (the boot information page and what it points to).
pub struct Inputs<'a> {
    pub component: usize,
    pub manifest: &'a [u8],
    pub capabilities: &'a [u8],
    pub module: &'a [u8],
    pub counter_hz: u64,
    /// What the fault-injection hook of test images aims at (`BootInfo::probes`).
    pub probes: [u64; ruvix_process_abi::PROBES],
}

/// A range of the process's own memory the kernel may copy from (and to, if writable).
struct Area {
    va: u64,
    /// Bytes mapped (its pages' length), kept here for the pointer checks of every call.
    len: u64,
    what: &'static str,
    user_writable: bool,
    memory: Memory,
}

enum Memory {
    /// Index into `UserSpace::private`.
    Private(usize),
    /// Index into the host image's shared segments.
    Shared(usize),
}

/// A region as this process sees it.
struct MappedRegion {
    va: u64,
    size: u64,
    name: String,
    writable: bool,
    mmio: bool,
}

/// What one process's own translation table maps, in bytes (whole 4 KiB pages), by kind.
#[derive(Clone, Copy, Default)]
pub struct MappedBytes {
    /// The component host's code, shared by every process.
    pub code: u64,
    /// Its read-only data, shared by every process.
    pub rodata: u64,
    /// Its own copy of the host's data and bss.
    pub data: u64,
    pub stack: u64,
    pub heap: u64,
    /// Boot page, manifest, capability replica, module.
    pub inputs: u64,
    /// Its granted regions (their pages are the regions', not the process's).
    pub regions: u64,
}

impl MappedBytes {
    pub fn total(&self) -> u64 {
        self.code + self.rodata + self.data + self.stack + self.heap + self.inputs + self.regions
    }
}

/// A process's address space.
pub struct UserSpace {
    tables: Tables,
    asid: u8,
    host: alloc::rc::Rc<HostImage>,
    private: Vec<UserPages>,
    areas: Vec<Area>,
    regions: Vec<MappedRegion>,
    /// Indices into `private` of the image's read-write segments with their template, for a
    /// restart: (private index, data offset in the first page, file bytes).
    templates: Vec<(usize, u64, &'static [u8])>,
}

impl UserSpace {
    /// Builds the address space of component `name`: the host image, its inputs, stack, heap
    /// and every region `caps` holds, with the rights it holds them with.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: &alloc::rc::Rc<HostImage>,
        name: &str,
        asid: u8,
        inputs: Inputs<'_>,
        heap_size: u64,
        stack_size: u64,
        regions: &[RegionPlacement],
        caps: &ComponentCaps,
    ) -> Result<UserSpace, StartError> {
        let component = String::from(name);
        let map_error = |error: ruvix_translation_table::MapError| StartError::Map {
            component: component.clone(),
            error: format!("{error}"),
        };
        let no_memory = |what| StartError::Memory {
            component: component.clone(),
            what,
        };
        let pool: &'static mut TablePool<TABLE_FRAMES> = Box::leak(Box::new(TablePool::new()));
        let tables = mmu::new_user_space(pool).map_err(|error| StartError::Map {
            component: component.clone(),
            error: format!("{error}"),
        })?;
        let mut space = UserSpace {
            tables,
            asid,
            host: host.clone(),
            private: Vec::new(),
            areas: Vec::new(),
            regions: Vec::new(),
            templates: Vec::new(),
        };

        // The image: shared code and read-only data, a private copy of the writable part.
        for (index, segment) in host.segments().enumerate() {
            match segment.kind() {
                SegmentKind::Code | SegmentKind::ReadOnly => {
                    let attributes = if segment.kind() == SegmentKind::Code {
                        Attributes::USER_RX
                    } else {
                        Attributes::USER_RO
                    };
                    let pages = host.shared_pages(index).ok_or_else(|| no_memory("image"))?;
                    space
                        .tables
                        .map(
                            segment.page_start(),
                            pages.phys(),
                            pages.len(),
                            attributes,
                            Granularity::Pages,
                        )
                        .map_err(map_error)?;
                    space.areas.push(Area {
                        va: segment.page_start(),
                        len: pages.len(),
                        what: "the component host's image",
                        user_writable: false,
                        memory: Memory::Shared(index),
                    });
                }
                SegmentKind::ReadWrite => {
                    let mut pages =
                        UserPages::zeroed(segment.mem_size()).ok_or_else(|| no_memory("data"))?;
                    pages.write(segment.data_offset(), segment.file_bytes());
                    let slot = space.add_private(
                        segment.page_start(),
                        pages,
                        Attributes::USER_RW,
                        "its data",
                    );
                    let slot = slot.map_err(map_error)?;
                    space
                        .templates
                        .push((slot, segment.data_offset(), segment.file_bytes()));
                }
            }
        }

        // Stack, with the unmapped page below it as its guard; heap.
        let stack = UserPages::zeroed(stack_size).ok_or_else(|| no_memory("stack"))?;
        space
            .add_private(layout::STACK_BASE, stack, Attributes::USER_RW, "its stack")
            .map_err(map_error)?;
        if heap_size > layout::HEAP_MAX {
            return Err(no_memory("heap (larger than the layout allows)"));
        }
        let heap = UserPages::zeroed(heap_size).ok_or_else(|| no_memory("heap"))?;
        let heap_len = heap.len();
        space
            .add_private(layout::HEAP_BASE, heap, Attributes::USER_RW, "its heap")
            .map_err(map_error)?;

        // Regions, each with this component's own rights.
        let mut info = BootInfo::empty();
        let mut next = layout::REGIONS_BASE;
        for (id, region) in regions.iter().enumerate() {
            let slot = info
                .regions
                .get_mut(id)
                .ok_or_else(|| no_memory("region table"))?;
            slot.size = region.size;
            if region.mmio {
                slot.flags |= REGION_MMIO;
            }
            let Some(rights) = region_rights(caps, id) else {
                continue;
            };
            let writable = rights.contains(Rights::WRITE);
            let page_start = region.phys & !(layout::PAGE_SIZE - 1);
            let offset = region.phys - page_start;
            let mapped = (offset + region.size).div_ceil(layout::PAGE_SIZE) * layout::PAGE_SIZE;
            if next + mapped > layout::USER_END {
                return Err(no_memory("regions (the window is full)"));
            }
            let kind = if region.mmio {
                MemoryKind::Device
            } else {
                MemoryKind::Normal
            };
            let access = if writable {
                Access::ReadWrite
            } else {
                Access::ReadOnly
            };
            space
                .tables
                .map(
                    next,
                    page_start,
                    mapped,
                    Attributes::user(kind, access, false),
                    Granularity::Pages,
                )
                .map_err(map_error)?;
            *slot = RegionSlot {
                address: next + offset,
                size: region.size,
                flags: slot.flags | REGION_HELD | if writable { REGION_WRITABLE } else { 0 },
            };
            space.regions.push(MappedRegion {
                va: next + offset,
                size: region.size,
                name: region.name.clone(),
                writable,
                mmio: region.mmio,
            });
            // One unmapped page between regions: an overrun faults.
            next += mapped + layout::PAGE_SIZE;
        }

        // The inputs: boot page, manifest, capability replica, module — read-only.
        let page = layout::PAGE_SIZE;
        let manifest = Blob {
            offset: page,
            len: inputs.manifest.len() as u64,
        };
        let capabilities = Blob {
            offset: manifest.offset + manifest.len,
            len: inputs.capabilities.len() as u64,
        };
        let module = Blob {
            offset: capabilities.offset + capabilities.len,
            len: inputs.module.len() as u64,
        };
        let total = module.offset + module.len;
        if total > layout::INPUTS_MAX {
            return Err(no_memory("inputs (the module is too large)"));
        }
        info.magic = BOOT_MAGIC;
        info.component = inputs.component as u64;
        info.ticks_per_second = inputs.counter_hz;
        info.manifest = manifest;
        info.capabilities = capabilities;
        info.module = module;
        info.heap_base = layout::HEAP_BASE;
        info.heap_size = heap_len;
        info.region_count = regions.len() as u64;
        info.probes = inputs.probes;
        let mut pages = UserPages::zeroed(total).ok_or_else(|| no_memory("inputs"))?;
        pages.write_value(0, &info);
        pages.write(manifest.offset, inputs.manifest);
        pages.write(capabilities.offset, inputs.capabilities);
        pages.write(module.offset, inputs.module);
        space
            .add_private(
                layout::INPUTS_BASE,
                pages,
                Attributes::USER_RO,
                "its inputs",
            )
            .map_err(map_error)?;
        Ok(space)
    }

    fn add_private(
        &mut self,
        va: u64,
        pages: UserPages,
        attributes: Attributes,
        what: &'static str,
    ) -> Result<usize, ruvix_translation_table::MapError> {
        self.tables.map(
            va,
            pages.phys(),
            pages.len(),
            attributes,
            Granularity::Pages,
        )?;
        let index = self.private.len();
        self.areas.push(Area {
            va,
            len: pages.len(),
            what,
            user_writable: attributes == Attributes::USER_RW,
            memory: Memory::Private(index),
        });
        self.private.push(pages);
        Ok(index)
    }

    /// Bytes of its own memory, and of its translation-table pool.
    pub fn footprint(&self) -> (u64, u64) {
        let private = self.private.iter().map(UserPages::len).sum();
        (private, (TABLE_FRAMES as u64) * layout::PAGE_SIZE)
    }

    /// What its translation table maps, by kind (from the areas and regions it was built with:
    /// every mapping goes through them).
    pub fn mapped(&self) -> MappedBytes {
        let mut mapped = MappedBytes::default();
        for area in &self.areas {
            let bytes = self.pages(area).map_or(0, UserPages::len);
            let kind = match area.memory {
                Memory::Shared(index) => match self.host.segments().nth(index).map(|s| s.kind()) {
                    Some(SegmentKind::Code) => &mut mapped.code,
                    _ => &mut mapped.rodata,
                },
                Memory::Private(_) => match area.va {
                    layout::STACK_BASE => &mut mapped.stack,
                    layout::HEAP_BASE => &mut mapped.heap,
                    layout::INPUTS_BASE => &mut mapped.inputs,
                    _ => &mut mapped.data,
                },
            };
            *kind += bytes;
        }
        for region in &self.regions {
            // Mapped from the page holding its start to the page holding its end.
            let offset = region.va % layout::PAGE_SIZE;
            mapped.regions +=
                (offset + region.size).div_ceil(layout::PAGE_SIZE) * layout::PAGE_SIZE;
        }
        mapped
    }

    /// Physical address of its heap.
    pub fn heap_phys(&self) -> Option<u64> {
        let area = self.areas.iter().find(|a| a.va == layout::HEAP_BASE)?;
        self.pages(area).map(UserPages::phys)
    }

    pub fn asid(&self) -> u8 {
        self.asid
    }

    /// `TTBR0_EL1` for this process.
    pub fn ttbr0(&self) -> u64 {
        el0::ttbr0(self.tables.root_phys(), self.asid)
    }

    /// Where the component host starts: its entry point, the top of its stack, the boot page.
    pub fn initial_context(&self) -> UserContext {
        let stack_top = self
            .areas
            .iter()
            .find(|a| a.va == layout::STACK_BASE)
            .and_then(|a| self.pages(a))
            .map_or(layout::STACK_BASE, |p| layout::STACK_BASE + p.len());
        UserContext::new(self.host.entry(), stack_top, layout::INPUTS_BASE, 0)
    }

    /// Back to how [`UserSpace::new`] made it (a restart): stack, heap and data zeroed, the
    /// data's initial contents copied in again. The mappings stay as they are.
    pub fn reset(&mut self) {
        for area in &self.areas {
            if let (true, Memory::Private(index)) = (area.user_writable, &area.memory)
                && let Some(pages) = self.private.get_mut(*index)
            {
                pages.clear();
            }
        }
        for (index, offset, bytes) in &self.templates {
            if let Some(pages) = self.private.get_mut(*index) {
                pages.write(*offset, bytes);
            }
        }
    }

    /// Tells the process in its boot page how often it has been restarted.
    pub fn set_restarts(&mut self, restarts: u32) {
        let inputs = self.areas.iter().find_map(|area| match area.memory {
            Memory::Private(index) if area.va == layout::INPUTS_BASE => Some(index),
            _ => None,
        });
        if let Some(pages) = inputs.and_then(|index| self.private.get_mut(index)) {
            let offset = core::mem::offset_of!(BootInfo, restarts) as u64;
            pages.write(offset, &u64::from(restarts).to_le_bytes());
        }
    }

    fn pages(&self, area: &Area) -> Option<&UserPages> {
        match area.memory {
            Memory::Private(index) => self.private.get(index),
            Memory::Shared(index) => self.host.shared_pages(index),
        }
    }

    /// The area holding all of `va .. va + len`, and the offset of `va` in it.
    fn area(&self, va: u64, len: u64) -> Option<(&Area, u64)> {
        let end = va.checked_add(len)?;
        self.areas
            .iter()
            .find(|area| va >= area.va && end <= area.va.saturating_add(area.len))
            .map(|area| (area, va - area.va))
    }

    /// Copies `into.len()` bytes from the process at `va`: only from its own memory (image,
    /// inputs, data, stack, heap), never from a region or the kernel. Nothing to copy is
    /// never a bad pointer (an empty slice's address is arbitrary).
    pub fn copy_from(&self, va: u64, into: &mut [u8]) -> Result<(), Status> {
        if into.is_empty() {
            return Ok(());
        }
        let (area, offset) = self.area(va, into.len() as u64).ok_or(Status::BadPointer)?;
        let pages = self.pages(area).ok_or(Status::BadPointer)?;
        pages
            .read(offset, into)
            .then_some(())
            .ok_or(Status::BadPointer)
    }

    /// Copies `data` into the process at `va`: only into its own writable memory.
    pub fn copy_to(&mut self, va: u64, data: &[u8]) -> Result<(), Status> {
        if data.is_empty() {
            return Ok(());
        }
        let (area, offset) = self.area(va, data.len() as u64).ok_or(Status::BadPointer)?;
        let (true, Memory::Private(index)) = (area.user_writable, &area.memory) else {
            return Err(Status::BadPointer);
        };
        let index = *index;
        let pages = self.private.get_mut(index).ok_or(Status::BadPointer)?;
        pages
            .write(offset, data)
            .then_some(())
            .ok_or(Status::BadPointer)
    }

    /// Which mapping `address` hit, for a fault report.
    pub fn describe(&self, address: u64) -> String {
        if let Some((area, _)) = self.area(address, 1) {
            let rights = if area.user_writable { "rw" } else { "ro" };
            return format!("in {} ({rights})", area.what);
        }
        if let Some(region) = self
            .regions
            .iter()
            .find(|r| address >= r.va && address < r.va + r.size)
        {
            let rights = if region.writable { "rw" } else { "ro" };
            let kind = if region.mmio { ", device" } else { "" };
            return format!("in region {} ({rights}{kind})", region.name);
        }
        if (layout::STACK_BASE - layout::PAGE_SIZE..layout::STACK_BASE).contains(&address) {
            return String::from("in its stack's guard page (unmapped)");
        }
        if !(layout::USER_BASE..layout::USER_END).contains(&address) {
            return String::from("outside the user window (kernel memory or unmapped)");
        }
        String::from("unmapped")
    }
}

impl Drop for UserSpace {
    fn drop(&mut self) {
        // Forget this ASID's translations before its pages go back to the heap.
        el0::flush_asid(self.asid);
    }
}

/// The rights `caps` holds region `id` with, if it holds it.
pub fn region_rights(caps: &ComponentCaps, id: usize) -> Option<Rights> {
    let id = RegionId(u32::try_from(id).ok()?);
    caps.table()
        .iter()
        .find(|(_, c)| c.object() == ObjectRef::Region(id))
        .map(|(_, c)| c.rights())
}

impl super::Process {
    /// What this process's translation table maps, by kind.
    pub fn mapped(&self) -> MappedBytes {
        self.space.mapped()
    }
}

impl super::Processes {
    /// Kernel heap bytes the processes hold: the component host's shared pages if they were
    /// copied (they are mapped in place from the kernel image when they can be), and each
    /// process's own memory and translation-table pool.
    pub fn heap_bytes(&self) -> u64 {
        let own: u64 = self
            .processes
            .iter()
            .map(|p| {
                let (private, tables) = p.space.footprint();
                private + tables
            })
            .sum();
        own + self._host.shared_heap_bytes()
    }
}
