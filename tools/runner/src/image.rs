//! Building the kernel and laying out its images: `<images>/<board>[-test]/{kernel.elf,kernel8.img}`.

use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::paths::{cargo_program, image_dir, tool_output, workspace_root};
use crate::{Board, ELF_NAME, IMG_NAME};

/// The kernel package and its binary target.
pub const KERNEL_PACKAGE: &str = "ruvix-kernel";
pub const KERNEL_BIN: &str = "kernel";
pub const KERNEL_TARGET: &str = "aarch64-unknown-none";
/// The kernel feature that builds the QEMU test scenarios in.
pub const TEST_FEATURE: &str = "qemu-test";
/// The EL0 program the kernel embeds and runs in every process.
pub const HOST_PACKAGE: &str = "ruvix-component-host";
pub const HOST_BIN: &str = "component-host";
/// The component host's feature that builds its fault-injection hook in (test images).
pub const HOST_TEST_FEATURE: &str = "fault-injection";
/// The component host's ELF in an image directory (with debug information), and the
/// stripped copy the kernel embeds.
pub const HOST_ELF_NAME: &str = "component-host.elf";
pub const HOST_STRIPPED_NAME: &str = "component-host.stripped.elf";
/// The component host only ever runs at EL0 with the MMU on and its memory normal cacheable,
/// where unaligned accesses are allowed: built without the target's `+strict-align`, wasmi's
/// interpreter loads its operands directly instead of byte by byte (PLATFORM-FACTS: ~1.9×).
/// The kernel keeps `+strict-align`: its early boot code runs with the MMU off, where every
/// access is a device access and an unaligned one faults. (rustc calls the feature unstable
/// and warns once per crate.)
pub const HOST_RUSTFLAGS: &str = "-Ctarget-feature=-strict-align";
/// Its own target directory under the workspace's: other flags than the kernel's, and cargo
/// would rebuild every shared crate each time the two alternated in one directory.
pub const HOST_TARGET_SUBDIR: &str = "el0";

/// One built image.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    pub board: Board,
    pub test: bool,
    pub dir: PathBuf,
    pub elf: PathBuf,
    pub img: PathBuf,
}

/// `cargo` arguments that build the kernel for `board` (with the test scenarios if `test`).
pub fn cargo_build_args(board: Board, test: bool) -> Vec<String> {
    let mut features = board.cargo_feature().to_owned();
    if test {
        features.push(',');
        features.push_str(TEST_FEATURE);
    }
    [
        "build",
        "--release",
        "-p",
        KERNEL_PACKAGE,
        "--bin",
        KERNEL_BIN,
        "--target",
        KERNEL_TARGET,
        "--features",
        &features,
        // JSON on stdout tells us where the ELF went; diagnostics still reach the terminal
        // rendered as usual (on stderr).
        "--message-format=json-render-diagnostics",
    ]
    .map(String::from)
    .to_vec()
}

/// `cargo` arguments that build the component host (with its fault-injection hook if `test`).
/// It is the same for every board.
pub fn host_build_args(test: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "build",
        "--release",
        "-p",
        HOST_PACKAGE,
        "--bin",
        HOST_BIN,
        "--target",
        KERNEL_TARGET,
        "--message-format=json-render-diagnostics",
    ]
    .map(String::from)
    .to_vec();
    if test {
        args.extend(["--features".to_owned(), HOST_TEST_FEATURE.to_owned()]);
    }
    args
}

/// Builds the kernel for `board`, embedding `package`, and writes `kernel.elf` and `kernel8.img` into its image
/// directory. Cargo's own output (progress, errors) goes to our stderr.
pub fn build_image(board: Board, test: bool, package: &Path) -> Result<BuiltImage> {
    let root = workspace_root();
    let host_target = crate::paths::target_dir().join(HOST_TARGET_SUBDIR);
    let host = cargo_executable(
        &host_build_args(test),
        &[
            ("CARGO_TARGET_DIR", host_target.as_os_str()),
            ("CARGO_ENCODED_RUSTFLAGS", OsStr::new(HOST_RUSTFLAGS)),
        ],
        HOST_BIN,
        &format!("the component host for {}", board.image_name(test)),
    )?;
    // The kernel embeds it without its debug information (`component-host.elf` beside the
    // kernel keeps that, for gdb).
    let dir = image_dir(board, test);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let host_elf = dir.join(HOST_ELF_NAME);
    fs::copy(&host, &host_elf)
        .with_context(|| format!("copying {} to {}", host.display(), host_elf.display()))?;
    let host = dir.join(HOST_STRIPPED_NAME);
    objcopy(&["--strip-all"], &host_elf, &host)?;
    let public_key = root.join(crate::package::DEV_PUBLIC_KEY);
    let built = cargo_executable(
        &cargo_build_args(board, test),
        &[
            ("RUVIX_PACKAGE", package.as_os_str()),
            ("RUVIX_PUBLIC_KEY", public_key.as_os_str()),
            ("RUVIX_COMPONENT_HOST", host.as_os_str()),
        ],
        KERNEL_BIN,
        &board.image_name(test),
    )?;

    let elf = dir.join(ELF_NAME);
    let img = dir.join(IMG_NAME);
    fs::copy(&built, &elf)
        .with_context(|| format!("copying {} to {}", built.display(), elf.display()))?;
    objcopy_binary(&elf, &img)?;
    Ok(BuiltImage {
        board,
        test,
        dir,
        elf,
        img,
    })
}

