extern crate std;

use std::format;
use std::string::ToString;
use std::vec::Vec;

use ruvix_manifest::{
    Access, BoardLimits, Endpoint, Grant, QueueWiring, RegionAccess, RvfManifest, parse_toml,
};

use super::*;
use crate::boot::BootCapabilitySet;
use crate::object::{InterruptId, MemoryRange, ObjectKind, QueueId, RegionId};
use crate::token::MintToken;

const DEMO: &str = include_str!("../../../../../components/demo.toml");

const RW: Rights = Rights::READ.union(Rights::WRITE);

fn demo() -> RvfManifest {
    parse_toml("demo.toml", DEMO, &[BoardLimits::RPI3, BoardLimits::RPI4])
        .unwrap_or_else(|diagnostics| panic!("demo.toml does not parse: {diagnostics:?}"))
}

/// The root for `manifest` on a Pi 3's RAM, with objects in manifest order.
fn root(manifest: &RvfManifest) -> (BootCapabilitySet, ObjectIds) {
    let objects = ObjectIds::in_manifest_order(manifest);
    let ram = [MemoryRange::new(0, 0x3B40_0000).unwrap()];
    let set = BootCapabilitySet::new(&MintToken::for_tests(), &ram, &objects).unwrap();
    (set, objects)
}

fn run(manifest: &RvfManifest) -> Result<CapabilityDistribution, DistributionError> {
    let (set, objects) = root(manifest);
    distribute(set.table(), manifest, &objects)
}

/// (name, handle, object, rights) of every capability a component received.
fn summary(caps: &ComponentCaps) -> Vec<(&str, u32, ObjectRef, Rights)> {
    caps.entries()
        .map(|(named, cap)| {
            (
                named.name.as_str(),
                named.handle.0,
                cap.object(),
                cap.rights(),
            )
        })
        .collect()
}

#[test]
fn demo_components_get_exactly_their_capabilities() {
    let manifest = demo();
    let distribution = run(&manifest).unwrap();
    let names: Vec<_> = distribution
        .components()
        .iter()
        .map(ComponentCaps::name)
        .collect();
    assert_eq!(names, ["sensor", "filter", "sink", "blinky", "shell"]);
    let by_name = |name: &str| {
        let index = manifest.component_index(name).unwrap();
        distribution.component(index).unwrap()
    };
    // Queues: 0 = readings (sensor.out -> filter.in), 1 = filtered (filter.out -> sink.in).
    // Regions: 0 = summary (sink rw), 1 = gpio (blinky rw).
    assert_eq!(
        summary(by_name("sensor")),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("timer", 1, ObjectRef::Timer, Rights::READ),
            ("out", 2, ObjectRef::QueueSend(QueueId(0)), Rights::SEND),
        ]
    );
    assert_eq!(
        summary(by_name("filter")),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("timer", 1, ObjectRef::Timer, Rights::READ),
            (
                "in",
                2,
                ObjectRef::QueueReceive(QueueId(0)),
                Rights::RECEIVE
            ),
            ("out", 3, ObjectRef::QueueSend(QueueId(1)), Rights::SEND),
        ]
    );
    assert_eq!(
        summary(by_name("sink")),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("timer", 1, ObjectRef::Timer, Rights::READ),
            ("summary", 2, ObjectRef::Region(RegionId(0)), RW),
            (
                "in",
                3,
                ObjectRef::QueueReceive(QueueId(1)),
                Rights::RECEIVE
            ),
        ]
    );
    assert_eq!(
        summary(by_name("blinky")),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("timer", 1, ObjectRef::Timer, Rights::READ),
            ("gpio", 2, ObjectRef::Region(RegionId(1)), RW),
        ]
    );
    assert_eq!(
        summary(by_name("shell")),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("console", 1, ObjectRef::Console, Rights::READ),
            ("system-info", 2, ObjectRef::SystemInfo, Rights::READ),
        ]
    );
}

