//! What can be wrong with a user image. Every variant names the program header (its index in the
//! ELF's program header table) and the values involved.

use core::fmt;

use elf::ParseError;

use crate::PAGE_SIZE;

/// Why the `elf` crate could not read the file header or locate the program header table (a
/// copy of [`elf::ParseError`] that is `Copy` and comparable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfFault {
    /// `e_ident[EI_CLASS]` is not a defined class.
    UnsupportedClass(u8),
    /// `e_ident[EI_DATA]` is not a defined byte order.
    UnsupportedEndianness(u8),
    /// A version field that is not the current ELF version.
    UnsupportedVersion {
        /// The version found.
        found: u64,
        /// The version expected.
        expected: u64,
    },
    /// A table entry size (`e_phentsize`, `e_shentsize`) other than the ELF64 one.
    BadEntrySize {
        /// The entry size found.
        found: u64,
        /// The entry size expected.
        expected: u64,
    },
    /// A header or table that reaches beyond the end of the file (a truncated file).
    OutOfBounds {
        /// Start of the byte range that was read.
        start: usize,
        /// End of the byte range that was read (exclusive).
        end: usize,
    },
    /// A table index or offset outside its table.
    BadOffset(u64),
    /// A table offset or size that overflows, or does not fit in `usize`.
    Overflow,
    /// Any other parse failure.
    Other,
}

impl ElfFault {
    /// The fault for `error` (the `elf` crate's error type is neither `Copy` nor comparable).
    pub(crate) fn from_parse(error: &ParseError) -> Self {
        // Only the faults `minimal_parse` and `SegmentTable::get` can report are told apart; a
        // wildcard keeps this compiling whichever optional variants the crate has.
        match *error {
            ParseError::UnsupportedElfClass(class) => ElfFault::UnsupportedClass(class),
            ParseError::UnsupportedElfEndianness(data) => ElfFault::UnsupportedEndianness(data),
            ParseError::UnsupportedVersion((found, expected)) => {
                ElfFault::UnsupportedVersion { found, expected }
            }
            ParseError::BadEntsize((found, expected)) => ElfFault::BadEntrySize { found, expected },
            ParseError::SliceReadError((start, end)) => ElfFault::OutOfBounds { start, end },
            ParseError::BadOffset(offset) => ElfFault::BadOffset(offset),
            ParseError::IntegerOverflow | ParseError::TryFromIntError(_) => ElfFault::Overflow,
            _ => ElfFault::Other,
        }
    }
}

impl fmt::Display for ElfFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ElfFault::UnsupportedClass(class) => write!(f, "unknown ELF class {class}"),
            ElfFault::UnsupportedEndianness(data) => write!(f, "unknown ELF byte order {data}"),
            ElfFault::UnsupportedVersion { found, expected } => {
                write!(f, "ELF version {found}, expected {expected}")
            }
            ElfFault::BadEntrySize { found, expected } => {
                write!(f, "table entry size {found:#x}, expected {expected:#x}")
            }
            ElfFault::OutOfBounds { start, end } => write!(
                f,
                "bytes {start:#x}..{end:#x} lie beyond the end of the file (truncated?)"
            ),
            ElfFault::BadOffset(offset) => write!(f, "bad table offset or index {offset:#x}"),
            ElfFault::Overflow => f.write_str("a table offset or size overflows"),
            ElfFault::Other => f.write_str("malformed ELF structure"),
        }
    }
}

