//! The SD-card image, on both boards: the partition table and the FAT32 file system are what
//! the Pi's boot ROM expects (checked with sfdisk, fsck.fat and mtools, not with our own
//! code), every file is on it byte for byte, `config.txt` says what it must; and the
//! `kernel8.img`, device tree and package read back *out of the image* boot in QEMU to
//! `stage 4 attest: ok`, loaded the way the firmware loads them (kernel at 0x80000, the device
//! tree and the `initramfs` announced to the kernel).
//!
//! Skipped, with the reason, only when the Raspberry Pi firmware cannot be fetched.

use std::path::{Path, PathBuf};
use std::process::Command;

use ruvix_qemu_tests::*;
use ruvix_runner::sdcard::{self, SdCard, SdCardSpec};

/// The firmware cache, or `None` (after saying why) when it cannot be had.
fn firmware() -> Option<PathBuf> {
    match sdcard::firmware_cache() {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("SKIPPED: the SD-card test needs the Raspberry Pi firmware: {e:#}");
            None
        }
    }
}

fn temp_dir(board: Board, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ruvix-sdcard-test-{}-{}-{name}",
        std::process::id(),
        board.name()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

/// A tool's stdout; panics with its stderr if it fails.
fn tool(program: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(program)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (run tools/setup.sh)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies `name` out of the card's FAT partition into `dir`.
fn read_back(card: &Path, name: &str, dir: &Path) -> PathBuf {
    let dest = dir.join(name);
    let image = sdcard::mtools_image(card);
    let source = format!("::{name}");
    tool(
        "mcopy",
        &[
            "-n".as_ref(),
            "-i".as_ref(),
            image.as_os_str(),
            source.as_ref(),
            dest.as_os_str(),
        ],
    );
    dest
}

fn demo_package() -> PathBuf {
    ruvix_runner::package::package_path(ruvix_runner::package::DEMO_MANIFEST)
}

/// The test system, a package different from the one the image embeds: its 9 components in the
/// log prove the package came off the card.
fn test_package() -> PathBuf {
    let path = ruvix_runner::package::package_path(ruvix_runner::package::TEST_MANIFEST);
    assert!(path.is_file(), "{}: run just build", path.display());
    path
}

fn write_card(board: Board, firmware: PathBuf, dir: &Path) -> (SdCardSpec, SdCard) {
    let mut spec = SdCardSpec::new(board, firmware);
    spec.package = Some(test_package());
    spec.out = dir.join(format!("ruvix-{}.img", board.name()));
    let card = sdcard::write(&spec).unwrap_or_else(|e| panic!("sdcard: {e:#}"));
    (spec, card)
}

fn partition_table_and_fat32_are_right(board: Board) {
    let Some(firmware) = firmware() else { return };
    let dir = temp_dir(board, "layout");
    let (_, card) = write_card(board, firmware, &dir);
    let summary = card.summary();
    assert!(summary.contains("sudo dd if="), "{summary}");
    assert!(summary.contains("bmaptool copy"), "{summary}");
    assert!(summary.contains("Raspberry Pi Imager"), "{summary}");

    // MBR with one bootable FAT32-LBA partition at 1 MiB filling the image.
    let json = tool("sfdisk", &["--json".as_ref(), card.path.as_os_str()]);
    let table: serde_json::Value = serde_json::from_str(&json).expect("sfdisk --json");
    let table = &table["partitiontable"];
    assert_eq!(table["label"], "dos", "{json}");
    let partitions = table["partitions"].as_array().expect("partitions");
    assert_eq!(partitions.len(), 1, "{json}");
    let p = &partitions[0];
    assert_eq!(p["start"], 2048, "{json}");
    assert_eq!(p["type"], "c", "{json}");
    assert_eq!(p["bootable"], true, "{json}");
    let image_bytes = std::fs::metadata(&card.path).unwrap().len();
    assert_eq!(
        p["size"].as_u64().unwrap() * 512 + 2048 * 512,
        image_bytes,
        "{json}"
    );

    // The file system is FAT32 and clean: fsck.fat on the partition's bytes.
    let mtools = sdcard::mtools_image(&card.path);
    let info = tool("minfo", &["-i".as_ref(), mtools.as_os_str(), "::".as_ref()]);
    assert!(info.contains("disk type=\"FAT32   \""), "{info}");
    assert!(info.contains("disk label=\"RUVIX"), "{info}");
    let bytes = std::fs::read(&card.path).unwrap();
    let partition = dir.join("partition.fat");
    std::fs::write(&partition, &bytes[sdcard::PARTITION_OFFSET as usize..]).unwrap();
    let fsck = tool("fsck.fat", &["-n".as_ref(), partition.as_os_str()]);

    // Exactly the expected files.
    let listing = tool(
        "mdir",
        &[
            "-b".as_ref(),
            "-i".as_ref(),
            mtools.as_os_str(),
            "::".as_ref(),
        ],
    );
    let mut names: Vec<&str> = listing
        .lines()
        .map(|l| l.trim_start_matches("::/"))
        .collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = sdcard::firmware_files(board).to_vec();
    expected.extend([
        "LICENCE.broadcom",
        "kernel8.img",
        "config.txt",
        "package.rvf",
        sdcard::dtb_name(board),
    ]);
    expected.sort_unstable();
    assert_eq!(names, expected, "{listing}");
    // fsck.fat counts the volume label's directory entry as a file too.
    assert!(
        fsck.contains(&format!(": {} files,", expected.len() + 1)),
        "{fsck}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn files_on_the_card_are_byte_identical(board: Board) {
    let Some(firmware) = firmware() else { return };
    let dir = temp_dir(board, "files");
    let (spec, card) = write_card(board, firmware.clone(), &dir);
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let mut originals: Vec<(&str, PathBuf)> = vec![
        ("kernel8.img", spec.image_dir.join("kernel8.img")),
        ("package.rvf", test_package()),
        (
            sdcard::dtb_name(board),
            firmware.join("dtb").join(sdcard::dtb_name(board)),
        ),
        (
            "LICENCE.broadcom",
            firmware.join("firmware/LICENCE.broadcom"),
        ),
    ];
    for name in sdcard::firmware_files(board) {
        originals.push((name, firmware.join("firmware").join(name)));
    }
    for (name, original) in originals {
        let back = std::fs::read(read_back(&card.path, name, &out)).unwrap();
        assert!(
            back == std::fs::read(&original).unwrap(),
            "{name} on the card differs from {}",
            original.display()
        );
    }

    let config = std::fs::read_to_string(read_back(&card.path, "config.txt", &out)).unwrap();
    assert_eq!(config, card.config_txt);
    let active: Vec<&str> = config
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    for line in [
        "arm_64bit=1",
        "kernel=kernel8.img",
        "kernel_address=0x80000",
        "enable_uart=1",
        &format!("device_tree={}", sdcard::dtb_name(board)),
        "initramfs package.rvf followkernel",
    ] {
        assert!(
            active.contains(&line),
            "config.txt lacks {line:?}:\n{config}"
        );
    }
    assert!(
        config.lines().any(|l| l == "# enable_jtag_gpio=1"),
        "the JTAG line, commented:\n{config}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Boots what the firmware would boot from the card: kernel8.img at 0x80000 (QEMU's `-kernel`
/// for a raw image, core 0 at EL2 like the Pi firmware), the card's device tree and the
/// `initramfs` package announced in its `/chosen` node.
fn kernel_from_the_card_boots_to_stage_4(board: Board) {
    let Some(firmware) = firmware() else { return };
    let dir = temp_dir(board, "boot");
    let (spec, card) = write_card(board, firmware, &dir);
    let boot = dir.join("boot");
    std::fs::create_dir_all(&boot).unwrap();
    read_back(&card.path, "kernel8.img", &boot);
    let dtb = read_back(&card.path, sdcard::dtb_name(board), &boot);
    let package = read_back(&card.path, "package.rvf", &boot);
    // The decoder reads the format strings from the ELF the image was made from (not on the
    // card: a Pi does not need it, the host does).
    std::fs::copy(spec.image_dir.join("kernel.elf"), boot.join("kernel.elf")).unwrap();

    let run = Qemu::new(board, &boot)
        .dtb(&dtb)
        .initrd(&package)
        .timeout(TIMEOUT)
        .run_until(|line| line.contains("stage 4 attest: ok"))
        .unwrap_or_else(|e| panic!("could not run QEMU: {e}"));
    assert!(run.stopped, "no `stage 4 attest: ok`\n{}", run.log());
    let model = match board {
        Board::Rpi3 => "model \"Raspberry Pi 3 Model B\"",
        Board::Rpi4 => "model \"Raspberry Pi 4 Model B\"",
    };
    run.expect_in_order(&[
        model,
        "device tree: initrd 0x",
        "stage 0 hardware: ok",
        ", initrd at 0x",
        "stage 1 verify: ok",
        "stage 2 create: ok",
        "stage 3 mount: ok",
        "stage 4 attest: ok",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    run.assert_line("stage 3 mount: ok");
    run.assert_line("9 components mounted, 3 queues connected, 9 tasks spawned");
    let _ = std::fs::remove_dir_all(dir);
}

/// A package signed with a key the image does not trust would stop stage 1 on the board: the
/// card is not written.
fn package_with_another_key_is_refused(board: Board) {
    let Some(firmware) = firmware() else { return };
    let dir = temp_dir(board, "other-key");
    let good = std::fs::read(demo_package()).expect("demo package: run just build");
    let package = ruvix_rvf::Package::parse(&good).expect("demo package");
    let mut builder = ruvix_rvf::PackageBuilder::new(package.manifest());
    for component in package.components() {
        builder
            .component(component.name.as_str(), component.wasm)
            .expect("component");
    }
    let other = builder
        .build(&ruvix_rvf::SigningKey::from_seed([0x5a; 32]))
        .expect("sign with another key");
    let path = dir.join("other.rvf");
    std::fs::write(&path, other).unwrap();
    let mut spec = SdCardSpec::new(board, firmware);
    spec.package = Some(path);
    spec.out = dir.join("card.img");
    let err = format!("{:#}", sdcard::write(&spec).unwrap_err());
    assert!(err.contains("the image would refuse it"), "{err}");
    assert!(err.contains("another key"), "{err}");
    assert!(!spec.out.exists(), "no image is left behind");
    let _ = std::fs::remove_dir_all(dir);
}

on_both_boards!(
    partition_table_and_fat32_are_right,
    files_on_the_card_are_byte_identical,
    kernel_from_the_card_boots_to_stage_4,
    package_with_another_key_is_refused,
);