#[test]
fn demo_tables_are_exact_sealed_and_badged() {
    let manifest = demo();
    let distribution = run(&manifest).unwrap();
    for caps in distribution.components() {
        let table = caps.table();
        assert!(table.is_sealed(), "{}", caps.name());
        assert_eq!(table.len(), caps.len(), "{}", caps.name());
        assert_eq!(table.capacity(), caps.len(), "allocated to fit");
        for (_, cap) in table.iter() {
            assert_eq!(cap.badge(), Badge::component(caps.component()));
            assert!(
                !cap.rights().contains(Rights::GRANT),
                "components cannot delegate"
            );
        }
    }
    let sink = distribution
        .component(manifest.component_index("sink").unwrap())
        .unwrap();
    assert_eq!(sink.lookup("summary"), Some(Handle(2)));
    assert_eq!(sink.lookup("in"), Some(Handle(3)));
    assert_eq!(sink.lookup("out"), None);
    assert_eq!(sink.lookup("gpio"), None, "another component's region");
    assert_eq!(
        (sink.grants(), sink.regions(), sink.queue_ends()),
        (2, 1, 1)
    );
    assert_eq!(sink.names()[2].source, CapSource::Region { region: 0 });
    assert_eq!(
        (
            distribution.capabilities(),
            distribution.grants(),
            distribution.regions(),
            distribution.queue_ends()
        ),
        (17, 11, 2, 4)
    );
}

#[test]
fn every_component_right_is_a_subset_of_the_roots() {
    let manifest = demo();
    let (set, objects) = root(&manifest);
    let distribution = distribute(set.table(), &manifest, &objects).unwrap();
    for caps in distribution.components() {
        for (_, cap) in caps.table().iter() {
            let (_, source) = set.table().find(cap.object()).unwrap();
            assert!(cap.rights().is_subset_of(source.rights()));
        }
    }
}

#[test]
fn host_calls_check_through_the_component_table() {
    let manifest = demo();
    let distribution = run(&manifest).unwrap();
    let filter = distribution
        .component(manifest.component_index("filter").unwrap())
        .unwrap();
    let table = filter.table();
    let input = filter.lookup("in").unwrap();
    assert!(
        table
            .check(input, ObjectKind::QueueReceive, Rights::RECEIVE)
            .is_ok()
    );
    // Sending on the receive end, reading the log, using a handle it does not have.
    assert!(matches!(
        table.check(input, ObjectKind::QueueSend, Rights::SEND),
        Err(CapError::WrongKind { .. })
    ));
    let log = filter.lookup("log").unwrap();
    assert!(matches!(
        table.check(log, ObjectKind::Log, Rights::READ),
        Err(CapError::Denied { .. })
    ));
    assert_eq!(
        filter.lookup("gpio"),
        None,
        "the filter has no access to blinky's region"
    );
    assert!(matches!(
        table.check(Handle(4), ObjectKind::Timer, Rights::READ),
        Err(CapError::BadHandle { .. })
    ));
}

#[test]
fn distribution_then_the_sec_001_drop() {
    let manifest = demo();
    let (mut set, objects) = root(&manifest);
    let distribution = distribute(set.table(), &manifest, &objects).unwrap();
    set.reduce_to_minimum(&manifest.root_minimum, MintToken::for_tests())
        .unwrap();
    let kinds: Vec<_> = set.table().iter().map(|(_, cap)| cap.kind()).collect();
    assert_eq!(
        kinds,
        [
            ObjectKind::Timer,
            ObjectKind::InterruptQueue,
            ObjectKind::WitnessLog
        ]
    );
    // The components keep what they were given; nothing more can be distributed.
    assert_eq!(distribution.capabilities(), 17);
    assert_eq!(
        distribute(set.table(), &manifest, &objects).unwrap_err(),
        DistributionError::RootSealed
    );
}

