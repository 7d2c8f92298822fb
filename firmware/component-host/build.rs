//! Links the component host at the user window with its own linker script (bare-metal target
//! only).

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("aarch64-") && target.ends_with("-none") {
        let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
        let script = dir.join("../../linker/component-host.ld");
        let script = script
            .canonicalize()
            .expect("linker/component-host.ld exists");
        println!("cargo:rerun-if-changed={}", script.display());
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    }
}
