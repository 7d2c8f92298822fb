//! Corrupted images: whatever the bytes, `parse` returns, never panics, and every plan it
//! returns keeps its promises (`assert_sound`).

mod common;

use std::ops::Range;

use common::*;
use ruvix_test_rng::SplitMix64;
use ruvix_user_image::UserImage;

/// Parses `elf` in each window; returns how many parses succeeded.
fn parse_all(elf: &[u8], windows: &[Range<u64>]) -> usize {
    let mut ok = 0;
    for window in windows {
        if let Ok(image) = UserImage::parse(elf, window.clone()) {
            assert_sound(elf, window, &image);
            ok += 1;
        }
    }
    ok
}

/// The images: the synthetic standard one, one starting mid-page, and the two real ones.
fn images() -> Vec<(Vec<u8>, Vec<Range<u64>>)> {
    let everywhere = 0..u64::MAX;
    let mid_page = Elf::new(BASE + 0x124)
        .load(RX, 0x1120, BASE + 0x120, 0x40, 0x40)
        .load(RW, 0x2ff0, BASE + 0x1ff0, 0x20, 0x30)
        .build();
    let fixtures = 0x20_0000..0x40_0000;
    vec![
        (standard().build(), vec![WINDOW, everywhere.clone()]),
        (mid_page, vec![WINDOW, everywhere.clone()]),
        (
            fixture("host-paged.elf"),
            vec![fixtures.clone(), everywhere.clone()],
        ),
        (fixture("host-default.elf"), vec![fixtures, everywhere]),
    ]
}

#[test]
fn every_byte_flipped() {
    for (elf, windows) in images() {
        assert_eq!(
            parse_all(&elf, &windows),
            windows.len(),
            "the original parses"
        );
        let (mut ok, mut err) = (0, 0);
        for at in 0..elf.len() {
            for mask in [0x01, 0x02, 0x10, 0x80, 0xff] {
                let mut mutant = elf.clone();
                mutant[at] ^= mask;
                let n = parse_all(&mutant, &windows);
                ok += n;
                err += windows.len() - n;
            }
        }
        // Flips in the payload keep the image valid, flips in the headers mostly do not.
        assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
    }
}

#[test]
fn every_truncation() {
    for (elf, windows) in images() {
        for len in 0..elf.len() {
            parse_all(&elf[..len], &windows);
        }
    }
}

/// Every program header field of the standard image set to each of a list of edge values.
#[test]
fn every_program_header_field_at_edge_values() {
    let len = standard().build().len() as u64;
    let values = [
        0,
        1,
        3,
        4,
        0xfff,
        0x1000,
        0x1001,
        0x1_0000,
        len - 1,
        len,
        len + 1,
        BASE - 1,
        BASE,
        BASE + 0x1000,
        BASE + 0x2010,
        WINDOW.end - 1,
        WINDOW.end,
        u64::MAX / 2,
        u64::MAX - 0x1000,
        u64::MAX - 0xfff,
        u64::MAX - 1,
        u64::MAX,
    ];
    let windows = [WINDOW, 0..u64::MAX];
    let mut ok = 0;
    for index in 0..3 {
        for field in 0..7 {
            for &value in &values {
                let mut elf = standard();
                let p = &mut elf.phdrs[index];
                match field {
                    0 => p.offset = value,
                    1 => p.vaddr = value,
                    2 => p.filesz = value,
                    3 => p.memsz = value,
                    4 => p.align = value,
                    5 => p.flags = value as u32,
                    _ => p.p_type = value as u32,
                }
                ok += parse_all(&elf.build(), &windows);
            }
            // And the entry point.
            let mut elf = standard();
            elf.entry = values[field * 3 % values.len()];
            ok += parse_all(&elf.build(), &windows);
        }
    }
    assert!(ok > 0);
}

/// Random corruption of a few bytes of the headers at a time.
#[test]
fn random_header_corruption() {
    let mut rng = SplitMix64(0x5eed_e1f0);
    for (elf, windows) in images() {
        let headers = elf.len().min(0x200);
        for _ in 0..20_000 {
            let mut mutant = elf.clone();
            for _ in 0..1 + rng.index(4) {
                let at = rng.index(headers);
                mutant[at] = rng.next_u64() as u8;
            }
            parse_all(&mutant, &windows);
        }
    }
}
