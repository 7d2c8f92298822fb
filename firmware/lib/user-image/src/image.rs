//! [`UserImage::parse`]: the checks that turn the ELF bytes into a mapping plan.

use core::ops::Range;

use elf::ElfBytes;
use elf::abi::{
    EI_CLASS, EI_DATA, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ELFMAGIC, EM_AARCH64,
    ET_EXEC, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_INTERP, PT_LOAD, PT_TLS,
};
use elf::endian::AnyEndian;
use elf::file::Class;
use elf::segment::ProgramHeader;
use heapless::Vec;

use crate::{ElfFault, ImageError, PAGE_SIZE, Segment, SegmentKind};

/// The most `PT_LOAD` program headers an image may have. Ours has three or four (code, rodata,
/// data + bss); the bound keeps the plan a fixed-size value.
pub const MAX_SEGMENTS: usize = 8;

/// `PAGE_SIZE - 1`: the offset bits of an address.
const PAGE_MASK: u64 = PAGE_SIZE - 1;

/// A checked mapping plan for a static AArch64 executable: its entry point and its loadable
/// segments, sorted by address, pairwise on distinct pages, all inside the user window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserImage<'a> {
    entry: u64,
    segments: Vec<Segment<'a>, MAX_SEGMENTS>,
}

impl<'a> UserImage<'a> {
    /// Checks `elf` and describes how to map it into a process whose user address space is
    /// `window` (half-open; each segment's whole pages must lie inside it).
    ///
    /// The checks, in order (the first that fails is reported):
    ///
    /// 1. the file: the ELF magic, 64-bit, little-endian, readable by the `elf` crate (header,
    ///    program header table and section header table location), `EM_AARCH64`, `ET_EXEC`;
    /// 2. each program header in table order: `PT_INTERP` and `PT_DYNAMIC` (not static) and
    ///    `PT_TLS` are refused, others than `PT_LOAD` ignored (`PT_NOTE`, `PT_PHDR`,
    ///    `PT_GNU_STACK`, `PT_GNU_RELRO`, …); a `PT_LOAD` must be non-empty, not both writable
    ///    and executable, have some permission, a `p_align` that is a power of two of at least
    ///    4 KiB, `p_vaddr ≡ p_offset (mod 4096)`, `p_filesz <= p_memsz`, its file bytes inside
    ///    the file (unless `p_filesz` is 0: then the offset is not read) and its pages inside
    ///    `window` without wrapping; at most [`MAX_SEGMENTS`] of them;
    /// 3. at least one `PT_LOAD`, and no two on a common page;
    /// 4. the entry point is 4-byte aligned and inside the file bytes of a code segment.
    pub fn parse(elf: &'a [u8], window: Range<u64>) -> Result<Self, ImageError> {
        check_ident(elf)?;
        let file = ElfBytes::<AnyEndian>::minimal_parse(elf).map_err(malformed)?;
        let header = &file.ehdr;
        // `check_ident` has seen these bytes already; the parsed header must agree.
        if header.class != Class::ELF64 {
            return Err(ImageError::Not64Bit { class: ELFCLASS32 });
        }
        if header.endianness != AnyEndian::Little {
            return Err(ImageError::NotLittleEndian { data: ELFDATA2MSB });
        }
        if header.e_machine != EM_AARCH64 {
            return Err(ImageError::WrongMachine {
                machine: header.e_machine,
            });
        }
        if header.e_type != ET_EXEC {
            return Err(ImageError::NotExecutable {
                e_type: header.e_type,
            });
        }

        let mut segments: Vec<Segment<'a>, MAX_SEGMENTS> = Vec::new();
        if let Some(table) = file.segments() {
            for index in 0..table.len() {
                let program_header = table.get(index).map_err(malformed)?;
                match program_header.p_type {
                    PT_LOAD => {
                        let segment = load_segment(elf, index, &program_header, &window)?;
                        segments
                            .push(segment)
                            .map_err(|_| ImageError::TooManySegments {
                                limit: MAX_SEGMENTS,
                            })?;
                    }
                    PT_INTERP | PT_DYNAMIC => {
                        return Err(ImageError::NotStatic {
                            index,
                            p_type: program_header.p_type,
                        });
                    }
                    PT_TLS => return Err(ImageError::ThreadLocalStorage { index }),
                    _ => {}
                }
            }
        }
        if segments.is_empty() {
            return Err(ImageError::NoLoadSegments);
        }

        // Program header indices are distinct, so the order is total (and the report of an
        // overlap deterministic).
        segments
            .sort_unstable_by_key(|segment| (segment.page_start, segment.vaddr, segment.header));
        check_disjoint(&segments)?;
        check_entry(header.e_entry, &segments)?;
        Ok(UserImage {
            entry: header.e_entry,
            segments,
        })
    }

