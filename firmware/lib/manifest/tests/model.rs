//! Validation of manifests built in code (as the firmware sees them after `decode`): the errors
//! no TOML file can produce, first-error vs all-errors, and hostile values.

mod common;

use ruvix_manifest::{
    Access, BoardId, BoardLimits, ComponentDecl, ComponentField, ComponentIndex, Counted, Endpoint,
    EntryPoint, Grant, ItemKind, KernelCap, Locator, Problem, QueueField, QueueWiring,
    ROOT_BOOT_SET, RegionAccess, RegionDecl, RegionField, RegionKind, RestartPolicy, RootField,
    RvfManifest, SystemField, ValidationError, WitnessLogField, root_capability,
};

fn base() -> RvfManifest {
    common::parse(common::BASE).expect("valid")
}

fn errors(m: &RvfManifest) -> Vec<String> {
    m.validate_all(&BoardLimits::RPI3)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn queue(from: u16, to: u16) -> QueueWiring {
    QueueWiring {
        name: "q".into(),
        depth: 4,
        message_size: 16,
        from: Endpoint {
            component: ComponentIndex(from),
            port: "out".into(),
        },
        to: Endpoint {
            component: ComponentIndex(to),
            port: "in".into(),
        },
    }
}

#[test]
fn unsupported_version() {
    let mut m = base();
    m.version = 7;
    let error = m.validate(&BoardLimits::RPI3).unwrap_err();
    assert_eq!(error.locator, Locator::System(SystemField::Version));
    assert_eq!(
        error.to_string(),
        "system \"t\": manifest format version 7 is not supported (expected 3)"
    );
}

#[test]
fn board_not_targeted() {
    let mut m = base();
    m.boards = vec![BoardId::Rpi3];
    assert_eq!(m.validate(&BoardLimits::RPI3), Ok(()));
    assert_eq!(
        m.validate(&BoardLimits::RPI4).unwrap_err().to_string(),
        "system \"t\": is not built for board rpi4 (it is not in boards)"
    );
}

#[test]
fn endpoint_index_out_of_range() {
    let mut m = base();
    m.queues.push(queue(0, 9));
    let error = m.validate(&BoardLimits::RPI3).unwrap_err();
    assert_eq!(error.locator, Locator::Queue(0, QueueField::To));
    assert_eq!(
        error.to_string(),
        "queue \"q\": to endpoint names component index 9, but there are only 3 components"
    );
}

#[test]
fn access_index_out_of_range_and_duplicate_access() {
    let mut m = base();
    m.regions.push(RegionDecl {
        name: "r".into(),
        kind: RegionKind::Ram,
        size: 4096,
        access: vec![
            RegionAccess {
                component: ComponentIndex(0),
                rights: Access::ReadOnly,
            },
            RegionAccess {
                component: ComponentIndex(0),
                rights: Access::ReadWrite,
            },
            RegionAccess {
                component: ComponentIndex(3),
                rights: Access::ReadWrite,
            },
        ],
    });
    assert_eq!(
        errors(&m),
        [
            "region \"r\": component \"a\" is given access twice",
            "region \"r\": access names component index 3, but there are only 3 components",
        ]
    );
    let all = m.validate_all(&BoardLimits::RPI3);
    assert_eq!(
        all[0].locator,
        Locator::Region(0, RegionField::AccessEntry(1))
    );
    assert_eq!(
        all[1].locator,
        Locator::Region(0, RegionField::AccessEntry(2))
    );
}

#[test]
fn duplicate_grant() {
    let mut m = base();
    m.components[0].grants = vec![
        Grant {
            cap: KernelCap::Log,
            rights: Access::WriteOnly,
        },
        Grant {
            cap: KernelCap::Log,
            rights: Access::WriteOnly,
        },
    ];
    let error = m.validate(&BoardLimits::RPI3).unwrap_err();
    assert_eq!(
        error.locator,
        Locator::Component(0, ComponentField::Grant(1))
    );
    assert_eq!(
        error.to_string(),
        "component \"a\": capability \"log\" is granted twice"
    );
}

#[test]
fn time_slice_out_of_range() {
    for time_slice_ms in [0, 1001] {
        let mut m = base();
        m.components[2].time_slice_ms = time_slice_ms;
        let error = m.validate(&BoardLimits::RPI3).unwrap_err();
        assert_eq!(
            error.locator,
            Locator::Component(2, ComponentField::TimeSlice)
        );
        assert_eq!(error.subject, "c");
        assert_eq!(error.problem, Problem::TimeSlice { time_slice_ms });
        assert_eq!(
            error.to_string(),
            format!("component \"c\": time_slice_ms {time_slice_ms} is out of range (1..=1000)")
        );
    }
    let mut m = base();
    m.components[0].time_slice_ms = 1;
    m.components[1].time_slice_ms = 1000;
    assert_eq!(m.validate(&BoardLimits::RPI3), Ok(()));
}

#[test]
fn validate_returns_the_first_of_validate_all() {
    let mut m = base();
    m.components[1].fuel_slice = 0;
    m.components[2].memory_pages = 0;
    m.witness_log.max_entries = 0;
    let all = m.validate_all(&BoardLimits::RPI3);
    assert_eq!(all.len(), 3);
    assert_eq!(m.validate(&BoardLimits::RPI3), Err(all[0].clone()));
    assert_eq!(all[0].problem, Problem::FuelSlice { fuel: 0 });
    assert_eq!(all[0].subject, "b");
    assert_eq!(
        all[2].locator,
        Locator::WitnessLog(WitnessLogField::MaxEntries)
    );
    assert_eq!(
        all[2].to_string(),
        "witness log: max_entries 0 is out of range (1..=65536)"
    );
}

#[test]
fn too_many_components_stops_checking() {
    let mut m = base();
    let template = m.components[0].clone();
    m.components = (0..40)
        .map(|i| ComponentDecl {
            name: format!("c{i}"),
            fuel_slice: 0, // would be an error each, but checking stops first
            time_slice_ms: 0,
            ..template.clone()
        })
        .collect();
    let all = m.validate_all(&BoardLimits::RPI3);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].locator, Locator::Component(32, ComponentField::Item));
    assert_eq!(
        all[0].problem,
        Problem::TooMany {
            what: Counted::Components,
            count: 40,
            max: 32
        }
    );
    assert_eq!(
        all[0].to_string(),
        "component \"c32\": too many components: 40 (at most 32)"
    );
}

