//! Everything an image embeds besides the kernel: the WebAssembly components (built from
//! `components/`), the signed demo package (`rvf pack components/demo.toml`), and the minimal
//! device tree the QEMU tests pass with `-initrd`.
//!
//! Output, beside the images: `<images>/../packages/demo.rvf`, `<images>/../components/…`,
//! `<images>/qemu-<board>.dtb`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::Board;
use crate::paths::{cargo_program, images_dir, target_dir, workspace_root};

/// The development key the demo package is signed with (public; see tools/keys/README.md).
pub const DEV_SECRET_KEY: &str = "tools/keys/DEVELOPMENT-ONLY.sk";
pub const DEV_PUBLIC_KEY: &str = "tools/keys/DEVELOPMENT-ONLY.pk";

/// The key `rvf pack` signs with: `RUVIX_SIGNING_KEY`, else the development key.
pub fn signing_key() -> PathBuf {
    key_from_env("RUVIX_SIGNING_KEY", DEV_SECRET_KEY)
}

/// The public key the firmware embeds: `RUVIX_PUBLIC_KEY`, else the development key.
pub fn public_key() -> PathBuf {
    key_from_env("RUVIX_PUBLIC_KEY", DEV_PUBLIC_KEY)
}

fn key_from_env(variable: &str, default: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => workspace_root().join(default),
    }
}
pub const DEMO_MANIFEST: &str = "components/demo.toml";
/// The test system (the demo plus misbehaving components), loaded with `-initrd` by the tests.
pub const TEST_MANIFEST: &str = "components/test.toml";
/// The demo beside flooders at the least urgent priority and at the pipeline's own (the
/// scheduling tests load them with `-initrd`).
pub const FLOOD_MANIFESTS: [&str; 2] = ["components/flood-low.toml", "components/flood-equal.toml"];
/// The flooders those systems run beside the demo pipeline.
pub const FLOODERS: [&str; 3] = ["spinner", "clock-flooder", "poll-flooder"];
/// The demo's pipeline beside log flooders and the crasher (the QEMU log-budget tests).
pub const LOG_FLOOD_MANIFEST: &str = "components/log-flood.toml";
/// The demo's pipeline beside components whose host attacks (the QEMU isolation tests; the
/// attacks run only in test images).
pub const ATTACK_MANIFEST: &str = "components/attacks.toml";
/// The demo's pipeline beside the driver components `ticker` (system timer interrupt) and
/// `uart-echo` (mini UART interrupt): the QEMU interrupt tests.
pub const DRIVERS_MANIFEST: &str = "components/drivers.toml";
/// The demo's pipeline beside a driver that never acknowledges its interrupt (the storm test).
pub const IRQ_STORM_MANIFEST: &str = "components/irq-storm.toml";
/// The demo's pipeline beside uart-echo whose host crashes mid-stream once (test images only:
/// the restart test).
pub const ECHO_RESTART_MANIFEST: &str = "components/echo-restart.toml";
/// The compute suite compiled to wasm, alone: the `compute` scenario runs it after the same
/// kernels natively (`just bench`'s native baseline, and its QEMU test).
pub const BENCH_COMPUTE_MANIFEST: &str = "components/bench-compute.toml";
/// A component host that loops before it mounts (the boot must fail at stage 3, naming it).
pub const MOUNT_ATTACK_MANIFEST: &str = "components/attack-mount.toml";
/// One component timing host calls from wasm and its sleeps' wake-ups (`just bench`'s `calls`
/// section and its QEMU test).
pub const BENCH_CALLS_MANIFEST: &str = "components/bench-calls.toml";
/// The attackers of [`ATTACK_MANIFEST`] that must fault, with the mapping each report names.
pub const FAULTING_ATTACKS: [(&str, &str); 5] = [
    ("inject-peer-heap", "outside the user window"),
    ("inject-peer-region", "outside the user window"),
    ("inject-ro-region", "in region summary (ro)"),
    ("inject-kernel", "outside the user window"),
    ("inject-exec-heap", "in its heap (rw)"),
];

fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Where the wasm components are built (a separate cargo workspace, target wasm32).
pub fn components_target_dir() -> PathBuf {
    target_dir().join("components")
}

