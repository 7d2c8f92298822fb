//! A small ELF64 writer for the tests: a file header, a program header table right after it, and
//! payload bytes at chosen offsets. Every field can be set to anything, valid or not.

// Each test file uses a different part of it.
#![allow(dead_code, unused_imports)]

use std::ops::Range;

pub use elf::abi::{
    PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_NOTE, PT_PHDR,
    PT_TLS,
};

pub const PAGE: u64 = 0x1000;
/// The user window of most tests.
pub const WINDOW: Range<u64> = 0x40_0000..0x80_0000;
/// Where the standard image is linked.
pub const BASE: u64 = WINDOW.start;
pub const RX: u32 = PF_R | PF_X;
pub const RO: u32 = PF_R;
pub const RW: u32 = PF_R | PF_W;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;

/// One program header, every field as it will be written.
#[derive(Clone, Copy, Debug)]
pub struct Phdr {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Phdr {
    /// A `PT_LOAD` with 4 KiB alignment.
    pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Self {
        Phdr {
            p_type: PT_LOAD,
            flags,
            offset,
            vaddr,
            paddr: vaddr,
            filesz,
            memsz,
            align: PAGE,
        }
    }

    /// A program header of `p_type` covering nothing.
    pub fn other(p_type: u32) -> Self {
        Phdr {
            p_type,
            flags: PF_R,
            offset: 0,
            vaddr: 0,
            paddr: 0,
            filesz: 0,
            memsz: 0,
            align: 8,
        }
    }
}

/// An ELF64 file to be written by [`Elf::build`].
#[derive(Clone, Debug)]
pub struct Elf {
    pub class: u8,
    pub data: u8,
    pub version: u8,
    pub e_type: u16,
    pub machine: u16,
    pub entry: u64,
    /// `None`: right after the file header (64), or 0 if there are no program headers.
    pub phoff: Option<u64>,
    pub phentsize: u16,
    /// `None`: the number of `phdrs`.
    pub phnum: Option<u16>,
    pub phdrs: Vec<Phdr>,
    /// The file past the headers: `payload[i]` is file byte `i` (the headers overwrite the front).
    pub payload: Vec<u8>,
}

impl Elf {
    /// A valid header (AArch64 `ET_EXEC`, little-endian, 64-bit) with no program headers.
    pub fn new(entry: u64) -> Self {
        Elf {
            class: elf::abi::ELFCLASS64,
            data: elf::abi::ELFDATA2LSB,
            version: 1,
            e_type: elf::abi::ET_EXEC,
            machine: elf::abi::EM_AARCH64,
            entry,
            phoff: None,
            phentsize: PHDR_SIZE as u16,
            phnum: None,
            phdrs: Vec::new(),
            payload: Vec::new(),
        }
    }

    pub fn phdr(mut self, phdr: Phdr) -> Self {
        self.phdrs.push(phdr);
        self
    }

