//! Links the kernel with the project's linker script and defmt's (bare-metal target only), and
//! embeds the signed package and the public key stage 1 trusts.
//!
//! - `RUVIX_PACKAGE`: the RVF package to embed (`just build` packs `components/demo.toml` and
//!   sets it). Without one the image embeds nothing and stage 1 fails closed unless a package
//!   is loaded as an initrd.
//! - `RUVIX_PUBLIC_KEY`: the ML-DSA-65 public key (1952 raw bytes) whose signature stage 1
//!   accepts; defaults to the development key in `tools/keys/` — never ship that one.

use std::path::{Path, PathBuf};

const PUBLIC_KEY_LEN: u64 = 1952;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.join("../..");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));

    embed_package(&root, &out_dir);
    embed_public_key(&root);
    embed_component_host(&root, &out_dir);

    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("aarch64-") && target.ends_with("-none") {
        let script = root.join("linker/kernel.ld");
        let script = script.canonicalize().expect("linker/kernel.ld exists");
        println!("cargo:rerun-if-changed={}", script.display());
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
        println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    }
}

fn resolve(root: &Path, value: &str) -> PathBuf {
    let path = PathBuf::from(value);
    if path.is_absolute() {
        path
    } else {
        root.join(path)
    }
}

fn embed_package(root: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-env-changed=RUVIX_PACKAGE");
    let embedded = out_dir.join("package.rvf");
    let source = std::env::var("RUVIX_PACKAGE")
        .ok()
        .map(|v| resolve(root, &v));
    match source.as_ref().filter(|p| p.is_file()) {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::copy(path, &embedded).expect("copy the package into OUT_DIR");
        }
        None => {
            let why = match &source {
                Some(p) => format!("{} does not exist", p.display()),
                None => "RUVIX_PACKAGE is not set".to_string(),
            };
            println!(
                "cargo:warning=no package embedded ({why}): stage 1 will refuse to boot unless one is loaded as an initrd; `just build` packs one"
            );
            std::fs::write(&embedded, []).expect("write OUT_DIR/package.rvf");
        }
    }
    println!(
        "cargo:rustc-env=RUVIX_EMBEDDED_PACKAGE={}",
        embedded.display()
    );
}

/// `RUVIX_COMPONENT_HOST`: the component host's ELF (`just build` builds it first). Without one
/// the image embeds nothing and the process model refuses to start.
fn embed_component_host(root: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-env-changed=RUVIX_COMPONENT_HOST");
    let embedded = out_dir.join("component-host.elf");
    match std::env::var("RUVIX_COMPONENT_HOST")
        .ok()
        .map(|v| resolve(root, &v))
    {
        Some(path) if path.is_file() => {
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::copy(&path, &embedded).expect("copy the component host into OUT_DIR");
        }
        _ => {
            println!(
                "cargo:warning=no component host embedded (RUVIX_COMPONENT_HOST unset or missing): components cannot run as processes; `just build` builds one"
            );
            std::fs::write(&embedded, []).expect("write OUT_DIR/component-host.elf");
        }
    }
    println!(
        "cargo:rustc-env=RUVIX_EMBEDDED_COMPONENT_HOST={}",
        embedded.display()
    );
}

fn embed_public_key(root: &Path) {
    println!("cargo:rerun-if-env-changed=RUVIX_PUBLIC_KEY");
    let value = std::env::var("RUVIX_PUBLIC_KEY")
        .unwrap_or_else(|_| "tools/keys/DEVELOPMENT-ONLY.pk".to_string());
    let path = resolve(root, &value);
    let len = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("public key {}: {e}", path.display()))
        .len();
    assert!(
        len == PUBLIC_KEY_LEN,
        "public key {} is {len} bytes; an ML-DSA-65 public key is {PUBLIC_KEY_LEN}",
        path.display()
    );
    println!("cargo:rerun-if-changed={}", path.display());
    let path = path.canonicalize().expect("public key path");
    println!("cargo:rustc-env=RUVIX_PUBLIC_KEY_FILE={}", path.display());
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("key");
    println!("cargo:rustc-env=RUVIX_PUBLIC_KEY_NAME={name}");
}