#[test]
fn too_many_entry_points() {
    let mut m = base();
    m.components[0].entry_points = (0..9)
        .map(|i| EntryPoint {
            export: format!("e{i}"),
            priority: 0,
        })
        .collect();
    assert_eq!(
        errors(&m),
        ["component \"a\": too many entry points: 9 (at most 8)"]
    );
}

#[test]
fn empty_and_hostile_names() {
    let mut m = base();
    m.components[0].name = String::new();
    m.components[1].wasm = "b.wasm/../x".into();
    m.components[2].entry_points[0].export = "\u{7f}".into();
    m.system = "x".repeat(10_000);
    let all = errors(&m);
    assert_eq!(all.len(), 4);
    assert!(all[0].ends_with(
        "is invalid: use 1 to 32 characters of a-z, 0-9, '_' and '-', starting with a letter"
    ));
    // A long name is cut short in the message.
    assert!(all[0].len() < 300, "{}", all[0]);
    assert!(all[1].starts_with("component \"\": name \"\" is invalid"));
    assert!(all[2].starts_with("component \"b\": wasm file name \"b.wasm/../x\" is invalid"));
    assert!(all[3].starts_with("component \"c\": export name \"\u{7f}\" is invalid"));
}

#[test]
fn extreme_values_do_not_overflow() {
    let mut m = base();
    m.components[0].memory_pages = u32::MAX;
    m.components[0].fuel_slice = u64::MAX;
    m.components[0].time_slice_ms = u32::MAX;
    m.components[0].restart = RestartPolicy::Restart {
        max_restarts: u32::MAX,
        min_run_ms: u32::MAX,
    };
    m.components[0].entry_points[0].priority = u8::MAX;
    let mut q = queue(0, 1);
    q.depth = u32::MAX;
    q.message_size = u32::MAX;
    m.queues.push(q);
    m.regions.push(RegionDecl {
        name: "huge".into(),
        kind: RegionKind::Mmio {
            peripheral_offset: u64::MAX - 4095,
        },
        size: 4096,
        access: vec![],
    });
    m.regions.push(RegionDecl {
        name: "max".into(),
        kind: RegionKind::Ram,
        size: !4095,
        access: vec![],
    });
    m.witness_log.max_entries = u32::MAX;
    let all = errors(&m);
    assert_eq!(
        all,
        [
            "component \"a\": memory limit of 4294967295 wasm pages is out of range (1..=16384)",
            "component \"a\": fuel_slice 18446744073709551615 is out of range (1..=1000000000)",
            "component \"a\": time_slice_ms 4294967295 is out of range (1..=1000)",
            "component \"a\": entry point \"run\": priority 255 is out of range (0..=15)",
            "component \"a\": restart policy: max_restarts 4294967295 is out of range (1..=1000)",
            "component \"a\": restart policy: min_run_ms 4294967295 is out of range \
             (1..=3600000)",
            "region \"huge\": MMIO range at peripheral_offset 0xfffffffffffff000 of size 0x1000 \
             does not fit in the peripheral window of rpi3 (0x1000000 bytes at 0x3f000000)",
            "region \"max\": size 0xfffffffffffff000 is larger than the limit 0x40000000",
            "queue \"q\": depth 4294967295 is out of range (1..=1024)",
            "queue \"q\": message_size 4294967295 is out of range (1..=4096)",
            "witness log: max_entries 4294967295 is out of range (1..=65536)",
        ]
    );
}

