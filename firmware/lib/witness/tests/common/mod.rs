//! Shared test helpers: a seeded PRNG and sample logs.

#![allow(dead_code)]

use std::fmt::Write;

use ruvix_witness::{
    Attestation, CapabilityGrant, TaskEvent, WitnessConfig, WitnessKind, WitnessLog, dump_lines,
    platform_id,
};

// Not every test binary that includes this module draws numbers.
#[allow(unused_imports)]
pub use ruvix_test_rng::SplitMix64 as Rng;

pub const PLATFORM: u64 = platform_id(0x00a0_2082, 0x410f_d034);
pub const FREQ: u64 = 19_200_000;

pub fn attestation(boot_ticks: u64) -> Attestation {
    Attestation {
        package_sha256: [0x11; 32],
        capability_table_sha256: [0x22; 32],
        region_layout_sha256: [0x33; 32],
        platform_id: PLATFORM,
        boot_ticks,
    }
}

/// A log with one entry of every kind, a full-size payload and an empty one.
pub fn sample_log(max_entries: u32, hash_chain: bool) -> WitnessLog {
    let config = WitnessConfig {
        max_entries,
        hash_chain,
    };
    let mut log = WitnessLog::new(config, PLATFORM, FREQ).unwrap();
    let mut ticks = 1_000;
    let mut next = || {
        ticks += 777;
        ticks
    };
    log.append(next(), WitnessKind::Boot, b"").unwrap();
    for (handle, name) in ["uart0", "sensor.out", "shared-ram"].iter().enumerate() {
        let grant = CapabilityGrant::new(1, handle as u32, 3, 0b101, name).unwrap();
        log.append(next(), WitnessKind::CapabilityGrant, &grant.encode())
            .unwrap();
    }
    log.append(next(), WitnessKind::Sec001Drop, &[7]).unwrap();
    let t = next();
    log.append_attestation(t, &attestation(t)).unwrap();
    let event = TaskEvent {
        component: 1,
        entry: 0,
        reason: 0x0b,
        restart_count: 2,
    };
    log.append(next(), WitnessKind::TaskFault, &event.encode())
        .unwrap();
    log.append(next(), WitnessKind::TaskRestart, &event.encode())
        .unwrap();
    log.append(next(), WitnessKind::Other(900), &[0xab; 192])
        .unwrap();
    log.append(next(), WitnessKind::TaskStopped, &event.encode())
        .unwrap();
    log
}

/// The dump as a decoded log would show it: each line behind a timestamp and level, with
/// unrelated lines around.
pub fn decoded_log(log: &WitnessLog) -> String {
    let mut text = String::from("0.000001 INFO  stage 4: attest\n");
    for (i, line) in dump_lines(log).enumerate() {
        writeln!(text, "0.{:06} INFO  {line}", 100 + i).unwrap();
        if i == 2 {
            text.push_str("0.000500 WARN  unrelated line in between\n");
        }
    }
    text.push_str("0.009999 INFO  scheduler running\n");
    text
}
