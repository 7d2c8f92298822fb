//! Reading a package: [`Package::parse`] checks the structure and then hands out borrowed,
//! already bounds-checked views of the header, the sections and the signature.

use sha2::{Digest, Sha256};

use crate::error::{ContentsError, FormatError, KeyId, NameProblem, SectionLabel, SectionName};
use crate::layout::{
    FORMAT_VERSION, H_FLAGS, H_KEY_ID, H_MAGIC, H_RESERVED, H_RESERVED_LEN, H_SECTION_COUNT,
    H_SIG_ALG, H_SIGNATURE_OFFSET, H_TOTAL_LEN, H_VERSION, HEADER_LEN, KIND_COMPONENT,
    KIND_MANIFEST, MAGIC, MAX_SECTIONS, NAME_LEN, S_FLAGS, S_KIND, S_LENGTH, S_NAME, S_OFFSET,
    S_RESERVED, S_SHA256, SECTION_ALIGN, SECTION_ENTRY_LEN, SHA256_LEN,
    SIGNATURE_ALGORITHM_ML_DSA_65, SIGNATURE_LEN, read_array, read_u16, read_u32,
};

/// The fixed header, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version (always [`FORMAT_VERSION`] once parsed).
    pub version: u16,
    /// Header flags (always 0 in version 1).
    pub flags: u16,
    /// Signature algorithm (always [`SIGNATURE_ALGORITHM_ML_DSA_65`] in version 1).
    pub signature_algorithm: u16,
    /// Number of section table entries.
    pub section_count: usize,
    /// Length of the whole package, signature included.
    pub total_len: usize,
    /// Where the signature starts = how many bytes it signs.
    pub signature_offset: usize,
    /// SHA-256 of the public key the package was signed with.
    pub key_id: KeyId,
}

/// What a section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    /// The encoded manifest.
    Manifest,
    /// A WebAssembly component.
    Component,
}

impl SectionKind {
    /// The kind's number in the section table.
    pub fn code(self) -> u16 {
        match self {
            Self::Manifest => KIND_MANIFEST,
            Self::Component => KIND_COMPONENT,
        }
    }
}

/// One section: its table entry and its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    /// Position in the section table.
    pub index: usize,
    /// What it holds.
    pub kind: SectionKind,
    /// Component name (`None` for the manifest).
    pub name: Option<SectionName>,
    /// Offset of the bytes from the package start (a multiple of [`SECTION_ALIGN`]).
    pub offset: usize,
    /// The bytes.
    pub data: &'a [u8],
    /// SHA-256 of the bytes, as recorded in the section table (checked by `verify`).
    pub sha256: [u8; SHA256_LEN],
}

impl Section<'_> {
    /// `manifest` or `component "name"`, for messages.
    pub fn label(&self) -> SectionLabel {
        match self.name {
            Some(name) => SectionLabel::Component(name),
            None => SectionLabel::Manifest,
        }
    }

    /// Whether the bytes hash to the recorded SHA-256. Returns the actual digest either way.
    pub fn hash_matches(&self) -> (bool, [u8; SHA256_LEN]) {
        let found: [u8; SHA256_LEN] = Sha256::digest(self.data).into();
        (found == self.sha256, found)
    }
}

/// A WebAssembly component of a package.
#[derive(Clone, Copy, Debug)]
pub struct Component<'a> {
    /// Position in the section table.
    pub index: usize,
    /// Its name (unique in the package).
    pub name: SectionName,
    /// The core wasm module.
    pub wasm: &'a [u8],
    /// SHA-256 of `wasm`, as recorded in the section table.
    pub sha256: [u8; SHA256_LEN],
}

/// A structurally valid RVF package, borrowed from its bytes. Nothing is trusted yet: call
/// [`Package::verify`] before using the contents.
#[derive(Clone, Copy, Debug)]
pub struct Package<'a> {
    bytes: &'a [u8],
    header: Header,
    manifest_index: usize,
}

