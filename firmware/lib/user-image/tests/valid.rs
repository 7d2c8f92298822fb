//! Images that must parse, and the plans they give.

mod common;

use common::*;
use ruvix_user_image::{ImageError, MAX_SEGMENTS, SegmentKind, UserImage};

fn parse(elf: &[u8]) -> UserImage<'_> {
    let image = UserImage::parse(elf, WINDOW).unwrap_or_else(|e| panic!("{e}"));
    assert_sound(elf, &WINDOW, &image);
    image
}

#[test]
fn code_rodata_data_and_bss() {
    let elf = standard().build();
    let image = parse(&elf);
    assert_eq!(image.entry(), BASE + 0x10);
    let [code, rodata, data] = image.segments() else {
        panic!("three segments expected: {:?}", image.segments());
    };

    assert_eq!(code.kind(), SegmentKind::Code);
    assert_eq!(code.page_range(), BASE..BASE + PAGE);
    assert_eq!(code.data_offset(), 0);
    assert_eq!(code.file_bytes(), &elf[0x1000..0x1040]);
    assert_eq!(code.program_header(), 0);

    assert_eq!(rodata.kind(), SegmentKind::ReadOnly);
    assert_eq!(rodata.page_range(), BASE + PAGE..BASE + 2 * PAGE);
    assert_eq!(rodata.file_bytes(), &elf[0x2000..0x2010]);

    // 0x18 bytes of data, then bss up to BASE + 0x4100: three pages.
    assert_eq!(data.kind(), SegmentKind::ReadWrite);
    assert_eq!(data.page_start(), BASE + 0x2000);
    assert_eq!(data.mem_size(), 3 * PAGE);
    assert_eq!(data.page_count(), 3);
    assert_eq!(data.vaddr_end(), BASE + 0x4100);
    assert_eq!(data.file_bytes(), &elf[0x3000..0x3018]);

    assert_eq!(image.code_size(), PAGE);
    assert_eq!(image.pages(SegmentKind::ReadOnly), 1);
    assert_eq!(image.per_process_size(), 3 * PAGE);
}

/// The classic loader bug: a segment that starts mid-page. Its first page starts below
/// `p_vaddr`, and its file bytes — taken from `p_offset`, not from the rounded-down offset —
/// start `p_vaddr % 4096` into that page.
#[test]
fn a_segment_starting_mid_page() {
    let elf = Elf::new(BASE + 0x124)
        .load(RX, 0x1120, BASE + 0x120, 0x40, 0x40)
        .load(RW, 0x2ff0, BASE + 0x1ff0, 0x20, 0x30)
        .build();
    let image = parse(&elf);
    let [code, data] = image.segments() else {
        panic!("two segments expected");
    };
    assert_eq!(code.page_start(), BASE);
    assert_eq!(code.data_offset(), 0x120);
    assert_eq!(code.vaddr(), BASE + 0x120);
    assert_eq!(code.mem_size(), PAGE);
    assert_eq!(code.file_bytes(), &elf[0x1120..0x1160]);
    // Crosses a page boundary: BASE + 0x1ff0 .. BASE + 0x2020 is two pages.
    assert_eq!(data.page_start(), BASE + 0x1000);
    assert_eq!(data.data_offset(), 0xff0);
    assert_eq!(data.mem_size(), 2 * PAGE);
    assert_eq!(data.file_bytes(), &elf[0x2ff0..0x3010]);
}

#[test]
fn a_bss_only_segment() {
    // The offset of a segment without file bytes is not read: inside the file or past its end.
    for offset in [0x2080, 0x4080, 0x10_0080] {
        let elf = standard()
            .load(RW, offset, BASE + 0x10_0080, 0, 0x1800)
            .build();
        let image = parse(&elf);
        let bss = image.segments().last().unwrap();
        assert_eq!(bss.kind(), SegmentKind::ReadWrite);
        assert!(bss.file_bytes().is_empty());
        assert_eq!(bss.data_offset(), 0x80);
        assert_eq!(bss.page_range(), BASE + 0x10_0000..BASE + 0x10_2000);
        assert_eq!(image.per_process_size(), 5 * PAGE);
    }
}

#[test]
fn segments_come_out_sorted_by_address() {
    let elf = Elf::new(BASE + 0x5000)
        .load(RW, 0x3000, BASE + 0x2000, 0x10, 0x10)
        .load(RX, 0x1000, BASE + 0x5000, 0x10, 0x10)
        .load(RO, 0x2000, BASE, 0x10, 0x10)
        .build();
    let image = parse(&elf);
    let order: Vec<_> = image
        .segments()
        .iter()
        .map(|s| (s.page_start(), s.program_header()))
        .collect();
    assert_eq!(order, [(BASE, 2), (BASE + 0x2000, 0), (BASE + 0x5000, 1)]);
}

#[test]
fn segments_on_adjacent_pages_and_at_the_window_edges() {
    let top = WINDOW.end - PAGE;
    let elf = Elf::new(top)
        .load(RO, 0x1000, WINDOW.start, 0x10, PAGE)
        .load(RW, 0x2000, WINDOW.start + PAGE, 0x10, 0x10)
        .load(RX, 0x3000, top, 0x10, PAGE)
        .build();
    let image = parse(&elf);
    assert_eq!(image.segments()[0].page_start(), WINDOW.start);
    assert_eq!(image.segments()[2].page_range().end, WINDOW.end);
}

#[test]
fn other_program_headers_are_ignored() {
    let elf = standard()
        .phdr(Phdr::other(PT_PHDR))
        .phdr(Phdr::other(PT_NOTE))
        .phdr(Phdr::other(PT_GNU_STACK))
        .phdr(Phdr::other(PT_GNU_RELRO))
        .phdr(Phdr::other(0x7000_0003)) // PT_AARCH64_MEMTAG_MTE and friends
        .build();
    assert_eq!(parse(&elf).segments().len(), 3);
}