/// An error of [`crate::UserImage::parse`]. `index` is always a program header's index in the
/// ELF's program header table; addresses are user virtual addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The bytes do not start with the ELF magic `\x7fELF`.
    NotElf,
    /// The `elf` crate could not read the file header or the program header table.
    Malformed(ElfFault),
    /// Not a 64-bit ELF (`e_ident[EI_CLASS]` is not `ELFCLASS64`).
    Not64Bit {
        /// `e_ident[EI_CLASS]`.
        class: u8,
    },
    /// Not little-endian (`e_ident[EI_DATA]` is not `ELFDATA2LSB`).
    NotLittleEndian {
        /// `e_ident[EI_DATA]`.
        data: u8,
    },
    /// `e_machine` is not `EM_AARCH64` (183).
    WrongMachine {
        /// `e_machine`.
        machine: u16,
    },
    /// `e_type` is not `ET_EXEC`: a relocatable object, a shared object or a position-independent
    /// executable (`ET_DYN`) would need relocating.
    NotExecutable {
        /// `e_type`.
        e_type: u16,
    },
    /// A `PT_INTERP` or `PT_DYNAMIC` program header: the executable is not statically linked.
    NotStatic {
        /// Program header index.
        index: usize,
        /// Its `p_type`.
        p_type: u32,
    },
    /// A `PT_TLS` program header: the kernel sets up no thread-local storage.
    ThreadLocalStorage {
        /// Program header index.
        index: usize,
    },
    /// No `PT_LOAD` program header (or no program header table at all).
    NoLoadSegments,
    /// More `PT_LOAD` program headers than [`crate::MAX_SEGMENTS`].
    TooManySegments {
        /// The limit.
        limit: usize,
    },
    /// A `PT_LOAD` with `p_memsz` 0.
    EmptySegment {
        /// Program header index.
        index: usize,
    },
    /// A `PT_LOAD` that is both writable and executable (W^X).
    WriteExecute {
        /// Program header index.
        index: usize,
    },
    /// A `PT_LOAD` with none of `PF_R`, `PF_W`, `PF_X`.
    NoPermissions {
        /// Program header index.
        index: usize,
    },
    /// A `PT_LOAD` whose `p_align` is not a power of two of at least 4 KiB.
    BadAlignment {
        /// Program header index.
        index: usize,
        /// Its `p_align`.
        align: u64,
    },
    /// A `PT_LOAD` whose `p_vaddr` and `p_offset` differ modulo 4 KiB.
    Incongruent {
        /// Program header index.
        index: usize,
        /// Its `p_vaddr`.
        vaddr: u64,
        /// Its `p_offset`.
        offset: u64,
    },
    /// A `PT_LOAD` with `p_filesz` greater than `p_memsz`.
    FileLargerThanMemory {
        /// Program header index.
        index: usize,
        /// Its `p_filesz`.
        file_size: u64,
        /// Its `p_memsz`.
        mem_size: u64,
    },
    /// A `PT_LOAD` whose file bytes `p_offset..p_offset + p_filesz` are not inside the file (or
    /// whose end overflows).
    FileOutOfBounds {
        /// Program header index.
        index: usize,
        /// Its `p_offset`.
        offset: u64,
        /// Its `p_filesz`.
        file_size: u64,
        /// Length of the file.
        file_len: usize,
    },
    /// A `PT_LOAD` whose end `p_vaddr + p_memsz`, rounded up to a page, overflows.
    AddressOverflow {
        /// Program header index.
        index: usize,
        /// Its `p_vaddr`.
        vaddr: u64,
        /// Its `p_memsz`.
        mem_size: u64,
    },
    /// A `PT_LOAD` whose pages are not all inside the user window.
    OutsideWindow {
        /// Program header index.
        index: usize,
        /// First byte of its first page.
        start: u64,
        /// End of its last page (exclusive).
        end: u64,
        /// Start of the window.
        window_start: u64,
        /// End of the window (exclusive).
        window_end: u64,
    },
    /// Two `PT_LOAD`s that occupy a common page. `first` is the lower one.
    Overlap {
        /// Program header index of the lower segment.
        first: usize,
        /// Program header index of the higher segment.
        second: usize,
        /// `p_vaddr + p_memsz` of the lower segment.
        first_end: u64,
        /// `p_vaddr` of the higher segment.
        second_start: u64,
    },
    /// The entry point is not inside the file bytes of a code (executable) segment.
    EntryNotInCode {
        /// `e_entry`.
        entry: u64,
    },
    /// The entry point is not 4-byte aligned (every AArch64 instruction is).
    MisalignedEntry {
        /// `e_entry`.
        entry: u64,
    },
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("user image: ")?;
        match *self {
            ImageError::NotElf => f.write_str("not an ELF file (no \\x7fELF magic)"),
            ImageError::Malformed(fault) => write!(f, "malformed ELF: {fault}"),
            ImageError::Not64Bit { class } => {
                write!(f, "not a 64-bit ELF (EI_CLASS {class}, expected 2)")
            }
            ImageError::NotLittleEndian { data } => {
                write!(f, "not a little-endian ELF (EI_DATA {data}, expected 1)")
            }
            ImageError::WrongMachine { machine } => {
                write!(f, "machine {machine} is not AArch64 (183)")
            }
            ImageError::NotExecutable { e_type } => write!(
                f,
                "ELF type {e_type} is not a fixed-address executable (ET_EXEC, 2)"
            ),
            ImageError::NotStatic { index, p_type } => {
                let what = match p_type {
                    elf::abi::PT_INTERP => "PT_INTERP",
                    elf::abi::PT_DYNAMIC => "PT_DYNAMIC",
                    _ => "dynamic-linking",
                };
                write!(
                    f,
                    "program header {index} is {what}: not a statically linked executable"
                )
            }
            ImageError::ThreadLocalStorage { index } => write!(
                f,
                "program header {index} is PT_TLS: thread-local storage is not supported"
            ),
            ImageError::NoLoadSegments => f.write_str("no PT_LOAD program header"),
            ImageError::TooManySegments { limit } => {
                write!(f, "more than {limit} PT_LOAD program headers")
            }
            ImageError::EmptySegment { index } => {
                write!(f, "PT_LOAD {index} is empty (p_memsz 0)")
            }
            ImageError::WriteExecute { index } => {
                write!(f, "PT_LOAD {index} is both writable and executable (W^X)")
            }
            ImageError::NoPermissions { index } => {
                write!(
                    f,
                    "PT_LOAD {index} is neither readable, writable nor executable"
                )
            }
            ImageError::BadAlignment { index, align } => write!(
                f,
                "PT_LOAD {index} has p_align {align:#x}, not a power of two of at least {PAGE_SIZE:#x}"
            ),
            ImageError::Incongruent {
                index,
                vaddr,
                offset,
            } => write!(
                f,
                "PT_LOAD {index}: p_vaddr {vaddr:#x} and p_offset {offset:#x} differ modulo {PAGE_SIZE:#x}"
            ),
            ImageError::FileLargerThanMemory {
                index,
                file_size,
                mem_size,
            } => write!(
                f,
                "PT_LOAD {index}: p_filesz {file_size:#x} exceeds p_memsz {mem_size:#x}"
            ),
            ImageError::FileOutOfBounds {
                index,
                offset,
                file_size,
                file_len,
            } => write!(
                f,
                "PT_LOAD {index}: file bytes at {offset:#x} (+{file_size:#x}) are not inside the \
                 {file_len:#x}-byte file"
            ),
            ImageError::AddressOverflow {
                index,
                vaddr,
                mem_size,
            } => write!(
                f,
                "PT_LOAD {index}: {vaddr:#x} + {mem_size:#x} overflows the address space"
            ),
            ImageError::OutsideWindow {
                index,
                start,
                end,
                window_start,
                window_end,
            } => write!(
                f,
                "PT_LOAD {index}: pages {start:#x}..{end:#x} are not inside the user window \
                 {window_start:#x}..{window_end:#x}"
            ),
            ImageError::Overlap {
                first,
                second,
                first_end,
                second_start,
            } => {
                if first_end > second_start {
                    write!(
                        f,
                        "PT_LOAD {first} (ending at {first_end:#x}) and PT_LOAD {second} \
                         (starting at {second_start:#x}) overlap"
                    )
                } else {
                    write!(
                        f,
                        "PT_LOAD {first} (ending at {first_end:#x}) and PT_LOAD {second} \
                         (starting at {second_start:#x}) share a 4 KiB page: each segment needs \
                         pages of its own (page-align every output section in the linker script)"
                    )
                }
            }
            ImageError::EntryNotInCode { entry } => write!(
                f,
                "entry point {entry:#x} is not inside the file bytes of an executable segment"
            ),
            ImageError::MisalignedEntry { entry } => {
                write!(f, "entry point {entry:#x} is not 4-byte aligned")
            }
        }
    }
}

impl core::error::Error for ImageError {}