/// Reads the total length from a package header, so a loader that only knows where a package
/// starts (not where it ends) can cut the right slice before calling [`Package::parse`].
pub fn package_len(bytes: &[u8]) -> Result<usize, FormatError> {
    let (_, total_len, _) = parse_header_fields(bytes)?;
    Ok(total_len)
}

/// Checks magic, version and the fixed header fields. Returns the section count, total length
/// and signature offset, not yet compared with the input length.
fn parse_header_fields(bytes: &[u8]) -> Result<(usize, usize, usize), FormatError> {
    // Magic first, over whatever is present: a 3-byte file that is not "RUV" is not an RVF
    // package at all, which says more than "truncated".
    let present = bytes.len().min(MAGIC.len());
    if bytes.get(H_MAGIC..present) != MAGIC.get(..present) {
        let mut found = [0u8; 8];
        found
            .iter_mut()
            .zip(bytes)
            .for_each(|(to, from)| *to = *from);
        return Err(FormatError::BadMagic {
            found,
            len: present,
        });
    }
    // Then the version, as soon as it is present: a newer package that happens to be short
    // should say "unsupported version", not "truncated".
    if let Some(version) = read_u16(bytes, H_VERSION)
        && version != FORMAT_VERSION
    {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
        return Err(FormatError::HeaderTruncated { len: bytes.len() });
    };
    // Every field lies inside the 64-byte header, so these reads cannot come back empty.
    let field16 = |at| read_u16(header, at).unwrap_or(0);
    let field32 = |at| read_u32(header, at).unwrap_or(0) as usize;

    let flags = field16(H_FLAGS);
    if flags != 0 {
        return Err(FormatError::UnknownFlags { flags });
    }
    let algorithm = field16(H_SIG_ALG);
    if algorithm != SIGNATURE_ALGORITHM_ML_DSA_65 {
        return Err(FormatError::UnsupportedSignatureAlgorithm { found: algorithm });
    }
    if let Some(i) = header[H_RESERVED..H_RESERVED + H_RESERVED_LEN]
        .iter()
        .position(|&b| b != 0)
    {
        return Err(FormatError::HeaderReservedNotZero {
            offset: H_RESERVED + i,
        });
    }
    Ok((
        usize::from(field16(H_SECTION_COUNT)),
        field32(H_TOTAL_LEN),
        field32(H_SIGNATURE_OFFSET),
    ))
}

impl<'a> Package<'a> {
    /// Checks the structure of a package: magic, version, header fields, lengths, the section
    /// table (kinds, names, alignment, bounds, no overlaps, zero padding, exactly one manifest,
    /// unique component names). Never panics and never reads outside `bytes`; checks no
    /// signature or hash (that is [`Package::verify`]).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let (section_count, total_len, signature_offset) = parse_header_fields(bytes)?;

        if bytes.len() < total_len {
            return Err(FormatError::Truncated {
                expected: total_len as u64,
                len: bytes.len(),
            });
        }
        if bytes.len() > total_len {
            return Err(FormatError::TrailingBytes {
                expected: total_len as u64,
                len: bytes.len(),
            });
        }
        if signature_offset.checked_add(SIGNATURE_LEN) != Some(total_len) {
            return Err(FormatError::BadSignatureOffset {
                signature_offset: signature_offset as u64,
                total_len: total_len as u64,
            });
        }
        if section_count > MAX_SECTIONS {
            return Err(FormatError::TooManySections {
                count: section_count,
            });
        }
        // Cannot overflow: section_count <= 256.
        let table_end = HEADER_LEN + section_count * SECTION_ENTRY_LEN;
        if table_end > signature_offset {
            return Err(FormatError::SectionTableTruncated {
                count: section_count,
                table_end: table_end as u64,
                data_end: signature_offset as u64,
            });
        }

        let header = Header {
            version: FORMAT_VERSION,
            flags: 0,
            signature_algorithm: SIGNATURE_ALGORITHM_ML_DSA_65,
            section_count,
            total_len,
            signature_offset,
            key_id: KeyId(read_array(bytes, H_KEY_ID).unwrap_or([0; SHA256_LEN])),
        };

