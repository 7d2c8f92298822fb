//! Every check of `UserImage::parse`, each failed on purpose in an otherwise valid image.

mod common;

use common::*;
use ruvix_user_image::{ElfFault, ImageError, MAX_SEGMENTS, UserImage};

fn parse(elf: &Elf) -> Result<(), ImageError> {
    parse_in(elf, WINDOW)
}

fn parse_in(elf: &Elf, window: std::ops::Range<u64>) -> Result<(), ImageError> {
    let bytes = elf.build();
    let result = UserImage::parse(&bytes, window).map(|_| ());
    if let Err(error) = result {
        let message = error.to_string();
        assert!(message.starts_with("user image: "), "{message}");
        assert!(message.len() > 30, "{message}");
    }
    result
}

/// `standard()` with program header `index` changed by `f`.
fn with_phdr(index: usize, f: impl FnOnce(&mut Phdr)) -> Elf {
    let mut elf = standard();
    f(&mut elf.phdrs[index]);
    elf
}

#[test]
fn the_standard_image_is_valid() {
    assert_eq!(parse(&standard()), Ok(()));
}

#[test]
fn not_elf() {
    for bytes in [
        &b""[..],
        b"\x7fEL",
        b"\x7fELG",
        b"MZ\x90\x00 not an ELF at all, not at all",
    ] {
        assert_eq!(UserImage::parse(bytes, WINDOW), Err(ImageError::NotElf));
    }
    let mut elf = standard().build();
    elf[3] = b'f';
    assert_eq!(UserImage::parse(&elf, WINDOW), Err(ImageError::NotElf));
}

#[test]
fn truncated() {
    let elf = standard().build();
    assert_eq!(
        UserImage::parse(&elf[..20], WINDOW),
        Err(ImageError::Malformed(ElfFault::OutOfBounds {
            start: 16,
            end: 64
        }))
    );
    // Only the first of three program headers fits.
    let short = &elf[..64 + 56 + 10];
    assert_eq!(
        UserImage::parse(short, WINDOW),
        Err(ImageError::Malformed(ElfFault::OutOfBounds {
            start: 64,
            end: 64 + 3 * 56
        }))
    );
}

#[test]
fn malformed_headers() {
    let mut elf = standard();
    elf.phentsize = 32;
    assert_eq!(
        parse(&elf),
        Err(ImageError::Malformed(ElfFault::BadEntrySize {
            found: 32,
            expected: 56
        }))
    );

    let mut elf = standard();
    elf.version = 2;
    assert!(matches!(
        parse(&elf),
        Err(ImageError::Malformed(ElfFault::UnsupportedVersion { .. }))
    ));

    let mut elf = standard();
    elf.phoff = Some(u64::MAX - 8);
    assert!(matches!(parse(&elf), Err(ImageError::Malformed(_))));

    let mut elf = standard();
    elf.phnum = Some(1000);
    assert!(matches!(
        parse(&elf),
        Err(ImageError::Malformed(ElfFault::OutOfBounds { .. }))
    ));
}

#[test]
fn not_64_bit_little_endian() {
    for class in [0, 1, 3, 0xff] {
        let mut elf = standard();
        elf.class = class;
        assert_eq!(parse(&elf), Err(ImageError::Not64Bit { class }));
    }
    for data in [0, 2, 3] {
        let mut elf = standard();
        elf.data = data;
        assert_eq!(parse(&elf), Err(ImageError::NotLittleEndian { data }));
    }
}

#[test]
fn not_aarch64() {
    for machine in [0, elf::abi::EM_X86_64, elf::abi::EM_ARM, elf::abi::EM_RISCV] {
        let mut elf = standard();
        elf.machine = machine;
        assert_eq!(parse(&elf), Err(ImageError::WrongMachine { machine }));
    }
}

#[test]
fn not_an_executable() {
    for e_type in [
        elf::abi::ET_NONE,
        elf::abi::ET_REL,
        elf::abi::ET_DYN,
        elf::abi::ET_CORE,
    ] {
        let mut elf = standard();
        elf.e_type = e_type;
        assert_eq!(parse(&elf), Err(ImageError::NotExecutable { e_type }));
    }
}

#[test]
fn not_statically_linked() {
    for p_type in [PT_INTERP, PT_DYNAMIC] {
        let elf = standard().phdr(Phdr::other(p_type));
        assert_eq!(parse(&elf), Err(ImageError::NotStatic { index: 3, p_type }));
    }
}