#[test]
fn execute_only_is_code_and_write_only_is_data() {
    let elf = Elf::new(BASE)
        .load(PF_X, 0x1000, BASE, 0x10, 0x10)
        .load(PF_W, 0x2000, BASE + PAGE, 0x10, 0x10)
        .build();
    let image = parse(&elf);
    assert_eq!(image.segments()[0].kind(), SegmentKind::Code);
    assert_eq!(image.segments()[1].kind(), SegmentKind::ReadWrite);
}

#[test]
fn large_power_of_two_alignments_are_accepted() {
    let mut elf = standard();
    elf.phdrs[0].align = 0x1_0000; // lld's default for AArch64
    elf.phdrs[2].align = 0x20_0000;
    parse(&elf.build());
}

#[test]
fn flags_beyond_rwx_are_ignored() {
    let mut elf = standard();
    elf.phdrs[1].flags |= 0x0ff0_0000 | 0xf000_0000; // PF_MASKOS | PF_MASKPROC
    assert_eq!(
        parse(&elf.build()).segments()[1].kind(),
        SegmentKind::ReadOnly
    );
}

#[test]
fn as_many_segments_as_allowed() {
    let mut elf = Elf::new(BASE);
    for i in 0..MAX_SEGMENTS as u64 {
        let flags = if i == 0 { RX } else { RO };
        elf = elf.load(flags, 0x1000 * (i + 1), BASE + 0x1000 * i, 0x10, 0x10);
    }
    assert_eq!(parse(&elf.build()).segments().len(), MAX_SEGMENTS);
}

#[test]
fn the_entry_point_may_be_the_last_instruction() {
    let mut elf = standard();
    elf.entry = BASE + 0x3c;
    parse(&elf.build());
    elf.entry = BASE + 0x40;
    assert_eq!(
        UserImage::parse(&elf.build(), WINDOW),
        Err(ImageError::EntryNotInCode { entry: BASE + 0x40 })
    );
}

/// A real lld output with every output section on its own page, like the kernel's linker
/// script (tests/fixtures/build.sh).
#[test]
fn a_real_executable_with_page_aligned_sections() {
    let elf = fixture("host-paged.elf");
    let window = 0x20_0000..0x40_0000;
    let image = UserImage::parse(&elf, window.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_sound(&elf, &window, &image);
    assert_eq!(image.entry(), 0x20_0000);
    let kinds: Vec<_> = image
        .segments()
        .iter()
        .map(|s| {
            (
                s.kind(),
                s.page_range(),
                s.data_offset(),
                s.file_bytes().len(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (SegmentKind::Code, 0x20_0000..0x20_1000, 0, 0x7c),
            (SegmentKind::ReadOnly, 0x20_1000..0x20_2000, 0, 0x26),
            // .data (a u64) then .bss (5000 bytes): 0x1390 bytes, two pages.
            (SegmentKind::ReadWrite, 0x20_2000..0x20_4000, 0, 0x8),
        ]
    );
    assert_eq!(image.segments()[0].file_bytes(), &elf[0x1000..0x107c]);
    assert_eq!(
        image.segments()[1].file_bytes(),
        b"component host fixture: read-only data"
    );
    assert_eq!(
        image.segments()[2].file_bytes(),
        &0x1234_5678u64.to_le_bytes()
    );
}

/// A real lld output in lld's default layout: segments start mid-page (congruent with their file
/// offsets), `p_align` is 64 KiB, the first segment holds the ELF and program headers, and there
/// are `PT_GNU_EH_FRAME` and `PT_GNU_STACK` headers.
#[test]
fn a_real_executable_in_the_default_layout() {
    let elf = fixture("host-default.elf");
    let window = 0x20_0000..0x40_0000;
    let image = UserImage::parse(&elf, window.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_sound(&elf, &window, &image);
    assert_eq!(image.entry(), 0x21_0200);
    let [rodata, code, data] = image.segments() else {
        panic!("three segments expected");
    };
    assert_eq!(rodata.kind(), SegmentKind::ReadOnly);
    assert_eq!(rodata.page_range(), 0x20_0000..0x20_1000);
    assert_eq!(rodata.file_bytes(), &elf[..0x200]);

    assert_eq!(code.kind(), SegmentKind::Code);
    assert_eq!(code.page_range(), 0x21_0000..0x21_1000);
    assert_eq!(code.data_offset(), 0x200);
    assert_eq!(code.file_bytes(), &elf[0x200..0x27c]);

    assert_eq!(data.kind(), SegmentKind::ReadWrite);
    assert_eq!(data.page_start(), 0x22_0000);
    assert_eq!(data.data_offset(), 0x280);
    assert_eq!(data.vaddr_end(), 0x22_0280 + 0x1390);
    assert_eq!(data.mem_size(), 2 * PAGE);
    assert_eq!(data.file_bytes(), &0x1234_5678u64.to_le_bytes());
}

/// The kernel itself, if this worktree has built it (nothing is built for this test): an
/// AArch64 executable linked at 0x80000 with text, rodata and data segments.
#[test]
fn the_kernel_if_built() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../target/aarch64-unknown-none/debug/kernel"
    );
    let Ok(elf) = std::fs::read(path) else {
        eprintln!("skipped: {path} not built");
        return;
    };
    let window = 0x8_0000..0x1_0000_0000;
    let image = UserImage::parse(&elf, window.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_sound(&elf, &window, &image);
    assert_eq!(image.entry(), 0x8_0000);
    assert_eq!(image.segments()[0].kind(), SegmentKind::Code);
}