#[test]
fn a_right_the_root_lacks_is_refused() {
    // Validation would reject this manifest; the distribution must refuse it on its own.
    let mut manifest = demo();
    let sink = manifest.component_index("sink").unwrap();
    manifest.components[sink.get()].grants[1] = Grant {
        cap: KernelCap::Timer,
        rights: Access::ReadWrite,
    };
    let error = run(&manifest).unwrap_err();
    assert_eq!(
        error,
        DistributionError::Derive {
            component: "sink".to_string(),
            name: "timer".to_string(),
            error: CapError::Denied {
                object: ObjectRef::Timer,
                needed: RW,
                held: Rights::READ | Rights::GRANT,
            },
        }
    );
    assert_eq!(
        format!("{error}"),
        "component \"sink\": capability \"timer\": derivation refused: capability on timer \
         denied: needs read+write, holds read+grant"
    );
}

#[test]
fn a_region_right_the_root_lacks_is_refused() {
    let manifest = demo();
    let (mut set, objects) = root(&manifest);
    // A root that holds the gpio region read-only.
    let (gpio, _) = set.table().find(ObjectRef::Region(RegionId(1))).unwrap();
    set.table_mut()
        .restrict(gpio, Rights::READ | Rights::GRANT)
        .unwrap();
    assert!(matches!(
        distribute(set.table(), &manifest, &objects),
        Err(DistributionError::Derive {
            ref component,
            ref name,
            error: CapError::Denied { .. },
        }) if component == "blinky" && name == "gpio"
    ));
    // And one that cannot derive from it at all.
    set.table_mut().restrict(gpio, RW).unwrap();
    assert!(matches!(
        distribute(set.table(), &manifest, &objects),
        Err(DistributionError::Derive {
            error: CapError::NotDerivable { .. },
            ..
        })
    ));
}

#[test]
fn an_object_the_root_does_not_hold_is_refused() {
    let manifest = demo();
    let (mut set, objects) = root(&manifest);
    let (send, _) = set.table().find(ObjectRef::QueueSend(QueueId(1))).unwrap();
    set.table_mut().remove(send).unwrap();
    assert_eq!(
        distribute(set.table(), &manifest, &objects).unwrap_err(),
        DistributionError::RootLacks {
            component: "filter".to_string(),
            name: "out".to_string(),
            object: ObjectRef::QueueSend(QueueId(1)),
        }
    );
}

#[test]
fn non_delegable_grants_are_refused() {
    for cap in [
        KernelCap::PhysicalMemory,
        KernelCap::InterruptQueue,
        KernelCap::Package,
    ] {
        let mut manifest = demo();
        manifest.components[0].grants.push(Grant {
            cap,
            rights: Access::ReadOnly,
        });
        assert_eq!(
            run(&manifest).unwrap_err(),
            DistributionError::NotDelegable {
                component: "sensor".to_string(),
                cap,
            }
        );
    }
}

#[test]
fn names_must_be_unique_within_a_component() {
    let mut manifest = demo();
    // A port named like the component's log grant.
    manifest.queues[0].from.port = "log".to_string();
    assert_eq!(
        run(&manifest).unwrap_err(),
        DistributionError::DuplicateName {
            component: "sensor".to_string(),
            name: "log".to_string(),
        }
    );
}

#[test]
fn missing_objects_and_unknown_components_are_refused() {
    let manifest = demo();
    let (set, mut objects) = root(&manifest);
    objects.regions.pop();
    assert_eq!(
        distribute(set.table(), &manifest, &objects).unwrap_err(),
        DistributionError::MissingObject {
            item: "region",
            index: 1,
            name: "gpio".to_string(),
        }
    );
    let (set, mut objects) = root(&manifest);
    objects.queues.clear();
    assert!(matches!(
        distribute(set.table(), &manifest, &objects),
        Err(DistributionError::MissingObject {
            item: "queue",
            index: 0,
            ..
        })
    ));

    let mut bad = demo();
    bad.regions[0].access.push(RegionAccess {
        component: ComponentIndex(9),
        rights: Access::ReadOnly,
    });
    assert!(matches!(
        run(&bad),
        Err(DistributionError::UnknownComponent { item: "region", .. })
    ));
    let mut bad = demo();
    bad.queues.push(QueueWiring {
        name: "ghost".to_string(),
        depth: 1,
        message_size: 1,
        from: Endpoint {
            component: ComponentIndex(0),
            port: "x".to_string(),
        },
        to: Endpoint {
            component: ComponentIndex(40),
            port: "y".to_string(),
        },
    });
    assert_eq!(
        run(&bad).unwrap_err(),
        DistributionError::UnknownComponent {
            item: "queue",
            name: "ghost".to_string(),
            component: ComponentIndex(40),
        }
    );
}

