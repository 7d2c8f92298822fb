//! Where things are: the workspace, cargo's target directory, the images, the host tools.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::{Board, ELF_NAME, IMG_NAME, RunError};

/// Environment variable that overrides the images directory (default `<target>/images`).
pub const IMAGES_DIR_ENV: &str = "RUVIX_IMAGES_DIR";

/// The workspace root (the directory whose `Cargo.toml` has `[workspace]`).
///
/// This crate lives at `<root>/tools/runner`, so the compile-time manifest directory gives the
/// root directly; if the binary was moved away from its source tree, the current directory and
/// its parents are searched instead.
pub fn workspace_root() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if is_workspace_root(&compiled) {
        return compiled.canonicalize().unwrap_or(compiled);
    }
    if let Ok(cwd) = env::current_dir()
        && let Some(found) = cwd.ancestors().find(|d| is_workspace_root(d))
    {
        return found.to_path_buf();
    }
    compiled
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|s| s.contains("[workspace]"))
}

/// Cargo's target directory, as the cargo that builds the images sees it: `CARGO_TARGET_DIR`
/// if set (relative paths are relative to the current directory, as for cargo), else what
/// `cargo metadata` reports (which honours `.cargo/config.toml`), else `<root>/target`.
/// Computed once per process: tests call it often and `cargo metadata` takes a while.
pub fn target_dir() -> PathBuf {
    static TARGET: OnceLock<PathBuf> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            if let Some(dir) = env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
                return absolute(PathBuf::from(dir));
            }
            let root = workspace_root();
            metadata_target_dir(&root).unwrap_or_else(|| root.join("target"))
        })
        .clone()
}

fn absolute(p: PathBuf) -> PathBuf {
    if p.is_absolute() {
        p
    } else {
        env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
    }
}

fn metadata_target_dir(root: &Path) -> Option<PathBuf> {
    let output = Command::new(cargo_program())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    meta.get("target_directory")?.as_str().map(PathBuf::from)
}

/// The cargo to run: the one that is running us (`CARGO`, set by `cargo run`), else `cargo`.
pub(crate) fn cargo_program() -> std::ffi::OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Where built images live: `$RUVIX_IMAGES_DIR`, or `<target>/images`.
pub fn images_dir() -> PathBuf {
    match env::var_os(IMAGES_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(dir) => absolute(PathBuf::from(dir)),
        None => target_dir().join("images"),
    }
}

/// One board's image directory: `<images>/<board>` or `<images>/<board>-test`.
pub fn image_dir(board: Board, test: bool) -> PathBuf {
    images_dir().join(board.image_name(test))
}

/// The board's test image directory, checked to hold both `kernel8.img` and `kernel.elf`.
pub fn test_image_dir(board: Board) -> Result<PathBuf, RunError> {
    let dir = image_dir(board, true);
    check_image_dir(&dir, "just build-test-images")?;
    Ok(dir)
}

/// Checks that `dir` holds an image and its ELF; the error names the command that builds it.
pub(crate) fn check_image_dir(dir: &Path, build_hint: &str) -> Result<(), RunError> {
    for name in [IMG_NAME, ELF_NAME] {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(RunError::ImageNotFound {
                path,
                hint: build_hint.to_owned(),
            });
        }
    }
    Ok(())
}

/// Looks for `name` on `PATH`, then in `extra` directories. A program found on `PATH` is
/// returned by bare name (so printed command lines stay short and copyable).
fn find_tool(name: &str, extra: &[PathBuf]) -> Option<PathBuf> {
    let on_path = env::var_os("PATH")
        .map(|p| env::split_paths(&p).any(|d| is_executable(&d.join(name))))
        .unwrap_or(false);
    if on_path {
        return Some(PathBuf::from(name));
    }
    extra
        .iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `cargo install` puts binaries in `$CARGO_HOME/bin` (default `~/.cargo/bin`), which is not
/// always on `PATH` (e.g. in CI shells or `sudo`).
fn cargo_bin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(home) = env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = env::var_os("HOME").filter(|h| !h.is_empty()) {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs
}

/// `qemu-system-aarch64` (QEMU ≥ 10 for `raspi4b`).
pub fn find_qemu() -> Result<PathBuf, RunError> {
    const NAME: &str = "qemu-system-aarch64";
    find_tool(NAME, &[]).ok_or_else(|| RunError::ToolMissing {
        tool: NAME,
        looked: "on PATH".into(),
    })
}

/// `defmt-print`, on `PATH` or in cargo's bin directory.
pub fn find_defmt_print() -> Result<PathBuf, RunError> {
    const NAME: &str = "defmt-print";
    let extra = cargo_bin_dirs();
    find_tool(NAME, &extra).ok_or_else(|| RunError::ToolMissing {
        tool: NAME,
        looked: format!("on PATH and in {}", join_paths(&extra)),
    })
}

pub(crate) fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `program args…` in the workspace root (so `rust-toolchain.toml` picks the toolchain)
/// and returns its trimmed stdout.
pub(crate) fn tool_output<S: AsRef<OsStr>>(program: S, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_has_this_crate() {
        let root = workspace_root();
        assert!(
            root.join("tools/runner/Cargo.toml").is_file(),
            "{}",
            root.display()
        );
    }

    #[test]
    fn image_dir_names() {
        assert!(image_dir(Board::Rpi3, true).ends_with("rpi3-test"));
        assert!(image_dir(Board::Rpi4, false).ends_with("rpi4"));
    }

    #[test]
    fn missing_image_names_the_build_command() {
        let err = check_image_dir(Path::new("/nonexistent/ruvix"), "just build-test-images")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("image not found"), "{err}");
        assert!(err.contains("/nonexistent/ruvix/kernel8.img"), "{err}");
        assert!(err.contains("run `just build-test-images`"), "{err}");
    }
}