    /// The entry point (`e_entry`), inside a [`SegmentKind::Code`] segment.
    pub const fn entry(&self) -> u64 {
        self.entry
    }

    /// The loadable segments, sorted by address; at least one, at most [`MAX_SEGMENTS`].
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// The number of pages of segments of `kind`.
    pub fn pages(&self, kind: SegmentKind) -> u64 {
        self.segments
            .iter()
            .filter(|segment| segment.kind == kind)
            // Cannot saturate: the segments are disjoint ranges of the address space.
            .fold(0, |total, segment| {
                total.saturating_add(segment.page_count())
            })
    }

    /// The bytes of segments of `kind`, whole pages.
    pub fn bytes(&self, kind: SegmentKind) -> u64 {
        self.segments
            .iter()
            .filter(|segment| segment.kind == kind)
            .fold(0, |total, segment| total.saturating_add(segment.mem_size()))
    }

    /// The bytes of code pages: mapped once, shared by every process.
    pub fn code_size(&self) -> u64 {
        self.bytes(SegmentKind::Code)
    }

    /// The bytes of writable pages (data and bss): what each process needs of its own.
    pub fn per_process_size(&self) -> u64 {
        self.bytes(SegmentKind::ReadWrite)
    }
}

fn malformed(error: elf::ParseError) -> ImageError {
    match error {
        elf::ParseError::BadMagic(_) => ImageError::NotElf,
        other => ImageError::Malformed(ElfFault::from_parse(&other)),
    }
}

/// The identification bytes, read before the `elf` crate parses the rest in the layout they
/// select. A file too short for them is left to the parser to report.
fn check_ident(elf: &[u8]) -> Result<(), ImageError> {
    if elf.get(..ELFMAGIC.len()) != Some(&ELFMAGIC[..]) {
        return Err(ImageError::NotElf);
    }
    match elf.get(EI_CLASS) {
        Some(&class) if class != ELFCLASS64 => return Err(ImageError::Not64Bit { class }),
        _ => {}
    }
    match elf.get(EI_DATA) {
        Some(&data) if data != ELFDATA2LSB => Err(ImageError::NotLittleEndian { data }),
        _ => Ok(()),
    }
}