#[test]
fn thread_local_storage() {
    let elf = standard().phdr(Phdr::other(PT_TLS));
    assert_eq!(
        parse(&elf),
        Err(ImageError::ThreadLocalStorage { index: 3 })
    );
}

#[test]
fn no_load_segments() {
    assert_eq!(parse(&Elf::new(BASE)), Err(ImageError::NoLoadSegments));
    let only_notes = Elf::new(BASE)
        .phdr(Phdr::other(PT_NOTE))
        .phdr(Phdr::other(PT_GNU_STACK));
    assert_eq!(parse(&only_notes), Err(ImageError::NoLoadSegments));
    // A program header table of zero entries at a non-zero offset.
    let mut empty_table = Elf::new(BASE).len(0x100);
    empty_table.phoff = Some(64);
    assert_eq!(parse(&empty_table), Err(ImageError::NoLoadSegments));
}

#[test]
fn too_many_segments() {
    let mut elf = Elf::new(BASE);
    for i in 0..=MAX_SEGMENTS as u64 {
        elf = elf.load(RX, 0x1000 * (i + 1), BASE + 0x1000 * i, 0x10, 0x10);
    }
    assert_eq!(
        parse(&elf),
        Err(ImageError::TooManySegments {
            limit: MAX_SEGMENTS
        })
    );
}

#[test]
fn empty_segment() {
    let elf = with_phdr(1, |p| {
        p.filesz = 0;
        p.memsz = 0;
    });
    assert_eq!(parse(&elf), Err(ImageError::EmptySegment { index: 1 }));
}

#[test]
fn writable_and_executable() {
    for flags in [PF_R | PF_W | PF_X, PF_W | PF_X] {
        let elf = with_phdr(2, |p| p.flags = flags);
        assert_eq!(parse(&elf), Err(ImageError::WriteExecute { index: 2 }));
    }
}

#[test]
fn no_permissions() {
    for flags in [0, 0x0ff0_0000, 0xf000_0000, 8] {
        let elf = with_phdr(1, |p| p.flags = flags);
        assert_eq!(parse(&elf), Err(ImageError::NoPermissions { index: 1 }));
    }
}

#[test]
fn bad_alignment() {
    for align in [0, 1, 4, 0x800, 0x1001, 0x3000, 0x1800, u64::MAX] {
        let elf = with_phdr(0, |p| p.align = align);
        assert_eq!(
            parse(&elf),
            Err(ImageError::BadAlignment { index: 0, align })
        );
    }
}

#[test]
fn vaddr_and_offset_not_congruent() {
    let elf = with_phdr(1, |p| p.offset = 0x2004);
    assert_eq!(
        parse(&elf),
        Err(ImageError::Incongruent {
            index: 1,
            vaddr: BASE + 0x1000,
            offset: 0x2004
        })
    );
    let elf = with_phdr(2, |p| p.vaddr = BASE + 0x2800);
    assert!(matches!(
        parse(&elf),
        Err(ImageError::Incongruent { index: 2, .. })
    ));
}

#[test]
fn file_larger_than_memory() {
    let elf = with_phdr(2, |p| p.memsz = 0x17);
    assert_eq!(
        parse(&elf),
        Err(ImageError::FileLargerThanMemory {
            index: 2,
            file_size: 0x18,
            mem_size: 0x17
        })
    );
}

#[test]
fn file_bytes_outside_the_file() {
    let len = standard().build().len();
    assert_eq!(len, 0x3018);
    for (offset, filesz) in [
        (0x3000, 0x19),         // one byte too many
        (0x4000, 0x10),         // starts past the end
        (0x1000, u64::MAX),     // wraps
        (u64::MAX - 0xfff, 16), // wraps
    ] {
        let elf = with_phdr(2, |p| {
            p.vaddr = BASE + 0x2000 + (offset & 0xfff);
            p.offset = offset;
            p.filesz = filesz;
            p.memsz = filesz;
        });
        assert_eq!(
            parse(&elf),
            Err(ImageError::FileOutOfBounds {
                index: 2,
                offset,
                file_size: filesz,
                file_len: len
            }),
            "{offset:#x} + {filesz:#x}"
        );
    }
}

