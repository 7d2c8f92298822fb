//! Stage 1 — verify: find the package, check its ML-DSA-65 signature with the built-in key and
//! every component's SHA-256, then decode the manifest and validate it against this board with
//! the same code `rvf pack` uses.
//!
//! SEC-001: any failure prints `stage 1 verify: failed: <reason>` and stops the machine. There
//! is no fallback boot path and nothing from the package runs.

use core::fmt;

use ruvix_manifest::{BoardId, BoardLimits, DecodeError, RvfManifest, ValidationError};
use ruvix_rvf::{ContentsError, FormatError, Package, VerifyError};
use sha2::{Digest, Sha256};

use super::package_source;
use crate::board::{self, BoardInfo};

/// What stage 1 hands on: a package whose signature and hashes checked out, and its
/// validated manifest.
pub struct VerifiedBoot {
    pub package: Package<'static>,
    pub manifest: RvfManifest,
    pub package_sha256: [u8; 32],
    pub limits: BoardLimits,
}

/// Why stage 1 refused the package.
pub enum VerifyFailure {
    NoPackage,
    Format(FormatError),
    Verify(VerifyError),
    Manifest(DecodeError),
    Invalid(ValidationError),
    Contents(ContentsError),
    /// The image was built for a board the manifest model does not know.
    UnknownBoard(&'static str),
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyFailure::NoPackage => {
                f.write_str("no package: none embedded in the image and no initrd loaded")
            }
            VerifyFailure::Format(e) => write!(f, "malformed package: {e}"),
            VerifyFailure::Verify(e) => write!(f, "{e}"),
            VerifyFailure::Manifest(e) => write!(f, "manifest does not decode: {e}"),
            VerifyFailure::Invalid(e) => write!(f, "manifest rejected: {e}"),
            VerifyFailure::Contents(e) => write!(f, "components do not match the manifest: {e}"),
            VerifyFailure::UnknownBoard(name) => {
                write!(
                    f,
                    "this image is for board \"{name}\", which manifests cannot target"
                )
            }
        }
    }
}

/// The limits a manifest must respect on the board stage 0 found.
pub fn board_limits(info: &BoardInfo) -> Result<BoardLimits, VerifyFailure> {
    let board = BoardId::from_name(board::bsp::BOARD.name)
        .ok_or(VerifyFailure::UnknownBoard(board::bsp::BOARD.name))?;
    Ok(BoardLimits::detected(board, info.ram_mapped_bytes()))
}

pub fn run(info: &BoardInfo) -> VerifiedBoot {
    let started = board::timer::counter();
    match verify(info) {
        Ok(verified) => {
            report(&verified);
            super::stage_ok(1, "verify", started);
            verified
        }
        Err(failure) => super::stage_failed(1, "verify", defmt::Display2Format(&failure)),
    }
}

fn verify(info: &BoardInfo) -> Result<VerifiedBoot, VerifyFailure> {
    let (source, bytes) = package_source::locate(info).ok_or(VerifyFailure::NoPackage)?;
    defmt::info!("package: {} bytes, {}", bytes.len(), source);
    let package = Package::parse(bytes).map_err(VerifyFailure::Format)?;
    let verified = package
        .verify(&package_source::PUBLIC_KEY)
        .map_err(VerifyFailure::Verify)?;
    let manifest = RvfManifest::decode(verified.manifest()).map_err(VerifyFailure::Manifest)?;
    let limits = board_limits(info)?;
    manifest.validate(&limits).map_err(VerifyFailure::Invalid)?;
    for warning in manifest.warnings(&limits) {
        defmt::warn!("manifest: warning: {}", defmt::Display2Format(&warning));
    }
    // Blob i must be manifest component i: stage 3 mounts them by index.
    verified
        .check_components(manifest.components.iter().map(|c| c.name.as_str()))
        .map_err(VerifyFailure::Contents)?;
    Ok(VerifiedBoot {
        package: *verified.package(),
        manifest,
        package_sha256: Sha256::digest(bytes).into(),
        limits,
    })
}

fn report(verified: &VerifiedBoot) {
    defmt::info!(
        "package: signature ok (ML-DSA-65, key {=str}), {=usize} components, SHA-256 {}",
        package_source::PUBLIC_KEY_NAME,
        verified.package.component_count(),
        super::Hex(&verified.package_sha256)
    );
    for component in verified.package.components() {
        defmt::info!(
            "package: component {=str}: {=usize} bytes, SHA-256 ok",
            component.name.as_str(),
            component.wasm.len()
        );
    }
    let m = &verified.manifest;
    defmt::info!(
        "manifest: system \"{=str}\": {=usize} components, {=usize} regions, {=usize} queues; valid for {=str}",
        m.system.as_str(),
        m.components.len(),
        m.regions.len(),
        m.queues.len(),
        verified.limits.name
    );
}
