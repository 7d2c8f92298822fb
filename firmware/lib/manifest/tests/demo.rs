//! `components/demo.toml` parses, validates for both boards, and survives encoding.

mod common;

use ruvix_manifest::{
    Access, BoardId, BoardLimits, ComponentField, ComponentIndex, KernelCap, Locator, RegionKind,
    RestartPolicy, RvfManifest, WiringPolicy, parse_toml_located,
};

const DEMO: &str = include_str!("../../../../components/demo.toml");

fn demo() -> RvfManifest {
    match common::parse(DEMO) {
        Ok(manifest) => manifest,
        Err(diagnostics) => panic!("demo.toml is invalid: {diagnostics:#?}"),
    }
}

#[test]
fn demo_validates_for_both_boards() {
    let manifest = demo();
    assert_eq!(manifest.validate(&BoardLimits::RPI3), Ok(()));
    assert_eq!(manifest.validate(&BoardLimits::RPI4), Ok(()));
    assert!(manifest.validate_all(&BoardLimits::RPI3).is_empty());
    assert!(manifest.validate_all(&BoardLimits::RPI4).is_empty());
}

#[test]
fn parse_needs_limits_for_every_target_board() {
    let errors = common::errors_for(DEMO, &[BoardLimits::RPI3]);
    let line = DEMO.lines().position(|l| l.starts_with("boards")).unwrap() + 1;
    assert_eq!(
        errors,
        [format!(
            "t.toml:{line}:10: system \"demo\": no board limits given for target board rpi4"
        )]
    );
    // The firmware validates against the board it detected.
    let detected = BoardLimits::new(
        BoardId::Rpi4,
        "Raspberry Pi 4B (2 GiB)",
        2 << 30,
        0xFE00_0000,
        0x0180_0000,
    );
    assert_eq!(demo().validate(&detected), Ok(()));
}

#[test]
fn demo_has_the_expected_shape() {
    let m = demo();
    assert_eq!(m.system, "demo");
    assert_eq!(m.boards, [BoardId::Rpi3, BoardId::Rpi4]);
    assert_eq!(m.wiring, WiringPolicy::Acyclic);
    let names: Vec<_> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["sensor", "filter", "sink", "blinky", "shell"]);
    let wasm: Vec<_> = m.components.iter().map(|c| c.wasm.as_str()).collect();
    assert_eq!(
        wasm,
        [
            "sensor.wasm",
            "filter.wasm",
            "sink.wasm",
            "blinky.wasm",
            "shell.wasm"
        ]
    );
    // The shell alone holds the console.
    let console: Vec<_> = m
        .components
        .iter()
        .filter(|c| c.grants.iter().any(|g| g.cap == KernelCap::Console))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(console, ["shell"]);
    assert!(
        m.components
            .iter()
            .all(|c| c.entry_points[0].export == "run")
    );
    assert_eq!(m.components[0].memory_pages, 32);
    assert_eq!(
        m.components[0].restart,
        RestartPolicy::Restart {
            max_restarts: 3,
            min_run_ms: 1000
        }
    );
    assert_eq!(m.components[2].restart, RestartPolicy::Never);
    assert_eq!(m.components[0].grants[0].cap, KernelCap::Log);
    assert_eq!(m.components[0].grants[0].rights, Access::WriteOnly);

    let summary = &m.regions[0];
    assert_eq!(
        (summary.name.as_str(), summary.kind, summary.size),
        ("summary", RegionKind::Ram, 4096)
    );
    assert_eq!(summary.access.len(), 1);
    assert_eq!(summary.access[0].component, ComponentIndex(2));
    assert_eq!(summary.access[0].rights, Access::ReadWrite);
    let gpio = &m.regions[1];
    assert_eq!(
        gpio.kind,
        RegionKind::Mmio {
            peripheral_offset: 0x200000
        }
    );
    assert_eq!(gpio.access[0].component, ComponentIndex(3));
    assert_eq!(BoardLimits::RPI3.mmio_address(0x200000), Some(0x3F20_0000));
    assert_eq!(BoardLimits::RPI4.mmio_address(0x200000), Some(0xFE20_0000));

    let readings = &m.queues[0];
    assert_eq!(readings.name, "readings");
    assert_eq!(
        (readings.from.component, readings.from.port.as_str()),
        (ComponentIndex(0), "out")
    );
    assert_eq!(
        (readings.to.component, readings.to.port.as_str()),
        (ComponentIndex(1), "in")
    );
    let filtered = &m.queues[1];
    assert_eq!(
        (filtered.from.component, filtered.to.component),
        (ComponentIndex(1), ComponentIndex(2))
    );
    assert_eq!(
        m.root_minimum,
        [
            KernelCap::Timer,
            KernelCap::InterruptQueue,
            KernelCap::WitnessLog
        ]
    );
    assert_eq!(m.witness_log.max_entries, 256);
    assert!(m.witness_log.hash_chain);
    assert_eq!(m.component_index("sink"), Some(ComponentIndex(2)));
}

#[test]
fn demo_round_trips_through_the_package_encoding() {
    let manifest = demo();
    let bytes = manifest.encode();
    let decoded = RvfManifest::decode(&bytes).expect("decodes");
    assert_eq!(decoded, manifest);
    assert_eq!(decoded.validate(&BoardLimits::RPI3), Ok(()));
}

#[test]
fn source_map_points_at_entry_point_exports() {
    // What the rvf tool uses to report a missing wasm export at the manifest line.
    let parsed = parse_toml_located("components/demo.toml", DEMO, &common::BOARDS).expect("valid");
    let diagnostic = parsed.source_map.diagnostic(
        Locator::Component(1, ComponentField::EntryExport(0)),
        "component \"filter\": filter.wasm does not export \"run\"",
    );
    let line = DEMO
        .lines()
        .position(|l| l.starts_with("name = \"filter\""))
        .unwrap()
        + 5;
    assert_eq!(
        diagnostic.to_string(),
        format!(
            "components/demo.toml:{line}:28: component \"filter\": filter.wasm does not export \"run\""
        )
    );
}