#[test]
fn address_overflow() {
    let window = 0..u64::MAX;
    // p_vaddr + p_memsz wraps.
    let elf = with_phdr(2, |p| {
        p.vaddr = u64::MAX - 0xfff;
        p.offset = 0x3000;
        p.memsz = 0x1000;
    });
    assert_eq!(
        parse_in(&elf, window.clone()),
        Err(ImageError::AddressOverflow {
            index: 2,
            vaddr: u64::MAX - 0xfff,
            mem_size: 0x1000
        })
    );
    // p_vaddr + p_memsz fits but its page does not end below 2^64.
    let elf = with_phdr(2, |p| {
        p.vaddr = u64::MAX - 0xfff;
        p.filesz = 0x10;
        p.memsz = 0x10;
    });
    assert!(matches!(
        parse_in(&elf, window),
        Err(ImageError::AddressOverflow { index: 2, .. })
    ));
}

#[test]
fn outside_the_window() {
    // Below the window.
    let elf = with_phdr(1, |p| p.vaddr = BASE - 0x1000);
    assert_eq!(
        parse(&elf),
        Err(ImageError::OutsideWindow {
            index: 1,
            start: BASE - 0x1000,
            end: BASE,
            window_start: WINDOW.start,
            window_end: WINDOW.end
        })
    );
    // Its bss reaches one page past the end.
    let elf = with_phdr(2, |p| p.memsz = WINDOW.end - (BASE + 0x2000) + 1);
    assert_eq!(
        parse(&elf),
        Err(ImageError::OutsideWindow {
            index: 2,
            start: BASE + 0x2000,
            end: WINDOW.end + 0x1000,
            window_start: WINDOW.start,
            window_end: WINDOW.end
        })
    );
    // The rounding counts: a segment starting mid-page needs the page below it.
    let elf = Elf::new(BASE + 0x10).load(RX, 0x1010, BASE + 0x10, 0x10, 0x10);
    assert_eq!(parse_in(&elf, BASE..BASE + 0x1000), Ok(()));
    assert!(matches!(
        parse_in(&elf, BASE + 0x10..BASE + 0x1000),
        Err(ImageError::OutsideWindow { start: BASE, .. })
    ));
    // An empty or reversed window holds nothing.
    assert!(matches!(
        parse_in(&standard(), BASE..BASE),
        Err(ImageError::OutsideWindow { .. })
    ));
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = WINDOW.end..WINDOW.start;
    assert!(matches!(
        parse_in(&standard(), reversed),
        Err(ImageError::OutsideWindow { .. })
    ));
}

#[test]
fn overlapping_segments() {
    // The rodata starts inside the code's bytes.
    let elf = with_phdr(1, |p| {
        p.vaddr = BASE + 0x20;
        p.offset = 0x2020;
        p.filesz = 0;
    });
    let error = parse(&elf).unwrap_err();
    assert_eq!(
        error,
        ImageError::Overlap {
            first: 0,
            second: 1,
            first_end: BASE + 0x40,
            second_start: BASE + 0x20
        }
    );
    assert!(error.to_string().ends_with("overlap"), "{error}");

    // Identical placement, listed the other way round.
    let elf = Elf::new(BASE)
        .load(RW, 0x2000, BASE, 0x10, 0x10)
        .load(RX, 0x1000, BASE, 0x10, 0x10);
    assert!(matches!(parse(&elf), Err(ImageError::Overlap { .. })));

    // One segment inside another's bss.
    let elf = with_phdr(1, |p| {
        p.vaddr = BASE + 0x3000;
        p.offset = 0x2000;
    });
    assert!(matches!(
        parse(&elf),
        Err(ImageError::Overlap {
            first: 2,
            second: 1,
            ..
        })
    ));
}

/// Some linkers start a segment in the last page of the previous one (the bytes do not overlap,
/// the pages do). One page cannot be both shared code and per-process data: refused, and the
/// message says why.
#[test]
fn segments_sharing_a_page() {
    let elf = Elf::new(BASE).load(RX, 0x1000, BASE, 0x40, 0x40).load(
        RW,
        0x1040,
        BASE + 0x40,
        0x10,
        0x100,
    );
    let error = parse(&elf).unwrap_err();
    assert_eq!(
        error,
        ImageError::Overlap {
            first: 0,
            second: 1,
            first_end: BASE + 0x40,
            second_start: BASE + 0x40
        }
    );
    let message = error.to_string();
    assert!(message.contains("share a 4 KiB page"), "{message}");
    assert!(message.contains("page-align"), "{message}");
}

