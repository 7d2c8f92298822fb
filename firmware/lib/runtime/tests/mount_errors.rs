//! Mount refuses what does not fit: imports outside the host interface or with another
//! signature, missing or mistyped exports, memory over the manifest's limit, features the
//! runtime does not enable, and kernel objects that do not match the manifest.

mod common;

use common::wat::{RUNTIME, component, module, queue, ram_region, system};
use common::{mount, mount_with};
use ruvix_manifest::RvfManifest;
use ruvix_queue::Queue;
use ruvix_runtime::{MountError, RegionBacking};

const NEVER: &str = r#"{ policy = "never" }"#;

fn one_component() -> RvfManifest {
    system(&[component("c", 1000, "", NEVER)])
}

/// Mounting `text` (a whole module) as the one component.
fn mount_module(text: &str) -> MountError {
    let wasm = wat::parse_str(text).unwrap();
    match mount(&one_component(), &[wasm]) {
        Ok(_) => panic!("mounted: {text}"),
        Err(error) => error,
    }
}

/// A module with `items` and everything else a component needs.
fn with(items: &str) -> String {
    format!(r#"(module {items} {RUNTIME} (func (export "run")))"#)
        // RUNTIME's helpers call these.
        .replace(
            "(module ",
            r#"(module
  (import "ruvix:host/capabilities@0.1.0" "lookup" (func $lookup (param i32 i32 i32)))
  (import "ruvix:host/regions@0.1.0" "write" (func $write (param i32 i32 i32 i32 i32)))
"#,
        )
}

#[test]
fn unknown_imports_are_refused_by_name() {
    for (module_name, name) in [
        ("ruvix:host/queues@0.1.0", "peek"),
        ("ruvix:host/queues@0.2.0", "send"),
        ("env", "abort"),
        ("wasi_snapshot_preview1", "fd_write"),
    ] {
        let error = mount_module(&with(&format!(
            r#"(import "{module_name}" "{name}" (func (param i32)))"#
        )));
        match &error {
            MountError::UnknownImport {
                component,
                module,
                name: n,
            } => {
                assert_eq!(
                    (component.as_str(), module.as_str(), n.as_str()),
                    ("c", module_name, name)
                );
            }
            other => panic!("{other}"),
        }
        assert_eq!(
            error.to_string(),
            format!(
                "component \"c\": imports \"{module_name}\" \"{name}\", which the host interface does not have"
            )
        );
    }
}

#[test]
fn imports_with_another_signature_are_refused() {
    let cases = [
        (
            r#"(import "ruvix:host/queues@0.1.0" "send" (func (param i32 i32 i32)))"#,
            "(i32, i32, i32, i32) -> ()",
            "(i32, i32, i32) -> ()",
        ),
        (
            r#"(import "ruvix:host/time@0.1.0" "sleep-us" (func (param i32 i32)))"#,
            "(i64, i32) -> ()",
            "(i32, i32) -> ()",
        ),
        (
            r#"(import "ruvix:host/task@0.1.0" "yield-now" (func (result i32)))"#,
            "() -> ()",
            "() -> (i32)",
        ),
        (
            r#"(import "ruvix:host/log@0.1.0" "write" (memory 1))"#,
            "(i32, i32, i32, i32) -> ()",
            "a memory",
        ),
    ];
    for (import, expected_signature, found_signature) in cases {
        match mount_module(&with(import)) {
            MountError::ImportSignature {
                expected, found, ..
            } => assert_eq!(
                (expected.as_str(), found.as_str()),
                (expected_signature, found_signature)
            ),
            other => panic!("{import}: {other}"),
        }
    }
}

#[test]
fn required_exports_are_checked() {
    let imports = r#"
  (import "ruvix:host/capabilities@0.1.0" "lookup" (func $lookup (param i32 i32 i32)))
  (import "ruvix:host/regions@0.1.0" "write" (func $write (param i32 i32 i32 i32 i32)))"#;
    let realloc =
        r#"(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))"#;
    let cases = [
        (format!(r#"(module {imports} {RUNTIME})"#), "run"),
        (
            format!(r#"(module {imports} {RUNTIME} (func (export "run") (param i32)))"#),
            "run",
        ),
        (
            format!(r#"(module {imports} {RUNTIME} (global (export "run") i32 (i32.const 0)))"#),
            "run",
        ),
        (
            format!(r#"(module (memory 1) {realloc} (func (export "run")))"#),
            "memory",
        ),
        (
            r#"(module (memory (export "memory") 1) (func (export "run")))"#.to_string(),
            "cabi_realloc",
        ),
        (
            r#"(module (memory (export "memory") 1) (func (export "run"))
                 (func (export "cabi_realloc") (param i32 i32 i32) (result i32) (i32.const 0)))"#
                .to_string(),
            "cabi_realloc",
        ),
    ];
    for (text, missing) in cases {
        match mount_module(&text) {
            MountError::Export { export, .. } => assert_eq!(export, missing, "{text}"),
            other => panic!("{text}: {other}"),
        }
    }
}

#[test]
fn memory_over_the_manifest_limit_fails_instantiation() {
    // The manifest gives 128 KiB (2 pages); this module wants 3 from the start.
    let text = with("").replace(
        r#"(memory (export "memory") 1)"#,
        r#"(memory (export "memory") 3)"#,
    );
    match mount_module(&text) {
        MountError::Instantiate { component, .. } => assert_eq!(component, "c"),
        other => panic!("{other}"),
    }
}

#[test]
fn invalid_modules_and_disabled_features_are_refused() {
    let start = with(r#"(func $s) (start $s)"#);
    let tail_call = with(r#"(func $f (return_call $g)) (func $g)"#);
    for text in [start, tail_call] {
        assert!(
            matches!(mount_module(&text), MountError::Compile { .. }),
            "{text}"
        );
    }
    let garbage = mount(&one_component(), &[b"\0asm\x01\0\0\0\x01".to_vec()]);
    assert!(matches!(garbage, Err(MountError::Compile { .. })));
}

#[test]
fn kernel_objects_must_match_the_manifest() {
    let manifest = system(&[
        component("a", 1000, "", NEVER),
        component("b", 1000, "", NEVER),
        ram_region("r", r#"a = "rw""#),
        queue("q", 2, 8, "a.out", "b.in"),
    ]);
    let body = r#"(func (export "run"))"#;
    let wasm = vec![module(body), module(body)];
    let refused = |tweak: fn(&mut common::Parts)| match mount_with(&manifest, &wasm, tweak) {
        Ok(_) => panic!("mounted"),
        Err(error) => error,
    };
    assert!(mount(&manifest, &wasm).is_ok());
    assert!(matches!(
        mount(&manifest, &wasm[..1]),
        Err(MountError::WasmCount {
            expected: 2,
            found: 1
        })
    ));
    assert!(matches!(
        refused(|p| p.queues[0] = Queue::new(3, 8).unwrap()),
        MountError::QueueShape { .. }
    ));
    assert!(matches!(
        refused(|p| p.queues.clear()),
        MountError::QueueCount {
            expected: 1,
            found: 0
        }
    ));
    assert!(matches!(
        refused(|p| p.regions[0] = RegionBacking::Mmio {
            base: 0x3F20_0000,
            size: 4096
        }),
        MountError::RegionShape { field: "kind", .. }
    ));
    assert!(matches!(
        refused(|p| p.regions[0] = RegionBacking::Ram(Vec::leak(vec![0; 8192]))),
        MountError::RegionShape { field: "size", .. }
    ));
    assert!(matches!(
        refused(|p| p.caps.swap(0, 1)),
        MountError::CapsOrder { position: 0, .. }
    ));
    assert!(matches!(
        refused(|p| {
            p.caps.pop();
        }),
        MountError::CapsCount {
            expected: 2,
            found: 1
        }
    ));
    assert!(matches!(
        refused(|p| p.platform.ticks_per_second = 0),
        MountError::ZeroTickRate
    ));
}

#[test]
fn a_successful_mount_reports_its_counts_and_grants() {
    let manifest = system(&[
        component("a", 1000, r#"log = "wo""#, NEVER),
        component("b", 1000, "", NEVER),
        ram_region("r", r#"a = "rw", b = "ro""#),
        queue("q", 2, 8, "a.out", "b.in"),
        queue("self", 1, 8, "a.loop-out", "a.loop-in"),
    ]);
    let body = r#"(func (export "run"))"#;
    let (runtime, report) = mount(&manifest, &[module(body), module(body)]).unwrap();
    assert_eq!(
        (
            report.components_mounted,
            report.tasks_spawned,
            report.queues_connected
        ),
        (2, 2, 2)
    );
    assert_eq!(report.components[0].name, "a");
    let platform = runtime.platform();
    let grants = platform.events_with("capability");
    assert_eq!(
        grants,
        [
            "a: capability \"log\" = handle 0: log (write)",
            "a: capability \"r\" = handle 1: region 0 (read+write)",
            "a: capability \"out\" = handle 2: queue 0 send end (send)",
            "a: capability \"loop-out\" = handle 3: queue 1 send end (send)",
            "a: capability \"loop-in\" = handle 4: queue 1 receive end (receive)",
            "b: capability \"r\" = handle 0: region 0 (read)",
            "b: capability \"in\" = handle 1: queue 0 receive end (receive)",
        ]
    );
}