#[test]
fn a_component_can_hold_both_ends_of_a_queue() {
    let mut manifest = demo();
    manifest.queues.push(QueueWiring {
        name: "loop".to_string(),
        depth: 2,
        message_size: 4,
        from: Endpoint {
            component: ComponentIndex(3),
            port: "tx".to_string(),
        },
        to: Endpoint {
            component: ComponentIndex(3),
            port: "rx".to_string(),
        },
    });
    let distribution = run(&manifest).unwrap();
    let blinky = distribution.component(ComponentIndex(3)).unwrap();
    assert_eq!(blinky.lookup("tx"), Some(Handle(3)));
    assert_eq!(blinky.lookup("rx"), Some(Handle(4)));
    assert_eq!(blinky.queue_ends(), 2);
}

#[test]
fn a_component_without_capabilities_gets_an_empty_sealed_table() {
    let mut manifest = demo();
    manifest.components[3].grants.clear();
    manifest.regions.truncate(1);
    let distribution = run(&manifest).unwrap();
    let blinky = distribution.component(ComponentIndex(3)).unwrap();
    assert!(blinky.is_empty());
    assert!(blinky.table().is_sealed());
    assert_eq!(blinky.table().capacity(), 0);
}

/// A `ticker` holding the system timer's compare-1 interrupt and a `uart-echo` holding AUX's,
/// each with the device page it acknowledges through; `idle` holds nothing.
const INTERRUPTS: &str = r#"
[system]
name = "irqs"
boards = ["rpi3", "rpi4"]

[root]
minimum = ["timer"]

[[component]]
name = "ticker"
wasm = "ticker.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]
grants = { log = "wo" }

[[component]]
name = "uart-echo"
wasm = "uart-echo.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]

[[component]]
name = "idle"
wasm = "idle.wasm"
memory = "64 KiB"
fuel_slice = 1000
entry_points = [{ export = "run" }]

[[region]]
name = "systimer"
kind = "mmio"
peripheral_offset = 0x3000
size = "4 KiB"
access = { ticker = "rw", idle = "ro" }

[[region]]
name = "aux"
kind = "mmio"
peripheral_offset = 0x215000
size = "4 KiB"
access = { uart-echo = "rw" }

[[interrupt]]
name = "tick"
source = "system-timer-1"
holder = "ticker"

[[interrupt]]
name = "rx"
source = "aux"
holder = "uart-echo"
"#;

fn interrupts() -> RvfManifest {
    parse_toml(
        "irqs.toml",
        INTERRUPTS,
        &[BoardLimits::RPI3, BoardLimits::RPI4],
    )
    .unwrap_or_else(|diagnostics| panic!("irqs.toml does not parse: {diagnostics:?}"))
}

