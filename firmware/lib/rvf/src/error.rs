//! What can be wrong with a package, in words a user understands.
//!
//! [`FormatError`] is a structural problem found by [`crate::Package::parse`]; [`VerifyError`]
//! is a trust problem found by [`crate::Package::verify`]. Neither borrows the input, so the
//! firmware can print one after the package buffer is gone.

use core::fmt;

use crate::layout::{
    FORMAT_VERSION, HEADER_LEN, MAGIC, MAX_SECTIONS, NAME_LEN, PUBLIC_KEY_LEN, SECTION_ALIGN,
    SHA256_LEN, SIGNATURE_ALGORITHM_ML_DSA_65, SIGNATURE_LEN,
};

/// Lower-case hex of a byte string, for messages.
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A component name as stored in a section table entry: valid UTF-8, 1 to [`NAME_LEN`] bytes.
/// Owned (not borrowed), so errors that mention it do not tie up the package buffer.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SectionName {
    bytes: [u8; NAME_LEN],
    len: u8,
}

impl SectionName {
    /// Checks a name field (`NAME_LEN` bytes, zero-padded) and keeps the name in it.
    pub(crate) fn from_field(field: &[u8; NAME_LEN]) -> Result<Self, NameProblem> {
        let len = field.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
        let (name, padding) = field.split_at(len);
        if name.is_empty() {
            return Err(NameProblem::Empty);
        }
        if padding.iter().any(|&b| b != 0) {
            return Err(NameProblem::BadPadding);
        }
        if core::str::from_utf8(name).is_err() {
            return Err(NameProblem::NotUtf8);
        }
        Ok(Self {
            bytes: *field,
            // len <= NAME_LEN = 32, so it fits.
            len: len as u8,
        })
    }

    /// Makes a name from a string: what the builder stores in the table.
    pub fn new(name: &str) -> Result<Self, NameProblem> {
        let bytes = name.as_bytes();
        if bytes.len() > NAME_LEN {
            return Err(NameProblem::TooLong { len: bytes.len() });
        }
        if bytes.contains(&0) {
            return Err(NameProblem::ContainsNul);
        }
        let mut field = [0u8; NAME_LEN];
        field
            .iter_mut()
            .zip(bytes)
            .for_each(|(to, from)| *to = *from);
        Self::from_field(&field)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Checked to be UTF-8 when made; the fallback is unreachable but keeps this panic-free.
        let name = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(name).unwrap_or_default()
    }

    /// The name field as stored: the name followed by zero bytes.
    pub fn field(&self) -> &[u8; NAME_LEN] {
        &self.bytes
    }
}

impl fmt::Display for SectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// Why a component name is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name field starts with a zero byte.
    Empty,
    /// Bytes after the first zero byte are not all zero.
    BadPadding,
    /// The name is not UTF-8.
    NotUtf8,
    /// The name is longer than the field.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The name contains a zero byte (which ends a name in the field).
    ContainsNul,
    /// A manifest section has a name; its name field must be all zero.
    ManifestNamed,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the name is empty"),
            Self::BadPadding => f.write_str("the name field has bytes after its terminating zero"),
            Self::NotUtf8 => f.write_str("the name is not valid UTF-8"),
            Self::TooLong { len } => {
                write!(f, "the name is {len} bytes long; at most {NAME_LEN} fit")
            }
            Self::ContainsNul => f.write_str("the name contains a zero byte"),
            Self::ManifestNamed => {
                f.write_str("a manifest section has no name, but its name field is not zero")
            }
        }
    }
}

/// Which section an error is about, for messages: `manifest` or `component "sensor"`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SectionLabel {
    /// The manifest section.
    Manifest,
    /// A component blob, with its name.
    Component(SectionName),
}

impl fmt::Display for SectionLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Manifest => f.write_str("manifest"),
            Self::Component(name) => write!(f, "component \"{name}\""),
        }
    }
}

/// SHA-256 of a public key: names the key a package was signed with.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; SHA256_LEN]);

impl KeyId {
    /// The key id of an encoded public key.
    pub fn of(public_key: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(public_key).into())
    }
}

impl fmt::Display for KeyId {
    /// The first 8 bytes in hex: enough to tell keys apart by eye.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Hex(&self.0[..8]))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", Hex(&self.0))
    }
}

