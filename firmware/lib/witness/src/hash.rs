//! The hashes of the log: entry hash, genesis anchor and dump seal (encodings in the crate docs).

use sha2::{Digest, Sha256};

use crate::{MAX_PAYLOAD, WitnessError, WitnessKind};

/// A SHA-256 value.
pub type Hash32 = [u8; 32];

/// 32 zero bytes: the previous hash of every entry when the log has no hash chain.
pub const ZERO_HASH: Hash32 = [0; 32];

/// Domain string of the genesis anchor.
pub const GENESIS_DOMAIN: &[u8] = b"ruvix-witness genesis v1";

/// Domain string of the dump seal.
pub const SEAL_DOMAIN: &[u8] = b"ruvix-witness dump v1";

/// The anchor of a new hash-chained log: SHA-256(`GENESIS_DOMAIN` ‖ `platform_id` as u64 LE).
/// A chain therefore names the platform it started on.
pub fn genesis_anchor(platform_id: u64) -> Hash32 {
    let mut hasher = Sha256::new();
    hasher.update(GENESIS_DOMAIN);
    hasher.update(platform_id.to_le_bytes());
    hasher.finalize().into()
}

/// The hash of an entry: SHA-256(`prev` ‖ seq u64 LE ‖ timestamp u64 LE ‖ kind code u16 LE ‖
/// payload length u16 LE ‖ payload). Fails only for a payload over [`MAX_PAYLOAD`] bytes.
pub fn entry_hash(
    prev: &Hash32,
    seq: u64,
    timestamp: u64,
    kind: WitnessKind,
    payload: &[u8],
) -> Result<Hash32, WitnessError> {
    check_payload_len(payload)?;
    Ok(entry_hash_of_checked(prev, seq, timestamp, kind, payload))
}

/// Refuses a payload longer than [`MAX_PAYLOAD`].
pub(crate) fn check_payload_len(payload: &[u8]) -> Result<(), WitnessError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(WitnessError::PayloadTooLong {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    Ok(())
}

/// [`entry_hash`] for a payload already known to be at most [`MAX_PAYLOAD`] bytes.
pub(crate) fn entry_hash_of_checked(
    prev: &Hash32,
    seq: u64,
    timestamp: u64,
    kind: WitnessKind,
    payload: &[u8],
) -> Hash32 {
    // MAX_PAYLOAD fits in a u16; callers checked the length, so this never saturates.
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(seq.to_le_bytes());
    hasher.update(timestamp.to_le_bytes());
    hasher.update(kind.code().to_le_bytes());
    hasher.update(len.to_le_bytes());
    hasher.update(payload);
    hasher.finalize().into()
}

/// The seal on a dump's end line: SHA-256(`SEAL_DOMAIN` ‖ chain u8 (0 or 1) ‖ counter_hz u64 LE ‖
/// dropped u64 LE ‖ entries u64 LE ‖ anchor ‖ head). It binds the begin line's fields (which no
/// entry hash covers) to the chain, so an edit of any line of a dump is detected.
pub fn dump_seal(
    hash_chain: bool,
    counter_hz: u64,
    dropped: u64,
    entries: u64,
    anchor: &Hash32,
    head: &Hash32,
) -> Hash32 {
    let mut hasher = Sha256::new();
    hasher.update(SEAL_DOMAIN);
    hasher.update([u8::from(hash_chain)]);
    hasher.update(counter_hz.to_le_bytes());
    hasher.update(dropped.to_le_bytes());
    hasher.update(entries.to_le_bytes());
    hasher.update(anchor);
    hasher.update(head);
    hasher.finalize().into()
}
