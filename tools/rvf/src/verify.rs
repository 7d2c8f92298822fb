//! `rvf verify`: what stage 1 does to a package, on the host — structure, signing key, every
//! hash, the signature, then the manifest (decodes, validates for each target board, names the
//! package's components in order) and each component's entry-point exports.

use std::path::Path;

use ruvix_rvf::{Package, PublicKey};

use crate::check::package_contents;
use crate::{Failure, read_file};

/// What a successful `verify` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Package size in bytes.
    pub size: usize,
    /// The system's name.
    pub system: String,
    /// Number of components.
    pub components: usize,
    /// The boards the manifest was validated for.
    pub boards: Vec<String>,
    /// The key it verified with.
    pub key_id: String,
}

/// Verifies `package_path` with the public key in `public_key_path`. Fails with the first
/// reason stage 1 would give, or with every manifest problem.
pub fn verify(package_path: &Path, public_key_path: &Path) -> Result<VerifyReport, Failure> {
    let public = PublicKey::load(public_key_path).map_err(|e| Failure::new(e.to_string()))?;
    let bytes = read_file(package_path, "the package")?;
    let at = |e: &dyn std::fmt::Display| Failure::new(format!("{}: {e}", package_path.display()));
    let package = Package::parse(&bytes).map_err(|e| at(&e))?;
    let package = package.verify(public.as_bytes()).map_err(|e| at(&e))?;
    let (manifest, problems) = package_contents(&package).map_err(|e| at(&e))?;
    if !problems.is_empty() {
        return Err(Failure {
            lines: problems
                .iter()
                .map(|p| format!("{}: {p}", package_path.display()))
                .collect(),
        });
    }
    Ok(VerifyReport {
        size: bytes.len(),
        system: manifest.system.clone(),
        components: manifest.components.len(),
        boards: manifest.boards.iter().map(ToString::to_string).collect(),
        key_id: public.id().to_string(),
    })
}
