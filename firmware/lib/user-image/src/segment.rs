//! One loadable segment of a user image: the whole pages it occupies, where its file bytes go in
//! them, and how they may be accessed.

use core::ops::Range;

use crate::PAGE_SIZE;

/// How a segment's pages are mapped at EL0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// Readable and executable, never writable (`PF_X`, with or without `PF_R`). The same frames
    /// can back every process.
    Code,
    /// Readable only (`PF_R`).
    ReadOnly,
    /// Readable and writable, never executable (`PF_W`, with or without `PF_R`). Every process
    /// needs a copy of its own.
    ReadWrite,
}

impl SegmentKind {
    /// Whether EL0 may write these pages.
    pub const fn writable(self) -> bool {
        matches!(self, SegmentKind::ReadWrite)
    }

    /// Whether EL0 may execute these pages.
    pub const fn executable(self) -> bool {
        matches!(self, SegmentKind::Code)
    }
}

/// A `PT_LOAD` segment, rounded out to whole 4 KiB pages.
///
/// To load it: take [`Segment::page_count`] zeroed frames, copy [`Segment::file_bytes`] into
/// them starting [`Segment::data_offset`] bytes into the first frame, and map the frames at
/// [`Segment::page_start`] with the permissions of [`Segment::kind`]. Everything outside the file
/// bytes — the head of the first page, the bss, the tail of the last page — is zero; never map the
/// ELF's own pages instead, their surroundings hold other parts of the file.
///
/// Invariants (a `Segment` only comes from [`crate::UserImage::parse`]): `page_start` and
/// `page_end` are page aligned, `page_start < page_end`, the pages lie inside the window given to
/// `parse`, and `data_offset + file_bytes.len() <= mem_size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    pub(crate) page_start: u64,
    pub(crate) page_end: u64,
    pub(crate) vaddr: u64,
    pub(crate) vaddr_end: u64,
    pub(crate) data_offset: u64,
    pub(crate) file_bytes: &'a [u8],
    pub(crate) kind: SegmentKind,
    pub(crate) header: usize,
}

impl<'a> Segment<'a> {
    /// The first byte of the first page (`p_vaddr` rounded down to a page).
    pub const fn page_start(&self) -> u64 {
        self.page_start
    }

    /// The size of the pages, in bytes: from [`Segment::page_start`] to `p_vaddr + p_memsz`
    /// rounded up to a page. A whole number of pages, never 0.
    pub const fn mem_size(&self) -> u64 {
        // Cannot wrap: `page_start < page_end` (a struct invariant).
        self.page_end.wrapping_sub(self.page_start)
    }

    /// The number of 4 KiB pages.
    pub const fn page_count(&self) -> u64 {
        self.mem_size() / PAGE_SIZE
    }

    /// The pages as an address range, `page_start..page_start + mem_size`.
    pub const fn page_range(&self) -> Range<u64> {
        self.page_start..self.page_end
    }

    /// Where the file bytes start, counted from [`Segment::page_start`]: `p_vaddr % 4096`
    /// (equal to `p_offset % 4096`). Usually 0.
    pub const fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// The exact start of the segment, `p_vaddr` (`page_start + data_offset`).
    pub const fn vaddr(&self) -> u64 {
        self.vaddr
    }

    /// The exact end of the segment, `p_vaddr + p_memsz` (exclusive; its bss included).
    pub const fn vaddr_end(&self) -> u64 {
        self.vaddr_end
    }

    /// The bytes to copy to [`Segment::vaddr`] (`p_filesz` bytes of the ELF; may be empty, as for
    /// a bss-only segment). The rest of the pages are zero.
    pub const fn file_bytes(&self) -> &'a [u8] {
        self.file_bytes
    }

    /// How the pages are mapped.
    pub const fn kind(&self) -> SegmentKind {
        self.kind
    }

    /// The index of the segment's program header in the ELF (for messages).
    pub const fn program_header(&self) -> usize {
        self.header
    }
}
