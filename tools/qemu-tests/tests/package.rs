//! Stages 1, 2 and 4 with the signed package, on both boards: the good package boots (embedded
//! and as an initrd), the witness log the kernel dumps verifies on the host, and every kind of
//! damaged package stops the boot at stage 1 with its own reason, before anything is created.

use std::path::PathBuf;

use ruvix_qemu_tests::*;
use ruvix_rvf::{Package, PackageBuilder, SigningKey};

const EXIT_BOOT_FAILED: i32 = 4;

fn good_package() -> Vec<u8> {
    let path = ruvix_runner::package::package_path(ruvix_runner::package::DEMO_MANIFEST);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: build the images first (just build)",
            path.display()
        )
    })
}

/// Write `bytes` to a file of its own for this test and board.
fn write_temp(board: Board, name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "ruvix-{}-{}-{name}.rvf",
        std::process::id(),
        board.name()
    ));
    std::fs::write(&path, bytes).expect("write the test package");
    path
}

fn expect_stages_1_2_4(run: &Outcome) {
    run.expect_in_order(&[
        "stage 0 hardware: ok",
        "package: signature ok (ML-DSA-65",
        "stage 1 verify: ok",
        "root task:",
        "stage 2 create: ok",
        "attestation: package",
        "witness begin v1",
        "witness end head=",
        "stage 4 attest: ok",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
}

fn embedded_package_passes_stages_and_witness_verifies(board: Board) {
    let run = boot_scenario(board, "boot");
    run.assert_line(&format!(
        "package: {} bytes, embedded in the image",
        good_package().len()
    ));
    expect_stages_1_2_4(&run);
    // The attestation names the package the host built.
    let package_hash = Package::parse(&good_package())
        .expect("good package")
        .sha256();
    let hex: String = package_hash.iter().map(|b| format!("{b:02x}")).collect();
    run.assert_line(&format!("attestation: package      {hex}"));
    // The host recomputes the hash chain from the dump.
    let summary = ruvix_witness::verify_dump(&run.lines.join("\n"))
        .unwrap_or_else(|e| panic!("witness chain does not verify: {e}\n{}", run.log()));
    assert_eq!(summary.attestations.len(), 1, "{summary}");
    run.assert_exit(EXIT_OK);
}

fn package_loaded_as_initrd_boots(board: Board) {
    let path = write_temp(board, "initrd-good", &good_package());
    let run = boot_with_initrd(board, &["boot"], &path);
    run.assert_line("device tree: initrd 0x");
    run.assert_line(", initrd at 0x");
    expect_stages_1_2_4(&run);
    run.assert_exit(EXIT_OK);
    let _ = std::fs::remove_file(path);
}

/// Boot a damaged package and check stage 1 refuses it with `reason` and nothing after runs.
fn refused(board: Board, name: &str, bytes: &[u8], reason: &str) {
    let path = write_temp(board, name, bytes);
    let run = boot_with_initrd(board, &["boot"], &path);
    let line = run.assert_line("stage 1 verify: failed: ");
    assert!(
        line.contains(reason),
        "{name}: expected the reason to contain {reason:?}, got {line:?}\n{}",
        run.log()
    );
    for later in [
        "stage 1 verify: ok",
        "stage 2",
        "stage 3",
        "stage 4",
        "selftest boot",
    ] {
        run.expect_no_line(later)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    run.assert_exit(EXIT_BOOT_FAILED);
    let _ = std::fs::remove_file(path);
}

fn corrupted_signature_is_refused(board: Board) {
    let mut bytes = good_package();
    let last = bytes.len() - 1;
    bytes[last - 100] ^= 0x01;
    refused(board, "bad-signature", &bytes, "signature does not verify");
}

fn flipped_component_byte_is_refused(board: Board) {
    let mut bytes = good_package();
    let offset = {
        let package = Package::parse(&bytes).expect("good package");
        let sensor = package.component("sensor").expect("sensor in the demo");
        sensor.wasm.as_ptr() as usize - bytes.as_ptr() as usize + 100
    };
    bytes[offset] ^= 0x20;
    refused(
        board,
        "flipped-blob",
        &bytes,
        "component \"sensor\": SHA-256 mismatch",
    );
}

fn package_signed_with_another_key_is_refused(board: Board) {
    let good = good_package();
    let package = Package::parse(&good).expect("good package");
    let mut builder = PackageBuilder::new(package.manifest());
    for component in package.components() {
        builder
            .component(component.name.as_str(), component.wasm)
            .expect("component");
    }
    let other = SigningKey::from_seed([0x5a; 32]);
    let bytes = builder.build(&other).expect("build with another key");
    refused(board, "other-key", &bytes, "signed with another key");
}

fn truncated_package_is_refused(board: Board) {
    let good = good_package();
    refused(board, "truncated", &good[..good.len() - 1000], "truncated");
}

fn wrong_magic_is_refused(board: Board) {
    let mut bytes = good_package();
    bytes[0] = b'X';
    refused(board, "bad-magic", &bytes, "bad magic");
}

fn wrong_version_is_refused(board: Board) {
    let mut bytes = good_package();
    bytes[8] = 2;
    refused(board, "bad-version", &bytes, "unsupported format version 2");
}

on_both_boards!(
    embedded_package_passes_stages_and_witness_verifies,
    package_loaded_as_initrd_boots,
    corrupted_signature_is_refused,
    flipped_component_byte_is_refused,
    package_signed_with_another_key_is_refused,
    truncated_package_is_refused,
    wrong_magic_is_refused,
    wrong_version_is_refused,
);
