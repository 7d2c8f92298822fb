//! `just new-component`, on both boards: a component generated from the template into a
//! temporary copy of the components workspace passes its host test, builds to a wasm module,
//! packs into a signed system with its own `system.toml`, and boots in QEMU on the image users
//! run, logging its first line (and a tick, so its timer grant works). The real `components/`
//! is left as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use ruvix_qemu_tests::*;
use ruvix_runner::new_component;

const NAME: &str = "fresh-probe";

/// Copies `from` to `to`, leaving out build output.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Runs cargo in `dir`; its output is shown only if it fails (it would clutter the test log).
fn cargo(dir: &Path, args: &[&str], target_dir: &Path) {
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("cargo");
    assert!(
        out.status.success(),
        "cargo {args:?} in {} failed\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Generates, tests, builds and packs the component once for both boards' tests.
fn package() -> &'static Path {
    static PACKAGE: OnceLock<PathBuf> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let root = ruvix_runner::workspace_root();
        let before = std::fs::read_to_string(root.join("components/Cargo.toml")).unwrap();

        let work = std::env::temp_dir().join(format!("ruvix-new-component-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        let components = work.join("components");
        copy_tree(&root.join("components"), &components);
        // `bench-compute` builds the compute suite from the firmware's crates.
        copy_tree(
            &root.join("firmware/lib/bench-suite"),
            &work.join("firmware/lib/bench-suite"),
        );
        let made = new_component::generate(&components, NAME).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(made.dir, components.join(NAME));

        // The target directories the real components build in (the host tests of `just
        // unit-test`, the modules of `just build`), so only the new crate and the copy's
        // `ruvix-guest` are compiled: registry dependencies are shared across workspaces.
        let host_target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("components/target"));
        cargo(&components, &["test", "-q", "-p", NAME], &host_target);
        let wasm_target = ruvix_runner::package::components_target_dir();
        cargo(
            &components,
            &[
                "build",
                "-q",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                NAME,
            ],
            &wasm_target,
        );
        let wasm_dir = wasm_target.join("wasm32-unknown-unknown/release");
        assert!(wasm_dir.join(new_component::wasm_file(NAME)).is_file());
        let package = work.join(format!("{NAME}.rvf"));
        ruvix_runner::package::pack_manifest(&made.system_manifest(), &wasm_dir, &package)
            .unwrap_or_else(|e| panic!("pack {}: {e:#}", made.system_manifest().display()));

        let _ = std::fs::remove_dir_all(&components);
        // The real tree is untouched.
        assert!(!root.join("components").join(NAME).exists());
        assert_eq!(
            std::fs::read_to_string(root.join("components/Cargo.toml")).unwrap(),
            before
        );
        package
    })
}

fn generated_component_boots_and_logs(board: Board) {
    let package = package();
    let started = format!("{NAME}: started");
    let tick = format!("{NAME}: tick 1");
    let run = Qemu::new(board, ruvix_runner::image_dir(board, false))
        .dtb(dtb(board))
        .initrd(package)
        .timeout(TIMEOUT)
        .run_until(|line| line.contains(&tick))
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(run.stopped, "no {tick:?}\n{}", run.log());
    run.expect_in_order(&[
        ", initrd at 0x",
        "stage 1 verify: ok",
        &format!("mount: {NAME}: "),
        "stage 3 mount: ok",
        "stage 4 attest: ok",
        &started,
        &tick,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_line("1 components mounted, 0 queues connected, 1 tasks spawned");
    run.expect_no_line("fault:")
        .unwrap_or_else(|e| panic!("{e}"));
}

on_both_boards!(generated_component_boots_and_logs);