/// Directory holding `<name>.wasm` for every component.
pub fn wasm_dir() -> PathBuf {
    components_target_dir().join("wasm32-unknown-unknown/release")
}

/// Build every component in `components/` to a core wasm module.
pub fn build_components() -> Result<PathBuf> {
    let root = workspace_root();
    let manifest = root.join("components/Cargo.toml");
    if !manifest.is_file() {
        bail!("{} is missing", manifest.display());
    }
    run(
        Command::new(cargo_program())
            .current_dir(root.join("components"))
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--target-dir",
            ])
            .arg(components_target_dir()),
        "building the wasm components",
    )?;
    Ok(wasm_dir())
}

/// Where the signed package for `manifest` (a path relative to the repository) goes.
pub fn package_path(manifest: &str) -> PathBuf {
    let stem = Path::new(manifest)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("package");
    target_dir().join("packages").join(format!("{stem}.rvf"))
}

/// `rvf pack MANIFEST` with [`signing_key`] and the built components. Packing is
/// deterministic; the file is only replaced when its bytes change, so an unchanged package does
/// not make cargo rebuild (and re-link) every kernel that embeds it.
pub fn pack(manifest: &str) -> Result<PathBuf> {
    let out = package_path(manifest);
    pack_manifest(&workspace_root().join(manifest), &wasm_dir(), &out)?;
    Ok(out)
}

/// `rvf pack MANIFEST` with [`signing_key`] and the modules in `wasm_dir`, into `out` (only
/// replaced when its bytes change).
pub fn pack_manifest(manifest: &Path, wasm_dir: &Path, out: &Path) -> Result<()> {
    let root = workspace_root();
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))?;
    let fresh = out.with_extension("rvf.new");
    run(
        Command::new(cargo_program())
            .current_dir(&root)
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "ruvix-rvf-tool",
                "--bin",
                "rvf",
                "--",
                "pack",
            ])
            .arg(manifest)
            .arg("--key")
            .arg(signing_key())
            .arg("--wasm-dir")
            .arg(wasm_dir)
            .arg("--out")
            .arg(&fresh),
        "rvf pack",
    )?;
    let unchanged = std::fs::read(out).ok() == Some(std::fs::read(&fresh)?);
    if unchanged {
        std::fs::remove_file(&fresh)?;
    } else {
        std::fs::rename(&fresh, out)?;
    }
    Ok(())
}

/// Where [`qemu_dtb`] puts the device tree for `board`.
pub fn qemu_dtb_path(board: Board) -> PathBuf {
    images_dir().join(format!("qemu-{}.dtb", board.name()))
}

/// The minimal device tree for QEMU runs that load a package with `-initrd` (QEMU announces
/// the initrd only in a device tree it is given).
pub fn qemu_dtb(board: Board) -> Result<PathBuf> {
    let source = workspace_root().join(format!("tools/qemu/{}.dts", board.name()));
    let out = qemu_dtb_path(board);
    std::fs::create_dir_all(images_dir())?;
    run(
        Command::new("dtc")
            .args(["-q", "-I", "dts", "-O", "dtb", "-o"])
            .arg(&out)
            .arg(&source),
        "dtc (device-tree-compiler; run tools/setup.sh)",
    )?;
    Ok(out)
}

/// Components, the demo package and the device trees: what a kernel build needs first.
pub fn prepare() -> Result<PathBuf> {
    build_components()?;
    let package = pack(DEMO_MANIFEST)?;
    pack(TEST_MANIFEST)?;
    for manifest in FLOOD_MANIFESTS {
        pack(manifest)?;
    }
    pack(LOG_FLOOD_MANIFEST)?;
    pack(ATTACK_MANIFEST)?;
    pack(MOUNT_ATTACK_MANIFEST)?;
    pack(DRIVERS_MANIFEST)?;
    pack(IRQ_STORM_MANIFEST)?;
    pack(ECHO_RESTART_MANIFEST)?;
    pack(BENCH_CALLS_MANIFEST)?;
    pack(BENCH_COMPUTE_MANIFEST)?;
    for board in Board::ALL {
        qemu_dtb(board)?;
    }
    Ok(package)
}
