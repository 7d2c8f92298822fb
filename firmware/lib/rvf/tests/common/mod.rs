//! A small signed package and its keys, shared by the tests.

#![allow(dead_code)] // Each test file uses a different part.

use std::sync::OnceLock;

use ruvix_rvf::{PackageBuilder, SigningKey, TrustedKey};

/// Offsets used to craft bad packages (the public constants cover the rest).
pub const H_VERSION: usize = 8;
pub const H_FLAGS: usize = 10;
pub const H_SIG_ALG: usize = 12;
pub const H_SECTION_COUNT: usize = 14;
pub const H_TOTAL_LEN: usize = 16;
pub const H_SIGNATURE_OFFSET: usize = 20;
pub const H_KEY_ID: usize = 24;
pub const S_KIND: usize = 0;
pub const S_FLAGS: usize = 2;
pub const S_OFFSET: usize = 4;
pub const S_LENGTH: usize = 8;
pub const S_RESERVED: usize = 12;
pub const S_SHA256: usize = 16;
pub const S_NAME: usize = 48;

/// A manifest whose length is not a multiple of 16, so the package has padding.
pub const MANIFEST: &[u8] = b"not a real manifest, the container does not look inside";
pub const SENSOR: &[u8] = b"\0asm\x01\0\0\0 pretend this is the sensor component";
pub const LOGGER: &[u8] = b"\0asm\x01\0\0\0 and the logger";

/// The signing key of the sample package.
pub fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed([1; 32]))
}

/// Another key, for "signed with another key".
pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed([2; 32]))
}

/// The decoded public key of `key()`.
pub fn trusted() -> &'static TrustedKey {
    static KEY: OnceLock<TrustedKey> = OnceLock::new();
    KEY.get_or_init(|| TrustedKey::from_bytes(key().public_key().as_bytes()).unwrap())
}

/// Manifest, "sensor", "logger", signed with `key`.
pub fn build_with(key: &SigningKey) -> Vec<u8> {
    let mut builder = PackageBuilder::new(MANIFEST);
    builder.component("sensor", SENSOR).unwrap();
    builder.component("logger", LOGGER).unwrap();
    builder.build(key).unwrap()
}

/// The sample package, signed with `key()`.
pub fn sample() -> &'static [u8] {
    static PACKAGE: OnceLock<Vec<u8>> = OnceLock::new();
    PACKAGE.get_or_init(|| build_with(key()))
}

/// Offset of section table entry `index`.
pub fn entry(index: usize) -> usize {
    ruvix_rvf::HEADER_LEN + index * ruvix_rvf::SECTION_ENTRY_LEN
}

pub fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

pub fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

pub fn get_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Replaces the signature of `bytes` with a fresh one by `key` over the (edited) signed part,
/// so a test can show that parse rejects a structure even when it is properly signed.
pub fn resign(bytes: &mut [u8], key: &SigningKey) {
    let signature_offset = get_u32(bytes, H_SIGNATURE_OFFSET) as usize;
    let signature = key.sign(&bytes[..signature_offset]).unwrap();
    bytes[signature_offset..].copy_from_slice(&signature);
}
