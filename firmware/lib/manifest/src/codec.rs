//! The manifest's encoding inside a package: postcard, version first.

use alloc::vec::Vec;
use core::fmt;

use crate::limits::MAX_ENCODED_LEN;
use crate::model::{FORMAT_VERSION, RvfManifest};

/// Why bytes could not be decoded into a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// More bytes than [`MAX_ENCODED_LEN`].
    TooLarge {
        /// Bytes given.
        len: usize,
    },
    /// The manifest was written for another model version.
    UnsupportedVersion {
        /// Version found.
        found: u16,
    },
    /// The bytes are not a postcard-encoded manifest.
    Malformed(postcard::Error),
    /// A manifest was decoded but bytes remain after it.
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLarge { len } => write!(
                f,
                "manifest is {len} bytes, more than the limit of {MAX_ENCODED_LEN}"
            ),
            DecodeError::UnsupportedVersion { found } => write!(
                f,
                "manifest format version {found} is not supported (expected {FORMAT_VERSION})"
            ),
            DecodeError::Malformed(error) => write!(f, "manifest is malformed: {error}"),
            DecodeError::TrailingBytes { count } => {
                write!(f, "manifest is followed by {count} unexpected bytes")
            }
        }
    }
}

impl core::error::Error for DecodeError {}

impl RvfManifest {
    /// Encodes the manifest for a package (postcard; the version is the first field).
    pub fn encode(&self) -> Vec<u8> {
        // postcard only fails to serialise sequences of unknown length or types whose
        // `Serialize` reports an error; the model has neither, so this cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a manifest. Never panics on any input; memory use is bounded by
    /// [`MAX_ENCODED_LEN`].
    ///
    /// A decoded manifest is only well-formed, not valid: it must pass
    /// [`RvfManifest::validate`] for the board before anything uses it.
    pub fn decode(bytes: &[u8]) -> Result<RvfManifest, DecodeError> {
        if bytes.len() > MAX_ENCODED_LEN {
            return Err(DecodeError::TooLarge { len: bytes.len() });
        }
        // Read the version alone first: a manifest of another version may not decode as this
        // model at all, and "wrong version" is the useful message then.
        let (found, _) = postcard::take_from_bytes::<u16>(bytes).map_err(DecodeError::Malformed)?;
        if found != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion { found });
        }
        let (manifest, rest) =
            postcard::take_from_bytes::<RvfManifest>(bytes).map_err(DecodeError::Malformed)?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes { count: rest.len() });
        }
        Ok(manifest)
    }
}
