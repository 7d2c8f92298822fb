//! `[[interrupt]]`: device interrupts given to components. Every error the TOML front end and
//! the shared validation report for them, with the exact `file:line:column: message`, and a
//! valid manifest through encode/decode.

mod common;

use common::{BOARDS, assert_error, at, at_nth, errors, errors_for, parse, with};
use ruvix_manifest::{
    BoardLimits, ComponentIndex, Counted, InterruptDecl, InterruptField, InterruptSource, Locator,
    NameClash, Problem, RvfManifest, board_desc, limits, parse_toml,
};

/// The MMIO regions the holders need: the system timer's page for `a` (and `c`), AUX's for `b`.
const REGIONS: &str = r#"
[[region]]
name = "systimer"
kind = "mmio"
peripheral_offset = 0x3000
size = "4 KiB"
access = { a = "rw", c = "rw" }

[[region]]
name = "aux"
kind = "mmio"
peripheral_offset = 0x215000
size = "4 KiB"
access = { b = "rw" }
"#;

fn interrupt(name: &str, source: &str, holder: &str) -> String {
    format!("\n[[interrupt]]\nname = \"{name}\"\nsource = \"{source}\"\nholder = \"{holder}\"\n")
}

/// BASE with the regions and these interrupts.
fn system(interrupts: &[(&str, &str, &str)]) -> String {
    let mut extra = String::from(REGIONS);
    for (name, source, holder) in interrupts {
        extra.push_str(&interrupt(name, source, holder));
    }
    with(&extra)
}

/// The line (as text) of the first occurrence of `needle` in `source`.
fn line_of(source: &str, needle: &str) -> String {
    at(source, needle).split(':').nth(1).unwrap().to_string()
}

fn valid() -> RvfManifest {
    parse(&system(&[
        ("tick", "system-timer-1", "a"),
        ("uart", "aux", "b"),
        ("alarm", "system-timer-3", "c"),
    ]))
    .expect("valid")
}

#[test]
fn sources_have_names_and_the_boards_have_every_source() {
    let names: Vec<&str> = InterruptSource::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["system-timer-1", "system-timer-3", "aux"]);
    for source in InterruptSource::ALL {
        assert_eq!(InterruptSource::from_name(source.name()), Some(source));
        assert_eq!(source.to_string(), source.name());
        for board in BOARDS {
            let line = board
                .device_interrupt(source.name())
                .expect("on every board");
            assert_eq!(line.source, source.name());
        }
    }
    for name in [
        "",
        "aux ",
        "AUX",
        "system-timer-0",
        "system-timer-2",
        "uart0",
    ] {
        assert_eq!(InterruptSource::from_name(name), None, "{name:?}");
    }
}

#[test]
fn a_valid_manifest_round_trips() {
    let m = valid();
    assert_eq!(
        m.interrupts,
        [
            InterruptDecl {
                name: "tick".into(),
                source: InterruptSource::SystemTimer1,
                holder: ComponentIndex(0),
            },
            InterruptDecl {
                name: "uart".into(),
                source: InterruptSource::Aux,
                holder: ComponentIndex(1),
            },
            InterruptDecl {
                name: "alarm".into(),
                source: InterruptSource::SystemTimer3,
                holder: ComponentIndex(2),
            },
        ]
    );
    let decoded = RvfManifest::decode(&m.encode()).expect("decodes");
    assert_eq!(decoded, m);
    for board in BOARDS {
        assert_eq!(decoded.validate(&board), Ok(()));
    }
    // Without interrupts a manifest is as before.
    assert!(parse(common::BASE).expect("valid").interrupts.is_empty());
}

#[test]
fn a_larger_region_covering_the_page_is_enough() {
    let source = with(&format!(
        "[[region]]\nname = \"timer-and-more\"\nkind = \"mmio\"\nperipheral_offset = 0x2000\n\
         size = \"12 KiB\"\naccess = {{ a = \"rw\" }}\n{}",
        interrupt("tick", "system-timer-1", "a")
    ));
    assert!(parse(&source).is_ok(), "{:?}", parse(&source));
}

#[test]
fn unknown_source() {
    let source = system(&[("tick", "system-timer-2", "a")]);
    assert_error(
        &source,
        "\"system-timer-2\"",
        "interrupt \"tick\": source \"system-timer-2\" is unknown (known sources: \
         \"system-timer-1\", \"system-timer-3\", \"aux\")",
    );
}

#[test]
fn holder_is_not_a_component() {
    let source = system(&[("tick", "system-timer-1", "ticker")]);
    assert_error(
        &source,
        "\"ticker\"",
        "interrupt \"tick\": holder names component \"ticker\", which does not exist",
    );
}

#[test]
fn unknown_key_and_missing_key() {
    let source = system(&[("tick", "system-timer-1", "a")])
        .replace("holder = \"a\"", "holder = \"a\"\nline = 97");
    assert_error(
        &source,
        "line",
        "unknown field `line`, expected one of `name`, `source`, `holder`",
    );
    let source = system(&[("tick", "system-timer-1", "a")]).replace("holder = \"a\"\n", "");
    assert_error(&source, "[[interrupt]]", "missing field `holder`");
}

