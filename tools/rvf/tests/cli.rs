//! The `rvf` binary as a user runs it: keygen, pack → verify → inspect on `components/demo.toml`
//! (with tiny wasm modules made here), every bad manifest in `components/bad/`, and the wasm
//! checks `pack` adds (missing export, wrong type, invalid module, missing file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root: tests run the tool from there, as a user would.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const DEV_SK: &str = "tools/keys/DEVELOPMENT-ONLY.sk";
const DEV_PK: &str = "tools/keys/DEVELOPMENT-ONLY.pk";

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("rvf-cli-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `rvf` from the repository root.
fn rvf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvf"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rvf")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "rvf failed:\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Asserts failure and returns stderr.
fn fails(output: Output) -> String {
    assert!(
        !output.status.success(),
        "rvf should have failed:\nstdout: {}",
        stdout(&output)
    );
    stderr(&output)
}

/// The exports every component needs besides its entry points (stage 3 checks them).
const COMPONENT_ABI: &str = "(memory (export \"memory\") 1) \
    (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 8)";

/// A core module exporting `exports` (functions taking and returning nothing).
fn module(exports: &[&str]) -> Vec<u8> {
    let funcs: String = exports
        .iter()
        .map(|name| format!("(func (export \"{name}\") nop)"))
        .collect();
    wat::parse_str(format!("(module {COMPONENT_ABI} {funcs})")).unwrap()
}