#[test]
fn root_minimum_checks() {
    let mut m = base();
    m.root_minimum = vec![
        KernelCap::Timer,
        KernelCap::PhysicalMemory,
        KernelCap::Timer,
    ];
    let all = m.validate_all(&BoardLimits::RPI3);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].locator, Locator::Root(RootField::MinimumEntry(1)));
    assert_eq!(all[0].locator.item_kind(), ItemKind::Root);
    assert_eq!(
        all[1].to_string(),
        "root: minimum set names \"timer\" twice"
    );
}

#[test]
fn empty_root_minimum_is_allowed() {
    let mut m = base();
    m.root_minimum.clear();
    assert_eq!(m.validate(&BoardLimits::RPI3), Ok(()));
}

#[test]
fn cycle_through_many_components_is_found_without_recursion() {
    let mut m = base();
    let template = m.components[0].clone();
    m.components = (0..32)
        .map(|i| ComponentDecl {
            name: format!("c{i}"),
            ..template.clone()
        })
        .collect();
    m.queues = (0..32u16)
        .map(|i| QueueWiring {
            name: format!("q{i}"),
            ..queue(i, (i + 1) % 32)
        })
        .collect();
    let error = m.validate(&BoardLimits::RPI3).unwrap_err();
    assert_eq!(error.locator, Locator::Queue(31, QueueField::To));
    match &error.problem {
        Problem::WiringCycle { cycle } => {
            assert_eq!(cycle.len(), 33);
            assert_eq!((cycle[0].as_str(), cycle[32].as_str()), ("c0", "c0"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn locator_parents_lead_to_the_item() {
    let mut at = Some(Locator::Component(2, ComponentField::EntryPriority(1)));
    let mut chain = Vec::new();
    while let Some(locator) = at {
        chain.push(locator);
        at = locator.parent();
    }
    assert_eq!(
        chain,
        [
            Locator::Component(2, ComponentField::EntryPriority(1)),
            Locator::Component(2, ComponentField::EntryExport(1)),
            Locator::Component(2, ComponentField::EntryPoints),
            Locator::Component(2, ComponentField::Item),
        ]
    );
}

#[test]
fn root_boot_set_covers_every_capability_once() {
    for cap in KernelCap::ALL {
        assert_eq!(
            ROOT_BOOT_SET
                .iter()
                .filter(|entry| entry.cap == cap)
                .count(),
            1,
            "{cap}"
        );
        assert_eq!(root_capability(cap).map(|entry| entry.cap), Some(cap));
    }
    assert!(
        !root_capability(KernelCap::PhysicalMemory)
            .unwrap()
            .retainable
    );
}

#[test]
fn rights_only_reduce() {
    use Access::*;
    assert!(
        ReadWrite.covers(ReadOnly) && ReadWrite.covers(WriteOnly) && ReadWrite.covers(ReadWrite)
    );
    assert!(
        ReadOnly.covers(ReadOnly) && !ReadOnly.covers(ReadWrite) && !ReadOnly.covers(WriteOnly)
    );
    assert!(WriteOnly.covers(WriteOnly) && !WriteOnly.covers(ReadOnly));
    assert!(ReadOnly.can_read() && !ReadOnly.can_write());
}

#[test]
fn validation_error_is_a_std_error() {
    let error: Box<dyn std::error::Error> = Box::new(ValidationError {
        locator: Locator::System(SystemField::Item),
        subject: "t".into(),
        problem: Problem::NoComponents,
    });
    assert_eq!(error.to_string(), "system \"t\": declares no components");
}