        let mut previous_end = table_end;
        let mut manifest_index = None;
        for index in 0..section_count {
            let entry = entry_bytes(bytes, index).ok_or(FormatError::SectionTableTruncated {
                count: section_count,
                table_end: table_end as u64,
                data_end: signature_offset as u64,
            })?;
            let (kind, name) = parse_entry_identity(index, entry)?;
            let label = name.map_or(SectionLabel::Manifest, SectionLabel::Component);

            let offset = read_u32(entry, S_OFFSET).unwrap_or(0) as usize;
            let length = read_u32(entry, S_LENGTH).unwrap_or(0) as usize;
            if !offset.is_multiple_of(SECTION_ALIGN) {
                return Err(FormatError::Misaligned {
                    index,
                    label,
                    offset: offset as u64,
                });
            }
            if offset < previous_end {
                return Err(FormatError::Overlap {
                    index,
                    label,
                    offset: offset as u64,
                    previous_end: previous_end as u64,
                });
            }
            // u64: two u32 values cannot overflow it.
            let end = offset as u64 + length as u64;
            if end > signature_offset as u64 {
                return Err(FormatError::SectionOutOfBounds {
                    index,
                    label,
                    end,
                    data_end: signature_offset as u64,
                });
            }
            check_zero_padding(bytes, previous_end, offset)?;
            previous_end = offset + length;

            match kind {
                SectionKind::Manifest => {
                    if manifest_index.is_some() {
                        return Err(FormatError::DuplicateManifest { index });
                    }
                    manifest_index = Some(index);
                }
                SectionKind::Component => {
                    if let Some(name) = name
                        && let Some(first) = find_component(bytes, index, &name)
                    {
                        return Err(FormatError::DuplicateName { index, first, name });
                    }
                }
            }
        }
        check_zero_padding(bytes, previous_end, signature_offset)?;

        let manifest_index = manifest_index.ok_or(FormatError::MissingManifest)?;
        Ok(Self {
            bytes,
            header,
            manifest_index,
        })
    }

    /// The decoded header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The whole package.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The bytes the signature covers: everything before it.
    pub fn signed_bytes(&self) -> &'a [u8] {
        self.bytes
            .get(..self.header.signature_offset)
            .unwrap_or_default()
    }

    /// The encoded ML-DSA-65 signature.
    pub fn signature(&self) -> &'a [u8] {
        self.bytes
            .get(self.header.signature_offset..)
            .unwrap_or_default()
    }

    /// The section table entry at `index` with its bytes, if `index < section_count`.
    pub fn section(&self, index: usize) -> Option<Section<'a>> {
        if index >= self.header.section_count {
            return None;
        }
        let entry = entry_bytes(self.bytes, index)?;
        // parse() accepted every entry, so these cannot fail; `ok()?` keeps this panic-free.
        let (kind, name) = parse_entry_identity(index, entry).ok()?;
        let offset = read_u32(entry, S_OFFSET)? as usize;
        let length = read_u32(entry, S_LENGTH)? as usize;
        Some(Section {
            index,
            kind,
            name,
            offset,
            data: self.bytes.get(offset..offset.checked_add(length)?)?,
            sha256: read_array(entry, S_SHA256)?,
        })
    }

    /// All sections in table order.
    pub fn sections(&self) -> impl Iterator<Item = Section<'a>> + 'a {
        let package = *self;
        (0..self.header.section_count).filter_map(move |i| package.section(i))
    }

    /// The manifest section.
    pub fn manifest_section(&self) -> Option<Section<'a>> {
        self.section(self.manifest_index)
    }

    /// The manifest bytes (the encoded `RvfManifest`).
    pub fn manifest(&self) -> &'a [u8] {
        self.manifest_section().map_or(&[], |s| s.data)
    }

    /// The components in table order.
    pub fn components(&self) -> impl Iterator<Item = Component<'a>> + 'a {
        self.sections().filter_map(|s| {
            Some(Component {
                index: s.index,
                name: s.name?,
                wasm: s.data,
                sha256: s.sha256,
            })
        })
    }

    /// The component called `name`, if there is one.
    pub fn component(&self, name: &str) -> Option<Component<'a>> {
        self.components().find(|c| c.name.as_str() == name)
    }

    /// Number of components.
    pub fn component_count(&self) -> usize {
        // Exactly one section is the manifest.
        self.header.section_count.saturating_sub(1)
    }

    /// Checks that the package's components are, in order, the components the manifest
    /// declares (`names`, in manifest order), so component *i* of the manifest is blob *i*.
    pub fn check_components<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), ContentsError> {
        let mut blobs = self.components().enumerate();
        for (index, name) in names.into_iter().enumerate() {
            let expected = SectionName::new(name).ok();
            match blobs.next() {
                Some((_, blob)) if blob.name.as_str() == name => {}
                Some((_, blob)) => {
                    return Err(ContentsError::Mismatch {
                        index,
                        expected,
                        found: blob.name,
                    });
                }
                None => return Err(ContentsError::MissingBlob { index, expected }),
            }
        }
        match blobs.next() {
            Some((index, blob)) => Err(ContentsError::ExtraBlob {
                index,
                name: blob.name,
            }),
            None => Ok(()),
        }
    }

    /// SHA-256 of the whole package, signature included: what stage 4 attests.
    pub fn sha256(&self) -> [u8; SHA256_LEN] {
        Sha256::digest(self.bytes).into()
    }
}

