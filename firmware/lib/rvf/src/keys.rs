//! ML-DSA-65 key pairs for signing packages (feature `sign`), and key files (feature `std`).
//!
//! Key files are raw bytes, so the firmware build can `include_bytes!` a public key as is:
//! a `.pk` file is the [`PUBLIC_KEY_LEN`]-byte FIPS 204 public key encoding, a `.sk` file is
//! the [`SECRET_KEY_LEN`]-byte seed ξ the key pair is derived from (FIPS 204 `KeyGen_internal`).

extern crate alloc;

use alloc::boxed::Box;
use core::fmt;

use ml_dsa::{B32, ExpandedSigningKey, MlDsa65};

use crate::error::KeyId;
use crate::layout::{PUBLIC_KEY_LEN, SECRET_KEY_LEN, SIGNATURE_CONTEXT, SIGNATURE_LEN};

/// A key of the wrong size was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// A secret key is [`SECRET_KEY_LEN`] bytes.
    SecretKeyLength {
        /// The length found.
        len: usize,
    },
    /// A public key is [`PUBLIC_KEY_LEN`] bytes.
    PublicKeyLength {
        /// The length found.
        len: usize,
    },
    /// The operating system gave no randomness.
    NoRandomness,
    /// The signer failed (ML-DSA rejection sampling ran out of attempts; never seen in
    /// practice).
    SigningFailed,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::SecretKeyLength { len } if len == PUBLIC_KEY_LEN => write!(
                f,
                "this is a public key ({len} bytes); a secret key file is {SECRET_KEY_LEN} bytes"
            ),
            Self::SecretKeyLength { len } => write!(
                f,
                "a secret key is {SECRET_KEY_LEN} bytes, this one is {len}: not an RVF secret key"
            ),
            Self::PublicKeyLength { len } if len == SECRET_KEY_LEN => write!(
                f,
                "this is a secret key ({len} bytes); a public key file is {PUBLIC_KEY_LEN} bytes"
            ),
            Self::PublicKeyLength { len } => write!(
                f,
                "an ML-DSA-65 public key is {PUBLIC_KEY_LEN} bytes, this one is {len}"
            ),
            Self::NoRandomness => f.write_str("the operating system provided no randomness"),
            Self::SigningFailed => f.write_str("ML-DSA signing failed"),
        }
    }
}

impl core::error::Error for KeyError {}

/// An ML-DSA-65 signing key, kept as its seed and the expanded key.
pub struct SigningKey {
    seed: [u8; SECRET_KEY_LEN],
    // Boxed: the expanded key is tens of kilobytes.
    key: Box<ExpandedSigningKey<MlDsa65>>,
}

impl SigningKey {
    /// Derives the key pair from a 32-byte seed (deterministic: same seed, same keys).
    pub fn from_seed(seed: [u8; SECRET_KEY_LEN]) -> Self {
        let key = Box::new(ExpandedSigningKey::<MlDsa65>::from_seed(&B32::from(seed)));
        Self { seed, key }
    }

    /// Reads a secret key (the contents of a `.sk` file).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let seed = bytes
            .try_into()
            .map_err(|_| KeyError::SecretKeyLength { len: bytes.len() })?;
        Ok(Self::from_seed(seed))
    }

    /// A new key pair from the operating system's randomness.
    #[cfg(feature = "std")]
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; SECRET_KEY_LEN];
        getrandom::fill(&mut seed).map_err(|_| KeyError::NoRandomness)?;
        Ok(Self::from_seed(seed))
    }

    /// The secret key as stored in a `.sk` file. Key material: handle with care.
    pub fn to_bytes(&self) -> [u8; SECRET_KEY_LEN] {
        self.seed
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key().encode().into())
    }

    /// Signs `message` as an RVF package signature (ML-DSA-65, deterministic variant, with
    /// [`SIGNATURE_CONTEXT`]). Deterministic, so packing the same inputs twice gives the same
    /// bytes.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN], KeyError> {
        let signature = self
            .key
            .sign_deterministic(message, SIGNATURE_CONTEXT)
            .map_err(|_| KeyError::SigningFailed)?;
        Ok(signature.encode().into())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public key {})", self.public_key().id())
    }
}

/// An encoded ML-DSA-65 public key (the contents of a `.pk` file).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey([u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// Reads a public key (the contents of a `.pk` file).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| KeyError::PublicKeyLength { len: bytes.len() })
    }

    /// The encoded key.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// SHA-256 of the encoded key, as recorded in the packages it signs.
    pub fn id(&self) -> KeyId {
        KeyId::of(&self.0)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

#[cfg(feature = "std")]
mod files {
    //! Key files on disk.

    use std::fs;
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    use super::{KeyError, PublicKey, SigningKey};

    /// A key file could not be read or written.
    #[derive(Debug)]
    pub enum KeyFileError {
        /// The file system said no.
        Io {
            /// The file.
            path: PathBuf,
            /// What happened.
            error: io::Error,
        },
        /// The file exists and overwriting was not asked for.
        Exists {
            /// The file.
            path: PathBuf,
        },
        /// The file is not a key of the expected kind.
        Key {
            /// The file.
            path: PathBuf,
            /// Why.
            error: KeyError,
        },
    }

    impl std::fmt::Display for KeyFileError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
                Self::Exists { path } => write!(
                    f,
                    "{}: already exists (use --force to overwrite it)",
                    path.display()
                ),
                Self::Key { path, error } => write!(f, "{}: {error}", path.display()),
            }
        }
    }

    impl std::error::Error for KeyFileError {}

    fn read(path: &Path) -> Result<Vec<u8>, KeyFileError> {
        fs::read(path).map_err(|error| KeyFileError::Io {
            path: path.to_owned(),
            error,
        })
    }

    /// Writes `bytes` to `path`; refuses to replace an existing file unless `overwrite`.
    /// `secret` files are created readable by their owner only (on Unix).
    fn write(path: &Path, bytes: &[u8], overwrite: bool, secret: bool) -> Result<(), KeyFileError> {
        let io_error = |error| KeyFileError::Io {
            path: path.to_owned(),
            error,
        };
        let mut options = fs::OpenOptions::new();
        options.write(true);
        if overwrite {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = secret;
        let mut file = options.open(path).map_err(|error| {
            if error.kind() == io::ErrorKind::AlreadyExists {
                KeyFileError::Exists {
                    path: path.to_owned(),
                }
            } else {
                io_error(error)
            }
        })?;
        file.write_all(bytes).map_err(io_error)
    }

    impl SigningKey {
        /// Reads a `.sk` file.
        pub fn load(path: impl AsRef<Path>) -> Result<Self, KeyFileError> {
            let path = path.as_ref();
            Self::from_bytes(&read(path)?).map_err(|error| KeyFileError::Key {
                path: path.to_owned(),
                error,
            })
        }

        /// Writes a `.sk` file (mode 0600 on Unix).
        pub fn save(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<(), KeyFileError> {
            write(path.as_ref(), &self.to_bytes(), overwrite, true)
        }
    }

    impl PublicKey {
        /// Reads a `.pk` file.
        pub fn load(path: impl AsRef<Path>) -> Result<Self, KeyFileError> {
            let path = path.as_ref();
            Self::from_bytes(&read(path)?).map_err(|error| KeyFileError::Key {
                path: path.to_owned(),
                error,
            })
        }

        /// Writes a `.pk` file.
        pub fn save(&self, path: impl AsRef<Path>, overwrite: bool) -> Result<(), KeyFileError> {
            write(path.as_ref(), self.as_bytes(), overwrite, false)
        }
    }
}

#[cfg(feature = "std")]
pub use files::KeyFileError;
