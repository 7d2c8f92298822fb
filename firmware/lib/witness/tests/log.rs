//! The log: sequence numbers, the hash chain, the ring, and the canonical encoding.

mod common;

use common::*;
use ruvix_witness::{
    Attestation, EntryRef, GENESIS_DOMAIN, MAX_KIND_NAME_LEN, MAX_LINE_LEN, MAX_PAYLOAD,
    WitnessConfig, WitnessError, WitnessKind, WitnessLog, ZERO_HASH, dump_lines, entry_hash,
    genesis_anchor,
};
use sha2::{Digest, Sha256};

fn config(max_entries: u32, hash_chain: bool) -> WitnessConfig {
    WitnessConfig {
        max_entries,
        hash_chain,
    }
}

fn recompute(e: &EntryRef<'_>) -> [u8; 32] {
    entry_hash(e.prev_hash(), e.seq(), e.timestamp(), e.kind(), e.payload()).unwrap()
}

#[test]
fn entries_chain_from_the_genesis_anchor() {
    let log = sample_log(64, true);
    assert_eq!(log.anchor(), genesis_anchor(PLATFORM));
    let mut prev = genesis_anchor(PLATFORM);
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq(), i as u64);
        assert_eq!(*e.prev_hash(), prev);
        assert_eq!(*e.hash(), recompute(&e));
        prev = *e.hash();
    }
    assert_eq!(log.head(), prev);
    assert_eq!(log.len(), 10);
    assert_eq!(log.dropped(), 0);
    assert_eq!(log.next_seq(), 10);
    assert_eq!(log.last().unwrap().seq(), 9);
    assert_eq!(
        *log.get(4).unwrap().prev_hash(),
        *log.get(3).unwrap().hash()
    );
    assert!(log.get(10).is_none());
}

/// Pins the canonical encoding byte by byte, independently of the crate's own code.
#[test]
fn canonical_encoding_is_as_documented() {
    let prev = [0xa5; 32];
    let payload = [1, 2, 3];
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&prev);
    bytes.extend_from_slice(&7u64.to_le_bytes());
    bytes.extend_from_slice(&123_456u64.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&3u16.to_le_bytes());
    bytes.extend_from_slice(&payload);
    assert_eq!(bytes.len(), 52 + 3);
    let expected: [u8; 32] = Sha256::digest(&bytes).into();
    let got = entry_hash(&prev, 7, 123_456, WitnessKind::CapabilityGrant, &payload).unwrap();
    assert_eq!(got, expected);

    let mut genesis = GENESIS_DOMAIN.to_vec();
    genesis.extend_from_slice(&PLATFORM.to_le_bytes());
    assert_eq!(
        genesis_anchor(PLATFORM),
        <[u8; 32]>::from(Sha256::digest(&genesis))
    );
}

/// A golden value computed outside Rust (Python hashlib), so the host tool and the firmware can
/// never drift together.
#[test]
fn canonical_encoding_golden_vector() {
    let got = entry_hash(&[0; 32], 0, 0, WitnessKind::Boot, b"").unwrap();
    assert_eq!(
        ruvix_witness::HexBytes(&got).to_string(),
        GOLDEN_EMPTY_BOOT_ENTRY
    );
}

/// sha256(bytes(32) + (0).to_bytes(8,'little')*2 + (0).to_bytes(2,'little')*2)
const GOLDEN_EMPTY_BOOT_ENTRY: &str =
    "7955cb2de90dd9efc6df9fdbf5f5d10c114f4135a9a6b52db1003be749e32f7a";

#[test]
fn full_log_drops_the_oldest_and_keeps_verifying_from_the_new_anchor() {
    let mut ring = WitnessLog::new(config(4, true), PLATFORM, FREQ).unwrap();
    let mut all = WitnessLog::new(config(100, true), PLATFORM, FREQ).unwrap();
    let capacity = ring.capacity();
    for i in 0..10u64 {
        let payload = i.to_le_bytes();
        ring.append(i * 10, WitnessKind::Other(42), &payload)
            .unwrap();
        all.append(i * 10, WitnessKind::Other(42), &payload)
            .unwrap();
    }
    assert_eq!(ring.capacity(), capacity);
    assert_eq!(ring.len(), 4);
    assert_eq!(ring.dropped(), 6);
    assert_eq!(ring.next_seq(), 10);
    assert_eq!(ring.anchor(), *all.get(5).unwrap().hash());
    assert_eq!(ring.head(), all.head());
    let seqs: Vec<u64> = ring.iter().map(|e| e.seq()).collect();
    assert_eq!(seqs, [6, 7, 8, 9]);
    for e in &ring {
        assert_eq!(*e.hash(), recompute(&e));
        assert_eq!(*e.hash(), *all.get(e.seq()).unwrap().hash());
    }
    assert!(ring.get(5).is_none());
    assert_eq!(*ring.get(6).unwrap().prev_hash(), ring.anchor());
}

