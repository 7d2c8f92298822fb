//! `rvf keygen`: a new ML-DSA-65 key pair from the operating system's randomness, written as
//! `<name>.sk` (the 32-byte seed, mode 0600) and `<name>.pk` (the 1952-byte public key).

use std::path::{Path, PathBuf};

use ruvix_rvf::SigningKey;

use crate::Failure;

/// What `keygen` wrote.
#[derive(Debug)]
pub struct KeygenReport {
    /// The secret key file.
    pub secret: PathBuf,
    /// The public key file.
    pub public: PathBuf,
    /// The public key's id (SHA-256, first 8 bytes in hex).
    pub key_id: String,
}

/// Generates a key pair into `dir` (created if missing). Refuses to replace either file unless
/// `force`, and checks both before writing either, so a refusal leaves no half-new pair.
pub fn keygen(dir: &Path, name: &str, force: bool) -> Result<KeygenReport, Failure> {
    if name.is_empty() || name.contains(['/', '\\']) {
        return Err(Failure::new(format!(
            "key name {name:?} must be a plain file name (no directory)"
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::new(format!("{}: cannot create directory: {e}", dir.display())))?;
    let secret = dir.join(format!("{name}.sk"));
    let public = dir.join(format!("{name}.pk"));
    if !force {
        for path in [&secret, &public] {
            if path.exists() {
                return Err(Failure::new(format!(
                    "{}: already exists (use --force to overwrite it)",
                    path.display()
                )));
            }
        }
    }
    let key = SigningKey::generate().map_err(|e| Failure::new(e.to_string()))?;
    key.save(&secret, force)
        .map_err(|e| Failure::new(e.to_string()))?;
    key.public_key()
        .save(&public, force)
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(KeygenReport {
        secret,
        public,
        key_id: key.public_key().id().to_string(),
    })
}