/// The demo's five components, each exporting `run`, in `dir`.
fn demo_wasm(dir: &TempDir) {
    for name in ["sensor", "filter", "sink", "blinky", "shell"] {
        std::fs::write(dir.join(&format!("{name}.wasm")), module(&["run"])).unwrap();
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `components/demo.toml` packed with the development key into `dir/demo.rvf`.
fn pack_demo(dir: &TempDir) -> PathBuf {
    demo_wasm(dir);
    let out = dir.join("demo.rvf");
    let output = rvf(&[
        "pack",
        "components/demo.toml",
        "--key",
        DEV_SK,
        "--wasm-dir",
        s(&dir.0),
        "-o",
        s(&out),
    ]);
    // blinky's GPIO page also holds the UART pins' function select: packed, with a warning.
    let warnings = stderr(&output);
    for board in ["rpi3", "rpi4"] {
        assert!(
            warnings
                .lines()
                .any(|l| l.starts_with("components/demo.toml:")
                    && l.contains("warning: region \"gpio\": MMIO range covers the GPIO page")
                    && l.contains(&format!(" of {board}: "))),
            "{warnings}"
        );
    }
    let text = ok(output);
    assert!(text.starts_with("packed system \"demo\" into "), "{text}");
    assert!(
        text.contains("5 components (sensor, filter, sink, blinky, shell)"),
        "{text}"
    );
    out
}

#[test]
fn keygen_writes_a_pair_and_will_not_overwrite_it() {
    let dir = TempDir::new();
    let text = ok(rvf(&["keygen", "--out", s(&dir.0), "--name", "mine"]));
    assert!(text.contains("mine.sk (secret: keep it private)"), "{text}");
    assert_eq!(std::fs::metadata(dir.join("mine.sk")).unwrap().len(), 32);
    assert_eq!(std::fs::metadata(dir.join("mine.pk")).unwrap().len(), 1952);
    let before = std::fs::read(dir.join("mine.sk")).unwrap();

    let err = fails(rvf(&["keygen", "--out", s(&dir.0), "--name", "mine"]));
    assert!(
        err.contains("mine.sk: already exists (use --force to overwrite it)"),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join("mine.sk")).unwrap(), before);

    ok(rvf(&[
        "keygen",
        "--out",
        s(&dir.0),
        "--name",
        "mine",
        "--force",
    ]));
    assert_ne!(std::fs::read(dir.join("mine.sk")).unwrap(), before);
}

#[test]
fn demo_pack_verify_inspect() {
    let dir = TempDir::new();
    let package = pack_demo(&dir);

    let text = ok(rvf(&["verify", s(&package), "--pubkey", DEV_PK]));
    assert!(
        text.contains(": OK: signature verifies with public key "),
        "{text}"
    );
    assert!(
        text.contains("system \"demo\", 5 components, manifest valid for rpi3, rpi4"),
        "{text}"
    );

    let tree = ok(rvf(&["inspect", s(&package), "--pubkey", DEV_PK]));
    for expected in [
        "RVF package, format version 1",
        "├─ header",
        "[0] manifest",
        "[1] component \"sensor\"",
        "signature (ML-DSA-65)",
        "system \"demo\" for rpi3, rpi4, queue wiring acyclic",
        "components (5)",
        "sensor (sensor.wasm, ",
        "entry points  run (priority 4)",
        "memory        2 MiB (32 wasm pages)",
        "restart       up to 3 times, at least 1000 ms apart",
        "grants        ",
        "summary: RAM, 4 KiB, access: sink rw",
        "gpio: MMIO at peripheral base + 0x200000, 4 KiB, access: blinky rw",
        "readings: sensor.out → filter.in, 8 messages of up to 16 bytes",
        "root keeps after SEC-001: timer, interrupt-queue, witness-log",
        "witness log: 256 entries, hash-chained",
        "hashes: all sections match their SHA-256",
        "└─ signature: verified with public key ",
    ] {
        assert!(tree.contains(expected), "missing {expected:?} in:\n{tree}");
    }
    // Without a key the tree still shows everything and says the signature was not checked.
    let tree = ok(rvf(&["inspect", s(&package)]));
    assert!(tree.contains("signature: not checked (give --pubkey KEY.pk to check it)"));

    let json = ok(rvf(&["inspect", s(&package), "--json", "--pubkey", DEV_PK]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["header"]["version"], 1);
    assert_eq!(value["signature"]["status"], "verified");
    assert_eq!(value["hashes_ok"], true);
    assert_eq!(value["sections"].as_array().unwrap().len(), 6);
    assert_eq!(value["manifest"]["system"], "demo");
    assert_eq!(value["manifest"]["components"][0]["name"], "sensor");
    assert_eq!(
        value["manifest"]["components"][0]["entry_points"][0]["export"],
        "run"
    );
    assert_eq!(
        value["manifest"]["regions"][1]["peripheral_offset"],
        0x200000
    );
    assert_eq!(
        value["manifest"]["queues"][0]["from"]["component"],
        "sensor"
    );
    assert_eq!(value["problems"].as_array().unwrap().len(), 0);
    assert_eq!(
        value["size"].as_u64().unwrap(),
        std::fs::metadata(&package).unwrap().len()
    );
}

#[test]
fn packing_twice_gives_the_same_bytes() {
    let dir = TempDir::new();
    let first = std::fs::read(pack_demo(&dir)).unwrap();
    let second = std::fs::read(pack_demo(&dir)).unwrap();
    assert_eq!(first, second);
}

/// Packs the demo, applies `damage`, and returns what `verify` says.
fn verify_damaged(damage: impl FnOnce(&mut Vec<u8>)) -> String {
    let dir = TempDir::new();
    let package = pack_demo(&dir);
    let mut bytes = std::fs::read(&package).unwrap();
    damage(&mut bytes);
    std::fs::write(&package, &bytes).unwrap();
    fails(rvf(&["verify", s(&package), "--pubkey", DEV_PK]))
}

/// Offset of component `index`'s bytes (entry `index + 1`; the manifest is entry 0).
fn blob_offset(bytes: &[u8], index: usize) -> usize {
    let entry = 64 + 80 * (index + 1);
    u32::from_le_bytes(bytes[entry + 4..entry + 8].try_into().unwrap()) as usize
}

#[test]
fn stage_one_failures_each_have_their_own_reason() {
    let corrupted_signature = verify_damaged(|b| {
        let at = b.len() - 3309 + 7;
        b[at] ^= 0x04;
    });
    assert!(
        corrupted_signature.contains("signature does not verify with the trusted public key"),
        "{corrupted_signature}"
    );

    let flipped_blob = verify_damaged(|b| {
        let at = blob_offset(b, 0) + 9;
        b[at] ^= 0x01;
    });
    assert!(
        flipped_blob.contains("component \"sensor\": SHA-256 mismatch"),
        "{flipped_blob}"
    );

    let truncated = verify_damaged(|b| b.truncate(b.len() - 100));
    assert!(
        truncated.contains("truncated: the header says the package is "),
        "{truncated}"
    );

    let magic = verify_damaged(|b| b[0] = b'X');
    assert!(
        magic.contains("bad magic: expected \"RUVIXRVF\""),
        "{magic}"
    );

    let version = verify_damaged(|b| b[8] = 2);
    assert!(
        version.contains("unsupported format version 2 (this build reads version 1)"),
        "{version}"
    );

    // Signed with another key.
    let dir = TempDir::new();
    let package = pack_demo(&dir);
    ok(rvf(&["keygen", "--out", s(&dir.0), "--name", "other"]));
    let other = dir.join("other.pk");
    let err = fails(rvf(&["verify", s(&package), "--pubkey", s(&other)]));
    assert!(
        err.contains("signed with another key: the package was signed by key "),
        "{err}"
    );

    let reasons = [
        &corrupted_signature,
        &flipped_blob,
        &truncated,
        &magic,
        &version,
        &err,
    ];
    for (i, a) in reasons.iter().enumerate() {
        for b in &reasons[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn inspect_reports_damage_and_fails() {
    let dir = TempDir::new();
    let package = pack_demo(&dir);
    let mut bytes = std::fs::read(&package).unwrap();
    let at = blob_offset(&bytes, 2) + 3;
    bytes[at] ^= 0x20;
    std::fs::write(&package, &bytes).unwrap();
    let output = rvf(&["inspect", s(&package), "--pubkey", DEV_PK]);
    assert!(!output.status.success());
    let tree = stdout(&output);
    assert!(tree.contains("MISMATCH"), "{tree}");
    assert!(
        tree.contains("hashes: component \"sink\": SHA-256 mismatch"),
        "{tree}"
    );
    assert!(
        tree.contains("signature: FAILED: component \"sink\": SHA-256 mismatch"),
        "{tree}"
    );
}

/// The 1-based line of the first line of `source` containing `needle` after the line
/// containing `after`.
fn line_of(source: &str, after: &str, needle: &str) -> usize {
    let start = source.lines().position(|l| l.contains(after)).unwrap();
    start
        + 1
        + source
            .lines()
            .skip(start)
            .position(|l| l.contains(needle))
            .unwrap()
}

#[test]
fn every_bad_manifest_is_rejected_with_file_line_and_reason() {
    // One per validation error the issue lists; the reason each must give.
    let cases = [
        (
            "unknown_component",
            "access names component \"sinc\", which does not exist",
        ),
        ("duplicate_name", "name is already used by component"),
        ("overlapping_regions", "overlaps region \"gpio\""),
        (
            "out_of_board_region",
            "does not fit in the peripheral window",
        ),
        (
            "queue_endpoint_missing",
            "endpoint component \"sinc\" does not exist",
        ),
        ("right_not_held", "exceeds the root's rights"),
        ("cyclic_wiring", "wiring must be acyclic"),
        (
            "interrupt_unknown_source",
            "source \"system-timer-2\" is unknown",
        ),
        ("interrupt_two_holders", "a device interrupt has one holder"),
        (
            "interrupt_holder_without_region",
            "without the region it needs to acknowledge the device",
        ),
        (
            "kernel_page_uart0",
            "covers the UART0 page (0x3f201000) of rpi3",
        ),
        (
            "kernel_page_uart0",
            "covers the UART0 page (0xfe201000) of rpi4",
        ),
        (
            "kernel_page_mailbox",
            "covers the mailbox and peripheral interrupt controller page (0x3f00b000) of rpi3",
        ),
        (
            "kernel_page_mailbox",
            "covers the mailbox page (0xfe00b000) of rpi4",
        ),
        (
            "kernel_page_arm_local",
            "covers the ARM-local interrupt controller page (0x40000000) of rpi3",
        ),
        (
            "kernel_page_gic_distributor",
            "covers the GIC distributor page (0xff841000) of rpi4",
        ),
        (
            "kernel_page_gic_cpu_interface",
            "covers the GIC CPU interface page (0xff842000) of rpi4",
        ),
    ];
    let dir = TempDir::new();
    demo_wasm(&dir);
    for (name, reason) in cases {
        let file = format!("components/bad/{name}.toml");
        let out = dir.join(&format!("{name}.rvf"));
        let err = fails(rvf(&[
            "pack",
            &file,
            "--key",
            DEV_SK,
            "--wasm-dir",
            s(&dir.0),
            "-o",
            s(&out),
        ]));
        let line = err
            .lines()
            .find(|l| l.contains(reason))
            .unwrap_or_else(|| panic!("{file}: expected {reason:?} in:\n{err}"));
        // file:line:column: reason
        let mut parts = line.splitn(4, ':');
        assert_eq!(parts.next(), Some(file.as_str()), "{line}");
        let line_no: usize = parts.next().unwrap().parse().expect("a line number");
        let column: usize = parts.next().unwrap().parse().expect("a column number");
        assert!(line_no > 1 && column >= 1, "{line}");
        if name.starts_with("kernel_page_") {
            // The line of the region's `peripheral_offset`, and the page's reason.
            let source = std::fs::read_to_string(root().join(&file)).unwrap();
            assert_eq!(
                line_no,
                line_of(&source, "[[region]]", "peripheral_offset"),
                "{line}"
            );
            assert!(line.contains("which the kernel keeps for itself"), "{line}");
        }
        assert!(err.contains("rvf pack: no package written"), "{err}");
        assert!(!out.exists(), "{file}: a package was written");
    }
    // Every file in components/bad/ is covered above.
    let mut files: Vec<String> = std::fs::read_dir(root().join("components/bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let mut covered: Vec<String> = cases.iter().map(|(n, _)| format!("{n}.toml")).collect();
    covered.sort();
    covered.dedup();
    assert_eq!(files, covered, "a bad manifest has no case in this test");
}

/// Packs the demo manifest with `blinky.wasm` replaced by `blinky`; returns stderr.
fn pack_demo_with_blinky(blinky: Option<Vec<u8>>) -> String {
    let dir = TempDir::new();
    demo_wasm(&dir);
    match blinky {
        Some(bytes) => std::fs::write(dir.join("blinky.wasm"), bytes).unwrap(),
        None => std::fs::remove_file(dir.join("blinky.wasm")).unwrap(),
    }
    let out = dir.join("demo.rvf");
    let err = fails(rvf(&[
        "pack",
        "components/demo.toml",
        "--key",
        DEV_SK,
        "--wasm-dir",
        s(&dir.0),
        "-o",
        s(&out),
    ]));
    assert!(!out.exists());
    err
}

#[test]
fn missing_entry_point_export_is_reported_at_its_line() {
    let source = std::fs::read_to_string(root().join("components/demo.toml")).unwrap();
    let line = line_of(&source, "name = \"blinky\"", "entry_points");
    let err = pack_demo_with_blinky(Some(module(&["start", "stop"])));
    let expected = format!("components/demo.toml:{line}:");
    let message = err
        .lines()
        .find(|l| l.starts_with(&expected))
        .unwrap_or_else(|| panic!("no message at line {line}:\n{err}"));
    assert!(
        message.ends_with(
            "component \"blinky\": entry point \"run\" is not exported by blinky.wasm (exports: \
             cabi_realloc, start, stop)"
        ),
        "{message}"
    );
}

#[test]
fn imports_outside_the_wit_world_are_refused() {
    // A function the host does not have.
    let unknown = wat::parse_str(format!(
        "(module (import \"ruvix:host/queues@0.1.0\" \"steal\" (func)) {COMPONENT_ABI} \
         (func (export \"run\") nop))"
    ))
    .unwrap();
    let err = pack_demo_with_blinky(Some(unknown));
    assert!(
        err.contains("component \"blinky\"") && err.contains("steal"),
        "{err}"
    );
    // A host function with the wrong core signature.
    let wrong = wat::parse_str(format!(
        "(module (import \"ruvix:host/task@0.1.0\" \"yield-now\" (func (param i32))) \
         {COMPONENT_ABI} (func (export \"run\") nop))"
    ))
    .unwrap();
    let err = pack_demo_with_blinky(Some(wrong));
    assert!(err.contains("yield-now"), "{err}");
    // No `cabi_realloc`: the host could not hand the component a list.
    let bare =
        wat::parse_str("(module (memory (export \"memory\") 1) (func (export \"run\") nop))")
            .unwrap();
    let err = pack_demo_with_blinky(Some(bare));
    assert!(err.contains("cabi_realloc"), "{err}");
}

#[test]
fn entry_point_of_the_wrong_type_is_reported() {
    let wasm = wat::parse_str("(module (func (export \"run\") (param i32)))").unwrap();
    let err = pack_demo_with_blinky(Some(wasm));
    assert!(
        err.contains(
            "component \"blinky\": entry point \"run\" of blinky.wasm has type (func (param i32)), \
             but an entry point takes and returns nothing"
        ),
        "{err}"
    );
}

#[test]
fn invalid_or_missing_wasm_is_reported() {
    let source = std::fs::read_to_string(root().join("components/demo.toml")).unwrap();
    let wasm_line = line_of(&source, "name = \"blinky\"", "wasm =");

    let err = pack_demo_with_blinky(Some(b"\0asm\x01\0\0\0\x99".to_vec()));
    assert!(
        err.contains(&format!("components/demo.toml:{wasm_line}:")),
        "{err}"
    );
    assert!(
        err.contains("component \"blinky\": blinky.wasm is not a valid WebAssembly module"),
        "{err}"
    );

    let err = pack_demo_with_blinky(Some(b"hello".to_vec()));
    assert!(
        err.contains("blinky.wasm is not a WebAssembly module"),
        "{err}"
    );

    let err = pack_demo_with_blinky(None);
    assert!(
        err.contains(&format!("components/demo.toml:{wasm_line}:")),
        "{err}"
    );
    assert!(err.contains("component \"blinky\": cannot read "), "{err}");
}

#[test]
fn wrong_key_files_are_named() {
    let dir = TempDir::new();
    demo_wasm(&dir);
    let out = dir.join("demo.rvf");
    let err = fails(rvf(&[
        "pack",
        "components/demo.toml",
        "--key",
        DEV_PK,
        "--wasm-dir",
        s(&dir.0),
        "-o",
        s(&out),
    ]));
    assert!(
        err.contains(
            "DEVELOPMENT-ONLY.pk: this is a public key (1952 bytes); a secret key file is 32 bytes"
        ),
        "{err}"
    );
    let package = pack_demo(&dir);
    let err = fails(rvf(&["verify", s(&package), "--pubkey", DEV_SK]));
    assert!(err.contains("this is a secret key (32 bytes)"), "{err}");
}

#[test]
fn the_development_key_pair_matches() {
    let sk = ruvix_rvf::SigningKey::load(root().join(DEV_SK)).unwrap();
    let pk = ruvix_rvf::PublicKey::load(root().join(DEV_PK)).unwrap();
    assert_eq!(sk.public_key(), pk);
}

/// A package signed with the development key whose blobs are `blobs`, with the demo manifest:
/// what a buggy or hostile packer could produce. `verify` must reject what stage 1 would.
fn signed_demo_with(blobs: &[(&str, Vec<u8>)]) -> (TempDir, PathBuf) {
    let source = std::fs::read_to_string(root().join("components/demo.toml")).unwrap();
    let manifest = ruvix_manifest::parse_toml(
        "demo.toml",
        &source,
        &[
            ruvix_manifest::BoardLimits::RPI3,
            ruvix_manifest::BoardLimits::RPI4,
        ],
    )
    .unwrap();
    let encoded = manifest.encode();
    let mut builder = ruvix_rvf::PackageBuilder::new(&encoded);
    for (name, wasm) in blobs {
        builder.component(name, wasm).unwrap();
    }
    let key = ruvix_rvf::SigningKey::load(root().join(DEV_SK)).unwrap();
    let bytes = builder.build(&key).unwrap();
    let dir = TempDir::new();
    let path = dir.join("odd.rvf");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn verify_checks_the_contents_like_stage_one() {
    let run = module(&["run"]);
    let (_dir, path) = signed_demo_with(&[
        ("sensor", run.clone()),
        ("filter", run.clone()),
        ("sink", run.clone()),
    ]);
    let err = fails(rvf(&["verify", s(&path), "--pubkey", DEV_PK]));
    assert!(
        err.contains("manifest component 3 \"blinky\" has no wasm blob in the package"),
        "{err}"
    );

    let (_dir, path) = signed_demo_with(&[
        ("sensor", run.clone()),
        ("filter", run.clone()),
        ("sink", run.clone()),
        ("blinky", module(&["start"])),
        ("shell", run.clone()),
    ]);
    let err = fails(rvf(&["verify", s(&path), "--pubkey", DEV_PK]));
    assert!(
        err.contains(
            "component \"blinky\": entry point \"run\" is not exported by blinky.wasm (exports: \
             cabi_realloc, start)"
        ),
        "{err}"
    );
    // inspect shows the same problem in its tree and fails.
    let output = rvf(&["inspect", s(&path)]);
    assert!(!output.status.success());
    assert!(
        stdout(&output).contains("problems (1)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_package_whose_manifest_does_not_decode_is_rejected() {
    let key = ruvix_rvf::SigningKey::load(root().join(DEV_SK)).unwrap();
    let bytes = ruvix_rvf::PackageBuilder::new(b"not postcard")
        .build(&key)
        .unwrap();
    let dir = TempDir::new();
    let path = dir.join("junk.rvf");
    std::fs::write(&path, bytes).unwrap();
    let err = fails(rvf(&["verify", s(&path), "--pubkey", DEV_PK]));
    assert!(err.contains("the manifest does not decode: "), "{err}");
    let output = rvf(&["inspect", s(&path)]);
    assert!(!output.status.success());
    assert!(stdout(&output).contains("manifest: the manifest does not decode"));
}
