//! What can be checked of the JTAG set-up without a board: the probe-rs target description of
//! the Pi 3 loads and validates with the crate that defines probe-rs's target format (and a
//! damaged copy does not), its debug and CTI bases agree with OpenOCD's BCM2837 target, and
//! the OpenOCD configurations of both boards parse (with OpenOCD's dummy adapter) into four
//! AArch64 cores each.

use std::path::Path;
use std::process::Command;

use probe_rs_target::{ChipFamily, CoreAccessOptions, CoreType, MemoryRegion};
use ruvix_qemu_tests::*;
use ruvix_runner::probe;

fn load_family(yaml: &str) -> Result<ChipFamily, String> {
    // What probe-rs does with --chip-description-path: deserialise, then validate.
    let family: ChipFamily = yaml_serde::from_str(yaml).map_err(|e| e.to_string())?;
    family.validate()?;
    Ok(family)
}

/// Runs OpenOCD on `config` with the dummy adapter, `commands` after the configuration, then
/// shuts down before touching any hardware. Returns (success, stdout + stderr).
fn openocd(config: &Path, commands: &[&str]) -> (bool, String) {
    let mut cmd = Command::new("openocd");
    cmd.args(["-f", "interface/dummy.cfg", "-f"]).arg(config);
    for c in commands {
        cmd.args(["-c", c]);
    }
    cmd.args(["-c", "shutdown"]);
    let out = cmd
        .output()
        .expect("openocd (Debian's openocd package; run tools/setup.sh)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `set NAME {0x… 0x… …}` from an OpenOCD target file.
fn tcl_list(script: &str, name: &str) -> Vec<u64> {
    let line = script
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("set {name} ")))
        .unwrap_or_else(|| panic!("no {name} in the target file"));
    line.split(['{', '}'])
        .nth(1)
        .expect("a braced list")
        .split_whitespace()
        .map(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).unwrap())
        .collect()
}

#[test]
fn probe_rs_target_for_the_pi3_loads_and_matches_openocd() {
    let path = probe::probe_rs_description(Board::Rpi3).expect("the Pi 3 has a description");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let family = load_family(&yaml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(family.name, "BCM2837");
    assert_eq!(family.variants.len(), 1);
    let chip = &family.variants[0];
    assert_eq!(chip.name, probe::probe_rs_chip(Board::Rpi3));
    assert_eq!(chip.cores.len(), 4);
    let (mut debug, mut cti) = (Vec::new(), Vec::new());
    for (i, core) in chip.cores.iter().enumerate() {
        assert_eq!(core.name, format!("core{i}"));
        assert_eq!(core.core_type, CoreType::Armv8a);
        let CoreAccessOptions::Arm(arm) = &core.core_access_options else {
            panic!("core{i} is not an Arm core");
        };
        debug.push(arm.debug_base.expect("debug base"));
        cti.push(arm.cti_base.expect("CTI base"));
    }
    assert_eq!(debug, [0x8001_0000, 0x8001_2000, 0x8001_4000, 0x8001_6000]);
    let ram = chip
        .memory_map
        .iter()
        .find_map(MemoryRegion::as_ram_region)
        .expect("a RAM region");
    assert_eq!(ram.range.start, 0);
    assert_eq!(ram.cores.len(), 4);

    // The same bases as OpenOCD's BCM2837 target (read from its ROM table by OpenOCD's
    // authors), as OpenOCD itself finds the file.
    let (ok, found) = openocd(
        &probe::openocd_config(Board::Rpi3),
        &["echo \"file [find target/bcm2837.cfg]\""],
    );
    assert!(ok, "{found}");
    let target_file = found
        .lines()
        .find_map(|l| l.strip_prefix("file "))
        .expect("OpenOCD finds target/bcm2837.cfg");
    let script = std::fs::read_to_string(target_file.trim()).unwrap();
    assert_eq!(debug, tcl_list(&script, "_DBGBASE"));
    assert_eq!(cti, tcl_list(&script, "_CTIBASE"));
}

#[test]
fn a_damaged_probe_rs_target_is_refused() {
    let path = probe::probe_rs_description(Board::Rpi3).unwrap();
    let yaml = std::fs::read_to_string(path).unwrap();
    // ARMv8-A cores need their CTI: probe-rs refuses a core without one.
    let without_cti = yaml.replacen("          cti_base: 0x80019000\n", "", 1);
    assert_ne!(without_cti, yaml);
    let err = load_family(&without_cti).unwrap_err();
    assert!(err.contains("cti"), "{err}");
    // A misspelt core type does not deserialise.
    let err = load_family(&yaml.replacen("type: armv8a", "type: armv9z", 1)).unwrap_err();
    assert!(err.contains("armv9z"), "{err}");
}

fn openocd_config_parses_into_four_cores(board: Board) {
    let chip = match board {
        Board::Rpi3 => "bcm2837",
        Board::Rpi4 => "bcm2711",
    };
    let (ok, text) = openocd(
        &probe::openocd_config(board),
        &[
            "foreach t [target names] { echo \"target $t [$t cget -type] [$t cget -dbgbase]\" }",
            "echo \"speed [adapter speed]\"",
        ],
    );
    assert!(ok, "{text}");
    let cores: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("target ") && l.contains(" aarch64 "))
        .collect();
    assert_eq!(cores.len(), 4, "{text}");
    for (i, line) in cores.iter().enumerate() {
        assert!(
            line.starts_with(&format!("target {chip}.cpu{i} aarch64 ")),
            "{line}"
        );
    }
    assert!(text.contains("speed adapter speed: 1000 kHz"), "{text}");
    if board == Board::Rpi3 {
        // The debug bases the probe-rs description uses, as OpenOCD configured them.
        let bases: Vec<u64> = cores
            .iter()
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(bases, [0x8001_0000, 0x8001_2000, 0x8001_4000, 0x8001_6000]);
    }
}

fn a_broken_openocd_config_is_an_error(board: Board) {
    let config = std::fs::read_to_string(probe::openocd_config(board)).unwrap();
    let broken = config.replace("cpu0 configure", "cpu7 configure");
    let path = std::env::temp_dir().join(format!(
        "ruvix-openocd-{}-{}.cfg",
        std::process::id(),
        board.name()
    ));
    std::fs::write(&path, broken).unwrap();
    let (ok, text) = openocd(&path, &[]);
    assert!(
        !ok,
        "OpenOCD accepted a configuration naming a core that does not exist\n{text}"
    );
    let _ = std::fs::remove_file(path);
}

on_both_boards!(
    openocd_config_parses_into_four_cores,
    a_broken_openocd_config_is_an_error
);
