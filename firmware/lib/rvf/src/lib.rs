//! The RVF package format: one signed file holding a system's manifest and its WebAssembly
//! components. The firmware reads it in boot stage 1; the `rvf` host tool writes it.
//!
//! The byte-by-byte description is `docs/rvf-format.md` at the root of the repository; in short:
//!
//! ```text
//! 0        header (64 bytes): magic "RUVIXRVF", version 1, flags, signature algorithm,
//!          section count, total length, signature offset, SHA-256 of the signing key
//! 64       section table: 80 bytes per section (kind, offset, length, SHA-256, name)
//! …        sections, each at a multiple of 16: exactly one manifest, then the components
//! sig_off  ML-DSA-65 signature (3309 bytes) over bytes 0..sig_off
//! ```
//!
//! Reading is two steps, so structure and trust fail with different messages:
//!
//! 1. [`Package::parse`] checks the structure and borrows from the input (no allocation, no
//!    panic, no read out of bounds: every malformed input is a [`FormatError`]);
//! 2. [`Package::verify`] checks the signing key's id, every section's SHA-256 and the
//!    ML-DSA-65 signature, and gives a [`VerifiedPackage`] or a [`VerifyError`].
//!
//! Features: `alloc` lets ML-DSA keep its large temporaries on the heap (less stack in the
//! firmware); `sign` adds [`SigningKey`] and [`PackageBuilder`]; `std` adds key generation
//! from OS randomness and key files.
//!
//! ```
//! # #[cfg(feature = "sign")] {
//! use ruvix_rvf::{Package, PackageBuilder, SigningKey};
//!
//! let key = SigningKey::from_seed([7; 32]);
//! let wasm = b"\0asm\x01\0\0\0";
//! let mut builder = PackageBuilder::new(b"manifest bytes");
//! builder.component("sensor", wasm).unwrap();
//! let bytes = builder.build(&key).unwrap();
//!
//! let package = Package::parse(&bytes).unwrap();
//! let verified = package.verify(key.public_key().as_bytes()).unwrap();
//! assert_eq!(verified.component("sensor").unwrap().wasm, wasm);
//! # }
//! ```

// With `std` (host tools only) the std prelude is in scope; the firmware builds without it.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod layout;
mod package;
mod verify;

#[cfg(feature = "sign")]
mod builder;
#[cfg(feature = "sign")]
mod keys;

pub use error::{
    ContentsError, FormatError, KeyId, NameProblem, SectionLabel, SectionName, VerifyError,
};
pub use layout::{
    FORMAT_VERSION, HEADER_LEN, KIND_COMPONENT, KIND_MANIFEST, MAGIC, MAX_SECTIONS, NAME_LEN,
    PUBLIC_KEY_LEN, SECRET_KEY_LEN, SECTION_ALIGN, SECTION_ENTRY_LEN, SHA256_LEN,
    SIGNATURE_ALGORITHM_ML_DSA_65, SIGNATURE_CONTEXT, SIGNATURE_LEN,
};
pub use package::{Component, Header, Package, Section, SectionKind, package_len};
pub use verify::{TrustedKey, VerifiedPackage, public_key_array};

#[cfg(feature = "sign")]
pub use builder::{BuildError, PackageBuilder};
#[cfg(feature = "std")]
pub use keys::KeyFileError;
#[cfg(feature = "sign")]
pub use keys::{KeyError, PublicKey, SigningKey};