#[test]
fn two_holders_of_one_source() {
    let source = system(&[
        ("tick", "system-timer-1", "a"),
        ("tock", "system-timer-1", "c"),
    ]);
    let first_line = line_of(&source, "source = \"system-timer-1\"");
    assert_eq!(
        errors(&source),
        [format!(
            "{}: interrupt \"tock\": source \"system-timer-1\" is already given to component \
             \"a\" by interrupt \"tick\" (#0); a device interrupt has one holder (first declared \
             on line {first_line})",
            at_nth(&source, "\"system-timer-1\"", 1)
        )]
    );
}

#[test]
fn holder_without_the_region_it_needs() {
    let expected = |source: &str, holder: &str| {
        let place = at(source, &format!("holder = |\"{holder}\""));
        [
            format!(
                "{place}: interrupt \"tick\": holder \"{holder}\" without the region it needs to \
                 acknowledge the device: give it \"rw\" access to an MMIO region covering the \
                 system timer compare 1 page (0x3f003000, peripheral_offset 0x3000) of rpi3"
            ),
            format!(
                "{place}: interrupt \"tick\": holder \"{holder}\" without the region it needs to \
                 acknowledge the device: give it \"rw\" access to an MMIO region covering the \
                 system timer compare 1 page (0xfe003000, peripheral_offset 0x3000) of rpi4"
            ),
        ]
    };
    // No region at all.
    let source = with(&interrupt("tick", "system-timer-1", "a"));
    assert_eq!(errors(&source), expected(&source, "a"));
    // The region is another component's (b has only the AUX page).
    let source = system(&[("tick", "system-timer-1", "b")]);
    assert_eq!(errors(&source), expected(&source, "b"));
    // Read-only is not enough: the holder must write the device to clear the condition.
    let source = system(&[("tick", "system-timer-1", "a")]).replace("a = \"rw\"", "a = \"ro\"");
    assert_eq!(errors(&source), expected(&source, "a"));
    // A RAM region of the same name does not count.
    let source = with(&format!(
        "[[region]]\nname = \"systimer\"\nkind = \"ram\"\nsize = \"4 KiB\"\n\
         access = {{ a = \"rw\" }}\n{}",
        interrupt("tick", "system-timer-1", "a")
    ));
    assert_eq!(errors(&source), expected(&source, "a"));
    // Nor does the MMIO page next to it.
    let source = system(&[("tick", "system-timer-1", "a")]).replace("0x3000", "0x4000");
    assert_eq!(errors(&source), expected(&source, "a"));
}

#[test]
fn aux_needs_the_aux_page() {
    let source = system(&[("uart", "aux", "a")]);
    let place = at(&source, "holder = |\"a\"");
    assert_eq!(
        errors(&source),
        [
            format!(
                "{place}: interrupt \"uart\": holder \"a\" without the region it needs to \
                 acknowledge the device: give it \"rw\" access to an MMIO region covering the AUX \
                 (mini UART, SPI1, SPI2) page (0x3f215000, peripheral_offset 0x215000) of rpi3"
            ),
            format!(
                "{place}: interrupt \"uart\": holder \"a\" without the region it needs to \
                 acknowledge the device: give it \"rw\" access to an MMIO region covering the AUX \
                 (mini UART, SPI1, SPI2) page (0xfe215000, peripheral_offset 0x215000) of rpi4"
            ),
        ]
    );
}

#[test]
fn invalid_name() {
    let source = system(&[("Tick", "system-timer-1", "a")]);
    assert_error(
        &source,
        "\"Tick\"",
        "interrupt \"Tick\": name \"Tick\" is invalid: use 1 to 32 characters of a-z, 0-9, '_' \
         and '-', starting with a letter",
    );
}

#[test]
fn name_clashes_with_another_capability_of_the_holder() {
    // A grant.
    let source = system(&[("log", "system-timer-1", "a")]).replacen(
        "entry_points = [{ export = \"run\" }]",
        "entry_points = [{ export = \"run\" }]\ngrants = { log = \"wo\" }",
        1,
    );
    assert_error(
        &source,
        "name = |\"log\"",
        "interrupt \"log\": name is already used by component \"a\" for its grant of that \
         name; lookup could not tell them apart",
    );
    // A region it has access to.
    let source = system(&[("systimer", "system-timer-1", "a")]);
    assert_error(
        &source,
        "name = |\"systimer\"\nsource",
        "interrupt \"systimer\": name is already used by component \"a\" for its \
         region of that name; lookup could not tell them apart",
    );
    // A queue port.
    let source = system(&[("tick", "system-timer-1", "a")])
        + "\n[[queue]]\nname = \"ticks\"\ndepth = 4\nmessage_size = 16\nfrom = \"a.tick\"\n\
           to = \"b.in\"\n";
    assert_error(
        &source,
        "name = |\"tick\"",
        "interrupt \"tick\": name is already used by component \"a\" for its port on \
         queue \"ticks\"; lookup could not tell them apart",
    );
    // Another interrupt of the same holder.
    let source = system(&[
        ("tick", "system-timer-1", "a"),
        ("tick", "system-timer-3", "a"),
    ]);
    assert_eq!(
        errors(&source),
        [format!(
            "{}: interrupt \"tick\": name is already used by component \"a\" for \
             interrupt #0; lookup could not tell them apart",
            at_nth(&source, "\"tick\"", 1)
        )]
    );
    // The same name for two holders is fine: each looks up its own.
    assert!(
        parse(&system(&[
            ("irq", "system-timer-1", "a"),
            ("irq", "aux", "b")
        ]))
        .is_ok()
    );
}

