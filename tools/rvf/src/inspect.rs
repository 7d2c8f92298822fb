//! `rvf inspect`: a package as a readable tree (or JSON for scripts) — header, sections with
//! offsets, sizes and hashes, and the system the manifest describes: components with their wasm
//! size, hash and entry points, regions, queues, grants, the root's minimum set, the witness log,
//! and the signature's status when a public key is given.

use std::fmt::Write as _;
use std::path::Path;

use ruvix_manifest::{ComponentIndex, RegionKind, RestartPolicy, RvfManifest};
use ruvix_rvf::{Package, PublicKey, SIGNATURE_LEN, SectionKind};
use serde_json::{Value, json};

use crate::check::package_contents;
use crate::{Failure, hex, read_file};

/// Whether the signature was checked, and how that went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// No public key was given.
    NotChecked,
    /// It verifies with the given key.
    Verified {
        /// That key's id.
        key_id: String,
    },
    /// It does not: why.
    Failed(String),
}

/// The result of `inspect`: the text (or JSON) and whether everything checked was fine.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The tree or the JSON document.
    pub output: String,
    /// False when a hash, the signature (if checked) or the contents are bad.
    pub ok: bool,
}

/// Describes the package at `path`; checks its signature if `public_key` is given.
pub fn inspect(path: &Path, public_key: Option<&Path>, json: bool) -> Result<Inspection, Failure> {
    let public = public_key
        .map(PublicKey::load)
        .transpose()
        .map_err(|e| Failure::new(e.to_string()))?;
    let bytes = read_file(path, "the package")?;
    let package =
        Package::parse(&bytes).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;

    let hashes = package.check_hashes();
    let signature = match &public {
        None => SignatureStatus::NotChecked,
        Some(key) => match package.verify(key.as_bytes()) {
            Ok(_) => SignatureStatus::Verified {
                key_id: key.id().to_string(),
            },
            Err(e) => SignatureStatus::Failed(e.to_string()),
        },
    };
    let contents = package_contents(&package);
    let ok = hashes.is_ok()
        && !matches!(signature, SignatureStatus::Failed(_))
        && contents
            .as_ref()
            .is_ok_and(|(_, problems)| problems.is_empty());
    let facts = Facts {
        path,
        package: &package,
        signature: &signature,
        contents: &contents,
    };
    let output = if json {
        // A Value always serialises; the fallback is never used.
        serde_json::to_string_pretty(&facts.json()).unwrap_or_default()
    } else {
        facts.tree()
    };
    Ok(Inspection { output, ok })
}

/// Everything `inspect` shows.
struct Facts<'a> {
    path: &'a Path,
    package: &'a Package<'a>,
    signature: &'a SignatureStatus,
    contents: &'a Result<(RvfManifest, Vec<String>), String>,
}

/// `sensor` for a component index (or `#7` if out of range, which validation reports).
fn component_name(manifest: &RvfManifest, index: ComponentIndex) -> String {
    manifest
        .component(index)
        .map_or_else(|| format!("#{}", index.0), |c| c.name.clone())
}

/// Sizes the way people read them: `2 MiB`, `4 KiB`, `300 B`.
fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} B")
}

fn restart_text(policy: &RestartPolicy) -> String {
    match policy {
        RestartPolicy::Never => "never".into(),
        RestartPolicy::Restart {
            max_restarts,
            min_run_ms,
        } => format!("up to {max_restarts} times, at least {min_run_ms} ms apart"),
    }
}

/// A tree printer: `├─` / `└─` prefixes from a list of (depth, text) lines.
struct Tree {
    lines: Vec<(usize, String)>,
}

impl Tree {
    fn push(&mut self, depth: usize, text: impl Into<String>) {
        self.lines.push((depth, text.into()));
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for (i, (depth, text)) in self.lines.iter().enumerate() {
            if *depth == 0 {
                let _ = writeln!(out, "{text}");
                continue;
            }
            let mut prefix = String::new();
            for level in 1..*depth {
                // A vertical bar where an ancestor at `level` has a later sibling.
                let more = self.lines[i + 1..]
                    .iter()
                    .take_while(|(d, _)| *d >= level)
                    .any(|(d, _)| *d == level);
                prefix.push_str(if more { "│  " } else { "   " });
            }
            let last = !self.lines[i + 1..]
                .iter()
                .take_while(|(d, _)| *d >= *depth)
                .any(|(d, _)| d == depth);
            prefix.push_str(if last { "└─ " } else { "├─ " });
            let _ = writeln!(out, "{prefix}{text}");
        }
        out
    }
}

