//! Regions the runtime reaches through a mapping (`RegionBacking::Mapped`, an EL0 component
//! host's own view of them): RAM through `Platform::read_mapped`/`write_mapped`, device memory
//! through `mmio_read32`/`mmio_write32` at the absolute address, with every check the runtime
//! makes for the other kinds, and a read-only mapping never written.

mod common;

use common::wat::{component, module, ram_region, run_until, system};
use common::{FakePlatform, MAPPED_BASE, mount_with, rpi3_mmio};
use ruvix_caps::RegionId;
use ruvix_manifest::RvfManifest;
use ruvix_runtime::{MountError, RegionBacking, Runtime, TaskState};

const NEVER: &str = r#"{ policy = "never" }"#;
const E: u8 = 0xEE;

/// Region ids in manifest order.
const OUT: u32 = 0;
const SHM: u32 = 1;
const ROM: u32 = 2;
const GPIO: u32 = 4;

/// `probe` with its result region `out` (owned RAM) and four mapped ones: `shm` (rw mapping,
/// rw capability), `rom` (read-only mapping, rw capability), `ro` (rw mapping, ro capability),
/// `gpio` (device memory).
fn manifest() -> RvfManifest {
    let gpio = r#"
[[region]]
name = "gpio"
kind = "mmio"
peripheral_offset = 0x200000
size = "4 KiB"
access = { probe = "rw" }
"#;
    system(&[
        component("probe", 100_000, "", NEVER),
        ram_region("out", r#"probe = "rw""#),
        ram_region("shm", r#"probe = "rw""#),
        ram_region("rom", r#"probe = "rw""#),
        ram_region("ro", r#"probe = "ro""#),
        gpio.to_string(),
    ])
}

fn mapped(offset: u64, writable: bool, mmio: bool) -> RegionBacking {
    RegionBacking::Mapped {
        address: if mmio {
            rpi3_mmio(0x200000)
        } else {
            MAPPED_BASE + offset
        },
        size: 4096,
        writable,
        mmio,
    }
}

const PROBE: &str = r#"
  (data (i32.const 0x300) "shm")
  (data (i32.const 0x308) "rom")
  (data (i32.const 0x310) "ro")
  (data (i32.const 0x318) "gpio")
  (data (i32.const 0x340) "abcd")
  (func $handle (param $name i32) (param $len i32) (result i32)
    (call $lookup (local.get $name) (local.get $len) (i32.const 0x400))
    (call $expect_ok (i32.const 0x400))
    (i32.load (i32.const 0x404)))
  (func (export "run")
    (local $shm i32) (local $rom i32) (local $ro i32) (local $gpio i32)
    (memory.fill (i32.const 0x100) (i32.const 0xEE) (i32.const 0x100))
    (call $init)
    (local.set $shm (call $handle (i32.const 0x300) (i32.const 3)))
    (local.set $rom (call $handle (i32.const 0x308) (i32.const 3)))
    (local.set $ro (call $handle (i32.const 0x310) (i32.const 2)))
    (local.set $gpio (call $handle (i32.const 0x318) (i32.const 4)))
    (call $write (local.get $shm) (i32.const 0) (i32.const 0x340) (i32.const 4) (i32.const 0x100))
    (call $read (local.get $shm) (i32.const 0) (i32.const 4) (i32.const 0x104))
    (call $write32 (local.get $shm) (i32.const 8) (i32.const 0xdeadbeef) (i32.const 0x110))
    (call $read32 (local.get $shm) (i32.const 8) (i32.const 0x114))
    (call $read32 (local.get $shm) (i32.const 2) (i32.const 0x11c))
    (call $read32 (local.get $shm) (i32.const 4096) (i32.const 0x124))
    (call $read (local.get $shm) (i32.const 4095) (i32.const 2) (i32.const 0x12c))
    (call $write (local.get $shm) (i32.const 4094) (i32.const 0x340) (i32.const 4) (i32.const 0x138))
    (call $write (local.get $rom) (i32.const 0) (i32.const 0x340) (i32.const 4) (i32.const 0x13a))
    (call $write32 (local.get $rom) (i32.const 0) (i32.const 1) (i32.const 0x13c))
    (call $read32 (local.get $rom) (i32.const 4) (i32.const 0x140))
    (call $read (local.get $rom) (i32.const 0) (i32.const 4) (i32.const 0x148))
    (call $write (local.get $ro) (i32.const 0) (i32.const 0x340) (i32.const 4) (i32.const 0x154))
    (call $read (local.get $gpio) (i32.const 0) (i32.const 4) (i32.const 0x158))
    (call $write32 (local.get $gpio) (i32.const 0x1c) (i32.const 0x200000) (i32.const 0x164))
    (call $read32 (local.get $gpio) (i32.const 0x34) (i32.const 0x168))
    (call $write32 (local.get $rom) (i32.const 2) (i32.const 1) (i32.const 0x170))
    (call $write (local.get $gpio) (i32.const 0) (i32.const 0x340) (i32.const 4) (i32.const 0x172))
    (call $dump (i32.const 0) (i32.const 0x100) (i32.const 0x80))
    (call $dump (i32.const 0x100) (i32.load (i32.const 0x108)) (i32.const 4))
    (call $dump (i32.const 0x110) (i32.load (i32.const 0x14c)) (i32.const 4)))
"#;

fn region(runtime: &Runtime<FakePlatform>, id: u32, offset: usize, len: usize) -> Vec<u8> {
    runtime.read_region(RegionId(id), offset, len).unwrap()
}

#[test]
fn mapped_regions_are_reached_through_the_platform_after_every_check() {
    let manifest = manifest();
    let (mut runtime, _) = mount_with(&manifest, &[module(PROBE)], |parts| {
        parts.regions[SHM as usize] = mapped(0, true, false);
        parts.regions[ROM as usize] = mapped(0x1000, false, false);
        parts.regions[3] = mapped(0x2000, true, false);
        parts.regions[GPIO as usize] = mapped(0, true, true);
        parts.platform.mapped[0x1000..0x1004].copy_from_slice(b"wxyz");
        parts.platform.mapped[0x1004..0x1008].copy_from_slice(&0x1122_3344u32.to_le_bytes());
    })
    .unwrap_or_else(|e| panic!("mount: {e}"));
    run_until(&mut runtime, 10, |r| {
        r.tasks().any(|t| t.state == TaskState::Finished)
    });
    assert_eq!(
        runtime.platform().events_with("faulted"),
        Vec::<&str>::new()
    );

    let out = region(&runtime, OUT, 0, 0x80);
    let at = |offset: usize, len: usize| out[offset..offset + len].to_vec();
    assert_eq!(at(0x00, 2), [0, E], "write(shm) = ok");
    assert_eq!(&at(0x04, 4), &[0, E, E, E], "read(shm) = ok");
    assert_eq!(at(0x0c, 4), 4u32.to_le_bytes(), "4 bytes");
    assert_eq!(at(0x10, 2), [0, E], "write32(shm) = ok");
    assert_eq!(
        at(0x14, 8),
        [0, E, E, E, 0xef, 0xbe, 0xad, 0xde],
        "read32(shm) = ok(0xdeadbeef)"
    );
    assert_eq!(
        at(0x1c, 8),
        [1, E, E, E, 6, E, E, E],
        "read32 at 2 = unaligned"
    );
    assert_eq!(
        at(0x24, 8),
        [1, E, E, E, 3, E, E, E],
        "read32 at 4096 = out-of-bounds"
    );
    assert_eq!(
        at(0x2c, 12),
        [1, E, E, E, 3, E, E, E, E, E, E, E],
        "read past the end = out-of-bounds"
    );
    assert_eq!(at(0x38, 2), [1, 3], "write past the end = out-of-bounds");
    assert_eq!(at(0x3a, 2), [1, 2], "write(read-only mapping) = denied");
    assert_eq!(at(0x3c, 2), [1, 2], "write32(read-only mapping) = denied");
    assert_eq!(
        at(0x40, 8),
        [0, E, E, E, 0x44, 0x33, 0x22, 0x11],
        "read32(rom) = ok"
    );
    assert_eq!(&at(0x48, 4), &[0, E, E, E], "read(rom) = ok");
    assert_eq!(at(0x54, 2), [1, 2], "write with a ro capability = denied");
    assert_eq!(
        at(0x58, 12),
        [1, E, E, E, 1, E, E, E, E, E, E, E],
        "byte read of mapped MMIO = wrong-kind"
    );
    assert_eq!(at(0x64, 2), [0, E], "write32(gpio) = ok");
    assert_eq!(
        at(0x68, 8),
        [0, E, E, E, 0, 0, 0x20, 0],
        "GPLEV0 reads the pin set"
    );
    assert_eq!(
        at(0x70, 2),
        [1, 2],
        "unaligned write32 to a read-only mapping = denied (rights first)"
    );
    assert_eq!(
        at(0x72, 2),
        [1, 1],
        "byte write of mapped MMIO = wrong-kind"
    );
    assert_eq!(region(&runtime, OUT, 0x100, 4), b"abcd", "read(shm) data");
    assert_eq!(region(&runtime, OUT, 0x110, 4), b"wxyz", "read(rom) data");

    // What reached the mapping: the two writes to shm, nothing else.
    {
        let platform = runtime.platform();
        assert_eq!(platform.mapped_writes, 2);
        assert_eq!(&platform.mapped[0..4], b"abcd");
        assert_eq!(&platform.mapped[8..12], &0xdeadbeefu32.to_le_bytes());
        assert_eq!(&platform.mapped[0x1000..0x1004], b"wxyz");
        assert!(platform.mapped[0x2000..].iter().all(|&b| b == 0));
        assert_eq!(platform.gpio.writes, 1);
    }

    // read_region works on mapped RAM, and refuses the rest as for owned memory.
    assert_eq!(region(&runtime, SHM, 0, 4), b"abcd");
    assert_eq!(region(&runtime, ROM, 4, 4), 0x1122_3344u32.to_le_bytes());
    assert_eq!(runtime.read_region(RegionId(SHM), 4095, 2), None);
    assert_eq!(runtime.read_region(RegionId(GPIO), 0, 4), None);
}

#[test]
fn a_mapped_backing_must_match_its_manifest_region() {
    let manifest = manifest();
    for (index, backing, field) in [
        (SHM as usize, mapped(0, true, true), "kind"),
        (GPIO as usize, mapped(0, true, false), "kind"),
        (
            SHM as usize,
            RegionBacking::Mapped {
                address: MAPPED_BASE,
                size: 8192,
                writable: true,
                mmio: false,
            },
            "size",
        ),
    ] {
        let result = mount_with(&manifest, &[module(PROBE)], |parts| {
            parts.regions[index] = backing;
        });
        match result {
            Err(MountError::RegionShape { field: f, .. }) => assert_eq!(f, field),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("mounted with a mismatched mapping"),
        }
    }
}