#[test]
fn a_source_the_board_lacks() {
    // A Pi 3 without the system timer lines (the real boards have every source).
    let rpi3 = BoardLimits {
        device_interrupts: &board_desc::RPI3.device_interrupts[2..],
        ..BoardLimits::RPI3
    };
    let source = system(&[("tick", "system-timer-1", "a"), ("uart", "aux", "b")]);
    assert_eq!(
        errors_for(&source, &[rpi3, BoardLimits::RPI4]),
        [format!(
            "{}: interrupt \"tick\": source \"system-timer-1\" is not a device interrupt of \
             board rpi3",
            at(&source, "\"system-timer-1\"")
        )]
    );
    assert!(parse_toml("t.toml", &source, &BOARDS).is_ok());
}

#[test]
fn too_many_interrupts() {
    let mut m = valid();
    let template = m.interrupts[0].clone();
    m.interrupts = (0..=limits::MAX_INTERRUPTS)
        .map(|i| InterruptDecl {
            name: format!("i{i}"),
            ..template.clone()
        })
        .collect();
    let all = m.validate_all(&BoardLimits::RPI3);
    assert_eq!(all.len(), 1, "checking stops at the list: {all:?}");
    assert_eq!(
        all[0].locator,
        Locator::Interrupt(limits::MAX_INTERRUPTS, InterruptField::Item)
    );
    assert_eq!(
        all[0].problem,
        Problem::TooMany {
            what: Counted::Interrupts,
            count: 17,
            max: 16
        }
    );
    assert_eq!(
        all[0].to_string(),
        "interrupt \"i16\": too many interrupts: 17 (at most 16)"
    );
}

#[test]
fn a_decoded_holder_out_of_range() {
    // Only a decoded manifest can name a component by a bad index.
    let mut m = valid();
    m.interrupts[1].holder = ComponentIndex(9);
    let error = m.validate(&BoardLimits::RPI4).unwrap_err();
    assert_eq!(error.locator, Locator::Interrupt(1, InterruptField::Holder));
    assert_eq!(
        error.to_string(),
        "interrupt \"uart\": holder names component index 9, but there are only 3 components"
    );
}

#[test]
fn problems_in_a_decoded_manifest_have_their_locators() {
    let mut m = valid();
    m.interrupts[2].source = InterruptSource::SystemTimer1;
    m.interrupts[0].name = "timer".into();
    m.components[0].grants = vec![ruvix_manifest::Grant {
        cap: ruvix_manifest::KernelCap::Timer,
        rights: ruvix_manifest::Access::ReadOnly,
    }];
    let all = m.validate_all(&BoardLimits::RPI3);
    let found: Vec<(Locator, &Problem)> = all.iter().map(|e| (e.locator, &e.problem)).collect();
    assert_eq!(
        found,
        [
            (
                Locator::Interrupt(0, InterruptField::Name),
                &Problem::InterruptNameClash {
                    holder: "a".into(),
                    clash: NameClash::Grant,
                }
            ),
            (
                Locator::Interrupt(2, InterruptField::Source),
                &Problem::InterruptSourceTaken {
                    source: InterruptSource::SystemTimer1,
                    first: 0,
                    first_name: "timer".into(),
                    first_holder: "a".into(),
                }
            ),
        ]
    );
}

#[test]
fn the_example_in_the_docs_is_valid() {
    let docs = include_str!("../../../../docs/manifest.md");
    let section = docs
        .split_once("## `[[interrupt]]`")
        .expect("docs/manifest.md has the section")
        .1;
    let example = section
        .split_once("```toml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("the section has an example")
        .0;
    let source = format!(
        "[system]\nname = \"doc\"\nboards = [\"rpi3\", \"rpi4\"]\n\n[root]\nminimum = []\n\n{example}"
    );
    let m = parse(&source).unwrap_or_else(|d| panic!("{d:?}"));
    let interrupts: Vec<_> = m
        .interrupts
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.source,
                m.components[i.holder.get()].name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        interrupts,
        [
            ("tick", InterruptSource::SystemTimer1, "ticker"),
            ("rx", InterruptSource::Aux, "uart-echo"),
        ]
    );
}