/// The `index`th section table entry.
fn entry_bytes(bytes: &[u8], index: usize) -> Option<&[u8]> {
    let start = HEADER_LEN.checked_add(index.checked_mul(SECTION_ENTRY_LEN)?)?;
    bytes.get(start..start.checked_add(SECTION_ENTRY_LEN)?)
}

/// Kind and name of an entry, with flags and reserved bytes checked.
fn parse_entry_identity(
    index: usize,
    entry: &[u8],
) -> Result<(SectionKind, Option<SectionName>), FormatError> {
    let kind_code = read_u16(entry, S_KIND).unwrap_or(0);
    let kind = match kind_code {
        KIND_MANIFEST => SectionKind::Manifest,
        KIND_COMPONENT => SectionKind::Component,
        kind => return Err(FormatError::UnknownSectionKind { index, kind }),
    };
    if read_u16(entry, S_FLAGS) != Some(0) || read_u32(entry, S_RESERVED) != Some(0) {
        return Err(FormatError::SectionReservedNotZero { index });
    }
    let field: [u8; NAME_LEN] = read_array(entry, S_NAME).unwrap_or([0; NAME_LEN]);
    let name = match kind {
        SectionKind::Manifest if field.iter().any(|&b| b != 0) => {
            return Err(FormatError::BadName {
                index,
                problem: NameProblem::ManifestNamed,
            });
        }
        SectionKind::Manifest => None,
        SectionKind::Component => Some(
            SectionName::from_field(&field)
                .map_err(|problem| FormatError::BadName { index, problem })?,
        ),
    };
    Ok((kind, name))
}

/// Index of the first component entry before `before` named `name`.
fn find_component(bytes: &[u8], before: usize, name: &SectionName) -> Option<usize> {
    (0..before).find(|&i| {
        entry_bytes(bytes, i).is_some_and(|entry| {
            read_u16(entry, S_KIND) == Some(KIND_COMPONENT)
                && entry.get(S_NAME..S_NAME + NAME_LEN) == Some(&name.field()[..])
        })
    })
}

/// Padding between sections must be zero, so every byte of a package has exactly one meaning.
fn check_zero_padding(bytes: &[u8], from: usize, to: usize) -> Result<(), FormatError> {
    let gap = bytes.get(from..to).unwrap_or_default();
    match gap.iter().position(|&b| b != 0) {
        Some(i) => Err(FormatError::PaddingNotZero { offset: from + i }),
        None => Ok(()),
    }
}
