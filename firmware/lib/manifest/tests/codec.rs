//! The package encoding: round trips, and no input makes `decode` panic.

mod common;

use ruvix_manifest::{
    BoardLimits, ComponentIndex, DecodeError, FORMAT_VERSION, InterruptSource, RvfManifest, limits,
};

fn manifest() -> RvfManifest {
    let source = common::with(
        r#"
[[region]]
name = "shared"
kind = "ram"
size = 8192
access = { a = "rw", b = "ro" }

[[region]]
name = "gpio"
kind = "mmio"
peripheral_offset = 0x200000
size = "4 KiB"
access = { c = "rw" }

[[queue]]
name = "q"
depth = 4
message_size = "64 B"
from = "a.out"
to = "b.in"

[[region]]
name = "systimer"
kind = "mmio"
peripheral_offset = 0x3000
size = "4 KiB"
access = { b = "rw" }

[[region]]
name = "aux"
kind = "mmio"
peripheral_offset = 0x215000
size = "4 KiB"
access = { a = "rw" }

[[interrupt]]
name = "tick"
source = "system-timer-3"
holder = "b"

[[interrupt]]
name = "uart"
source = "aux"
holder = "a"
"#,
    )
    .replacen(
        "fuel_slice = 1000",
        "fuel_slice = 1000\ntime_slice_ms = 25",
        1,
    );
    common::parse(&source).expect("valid")
}

#[test]
fn encode_then_decode_is_identity() {
    let m = manifest();
    let bytes = m.encode();
    assert_eq!(RvfManifest::decode(&bytes), Ok(m));
}

#[test]
fn time_slice_round_trips() {
    let m = manifest();
    let slices: Vec<_> = m.components.iter().map(|c| c.time_slice_ms).collect();
    assert_eq!(slices, [25, limits::DEFAULT_TIME_SLICE_MS, 10]);
    let mut m = m;
    m.components[1].time_slice_ms = 1000;
    let decoded = RvfManifest::decode(&m.encode()).expect("decodes");
    assert_eq!(decoded.components[0].time_slice_ms, 25);
    assert_eq!(decoded.components[1].time_slice_ms, 1000);
    assert_eq!(decoded, m);
}

#[test]
fn interrupts_round_trip() {
    let m = manifest();
    let interrupts: Vec<_> = m
        .interrupts
        .iter()
        .map(|i| (i.name.as_str(), i.source, i.holder))
        .collect();
    assert_eq!(
        interrupts,
        [
            ("tick", InterruptSource::SystemTimer3, ComponentIndex(1)),
            ("uart", InterruptSource::Aux, ComponentIndex(0)),
        ]
    );
    let decoded = RvfManifest::decode(&m.encode()).expect("decodes");
    assert_eq!(decoded.interrupts, m.interrupts);
    // The interrupts are the last field: the encoding ends with them.
    let mut without = m.clone();
    without.interrupts.clear();
    let (full, short) = (m.encode(), without.encode());
    assert_eq!(full[..short.len() - 1], short[..short.len() - 1]);
    assert_eq!(
        short.last(),
        Some(&0),
        "an empty list is one zero length byte"
    );
    // An unknown source variant is refused, not misread: the last byte is the holder, the one
    // before it the source.
    let mut bytes = full.clone();
    let source = bytes.len() - 2;
    assert_eq!(bytes[source], 2, "Aux is variant 2");
    bytes[source] = 3;
    assert!(matches!(
        RvfManifest::decode(&bytes),
        Err(DecodeError::Malformed(_))
    ));
}

#[test]
fn version_is_the_first_byte() {
    let bytes = manifest().encode();
    // postcard writes a u16 below 128 as one byte.
    assert_eq!(u16::from(bytes[0]), FORMAT_VERSION);
}

#[test]
fn other_versions_are_refused_before_decoding_the_rest() {
    assert_eq!(FORMAT_VERSION, 3);
    // 1 is the version before `time_slice_ms`, 2 the one before `interrupts`: their packages
    // are refused, not misread.
    for version in [0, 1, 2, 4] {
        let mut bytes = manifest().encode();
        bytes[0] = version;
        assert_eq!(
            RvfManifest::decode(&bytes),
            Err(DecodeError::UnsupportedVersion {
                found: u16::from(version)
            })
        );
    }
    assert_eq!(
        DecodeError::UnsupportedVersion { found: 1 }.to_string(),
        "manifest format version 1 is not supported (expected 3)"
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = manifest().encode();
    for len in 0..bytes.len() {
        assert!(
            RvfManifest::decode(&bytes[..len]).is_err(),
            "prefix of {len} bytes decoded"
        );
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut bytes = manifest().encode();
    bytes.push(0);
    assert_eq!(
        RvfManifest::decode(&bytes),
        Err(DecodeError::TrailingBytes { count: 1 })
    );
}

#[test]
fn oversized_input_is_refused() {
    let bytes = vec![1u8; limits::MAX_ENCODED_LEN + 1];
    assert_eq!(
        RvfManifest::decode(&bytes),
        Err(DecodeError::TooLarge {
            len: limits::MAX_ENCODED_LEN + 1
        })
    );
}

#[test]
fn garbage_is_an_error() {
    for garbage in [
        &b""[..],
        b"\x02",
        b"\xff\xff\xff\xff\xff",
        b"\x02\xff\xff\xff\xff\x0f",
        b"RVF manifest? no",
        &[
            0x02, 0x04, b't', b'e', b's', b't', 0xff, 0xff, 0xff, 0xff, 0x0f,
        ],
    ] {
        assert!(RvfManifest::decode(garbage).is_err(), "{garbage:?} decoded");
    }
}

/// A small deterministic generator, so the test needs no extra crates and is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let valid = manifest().encode();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..20_000 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            // Mutate a valid encoding: flip, overwrite or drop a few bytes.
            let mut bytes = valid.clone();
            for _ in 0..1 + rng.next() % 4 {
                let i = (rng.next() as usize) % bytes.len();
                match rng.next() % 3 {
                    0 => bytes[i] ^= 1 << (rng.next() % 8),
                    1 => bytes[i] = rng.next() as u8,
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            bytes
        } else {
            let len = (rng.next() % 64) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if let Some(first) = bytes.first_mut() {
                *first = FORMAT_VERSION as u8;
            }
            bytes
        };
        // Whatever decodes must also validate (or not) without panicking.
        if let Ok(m) = RvfManifest::decode(&bytes) {
            let _ = m.validate(&BoardLimits::RPI3);
            let _ = m.validate_all(&BoardLimits::RPI4);
        }
    }
}