    /// Adds a `PT_LOAD` and, if `filesz` is not 0, `filesz` bytes of a recognisable pattern at
    /// `offset`.
    pub fn load(self, flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Self {
        let bytes = pattern(offset, filesz as usize);
        self.phdr(Phdr::load(flags, offset, vaddr, filesz, memsz))
            .bytes(offset, &bytes)
    }

    /// Puts `bytes` at file offset `offset`, growing the file as needed.
    pub fn bytes(mut self, offset: u64, bytes: &[u8]) -> Self {
        let start = offset as usize;
        let end = start + bytes.len();
        if self.payload.len() < end {
            self.payload.resize(end, 0);
        }
        self.payload[start..end].copy_from_slice(bytes);
        self
    }

    /// Grows (or truncates) the file to exactly `len` bytes.
    pub fn len(mut self, len: usize) -> Self {
        self.payload.resize(len, 0);
        self
    }

    /// The file.
    pub fn build(&self) -> Vec<u8> {
        let phoff = self.phoff.unwrap_or(if self.phdrs.is_empty() {
            0
        } else {
            EHDR_SIZE as u64
        });
        let phnum = self.phnum.unwrap_or(self.phdrs.len() as u16);
        let headers_end = EHDR_SIZE + PHDR_SIZE * self.phdrs.len();
        let mut file = self.payload.clone();
        if file.len() < headers_end {
            file.resize(headers_end, 0);
        }

        let mut h = Vec::with_capacity(EHDR_SIZE);
        h.extend_from_slice(&elf::abi::ELFMAGIC);
        h.extend_from_slice(&[self.class, self.data, self.version, 0, 0]);
        h.extend_from_slice(&[0; 7]);
        h.extend_from_slice(&self.e_type.to_le_bytes());
        h.extend_from_slice(&self.machine.to_le_bytes());
        h.extend_from_slice(&u32::from(self.version).to_le_bytes());
        h.extend_from_slice(&self.entry.to_le_bytes());
        h.extend_from_slice(&phoff.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes()); // e_shoff: no section headers
        h.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        h.extend_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
        h.extend_from_slice(&self.phentsize.to_le_bytes());
        h.extend_from_slice(&phnum.to_le_bytes());
        h.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
        h.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
        h.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
        assert_eq!(h.len(), EHDR_SIZE);
        file[..EHDR_SIZE].copy_from_slice(&h);

        for (i, p) in self.phdrs.iter().enumerate() {
            let mut b = Vec::with_capacity(PHDR_SIZE);
            b.extend_from_slice(&p.p_type.to_le_bytes());
            b.extend_from_slice(&p.flags.to_le_bytes());
            for field in [p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.align] {
                b.extend_from_slice(&field.to_le_bytes());
            }
            let at = EHDR_SIZE + PHDR_SIZE * i;
            file[at..at + PHDR_SIZE].copy_from_slice(&b);
        }
        file
    }
}

/// `len` bytes that differ from those at other offsets.
pub fn pattern(offset: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (offset as usize + i).wrapping_mul(7) as u8 ^ 0xa5)
        .collect()
}

/// Code, read-only data, and data followed by bss, each page aligned and page congruent:
/// - code   file 0x1000..0x1040 at BASE          (1 page)
/// - rodata file 0x2000..0x2010 at BASE + 0x1000 (1 page)
/// - data   file 0x3000..0x3018 at BASE + 0x2000, 0x2100 bytes with bss (3 pages)
pub fn standard() -> Elf {
    Elf::new(BASE + 0x10)
        .load(RX, 0x1000, BASE, 0x40, 0x40)
        .load(RO, 0x2000, BASE + 0x1000, 0x10, 0x10)
        .load(RW, 0x3000, BASE + 0x2000, 0x18, 0x2100)
}

/// The checked-in real executables (see tests/fixtures/build.sh).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Everything a plan promises, checked from its public accessors: whole pages inside `window`,
/// file bytes a slice of `elf` at a page-congruent offset that fits, sorted and disjoint
/// segments, an aligned entry point in code, and totals that add up.
pub fn assert_sound(elf: &[u8], window: &Range<u64>, image: &ruvix_user_image::UserImage<'_>) {
    use ruvix_user_image::{MAX_SEGMENTS, SegmentKind};

    let segments = image.segments();
    assert!(!segments.is_empty() && segments.len() <= MAX_SEGMENTS);
    for s in segments {
        let pages = s.page_range();
        assert_eq!(pages.start, s.page_start());
        assert_eq!(pages.end - pages.start, s.mem_size());
        assert_eq!(s.page_start() % PAGE, 0);
        assert_eq!(s.mem_size() % PAGE, 0);
        assert!(s.mem_size() > 0);
        assert_eq!(s.page_count(), s.mem_size() / PAGE);
        assert!(window.start <= pages.start && pages.end <= window.end);
        assert!(s.data_offset() < PAGE);
        assert_eq!(s.vaddr(), s.page_start() + s.data_offset());
        assert!(s.vaddr() < s.vaddr_end() && s.vaddr_end() <= pages.end);
        assert!(
            pages.end - s.vaddr_end() < PAGE,
            "no page beyond the segment"
        );
        assert!(s.data_offset() + s.file_bytes().len() as u64 <= s.mem_size());
        assert!(s.vaddr() + s.file_bytes().len() as u64 <= s.vaddr_end());
        if !s.file_bytes().is_empty() {
            let at = s.file_bytes().as_ptr() as usize - elf.as_ptr() as usize;
            assert!(at + s.file_bytes().len() <= elf.len());
            assert_eq!(
                at as u64 % PAGE,
                s.data_offset(),
                "file bytes congruent to the address"
            );
        }
        assert_eq!(s.kind().writable(), s.kind() == SegmentKind::ReadWrite);
        assert_eq!(s.kind().executable(), s.kind() == SegmentKind::Code);
    }
    for pair in segments.windows(2) {
        assert!(pair[0].page_range().end <= pair[1].page_start());
    }
    let entry = image.entry();
    assert_eq!(entry % 4, 0);
    assert!(segments.iter().any(|s| s.kind() == SegmentKind::Code
        && s.vaddr() <= entry
        && entry < s.vaddr() + s.file_bytes().len() as u64));
    for kind in [
        SegmentKind::Code,
        SegmentKind::ReadOnly,
        SegmentKind::ReadWrite,
    ] {
        let of_kind = segments.iter().filter(|s| s.kind() == kind);
        assert_eq!(
            image.pages(kind),
            of_kind.clone().map(|s| s.page_count()).sum::<u64>()
        );
        assert_eq!(image.bytes(kind), image.pages(kind) * PAGE);
    }
    assert_eq!(image.code_size(), image.bytes(SegmentKind::Code));
    assert_eq!(
        image.per_process_size(),
        image.bytes(SegmentKind::ReadWrite)
    );
}