#[test]
fn each_interrupt_goes_to_its_holder_under_its_name() {
    let manifest = interrupts();
    let (set, objects) = root(&manifest);
    assert_eq!(objects.interrupts, [InterruptId(0), InterruptId(1)]);
    // The root holds each with read, write and grant, after everything else.
    let root_interrupts: Vec<_> = set
        .table()
        .iter()
        .filter(|(_, cap)| cap.kind() == ObjectKind::Interrupt)
        .map(|(_, cap)| (cap.object(), cap.rights()))
        .collect();
    assert_eq!(
        root_interrupts,
        [
            (ObjectRef::Interrupt(InterruptId(0)), RW | Rights::GRANT),
            (ObjectRef::Interrupt(InterruptId(1)), RW | Rights::GRANT),
        ]
    );
    let distribution = distribute(set.table(), &manifest, &objects).unwrap();
    let [ticker, uart, idle] = distribution.components() else {
        panic!("three components");
    };
    // After the grants, regions and queue ends, read + write: wait and acknowledge.
    assert_eq!(
        summary(ticker),
        [
            ("log", 0, ObjectRef::Log, Rights::WRITE),
            ("systimer", 1, ObjectRef::Region(RegionId(0)), RW),
            ("tick", 2, ObjectRef::Interrupt(InterruptId(0)), RW),
        ]
    );
    assert_eq!(
        summary(uart),
        [
            ("aux", 0, ObjectRef::Region(RegionId(1)), RW),
            ("rx", 1, ObjectRef::Interrupt(InterruptId(1)), RW),
        ]
    );
    // Mapping the timer's page does not bring its interrupt.
    assert_eq!(
        summary(idle),
        [("systimer", 0, ObjectRef::Region(RegionId(0)), Rights::READ)]
    );
    assert_eq!(
        (ticker.interrupts(), uart.interrupts(), idle.interrupts()),
        (1, 1, 0)
    );
    assert_eq!(distribution.interrupts(), 2);
    assert_eq!(
        ticker.names()[2].source,
        CapSource::Interrupt { interrupt: 0 }
    );
    let (_, cap) = ticker.entries().nth(2).unwrap();
    assert_eq!(cap.badge(), Badge::component(ComponentIndex(0)));

    // The host interface's interrupt calls check through the holder's table.
    let tick = ticker.lookup("tick").unwrap();
    assert_eq!(
        ticker.table().check_interrupt(tick, RW).unwrap().1,
        InterruptId(0)
    );
    assert_eq!(uart.lookup("tick"), None);
    assert_eq!(idle.lookup("tick"), None);
    let systimer = ticker.lookup("systimer").unwrap();
    assert_eq!(
        ticker
            .table()
            .check_interrupt(systimer, Rights::READ)
            .unwrap_err(),
        CapError::WrongKind {
            expected: ObjectKind::Interrupt,
            found: ObjectKind::Region
        }
    );
}

#[test]
fn the_root_keeps_no_interrupt_after_the_sec_001_drop() {
    let manifest = interrupts();
    let (mut set, objects) = root(&manifest);
    let distribution = distribute(set.table(), &manifest, &objects).unwrap();
    set.reduce_to_minimum(&manifest.root_minimum, MintToken::for_tests())
        .unwrap();
    let kinds: Vec<_> = set.table().iter().map(|(_, cap)| cap.kind()).collect();
    assert_eq!(kinds, [ObjectKind::Timer]);
    // The holders keep theirs.
    assert_eq!(distribution.interrupts(), 2);
}

#[test]
fn interrupt_distribution_errors() {
    let manifest = interrupts();
    // No object id for an interrupt.
    let (set, mut objects) = root(&manifest);
    objects.interrupts.pop();
    assert_eq!(
        distribute(set.table(), &manifest, &objects).unwrap_err(),
        DistributionError::MissingObject {
            item: "interrupt",
            index: 1,
            name: "rx".to_string(),
        }
    );
    // A holder that does not exist.
    let mut bad = interrupts();
    bad.interrupts[0].holder = ComponentIndex(7);
    let error = run(&bad).unwrap_err();
    assert_eq!(
        error,
        DistributionError::UnknownComponent {
            item: "interrupt",
            name: "tick".to_string(),
            component: ComponentIndex(7),
        }
    );
    assert_eq!(
        error.to_string(),
        "interrupt \"tick\" names component #7, which does not exist"
    );
    // A root without the interrupt's capability.
    let (mut set, objects) = root(&manifest);
    let (irq, _) = set
        .table()
        .find(ObjectRef::Interrupt(InterruptId(0)))
        .unwrap();
    set.table_mut().remove(irq).unwrap();
    let error = distribute(set.table(), &manifest, &objects).unwrap_err();
    assert_eq!(
        error.to_string(),
        "component \"ticker\": capability \"tick\": the root holds no capability on interrupt 0"
    );
    // A name clashing with another of the holder's capabilities (validation refuses it first).
    let mut bad = interrupts();
    bad.interrupts[0].name = "systimer".to_string();
    assert_eq!(
        run(&bad).unwrap_err(),
        DistributionError::DuplicateName {
            component: "ticker".to_string(),
            name: "systimer".to_string(),
        }
    );
}