#[test]
fn entry_not_in_code() {
    for entry in [
        BASE + 0x1000, // rodata
        BASE + 0x2000, // data
        BASE + 0x3000, // bss
        BASE + 0x40,   // just past the code's bytes
        BASE - 4,      // below everything
        0,
        u64::MAX - 3,
    ] {
        let mut elf = standard();
        elf.entry = entry;
        assert_eq!(parse(&elf), Err(ImageError::EntryNotInCode { entry }));
    }
    // In the code segment's pages but past its file bytes (its "bss").
    let mut elf = with_phdr(0, |p| p.memsz = 0x800);
    elf.entry = BASE + 0x100;
    assert_eq!(
        parse(&elf),
        Err(ImageError::EntryNotInCode {
            entry: BASE + 0x100
        })
    );
}

#[test]
fn misaligned_entry() {
    for entry in [BASE + 1, BASE + 2, BASE + 0x13] {
        let mut elf = standard();
        elf.entry = entry;
        assert_eq!(parse(&elf), Err(ImageError::MisalignedEntry { entry }));
    }
}

/// The first failed check is the one reported, in the order the documentation gives.
#[test]
fn header_checks_come_before_segment_checks() {
    let mut elf = with_phdr(0, |p| p.flags = PF_R | PF_W | PF_X);
    elf.machine = 62;
    assert_eq!(parse(&elf), Err(ImageError::WrongMachine { machine: 62 }));
    // Segments are checked in table order.
    let mut elf = with_phdr(2, |p| p.align = 3);
    elf.phdrs[1].memsz = 0;
    assert_eq!(parse(&elf), Err(ImageError::EmptySegment { index: 1 }));
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        ImageError::NotElf,
        ImageError::Malformed(ElfFault::UnsupportedClass(9)),
        ImageError::Malformed(ElfFault::UnsupportedEndianness(9)),
        ImageError::Malformed(ElfFault::UnsupportedVersion {
            found: 2,
            expected: 1,
        }),
        ImageError::Malformed(ElfFault::BadEntrySize {
            found: 2,
            expected: 56,
        }),
        ImageError::Malformed(ElfFault::OutOfBounds { start: 1, end: 2 }),
        ImageError::Malformed(ElfFault::BadOffset(3)),
        ImageError::Malformed(ElfFault::Overflow),
        ImageError::Malformed(ElfFault::Other),
        ImageError::Not64Bit { class: 1 },
        ImageError::NotLittleEndian { data: 2 },
        ImageError::WrongMachine { machine: 3 },
        ImageError::NotExecutable { e_type: 3 },
        ImageError::NotStatic {
            index: 1,
            p_type: PT_INTERP,
        },
        ImageError::NotStatic {
            index: 1,
            p_type: PT_DYNAMIC,
        },
        ImageError::ThreadLocalStorage { index: 1 },
        ImageError::NoLoadSegments,
        ImageError::TooManySegments { limit: 8 },
        ImageError::EmptySegment { index: 1 },
        ImageError::WriteExecute { index: 1 },
        ImageError::NoPermissions { index: 1 },
        ImageError::BadAlignment { index: 1, align: 3 },
        ImageError::Incongruent {
            index: 1,
            vaddr: 1,
            offset: 2,
        },
        ImageError::FileLargerThanMemory {
            index: 1,
            file_size: 2,
            mem_size: 1,
        },
        ImageError::FileOutOfBounds {
            index: 1,
            offset: 1,
            file_size: 2,
            file_len: 3,
        },
        ImageError::AddressOverflow {
            index: 1,
            vaddr: 1,
            mem_size: 2,
        },
        ImageError::OutsideWindow {
            index: 1,
            start: 0,
            end: 0x1000,
            window_start: 0x1000,
            window_end: 0x2000,
        },
        ImageError::Overlap {
            first: 1,
            second: 2,
            first_end: 0x20,
            second_start: 0x10,
        },
        ImageError::EntryNotInCode { entry: 1 },
        ImageError::MisalignedEntry { entry: 1 },
    ];
    let mut messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for m in &messages {
        assert!(m.starts_with("user image: ") && m.len() > 30, "{m}");
    }
    messages.sort();
    messages.dedup();
    assert_eq!(messages.len(), errors.len(), "every message is distinct");
}
