//! Trusting a package: the key it names, every section hash, then the ML-DSA-65 signature.
//!
//! The order is chosen for the messages, not for security (every check must pass either way):
//! the key id first, so a package signed with another key says so; the hashes next, so one
//! flipped byte in a blob names the blob; the signature last, so what remains — a changed
//! header, table or signature — is reported as a signature failure.

use core::ops::Deref;

use ml_dsa::{EncodedVerifyingKey, MlDsa65, Signature, VerifyingKey};

use crate::error::{KeyId, VerifyError};
use crate::layout::{PUBLIC_KEY_LEN, SIGNATURE_CONTEXT};
use crate::package::Package;

/// A public key decoded and ready to verify packages with (decoding expands the ML-DSA matrix,
/// so keep one when verifying many packages).
#[derive(Clone)]
pub struct TrustedKey {
    key: VerifyingKey<MlDsa65>,
    id: KeyId,
}

impl TrustedKey {
    /// Decodes an encoded ML-DSA-65 public key ([`PUBLIC_KEY_LEN`] bytes).
    pub fn from_bytes(public_key: &[u8]) -> Result<Self, VerifyError> {
        let encoded = EncodedVerifyingKey::<MlDsa65>::try_from(public_key).map_err(|_| {
            VerifyError::PublicKeyLength {
                len: public_key.len(),
            }
        })?;
        Ok(Self {
            key: VerifyingKey::decode(&encoded),
            id: KeyId::of(public_key),
        })
    }

    /// SHA-256 of the encoded key.
    pub fn id(&self) -> KeyId {
        self.id
    }
}

impl core::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TrustedKey({})", self.id)
    }
}

/// The length check for a public key embedded at build time: `None` unless `bytes` is exactly
/// [`PUBLIC_KEY_LEN`] long. A `const fn`, so [`include_public_key!`](crate::include_public_key)
/// turns a wrong key file into a compile error.
pub const fn public_key_array(bytes: &[u8]) -> Option<[u8; PUBLIC_KEY_LEN]> {
    match bytes.first_chunk::<PUBLIC_KEY_LEN>() {
        Some(key) if bytes.len() == PUBLIC_KEY_LEN => Some(*key),
        _ => None,
    }
}

/// Embeds a public key file at build time as `[u8; PUBLIC_KEY_LEN]`; a file of any other length
/// fails the build with a message saying so.
///
/// The path is relative to the file that uses the macro, as for `include_bytes!`:
///
/// ```
/// // The development key of this repository (this example lives in firmware/lib/rvf/src).
/// const KEY: [u8; ruvix_rvf::PUBLIC_KEY_LEN] =
///     ruvix_rvf::include_public_key!("../../../../tools/keys/DEVELOPMENT-ONLY.pk");
/// ```
///
/// Handing it the secret key file instead is caught by the compiler:
///
/// ```compile_fail
/// const KEY: [u8; ruvix_rvf::PUBLIC_KEY_LEN] =
///     ruvix_rvf::include_public_key!("../../../../tools/keys/DEVELOPMENT-ONLY.sk");
/// ```
#[macro_export]
macro_rules! include_public_key {
    ($path:expr) => {{
        const KEY: [u8; $crate::PUBLIC_KEY_LEN] =
            match $crate::public_key_array(include_bytes!($path)) {
                Some(key) => key,
                None => panic!(concat!(
                    "public key file ",
                    $path,
                    " is not 1952 bytes: not an ML-DSA-65 public key (.pk) file"
                )),
            };
        KEY
    }};
}

/// A package whose key, hashes and signature all checked out. Derefs to [`Package`] for the
/// accessors.
#[derive(Clone, Copy, Debug)]
pub struct VerifiedPackage<'a> {
    package: Package<'a>,
}

impl<'a> VerifiedPackage<'a> {
    /// The verified package.
    pub fn package(&self) -> &Package<'a> {
        &self.package
    }
}

impl<'a> Deref for VerifiedPackage<'a> {
    type Target = Package<'a>;

    fn deref(&self) -> &Package<'a> {
        &self.package
    }
}

impl<'a> Package<'a> {
    /// Verifies the package with an encoded public key: see [`Package::verify_with`].
    pub fn verify(&self, public_key: &[u8]) -> Result<VerifiedPackage<'a>, VerifyError> {
        self.verify_with(&TrustedKey::from_bytes(public_key)?)
    }

    /// Checks that the package names `key` as its signer, that every section matches its
    /// SHA-256, and that the ML-DSA-65 signature over every byte before it verifies with `key`.
    pub fn verify_with(&self, key: &TrustedKey) -> Result<VerifiedPackage<'a>, VerifyError> {
        let package_key = self.header().key_id;
        if package_key != key.id {
            return Err(VerifyError::WrongKey {
                package: package_key,
                trusted: key.id,
            });
        }
        self.check_hashes()?;
        let signature = Signature::<MlDsa65>::try_from(self.signature())
            .map_err(|_| VerifyError::MalformedSignature)?;
        if !key
            .key
            .verify_with_context(self.signed_bytes(), SIGNATURE_CONTEXT, &signature)
        {
            return Err(VerifyError::BadSignature { key: key.id });
        }
        Ok(VerifiedPackage { package: *self })
    }

    /// Checks every section against its SHA-256 in the table (no signature check: for tools
    /// that show a package without its key).
    pub fn check_hashes(&self) -> Result<(), VerifyError> {
        for section in self.sections() {
            let (matches, found) = section.hash_matches();
            if !matches {
                return Err(VerifyError::HashMismatch {
                    label: section.label(),
                    expected: section.sha256,
                    found,
                });
            }
        }
        Ok(())
    }
}
