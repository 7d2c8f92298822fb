//! Where every field of an RVF package lives: offsets, sizes and fixed values of format
//! version 1, and the little-endian readers that never index out of bounds.
//!
//! `docs/rvf-format.md` is the same information as tables; keep the two in step.

/// The first 8 bytes of every RVF package (ASCII `RUVIXRVF`).
pub const MAGIC: [u8; 8] = *b"RUVIXRVF";

/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u16 = 1;

/// Signature algorithm 1: ML-DSA-65 (FIPS 204), pure mode, with [`SIGNATURE_CONTEXT`].
pub const SIGNATURE_ALGORITHM_ML_DSA_65: u16 = 1;

/// The ML-DSA context string every RVF signature is made with (FIPS 204 `ctx`), so a signature
/// made for something else with the same key can never pass as a package signature.
pub const SIGNATURE_CONTEXT: &[u8] = b"ruvix-rvf/1";

/// Length of an encoded ML-DSA-65 public key (FIPS 204 `pkEncode`).
pub const PUBLIC_KEY_LEN: usize = 1952;

/// Length of an encoded ML-DSA-65 signature (FIPS 204 `sigEncode`).
pub const SIGNATURE_LEN: usize = 3309;

/// Length of a secret key file: the 32-byte FIPS 204 seed ξ the whole key pair derives from.
pub const SECRET_KEY_LEN: usize = 32;

/// Length of a SHA-256 digest.
pub const SHA256_LEN: usize = 32;

/// Size of the fixed header at offset 0.
pub const HEADER_LEN: usize = 64;

/// Size of one section table entry; the table starts right after the header.
pub const SECTION_ENTRY_LEN: usize = 80;

/// Every section starts at a multiple of this (relative to the package start), so a package
/// loaded at a 16-byte aligned address hands out 16-byte aligned slices.
pub const SECTION_ALIGN: usize = 16;

/// Size of the name field of a section table entry (UTF-8, padded with zero bytes).
pub const NAME_LEN: usize = 32;

/// Most sections a package may have (one manifest plus components); bounds the work of parsing.
pub const MAX_SECTIONS: usize = 256;

// Header fields: (offset, size).
pub(crate) const H_MAGIC: usize = 0;
pub(crate) const H_VERSION: usize = 8;
pub(crate) const H_FLAGS: usize = 10;
pub(crate) const H_SIG_ALG: usize = 12;
pub(crate) const H_SECTION_COUNT: usize = 14;
pub(crate) const H_TOTAL_LEN: usize = 16;
pub(crate) const H_SIGNATURE_OFFSET: usize = 20;
pub(crate) const H_KEY_ID: usize = 24;
pub(crate) const H_RESERVED: usize = 56;
pub(crate) const H_RESERVED_LEN: usize = 8;

// Section table entry fields, relative to the entry.
pub(crate) const S_KIND: usize = 0;
pub(crate) const S_FLAGS: usize = 2;
pub(crate) const S_OFFSET: usize = 4;
pub(crate) const S_LENGTH: usize = 8;
pub(crate) const S_RESERVED: usize = 12;
pub(crate) const S_SHA256: usize = 16;
pub(crate) const S_NAME: usize = 48;

// The layout above must tile exactly; a mistake here would be a format bug, so catch it at build.
const _: () = assert!(H_RESERVED + H_RESERVED_LEN == HEADER_LEN);
const _: () = assert!(H_KEY_ID + SHA256_LEN == H_RESERVED);
const _: () = assert!(S_NAME + NAME_LEN == SECTION_ENTRY_LEN);
const _: () = assert!(S_SHA256 + SHA256_LEN == S_NAME);
const _: () = assert!(
    HEADER_LEN.is_multiple_of(SECTION_ALIGN) && SECTION_ENTRY_LEN.is_multiple_of(SECTION_ALIGN)
);
// Offsets and lengths are u32 in the format; `as usize` on them is lossless only if usize is wider.
const _: () = assert!(usize::BITS >= 32);

/// Section kind 1: the manifest (postcard-encoded `RvfManifest`), exactly one per package.
pub const KIND_MANIFEST: u16 = 1;
/// Section kind 2: one WebAssembly component (a core wasm module), named in the entry.
pub const KIND_COMPONENT: u16 = 2;

/// `value` rounded up to the next multiple of [`SECTION_ALIGN`] (saturating: callers compare the
/// result against lengths that fit in u32, so saturation can only turn into a bounds error).
#[cfg(feature = "sign")]
pub(crate) const fn align_up(value: u64) -> u64 {
    let align = SECTION_ALIGN as u64;
    value.saturating_add(align - 1) / align * align
}

/// Reads a little-endian u16 at `at`, or `None` if it does not fit in `bytes`.
pub(crate) fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    read_array(bytes, at).map(u16::from_le_bytes)
}

/// Reads a little-endian u32 at `at`, or `None` if it does not fit in `bytes`.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    read_array(bytes, at).map(u32::from_le_bytes)
}

/// Reads a fixed-size byte array at `at`, or `None` if it does not fit in `bytes`.
pub(crate) fn read_array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}
