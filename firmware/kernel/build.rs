//! Links the kernel with the project's linker script and defmt's (bare-metal target only).

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.starts_with("aarch64-") || !target.ends_with("-none") {
        return;
    }
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let script = manifest_dir.join("../../linker/kernel.ld");
    let script = script.canonicalize().expect("linker/kernel.ld exists");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
}