impl Facts<'_> {
    fn tree(&self) -> String {
        let package = self.package;
        let header = package.header();
        let mut t = Tree { lines: Vec::new() };
        t.push(
            0,
            format!(
                "{}: RVF package, format version {}, {} bytes",
                self.path.display(),
                header.version,
                header.total_len
            ),
        );
        t.push(1, "header");
        t.push(2, "magic         RUVIXRVF");
        t.push(2, format!("version       {}", header.version));
        t.push(2, format!("sections      {}", header.section_count));
        t.push(2, format!("signed bytes  0..{}", header.signature_offset));
        t.push(
            2,
            format!(
                "signing key   {} (SHA-256 {})",
                header.key_id,
                hex(&header.key_id.0)
            ),
        );
        t.push(1, format!("sections ({})", header.section_count));
        for section in package.sections() {
            let (matches, _) = section.hash_matches();
            let what = match section.name {
                None => format!("[{}] manifest", section.index),
                Some(name) => format!("[{}] component \"{name}\"", section.index),
            };
            t.push(
                2,
                format!(
                    "{what:<28} offset {:>7}  size {:>7}  sha256 {}{}",
                    section.offset,
                    section.data.len(),
                    hex(&section.sha256),
                    if matches { "" } else { "  MISMATCH" }
                ),
            );
        }
        t.push(
            2,
            format!(
                "{:<28} offset {:>7}  size {:>7}",
                "signature (ML-DSA-65)", header.signature_offset, SIGNATURE_LEN
            ),
        );

        match self.contents {
            Err(why) => t.push(1, format!("manifest: {why}")),
            Ok((manifest, problems)) => {
                self.manifest_tree(&mut t, manifest);
                if !problems.is_empty() {
                    t.push(1, format!("problems ({})", problems.len()));
                    for problem in problems {
                        t.push(2, problem.clone());
                    }
                }
            }
        }
        let hashes = match package.check_hashes() {
            Ok(()) => "hashes: all sections match their SHA-256".to_string(),
            Err(e) => format!("hashes: {e}"),
        };
        t.push(1, hashes);
        t.push(
            1,
            match self.signature {
                SignatureStatus::NotChecked => {
                    "signature: not checked (give --pubkey KEY.pk to check it)".to_string()
                }
                SignatureStatus::Verified { key_id } => {
                    format!("signature: verified with public key {key_id}")
                }
                SignatureStatus::Failed(why) => format!("signature: FAILED: {why}"),
            },
        );
        t.render()
    }

    fn manifest_tree(&self, t: &mut Tree, m: &RvfManifest) {
        let boards: Vec<String> = m.boards.iter().map(ToString::to_string).collect();
        t.push(
            1,
            format!(
                "system \"{}\" for {}, queue wiring {}",
                m.system,
                boards.join(", "),
                match m.wiring {
                    ruvix_manifest::WiringPolicy::Acyclic => "acyclic",
                    ruvix_manifest::WiringPolicy::Any => "any",
                }
            ),
        );
        t.push(1, format!("components ({})", m.components.len()));
        for component in &m.components {
            let blob = self.package.component(&component.name);
            let wasm = blob.map_or_else(
                || format!("{}: NO BLOB IN THE PACKAGE", component.wasm),
                |b| {
                    format!(
                        "{}, {} bytes, sha256 {}",
                        component.wasm,
                        b.wasm.len(),
                        hex(&b.sha256)
                    )
                },
            );
            t.push(2, format!("{} ({wasm})", component.name));
            let entries: Vec<String> = component
                .entry_points
                .iter()
                .map(|e| format!("{} (priority {})", e.export, e.priority))
                .collect();
            t.push(3, format!("entry points  {}", entries.join(", ")));
            t.push(
                3,
                format!(
                    "memory        {} ({} wasm pages)",
                    size(component.memory_bytes()),
                    component.memory_pages
                ),
            );
            t.push(3, format!("fuel slice    {}", component.fuel_slice));
            t.push(
                3,
                format!("restart       {}", restart_text(&component.restart)),
            );
            let grants: Vec<String> = component
                .grants
                .iter()
                .map(|g| format!("{} {}", g.cap, g.rights))
                .collect();
            t.push(
                3,
                format!(
                    "grants        {}",
                    if grants.is_empty() {
                        "none".into()
                    } else {
                        grants.join(", ")
                    }
                ),
            );
        }
        t.push(1, format!("regions ({})", m.regions.len()));
        for region in &m.regions {
            let kind = match region.kind {
                RegionKind::Ram => "RAM".to_string(),
                RegionKind::Mmio { peripheral_offset } => {
                    format!("MMIO at peripheral base + {peripheral_offset:#x}")
                }
            };
            let access: Vec<String> = region
                .access
                .iter()
                .map(|a| format!("{} {}", component_name(m, a.component), a.rights))
                .collect();
            t.push(
                2,
                format!(
                    "{}: {kind}, {}, access: {}",
                    region.name,
                    size(region.size),
                    if access.is_empty() {
                        "none".into()
                    } else {
                        access.join(", ")
                    }
                ),
            );
        }
        t.push(1, format!("queues ({})", m.queues.len()));
        for queue in &m.queues {
            t.push(
                2,
                format!(
                    "{}: {}.{} → {}.{}, {} messages of up to {} bytes",
                    queue.name,
                    component_name(m, queue.from.component),
                    queue.from.port,
                    component_name(m, queue.to.component),
                    queue.to.port,
                    queue.depth,
                    queue.message_size
                ),
            );
        }
        let minimum: Vec<String> = m.root_minimum.iter().map(ToString::to_string).collect();
        t.push(
            1,
            format!(
                "root keeps after SEC-001: {}",
                if minimum.is_empty() {
                    "nothing".into()
                } else {
                    minimum.join(", ")
                }
            ),
        );
        t.push(
            1,
            format!(
                "witness log: {} entries, {}",
                m.witness_log.max_entries,
                if m.witness_log.hash_chain {
                    "hash-chained"
                } else {
                    "not hash-chained"
                }
            ),
        );
    }

    fn json(&self) -> Value {
        let package = self.package;
        let header = package.header();
        let sections: Vec<Value> = package
            .sections()
            .map(|s| {
                json!({
                    "index": s.index,
                    "kind": match s.kind { SectionKind::Manifest => "manifest", SectionKind::Component => "component" },
                    "name": s.name.map(|n| n.to_string()),
                    "offset": s.offset,
                    "size": s.data.len(),
                    "sha256": hex(&s.sha256),
                    "hash_ok": s.hash_matches().0,
                })
            })
            .collect();
        let (manifest, problems, manifest_error) = match self.contents {
            Ok((manifest, problems)) => {
                (Some(self.manifest_json(manifest)), problems.clone(), None)
            }
            Err(why) => (None, Vec::new(), Some(why.clone())),
        };
        let signature = match self.signature {
            SignatureStatus::NotChecked => json!({ "status": "not-checked" }),
            SignatureStatus::Verified { key_id } => {
                json!({ "status": "verified", "key_id": key_id })
            }
            SignatureStatus::Failed(why) => json!({ "status": "failed", "reason": why }),
        };
        json!({
            "file": self.path.display().to_string(),
            "size": header.total_len,
            "header": {
                "magic": "RUVIXRVF",
                "version": header.version,
                "section_count": header.section_count,
                "signature_offset": header.signature_offset,
                "signature_algorithm": "ML-DSA-65",
                "signature_size": SIGNATURE_LEN,
                "key_id": hex(&header.key_id.0),
            },
            "sections": sections,
            "hashes_ok": package.check_hashes().is_ok(),
            "manifest": manifest,
            "manifest_error": manifest_error,
            "problems": problems,
            "signature": signature,
        })
    }

    fn manifest_json(&self, m: &RvfManifest) -> Value {
        let components: Vec<Value> = m
            .components
            .iter()
            .map(|c| {
                let blob = self.package.component(&c.name);
                json!({
                    "name": c.name,
                    "wasm": c.wasm,
                    "wasm_size": blob.map(|b| b.wasm.len()),
                    "sha256": blob.map(|b| hex(&b.sha256)),
                    "entry_points": c.entry_points.iter().map(|e| json!({ "export": e.export, "priority": e.priority })).collect::<Vec<_>>(),
                    "memory_pages": c.memory_pages,
                    "memory_bytes": c.memory_bytes(),
                    "fuel_slice": c.fuel_slice,
                    "restart": match c.restart {
                        RestartPolicy::Never => json!({ "policy": "never" }),
                        RestartPolicy::Restart { max_restarts, min_run_ms } => json!({ "policy": "restart", "max_restarts": max_restarts, "min_run_ms": min_run_ms }),
                    },
                    "grants": c.grants.iter().map(|g| json!({ "cap": g.cap.as_str(), "rights": g.rights.as_str() })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let regions: Vec<Value> = m
            .regions
            .iter()
            .map(|r| {
                let (kind, offset) = match r.kind {
                    RegionKind::Ram => ("ram", None),
                    RegionKind::Mmio { peripheral_offset } => ("mmio", Some(peripheral_offset)),
                };
                json!({
                    "name": r.name,
                    "kind": kind,
                    "peripheral_offset": offset,
                    "size": r.size,
                    "access": r.access.iter().map(|a| json!({ "component": component_name(m, a.component), "rights": a.rights.as_str() })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let queues: Vec<Value> = m
            .queues
            .iter()
            .map(|q| {
                json!({
                    "name": q.name,
                    "depth": q.depth,
                    "message_size": q.message_size,
                    "from": { "component": component_name(m, q.from.component), "port": q.from.port },
                    "to": { "component": component_name(m, q.to.component), "port": q.to.port },
                })
            })
            .collect();
        json!({
            "system": m.system,
            "version": m.version,
            "boards": m.boards.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
            "wiring": match m.wiring { ruvix_manifest::WiringPolicy::Acyclic => "acyclic", ruvix_manifest::WiringPolicy::Any => "any" },
            "components": components,
            "regions": regions,
            "queues": queues,
            "root_minimum": m.root_minimum.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "witness_log": { "max_entries": m.witness_log.max_entries, "hash_chain": m.witness_log.hash_chain },
        })
    }
}