/// Runs `cargo args` with `env` and returns the path of the executable `bin` it built. Cargo's
/// own output (progress, errors) goes to our stderr.
fn cargo_executable(
    args: &[String],
    env: &[(&str, &OsStr)],
    bin: &str,
    what: &str,
) -> Result<PathBuf> {
    let mut command = Command::new(cargo_program());
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot run cargo")?;
    // Reading every message also keeps cargo from blocking on a full stdout pipe.
    let mut executable = None;
    for line in BufReader::new(child.stdout.take().expect("stdout is piped")).lines() {
        let line = line.context("reading cargo's output")?;
        if let Some(path) = built_executable(&line, bin) {
            executable = Some(path);
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!(
            "building {what} failed ({status}): cargo {}",
            args.join(" ")
        );
    }
    executable.with_context(|| format!("cargo built no `{bin}` executable for {what}"))
}

/// The executable path in a cargo JSON message, if it is binary `bin`'s artifact.
fn built_executable(json_line: &str, bin: &str) -> Option<PathBuf> {
    let msg: serde_json::Value = serde_json::from_str(json_line).ok()?;
    if msg.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    if msg.pointer("/target/name")?.as_str()? != bin {
        return None;
    }
    msg.get("executable")?.as_str().map(PathBuf::from)
}

/// LLVM's objcopy from the toolchain's `llvm-tools` component (GNU objcopy does not know
/// aarch64 ELF on an x86 host), or `rust-objcopy` from cargo-binutils.
pub fn find_objcopy() -> Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = tool_output(&rustc, &["--print", "sysroot"]);
    let host = tool_output(&rustc, &["-vV"]).and_then(|v| {
        v.lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
    });
    let mut looked = Vec::new();
    if let (Some(sysroot), Some(host)) = (sysroot, host) {
        let path = Path::new(&sysroot)
            .join("lib/rustlib")
            .join(host)
            .join("bin/llvm-objcopy");
        if path.is_file() {
            return Ok(path);
        }
        looked.push(path.display().to_string());
    }
    if tool_output("rust-objcopy", &["--version"]).is_some() {
        return Ok(PathBuf::from("rust-objcopy"));
    }
    looked.push("rust-objcopy on PATH".into());
    bail!(
        "llvm-objcopy not found (looked at {}): run tools/setup.sh (it adds the llvm-tools component)",
        looked.join(", ")
    )
}

/// `objcopy -O binary`: the loadable sections as one flat image starting at the lowest
/// address (0x80000), which is what the Pi firmware and QEMU's `-kernel` load.
fn objcopy_binary(elf: &Path, img: &Path) -> Result<()> {
    objcopy(&["-O", "binary"], elf, img)
}

/// `objcopy <options> <input> <output>`.
fn objcopy(options: &[&str], input: &Path, output: &Path) -> Result<()> {
    let objcopy = find_objcopy()?;
    let status = Command::new(&objcopy)
        .args(options)
        .arg(input)
        .arg(output)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", objcopy.display()))?;
    if !status.success() {
        bail!(
            "{} {} {} failed ({status})",
            objcopy.display(),
            options.join(" "),
            input.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_arguments() {
        let args = cargo_build_args(Board::Rpi3, false);
        assert_eq!(
            args,
            [
                "build",
                "--release",
                "-p",
                "ruvix-kernel",
                "--bin",
                "kernel",
                "--target",
                "aarch64-unknown-none",
                "--features",
                "board-rpi3",
                "--message-format=json-render-diagnostics",
            ]
        );
        let args = cargo_build_args(Board::Rpi4, true);
        assert!(
            args.windows(2)
                .any(|w| w == ["--features", "board-rpi4,qemu-test"])
        );
    }

    #[test]
    fn finds_the_kernel_artifact() {
        let kernel = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/firmware/kernel#ruvix-kernel@0.1.0","target":{"kind":["bin"],"name":"kernel"},"executable":"/t/aarch64-unknown-none/release/kernel","fresh":true}"#;
        assert_eq!(
            built_executable(kernel, KERNEL_BIN),
            Some(PathBuf::from("/t/aarch64-unknown-none/release/kernel"))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"board"},"executable":null}"#;
        assert_eq!(built_executable(lib, KERNEL_BIN), None);
        assert_eq!(
            built_executable(r#"{"reason":"build-finished","success":true}"#, KERNEL_BIN),
            None
        );
        assert_eq!(built_executable("not json", KERNEL_BIN), None);
    }
}