#[test]
fn without_hash_chain_every_entry_stands_alone() {
    let mut log = WitnessLog::new(config(3, false), PLATFORM, FREQ).unwrap();
    assert_eq!(log.anchor(), ZERO_HASH);
    assert_eq!(log.head(), ZERO_HASH);
    for i in 0..5u64 {
        let e = log.append(i, WitnessKind::Boot, &[i as u8]).unwrap();
        assert_eq!(*e.prev_hash(), ZERO_HASH);
    }
    assert_eq!(log.anchor(), ZERO_HASH);
    for e in &log {
        assert_eq!(*e.prev_hash(), ZERO_HASH);
        assert_eq!(*e.hash(), recompute(&e));
    }
    assert_eq!(log.dropped(), 2);
}

#[test]
fn refusals_leave_the_log_unchanged() {
    assert_eq!(
        WitnessLog::new(config(0, true), PLATFORM, FREQ).unwrap_err(),
        WitnessError::ZeroCapacity
    );
    let mut log = WitnessLog::new(config(2, true), PLATFORM, FREQ).unwrap();
    log.append(1, WitnessKind::Boot, b"").unwrap();
    let head = log.head();
    let err = log
        .append(2, WitnessKind::Boot, &[0; MAX_PAYLOAD + 1])
        .unwrap_err();
    assert_eq!(err, WitnessError::PayloadTooLong { len: 193, max: 192 });
    assert_eq!(
        err.to_string(),
        "witness log: payload of 193 bytes is longer than the 192 allowed"
    );
    assert_eq!((log.len(), log.next_seq(), log.head()), (1, 1, head));
    assert!(entry_hash(&head, 0, 0, WitnessKind::Boot, &[0; 193]).is_err());
    log.append(3, WitnessKind::Boot, &[0; MAX_PAYLOAD]).unwrap();
}

#[test]
fn kinds_are_stored_in_named_form_and_names_round_trip() {
    let mut log = WitnessLog::new(config(2, true), PLATFORM, FREQ).unwrap();
    let attestation = Attestation::decode(&common::attestation(5).encode()).unwrap();
    let e = log
        .append(5, WitnessKind::Other(1), &attestation.encode())
        .unwrap();
    assert!(matches!(e.kind(), WitnessKind::Attestation));
    for code in 0..=u16::MAX {
        let kind = WitnessKind::from_code(code);
        let name = kind.to_string();
        assert!(name.len() <= MAX_KIND_NAME_LEN, "{name}");
        assert_eq!(WitnessKind::from_name(&name), Some(kind), "{name}");
        assert_eq!(WitnessKind::Other(code), kind);
    }
    for bad in [
        "other-1",
        "other-06",
        "other-",
        "other-65536",
        "Boot",
        "boot ",
        "",
    ] {
        assert_eq!(WitnessKind::from_name(bad), None, "{bad:?}");
    }
}

#[test]
fn the_longest_line_fits_max_line_len() {
    assert_eq!(MAX_LINE_LEN, 522);
    let mut log = WitnessLog::new(config(1, true), PLATFORM, u64::MAX).unwrap();
    log.append(u64::MAX, WitnessKind::CapabilityGrant, &[0xff; MAX_PAYLOAD])
        .unwrap();
    for line in dump_lines(&log) {
        let text = line.to_string();
        assert!(
            text.len() <= MAX_LINE_LEN,
            "{} > {MAX_LINE_LEN}",
            text.len()
        );
    }
    let entry = log.last().unwrap().to_string();
    // Only the sequence number is short here; it can add at most 19 digits.
    assert_eq!(entry.len() + 19, MAX_LINE_LEN);
}

#[test]
fn entry_display_is_its_dump_line() {
    let log = sample_log(16, true);
    let lines: Vec<String> = dump_lines(&log).map(|l| l.to_string()).collect();
    let entries: Vec<String> = log.iter().map(|e| e.to_string()).collect();
    assert_eq!(lines[1..lines.len() - 1], entries[..]);
    assert!(entries[0].starts_with("witness entry 0 1777 boot - "));
    assert!(
        lines[0].starts_with("witness begin v1 entries=10 dropped=0 chain=1 freq=19200000 anchor=")
    );
    assert!(lines.last().unwrap().starts_with("witness end head="));
}
