//! The bad manifests in `components/bad/` (also used by the `rvf` tool's tests): each fails
//! with exactly the diagnostics its `# expect: line:column: message` lines give.

mod common;

use std::path::Path;

use ruvix_manifest::parse_toml;

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../components/bad");
    let path = dir.join(name);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let file = format!("components/bad/{name}");
    let expected: Vec<String> = source
        .lines()
        .filter_map(|line| line.strip_prefix("# expect: "))
        .map(|expect| format!("{file}:{expect}"))
        .collect();
    assert!(!expected.is_empty(), "{name} has no `# expect:` line");
    let actual: Vec<String> = match parse_toml(&file, &source, &common::BOARDS) {
        Ok(_) => panic!("{name} is unexpectedly valid"),
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
    };
    assert_eq!(actual, expected, "{name}");
}

#[test]
fn unknown_component() {
    check("unknown_component.toml");
}

#[test]
fn duplicate_name() {
    check("duplicate_name.toml");
}

#[test]
fn overlapping_regions() {
    check("overlapping_regions.toml");
}

#[test]
fn out_of_board_region() {
    check("out_of_board_region.toml");
}

#[test]
fn queue_endpoint_missing() {
    check("queue_endpoint_missing.toml");
}

#[test]
fn right_not_held() {
    check("right_not_held.toml");
}

#[test]
fn cyclic_wiring() {
    check("cyclic_wiring.toml");
}

#[test]
fn every_bad_file_is_checked() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../components/bad");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("components/bad exists")
        .map(|entry| {
            entry
                .expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    for name in &names {
        check(name);
    }
    assert!(names.len() >= 7, "{names:?}");
}

#[test]
fn kernel_page_uart0() {
    check("kernel_page_uart0.toml");
}

#[test]
fn kernel_page_mailbox() {
    check("kernel_page_mailbox.toml");
}

#[test]
fn kernel_page_arm_local() {
    check("kernel_page_arm_local.toml");
}

#[test]
fn kernel_page_gic_distributor() {
    check("kernel_page_gic_distributor.toml");
}

#[test]
fn kernel_page_gic_cpu_interface() {
    check("kernel_page_gic_cpu_interface.toml");
}

#[test]
fn interrupt_unknown_source() {
    check("interrupt_unknown_source.toml");
}

#[test]
fn interrupt_two_holders() {
    check("interrupt_two_holders.toml");
}

#[test]
fn interrupt_holder_without_region() {
    check("interrupt_holder_without_region.toml");
}
