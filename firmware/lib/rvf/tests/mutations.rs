//! The short fuzz run that is part of `cargo test`: a few hundred thousand deterministic
//! mutations of a valid package (bit flips, byte edits, truncations, length-field edits, shifts,
//! random bytes) from a seeded PRNG. The decoder must never panic, and every mutated package
//! must be rejected — changing any byte, signed or signature, has to be caught.
//!
//! The long run is the cargo-fuzz target in `fuzz/` (see `docs/rvf-format.md`).

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::*;
use ruvix_rvf::{HEADER_LEN, Package, SECTION_ENTRY_LEN};

/// How many mutations; each reuses one buffer, so the cost is the decoder's.
const MUTATIONS: u64 = 300_000;

use ruvix_test_rng::SplitMix64 as Rng;

/// Offsets of every length, offset and count field: where a decoder is most easily fooled.
fn length_fields(section_count: usize) -> Vec<(usize, usize)> {
    let mut fields = vec![
        (H_SECTION_COUNT, 2),
        (H_TOTAL_LEN, 4),
        (H_SIGNATURE_OFFSET, 4),
    ];
    for i in 0..section_count {
        fields.push((entry(i) + S_OFFSET, 4));
        fields.push((entry(i) + S_LENGTH, 4));
        fields.push((entry(i) + S_KIND, 2));
    }
    fields
}

/// One mutation of `bytes`, chosen by `rng`. Returns its name, for the statistics.
fn mutate(
    bytes: &mut Vec<u8>,
    rng: &mut Rng,
    signed_len: usize,
    fields: &[(usize, usize)],
) -> &'static str {
    // Most edits land in the signed part (header, table, sections), where the decoder's logic
    // is; one in sixteen anywhere, including the 3309-byte signature, whose check is slow.
    let len = bytes.len();
    let position = |rng: &mut Rng| {
        if rng.index(16) == 0 {
            rng.index(len)
        } else {
            rng.index(signed_len)
        }
    };
    match rng.index(10) {
        0 | 1 => {
            for _ in 0..1 + rng.index(4) {
                let at = position(rng);
                bytes[at] ^= 1 << rng.index(8);
            }
            "bit flips"
        }
        2 => {
            let at = position(rng);
            bytes[at] = rng.next_u64() as u8;
            "byte set"
        }
        3 => {
            bytes.truncate(rng.index(len));
            "truncation"
        }
        4 | 5 => {
            let (at, width) = fields[rng.index(fields.len())];
            let old = get_u32(bytes, at) as u64;
            let value = match rng.index(8) {
                0 => 0,
                1 => 1,
                2 => u64::MAX,
                3 => old.wrapping_add(1),
                4 => old.wrapping_sub(1),
                5 => old.wrapping_add(16),
                6 => old.wrapping_sub(16),
                _ => rng.next_u64() % 0x1_0000,
            };
            bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            "length field"
        }
        6 => {
            let at = position(rng);
            let n = 1 + rng.index(64).min(len - at - 1);
            for b in &mut bytes[at..at + n] {
                *b = rng.next_u64() as u8;
            }
            "random run"
        }
        7 => {
            let at = position(rng);
            if rng.index(2) == 0 {
                bytes.insert(at, rng.next_u64() as u8);
            } else {
                bytes.remove(at);
            }
            "shift"
        }
        8 => {
            for _ in 0..1 + rng.index(16) {
                bytes.push(rng.next_u64() as u8);
            }
            "append"
        }
        _ => {
            // Keep a valid header prefix, randomise the rest: deep paths with garbage tables.
            let keep = HEADER_LEN + rng.index(SECTION_ENTRY_LEN * 3);
            for b in &mut bytes[keep..] {
                *b = rng.next_u64() as u8;
            }
            "random tail"
        }
    }
}

#[test]
fn deterministic_mutations_never_panic_and_are_all_rejected() {
    let original = sample();
    let signed_len = get_u32(original, H_SIGNATURE_OFFSET) as usize;
    let fields = length_fields(3);
    let trusted = trusted();
    let mut rng = Rng(0x5256_4621_5256_4621);
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    let mut bytes = Vec::with_capacity(original.len() + 64);
    let started = Instant::now();

    for _ in 0..MUTATIONS {
        bytes.clear();
        bytes.extend_from_slice(original);
        let kind = mutate(&mut bytes, &mut rng, signed_len, &fields);
        if bytes == original {
            continue; // e.g. a byte set to its own value
        }
        *kinds.entry(kind).or_default() += 1;
        let outcome = match Package::parse(&bytes) {
            Err(e) => format!("format: {}", variant(&format!("{e:?}"))),
            Ok(package) => {
                // Walk every accessor of an accepted structure: none may panic.
                for section in package.sections() {
                    assert!(section.offset + section.data.len() <= package.signed_bytes().len());
                }
                let _ = (
                    package.manifest(),
                    package.components().count(),
                    package.signature(),
                );
                match package.verify_with(trusted) {
                    Err(e) => format!("verify: {}", variant(&format!("{e:?}"))),
                    Ok(_) => panic!("a mutated package ({kind}) was accepted: {bytes:02x?}"),
                }
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
    }

    // Pure noise, and noise behind a valid magic and version.
    for i in 0..20_000 {
        let len = rng.index(600);
        bytes.clear();
        bytes.extend((0..len).map(|_| rng.next_u64() as u8));
        if i % 2 == 0 && len >= 10 {
            bytes[..10].copy_from_slice(&original[..10]);
        }
        assert!(Package::parse(&bytes).is_err());
    }

    println!("{MUTATIONS} mutations in {:?}", started.elapsed());
    println!("mutations: {kinds:#?}");
    println!("outcomes: {outcomes:#?}");
    // The run must reach deep: structure errors, hash errors and signature errors all occur.
    for needed in [
        "format: Overlap",
        "format: SectionOutOfBounds",
        "verify: HashMismatch",
        "verify: BadSignature",
        "verify: MalformedSignature",
        "verify: WrongKey",
    ] {
        assert!(
            outcomes.contains_key(needed),
            "no mutation ended in {needed}"
        );
    }
}

/// The variant name of a `Debug`-printed error.
fn variant(debug: &str) -> String {
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or(debug)
        .to_owned()
}
