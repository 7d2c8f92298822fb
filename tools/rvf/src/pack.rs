//! `rvf pack`: a TOML manifest and the wasm files it names → one signed RVF package.
//!
//! Every problem the build can see is reported at once, each as `file:line:column: reason`:
//! the manifest's own validation (by `ruvix-manifest`, the same code stage 1 runs), wasm files
//! that cannot be read or are not valid core modules, and entry points the wasm does not export.
//! No package is written unless there is none.

use std::path::{Path, PathBuf};

use ruvix_manifest::{BoardLimits, ComponentField, Locator, parse_toml_located};
use ruvix_rvf::{Package, PackageBuilder, SigningKey};

use crate::check::{entry_point_problems, package_contents};
use crate::{Failure, read_file};

/// What to pack.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// The TOML manifest.
    pub manifest: PathBuf,
    /// The secret key (`.sk`) to sign with.
    pub key: PathBuf,
    /// Where the wasm files named in the manifest are (default: the manifest's directory).
    pub wasm_dir: Option<PathBuf>,
    /// The package to write.
    pub out: PathBuf,
}

/// What `pack` wrote.
#[derive(Debug, Clone)]
pub struct PackReport {
    /// The package file.
    pub out: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// The system's name.
    pub system: String,
    /// Components packed, with their wasm sizes.
    pub components: Vec<(String, usize)>,
    /// Id of the signing key.
    pub key_id: String,
    /// `file:line:column: warning: ...` for what the author should know (pages shared with
    /// the kernel).
    pub warnings: Vec<String>,
}

/// The boards a manifest may target, with the limits `pack` checks it against.
pub const BOARDS: [BoardLimits; 2] = [BoardLimits::RPI3, BoardLimits::RPI4];

/// Packs and signs; see the module docs.
pub fn pack(options: &PackOptions) -> Result<PackReport, Failure> {
    let manifest_path = &options.manifest;
    let source = read_file(manifest_path, "the manifest")?;
    let source = String::from_utf8(source).map_err(|_| {
        Failure::new(format!(
            "{}: the manifest is not UTF-8 text",
            manifest_path.display()
        ))
    })?;
    // Messages name the file as the user gave it.
    let file_name = manifest_path.display().to_string();
    let parsed =
        parse_toml_located(&file_name, &source, &BOARDS).map_err(|diagnostics| Failure {
            lines: diagnostics.iter().map(ToString::to_string).collect(),
        })?;
    let manifest = &parsed.manifest;

    let wasm_dir = options.wasm_dir.clone().unwrap_or_else(|| {
        manifest_path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let mut problems = Vec::new();
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    for (index, component) in manifest.components.iter().enumerate() {
        let path = wasm_dir.join(&component.wasm);
        let wasm = match std::fs::read(&path) {
            Ok(wasm) => wasm,
            Err(e) => {
                problems.push(parsed.source_map.diagnostic(
                    Locator::Component(index, ComponentField::Wasm),
                    format!(
                        "component \"{}\": cannot read {}: {e}",
                        component.name,
                        path.display()
                    ),
                ));
                blobs.push(Vec::new());
                continue;
            }
        };
        for problem in entry_point_problems(component, &wasm) {
            let field = problem
                .entry
                .map_or(ComponentField::Wasm, ComponentField::EntryExport);
            problems.push(
                parsed
                    .source_map
                    .diagnostic(Locator::Component(index, field), problem.message),
            );
        }
        blobs.push(wasm);
    }
    if !problems.is_empty() {
        problems.sort_by_key(|d| (d.line, d.column));
        return Err(Failure {
            lines: problems.iter().map(ToString::to_string).collect(),
        });
    }

    let key = SigningKey::load(&options.key).map_err(|e| Failure::new(e.to_string()))?;
    let encoded = manifest.encode();
    let mut builder = PackageBuilder::new(&encoded);
    for (component, wasm) in manifest.components.iter().zip(&blobs) {
        builder
            .component(&component.name, wasm)
            .map_err(|e| Failure::new(format!("{file_name}: {e}")))?;
    }
    let bytes = builder
        .build(&key)
        .map_err(|e| Failure::new(format!("{file_name}: {e}")))?;

    // Read it back the way the firmware will: a package `pack` writes must pass `verify`.
    let public = key.public_key();
    let package = Package::parse(&bytes).map_err(|e| {
        Failure::new(format!(
            "internal error: the new package does not parse: {e}"
        ))
    })?;
    let package = package.verify(public.as_bytes()).map_err(|e| {
        Failure::new(format!(
            "internal error: the new package does not verify: {e}"
        ))
    })?;
    let (_, contents) = package_contents(&package).map_err(Failure::new)?;
    if !contents.is_empty() {
        return Err(Failure {
            lines: contents
                .into_iter()
                .map(|p| format!("internal error: the new package would be rejected: {p}"))
                .collect(),
        });
    }

    std::fs::write(&options.out, &bytes).map_err(|e| {
        Failure::new(format!(
            "{}: cannot write the package: {e}",
            options.out.display()
        ))
    })?;
    Ok(PackReport {
        warnings: parsed.warnings.iter().map(ToString::to_string).collect(),
        out: options.out.clone(),
        size: bytes.len(),
        system: manifest.system.clone(),
        components: manifest
            .components
            .iter()
            .zip(&blobs)
            .map(|(c, wasm)| (c.name.clone(), wasm.len()))
            .collect(),
        key_id: public.id().to_string(),
    })
}