/// The package is not a well-formed RVF version 1 container. Found by [`crate::Package::parse`]
/// before any cryptography runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The first bytes are not [`MAGIC`]: this is not an RVF package.
    BadMagic {
        /// Up to the first 8 bytes of the input.
        found: [u8; 8],
        /// How many of `found` were present.
        len: usize,
    },
    /// The format version is not one this build reads.
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
    },
    /// The input is shorter than the fixed header.
    HeaderTruncated {
        /// Length of the input.
        len: usize,
    },
    /// The header has flag bits this version does not define.
    UnknownFlags {
        /// The flags field.
        flags: u16,
    },
    /// The signature algorithm is not ML-DSA-65.
    UnsupportedSignatureAlgorithm {
        /// The algorithm field.
        found: u16,
    },
    /// A reserved byte of the header is not zero.
    HeaderReservedNotZero {
        /// Offset of the first non-zero reserved byte.
        offset: usize,
    },
    /// The input is shorter than the length the header gives.
    Truncated {
        /// Total length according to the header.
        expected: u64,
        /// Length of the input.
        len: usize,
    },
    /// The input is longer than the length the header gives.
    TrailingBytes {
        /// Total length according to the header.
        expected: u64,
        /// Length of the input.
        len: usize,
    },
    /// The signature does not sit exactly at the end of the package.
    BadSignatureOffset {
        /// Signature offset according to the header.
        signature_offset: u64,
        /// Total length according to the header.
        total_len: u64,
    },
    /// More sections than [`MAX_SECTIONS`].
    TooManySections {
        /// Section count in the header.
        count: usize,
    },
    /// The section table runs past the signed region.
    SectionTableTruncated {
        /// Section count in the header.
        count: usize,
        /// Where the table would end.
        table_end: u64,
        /// Where the signed region ends (the signature offset).
        data_end: u64,
    },
    /// A section table entry has a kind this version does not define.
    UnknownSectionKind {
        /// Index of the entry.
        index: usize,
        /// Its kind field.
        kind: u16,
    },
    /// A section table entry has non-zero flags or reserved bytes.
    SectionReservedNotZero {
        /// Index of the entry.
        index: usize,
    },
    /// A section's name field is not acceptable.
    BadName {
        /// Index of the entry.
        index: usize,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// A section does not start at a multiple of [`SECTION_ALIGN`].
    Misaligned {
        /// Index of the entry.
        index: usize,
        /// Which section.
        label: SectionLabel,
        /// Its offset.
        offset: u64,
    },
    /// A section starts before the previous section (or the section table) ends. Sections are
    /// stored in table order, so this also catches an unsorted table.
    Overlap {
        /// Index of the entry.
        index: usize,
        /// Which section.
        label: SectionLabel,
        /// Its offset.
        offset: u64,
        /// Where the previous section or the table ends.
        previous_end: u64,
    },
    /// A section ends past the signed region.
    SectionOutOfBounds {
        /// Index of the entry.
        index: usize,
        /// Which section.
        label: SectionLabel,
        /// Where it ends.
        end: u64,
        /// Where the signed region ends (the signature offset).
        data_end: u64,
    },
    /// A byte between sections (alignment padding) is not zero.
    PaddingNotZero {
        /// Its offset.
        offset: usize,
    },
    /// There is no manifest section.
    MissingManifest,
    /// There is more than one manifest section.
    DuplicateManifest {
        /// Index of the second manifest entry.
        index: usize,
    },
    /// Two components have the same name.
    DuplicateName {
        /// Index of the second entry with the name.
        index: usize,
        /// Index of the first.
        first: usize,
        /// The name.
        name: SectionName,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic { found, len } => write!(
                f,
                "bad magic: expected {:?} ({}), found {} — not an RVF package",
                "RUVIXRVF",
                Hex(&MAGIC),
                Hex(&found[..len.min(found.len())])
            ),
            Self::UnsupportedVersion { found } => write!(
                f,
                "unsupported format version {found} (this build reads version {FORMAT_VERSION})"
            ),
            Self::HeaderTruncated { len } => write!(
                f,
                "truncated: the package is {len} bytes, shorter than its {HEADER_LEN}-byte header"
            ),
            Self::UnknownFlags { flags } => write!(
                f,
                "unknown header flags {flags:#06x} (format version {FORMAT_VERSION} defines none)"
            ),
            Self::UnsupportedSignatureAlgorithm { found } => write!(
                f,
                "unsupported signature algorithm {found} (this build knows \
                 {SIGNATURE_ALGORITHM_ML_DSA_65} = ML-DSA-65)"
            ),
            Self::HeaderReservedNotZero { offset } => {
                write!(f, "reserved header byte at offset {offset} is not zero")
            }
            Self::Truncated { expected, len } => write!(
                f,
                "truncated: the header says the package is {expected} bytes but only {len} are present"
            ),
            Self::TrailingBytes { expected, len } => write!(
                f,
                "{} unexpected bytes after the end of the package (the header says it is {expected} \
                 bytes, the input is {len})",
                (len as u64).saturating_sub(expected)
            ),
            Self::BadSignatureOffset {
                signature_offset,
                total_len,
            } => write!(
                f,
                "the {SIGNATURE_LEN}-byte signature at offset {signature_offset} does not end the \
                 {total_len}-byte package"
            ),
            Self::TooManySections { count } => {
                write!(
                    f,
                    "{count} sections; a package may have at most {MAX_SECTIONS}"
                )
            }
            Self::SectionTableTruncated {
                count,
                table_end,
                data_end,
            } => write!(
                f,
                "truncated: the section table ({count} entries) ends at byte {table_end} but the \
                 signed part of the package ends at byte {data_end}"
            ),
            Self::UnknownSectionKind { index, kind } => {
                write!(f, "section {index}: unknown section kind {kind}")
            }
            Self::SectionReservedNotZero { index } => {
                write!(f, "section {index}: flags or reserved bytes are not zero")
            }
            Self::BadName { index, problem } => write!(f, "section {index}: {problem}"),
            Self::Misaligned {
                index,
                label,
                offset,
            } => write!(
                f,
                "section {index} ({label}) starts at byte {offset}, not a multiple of {SECTION_ALIGN}"
            ),
            Self::Overlap {
                index,
                label,
                offset,
                previous_end,
            } => write!(
                f,
                "section {index} ({label}) starts at byte {offset}, overlapping what precedes it \
                 (which ends at byte {previous_end})"
            ),
            Self::SectionOutOfBounds {
                index,
                label,
                end,
                data_end,
            } => write!(
                f,
                "truncated: section {index} ({label}) ends at byte {end} but the signed part of \
                 the package ends at byte {data_end}"
            ),
            Self::PaddingNotZero { offset } => {
                write!(f, "padding byte at offset {offset} is not zero")
            }
            Self::MissingManifest => f.write_str("the package has no manifest section"),
            Self::DuplicateManifest { index } => {
                write!(
                    f,
                    "section {index} is a second manifest; a package has exactly one"
                )
            }
            Self::DuplicateName { index, first, name } => write!(
                f,
                "section {index}: component name \"{name}\" is already used by section {first}"
            ),
        }
    }
}