/// The checks of one `PT_LOAD`, in the order [`UserImage::parse`] documents.
fn load_segment<'a>(
    elf: &'a [u8],
    index: usize,
    header: &ProgramHeader,
    window: &Range<u64>,
) -> Result<Segment<'a>, ImageError> {
    if header.p_memsz == 0 {
        return Err(ImageError::EmptySegment { index });
    }
    let kind = segment_kind(index, header.p_flags)?;
    // A power of two of at least a page is a multiple of the page size; 0 and 1 ("no alignment")
    // are not accepted.
    if !header.p_align.is_power_of_two() || header.p_align < PAGE_SIZE {
        return Err(ImageError::BadAlignment {
            index,
            align: header.p_align,
        });
    }
    let data_offset = header.p_vaddr & PAGE_MASK;
    if data_offset != header.p_offset & PAGE_MASK {
        return Err(ImageError::Incongruent {
            index,
            vaddr: header.p_vaddr,
            offset: header.p_offset,
        });
    }
    if header.p_filesz > header.p_memsz {
        return Err(ImageError::FileLargerThanMemory {
            index,
            file_size: header.p_filesz,
            mem_size: header.p_memsz,
        });
    }
    // A segment without file bytes (bss only) reads nothing, so its offset may be anywhere, even
    // past the end of the file as some linkers place it.
    let file_bytes = file_range(elf, header.p_offset, header.p_filesz)
        .and_then(|range| elf.get(range))
        .or((header.p_filesz == 0).then_some(&[][..]))
        .ok_or(ImageError::FileOutOfBounds {
            index,
            offset: header.p_offset,
            file_size: header.p_filesz,
            file_len: elf.len(),
        })?;

    let overflow = ImageError::AddressOverflow {
        index,
        vaddr: header.p_vaddr,
        mem_size: header.p_memsz,
    };
    let vaddr_end = header.p_vaddr.checked_add(header.p_memsz).ok_or(overflow)?;
    let page_start = header.p_vaddr & !PAGE_MASK;
    let page_end = vaddr_end.checked_add(PAGE_MASK).ok_or(overflow)? & !PAGE_MASK;
    if page_start < window.start || page_end > window.end {
        return Err(ImageError::OutsideWindow {
            index,
            start: page_start,
            end: page_end,
            window_start: window.start,
            window_end: window.end,
        });
    }

    Ok(Segment {
        page_start,
        page_end,
        vaddr: header.p_vaddr,
        vaddr_end,
        data_offset,
        file_bytes,
        kind,
        header: index,
    })
}

/// The mapping for `p_flags`. Following the System V ABI ("a system may grant more access than
/// requested, except write"), execute-only code is mapped readable and executable and write-only
/// data readable and writable; writable and executable together is refused (W^X).
fn segment_kind(index: usize, flags: u32) -> Result<SegmentKind, ImageError> {
    let write = flags & PF_W != 0;
    let execute = flags & PF_X != 0;
    match (write, execute) {
        (true, true) => Err(ImageError::WriteExecute { index }),
        (false, true) => Ok(SegmentKind::Code),
        (true, false) => Ok(SegmentKind::ReadWrite),
        (false, false) if flags & PF_R != 0 => Ok(SegmentKind::ReadOnly),
        (false, false) => Err(ImageError::NoPermissions { index }),
    }
}

/// `offset..offset + size` as indices into `elf`, if it is representable (whether it is inside
/// `elf` is for `get` to say).
fn file_range(elf: &[u8], offset: u64, size: u64) -> Option<Range<usize>> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    (end <= elf.len()).then_some(start..end)
}

/// No two segments share a page. `segments` is sorted by `page_start`, so only neighbours can.
fn check_disjoint(segments: &[Segment<'_>]) -> Result<(), ImageError> {
    for pair in segments.windows(2) {
        if let [lower, higher] = pair
            && lower.page_end > higher.page_start
        {
            return Err(ImageError::Overlap {
                first: lower.header,
                second: higher.header,
                first_end: lower.vaddr_end,
                second_start: higher.vaddr,
            });
        }
    }
    Ok(())
}

/// The entry point is an aligned instruction address in the file bytes of a code segment.
fn check_entry(entry: u64, segments: &[Segment<'_>]) -> Result<(), ImageError> {
    if entry & 3 != 0 {
        return Err(ImageError::MisalignedEntry { entry });
    }
    let in_code = segments.iter().any(|segment| {
        segment.kind == SegmentKind::Code
            && entry >= segment.vaddr
            && entry.wrapping_sub(segment.vaddr) < segment.file_bytes.len() as u64
    });
    if in_code {
        Ok(())
    } else {
        Err(ImageError::EntryNotInCode { entry })
    }
}
