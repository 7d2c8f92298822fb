//! Writing a package (feature `sign`): the manifest and named components in, signed bytes out.
//!
//! The layout is the canonical one `docs/rvf-format.md` describes: header, table, the manifest,
//! then the components in the order added, each at the next 16-byte boundary, then the
//! signature at the next 16-byte boundary.

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};

use crate::error::{NameProblem, SectionName};
use crate::keys::{KeyError, SigningKey};
use crate::layout::{
    FORMAT_VERSION, H_KEY_ID, H_MAGIC, H_SECTION_COUNT, H_SIG_ALG, H_SIGNATURE_OFFSET, H_TOTAL_LEN,
    H_VERSION, HEADER_LEN, KIND_COMPONENT, KIND_MANIFEST, MAGIC, MAX_SECTIONS, S_KIND, S_LENGTH,
    S_NAME, S_OFFSET, S_SHA256, SECTION_ENTRY_LEN, SIGNATURE_ALGORITHM_ML_DSA_65, SIGNATURE_LEN,
    align_up,
};

/// Why a package could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// A component name cannot be stored.
    BadName {
        /// The name as given.
        name: alloc::string::String,
        /// Why.
        problem: NameProblem,
    },
    /// Two components were given the same name.
    DuplicateName {
        /// The name.
        name: SectionName,
    },
    /// More components than fit in one package.
    TooManyComponents,
    /// The package would be 4 GiB or more (lengths are u32).
    TooLarge,
    /// Signing failed.
    Key(KeyError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadName { name, problem } => write!(f, "component name {name:?}: {problem}"),
            Self::DuplicateName { name } => write!(f, "two components are named \"{name}\""),
            Self::TooManyComponents => write!(
                f,
                "too many components: a package holds at most {}",
                MAX_SECTIONS - 1
            ),
            Self::TooLarge => f.write_str("the package would be 4 GiB or larger"),
            Self::Key(error) => write!(f, "signing: {error}"),
        }
    }
}

impl core::error::Error for BuildError {}

/// Collects a manifest and components, then writes the signed package.
#[derive(Clone, Debug)]
pub struct PackageBuilder<'a> {
    manifest: &'a [u8],
    components: Vec<(SectionName, &'a [u8])>,
}

impl<'a> PackageBuilder<'a> {
    /// Starts a package with its encoded manifest.
    pub fn new(manifest: &'a [u8]) -> Self {
        Self {
            manifest,
            components: Vec::new(),
        }
    }

    /// Adds a component (a core wasm module) under `name`, which must be unique, non-empty and
    /// at most 32 bytes of UTF-8.
    pub fn component(&mut self, name: &str, wasm: &'a [u8]) -> Result<&mut Self, BuildError> {
        let name = SectionName::new(name).map_err(|problem| BuildError::BadName {
            name: name.into(),
            problem,
        })?;
        if self.components.iter().any(|(n, _)| *n == name) {
            return Err(BuildError::DuplicateName { name });
        }
        if self.components.len() + 1 >= MAX_SECTIONS {
            return Err(BuildError::TooManyComponents);
        }
        self.components.push((name, wasm));
        Ok(self)
    }

    /// Lays out the package, hashes every section and signs it with `key`.
    pub fn build(&self, key: &SigningKey) -> Result<Vec<u8>, BuildError> {
        let mut bytes = self.build_unsigned(key)?;
        let signature = key.sign(&bytes).map_err(BuildError::Key)?;
        bytes.extend_from_slice(&signature);
        Ok(bytes)
    }

    /// Everything before the signature, with the header already naming `key` and giving the
    /// final lengths.
    fn build_unsigned(&self, key: &SigningKey) -> Result<Vec<u8>, BuildError> {
        let sections: Vec<(u16, Option<&SectionName>, &[u8])> =
            core::iter::once((KIND_MANIFEST, None, self.manifest))
                .chain(
                    self.components
                        .iter()
                        .map(|(name, wasm)| (KIND_COMPONENT, Some(name), *wasm)),
                )
                .collect();

        let table_end = HEADER_LEN + sections.len() * SECTION_ENTRY_LEN;
        let mut bytes = alloc::vec![0u8; table_end];
        for (index, (kind, name, data)) in sections.iter().enumerate() {
            let offset = align_up(bytes.len() as u64);
            let offset = u32::try_from(offset).map_err(|_| BuildError::TooLarge)?;
            let length = u32::try_from(data.len()).map_err(|_| BuildError::TooLarge)?;
            bytes.resize(offset as usize, 0);
            bytes.extend_from_slice(data);

            let entry = HEADER_LEN + index * SECTION_ENTRY_LEN;
            put(&mut bytes, entry + S_KIND, &kind.to_le_bytes());
            put(&mut bytes, entry + S_OFFSET, &offset.to_le_bytes());
            put(&mut bytes, entry + S_LENGTH, &length.to_le_bytes());
            put(&mut bytes, entry + S_SHA256, &Sha256::digest(data));
            if let Some(name) = name {
                put(&mut bytes, entry + S_NAME, name.field());
            }
        }
        let signature_offset = align_up(bytes.len() as u64);
        let total_len = signature_offset + SIGNATURE_LEN as u64;
        let signature_offset = u32::try_from(signature_offset).map_err(|_| BuildError::TooLarge)?;
        let total_len = u32::try_from(total_len).map_err(|_| BuildError::TooLarge)?;
        bytes.resize(signature_offset as usize, 0);

        // sections.len() <= MAX_SECTIONS = 256, checked as components were added.
        let section_count = sections.len() as u16;
        put(&mut bytes, H_MAGIC, &MAGIC);
        put(&mut bytes, H_VERSION, &FORMAT_VERSION.to_le_bytes());
        put(
            &mut bytes,
            H_SIG_ALG,
            &SIGNATURE_ALGORITHM_ML_DSA_65.to_le_bytes(),
        );
        put(&mut bytes, H_SECTION_COUNT, &section_count.to_le_bytes());
        put(&mut bytes, H_TOTAL_LEN, &total_len.to_le_bytes());
        put(
            &mut bytes,
            H_SIGNATURE_OFFSET,
            &signature_offset.to_le_bytes(),
        );
        put(&mut bytes, H_KEY_ID, &key.public_key().id().0);
        Ok(bytes)
    }
}

/// Copies `value` into `bytes` at `at`; every call site writes inside the header or table,
/// which `build_unsigned` allocated first.
fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    if let Some(target) = bytes.get_mut(at..at + value.len()) {
        target.copy_from_slice(value);
    }
}