impl core::error::Error for FormatError {}

/// The package is well formed but cannot be trusted. Found by [`crate::Package::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The public key given to verify with has the wrong length.
    PublicKeyLength {
        /// Its length.
        len: usize,
    },
    /// The package says it was signed by a different key than the trusted one.
    WrongKey {
        /// The key id in the package header.
        package: KeyId,
        /// The id of the trusted key.
        trusted: KeyId,
    },
    /// A section's content does not match its SHA-256 in the section table.
    HashMismatch {
        /// Which section.
        label: SectionLabel,
        /// The digest in the section table.
        expected: [u8; SHA256_LEN],
        /// The digest of the content.
        found: [u8; SHA256_LEN],
    },
    /// The signature bytes are not a valid ML-DSA-65 signature encoding.
    MalformedSignature,
    /// The signature does not verify: the signed bytes or the signature were changed.
    BadSignature {
        /// The key it was checked with.
        key: KeyId,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PublicKeyLength { len } => write!(
                f,
                "the public key is {len} bytes; an ML-DSA-65 public key is {PUBLIC_KEY_LEN}"
            ),
            Self::WrongKey { package, trusted } => write!(
                f,
                "signed with another key: the package was signed by key {package}, the trusted \
                 public key is {trusted}"
            ),
            Self::HashMismatch {
                label,
                expected,
                found,
            } => write!(
                f,
                "{label}: SHA-256 mismatch (the section table says {}…, the content hashes to \
                 {}…): it was changed after packing",
                Hex(&expected[..8]),
                Hex(&found[..8])
            ),
            Self::MalformedSignature => f.write_str(
                "the signature is malformed (not a valid ML-DSA-65 encoding): it was corrupted",
            ),
            Self::BadSignature { key } => write!(
                f,
                "signature does not verify with the trusted public key {key}: the package or its \
                 signature was changed after signing"
            ),
        }
    }
}

impl core::error::Error for VerifyError {}

/// The package's components are not the manifest's: stage 1 maps manifest component *i* to the
/// package's component *i*, so names and order must agree. Found by
/// [`crate::Package::check_components`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentsError {
    /// The manifest's component `index` is not the package's component `index`.
    Mismatch {
        /// Position in the manifest (and in the package).
        index: usize,
        /// The manifest's name for it, if it can be a section name at all.
        expected: Option<SectionName>,
        /// The package's component at that position.
        found: SectionName,
    },
    /// The manifest declares more components than the package holds.
    MissingBlob {
        /// Position in the manifest.
        index: usize,
        /// The manifest's name for it, if it can be a section name at all.
        expected: Option<SectionName>,
    },
    /// The package holds more components than the manifest declares.
    ExtraBlob {
        /// Position in the package.
        index: usize,
        /// Its name.
        name: SectionName,
    },
}

/// `"name"`, or `(a name that cannot be a section name)` for one that is not.
struct MaybeName(Option<SectionName>);

impl fmt::Display for MaybeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, "\"{name}\""),
            None => f.write_str("(with a name longer than 32 bytes)"),
        }
    }
}

impl fmt::Display for ContentsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Mismatch {
                index,
                expected,
                found,
            } => write!(
                f,
                "manifest component {index} is {} but the package's component {index} is \"{found}\"",
                MaybeName(expected)
            ),
            Self::MissingBlob { index, expected } => write!(
                f,
                "manifest component {index} {} has no wasm blob in the package",
                MaybeName(expected)
            ),
            Self::ExtraBlob { index, name } => write!(
                f,
                "the package's component {index} \"{name}\" is not declared in the manifest"
            ),
        }
    }
}

impl core::error::Error for ContentsError {}
