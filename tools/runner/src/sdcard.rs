//! The SD-card image for a real board: `<target>/sdcard/ruvix-<board>.img`, an MBR partition
//! table with one FAT32 boot partition holding the Raspberry Pi firmware, `kernel8.img`, a
//! `config.txt` for the board, the board's device tree and optionally a separate package.
//!
//! Made with standard tools on a plain file, without root or loop devices: `sfdisk` (fdisk)
//! writes the partition table, `mkfs.fat --offset` (dosfstools) formats the partition in
//! place, `mcopy -i image@@offset` (mtools) copies the files in. The firmware files come from
//! Debian's `raspi-firmware` and arm64 kernel packages, extracted into a cache by
//! `tools/fetch-pi-firmware.sh` (see [`firmware_cache`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::paths::{image_dir, target_dir, workspace_root};
use crate::{Board, ELF_NAME, IMG_NAME};

/// The partition starts at 1 MiB (sector 2048), the usual alignment for flash media.
pub const PARTITION_START_SECTOR: u64 = 2048;
const SECTOR: u64 = 512;
/// Byte offset of the FAT partition inside the image (what `mtools` wants after `@@`).
pub const PARTITION_OFFSET: u64 = PARTITION_START_SECTOR * SECTOR;
/// Smallest image: FAT32 needs at least 65,525 clusters (about 33 MiB with 512-byte
/// clusters); 64 MiB leaves room and still writes to a card in a second.
const MIN_IMAGE_BYTES: u64 = 64 << 20;
/// FAT volume label of the boot partition.
pub const VOLUME_LABEL: &str = "RUVIX";
/// File name of a separately loaded package on the card (the `initramfs` line names it).
pub const PACKAGE_NAME: &str = "package.rvf";
/// Where the firmware's licence goes on the card (as in the Raspberry Pi firmware tree).
pub const LICENCE_NAME: &str = "LICENCE.broadcom";

/// The GPU firmware files the board's boot ROM / EEPROM loader needs from the card.
pub fn firmware_files(board: Board) -> &'static [&'static str] {
    match board {
        // The Pi 3's boot ROM loads bootcode.bin, which loads start.elf (+ fixup.dat).
        Board::Rpi3 => &["bootcode.bin", "start.elf", "fixup.dat"],
        // The Pi 4 boots from its EEPROM, which loads start4.elf (+ fixup4.dat).
        Board::Rpi4 => &["start4.elf", "fixup4.dat"],
    }
}

/// The board's device tree as Debian's kernel names it (the mainline names: the Pi 3B's is
/// `bcm2837-rpi-3-b.dtb`, where the Raspberry Pi kernel says `bcm2710-rpi-3-b.dtb`, so
/// `config.txt` names it with `device_tree=`).
pub fn dtb_name(board: Board) -> &'static str {
    match board {
        Board::Rpi3 => "bcm2837-rpi-3-b.dtb",
        Board::Rpi4 => "bcm2711-rpi-4-b.dtb",
    }
}

/// Full board name for messages and `config.txt`.
fn board_title(board: Board) -> &'static str {
    match board {
        Board::Rpi3 => "Raspberry Pi 3 Model B (BCM2837)",
        Board::Rpi4 => "Raspberry Pi 4 Model B (BCM2711)",
    }
}

/// `config.txt` for `board`: 64-bit, `kernel8.img` at the address it is linked for, the PL011
/// on GPIO14/15 for the log, the device tree and package if the card has them, and the JTAG
/// line (commented out unless `jtag`).
pub fn config_txt(board: Board, dtb: Option<&str>, package: Option<&str>, jtag: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# ruvix-pi for the {}, written by `just sdcard`.",
        board_title(board)
    );
    s.push_str("# The GPU firmware reads this file; see the README, \"On a real board\".\n");
    s.push_str("arm_64bit=1\n");
    let _ = writeln!(s, "kernel={IMG_NAME}");
    // linker/kernel.ld links the kernel for 0x80000; newer firmware would load a 64-bit
    // kernel at 0x200000 unless told.
    s.push_str("kernel_address=0x80000\n");
    s.push_str("enable_uart=1\n");
    // The kernel asks for this clock through the mailbox too; set here it is right from the
    // first byte.
    s.push_str("init_uart_clock=48000000\n");
    s.push_str(
        "# Bluetooth uses the PL011 by default; this gives it back to GPIO14/15 (the kernel\n\
         # routes GPIO14/15 to ALT0 itself; the overlay needs overlays/disable-bt.dtbo, which\n\
         # the Raspberry Pi firmware distribution has and Debian's packages do not).\n\
         dtoverlay=disable-bt\n",
    );
    match dtb {
        Some(name) => {
            let _ = writeln!(s, "device_tree={name}");
        }
        None => s.push_str(
            "# No device tree on this card: the kernel asks the firmware's mailbox instead.\n",
        ),
    }
    if let Some(name) = package {
        s.push_str("# A separately loaded package; it takes precedence over the embedded one.\n");
        let _ = writeln!(s, "initramfs {name} followkernel");
    }
    s.push_str("# JTAG on GPIO22-27 for gdb through OpenOCD or probe-rs (README, Debugging).\n");
    s.push_str(if jtag {
        "enable_jtag_gpio=1\n"
    } else {
        "# enable_jtag_gpio=1\n"
    });
    s
}

/// What to put on the card.
#[derive(Clone, Debug)]
pub struct SdCardSpec {
    pub board: Board,
    /// Directory holding `kernel8.img` (and `kernel.elf`, named in the instructions).
    pub image_dir: PathBuf,
    /// Directory of the extracted firmware (`firmware/`, `dtb/`), see [`firmware_cache`].
    pub firmware_dir: PathBuf,
    /// Put the board's `.dtb` on the card if the cache has it.
    pub with_dtb: bool,
    /// A signed package to load as a separate file (`initramfs`).
    pub package: Option<PathBuf>,
    /// The public key the image trusts: a package not signed with it is refused here already.
    pub public_key: PathBuf,
    /// `enable_jtag_gpio=1` instead of the commented line.
    pub jtag: bool,
    /// The image file to write.
    pub out: PathBuf,
}

impl SdCardSpec {
    /// The defaults for `board`: its image, the firmware cache, the board's `.dtb`, no
    /// package, the image's public key, `<target>/sdcard/ruvix-<board>.img`.
    pub fn new(board: Board, firmware_dir: PathBuf) -> Self {
        SdCardSpec {
            board,
            image_dir: image_dir(board, false),
            firmware_dir,
            with_dtb: true,
            package: None,
            public_key: crate::package::public_key(),
            jtag: false,
            out: default_output(board),
        }
    }
}

/// `<target>/sdcard/ruvix-<board>.img`.
pub fn default_output(board: Board) -> PathBuf {
    target_dir()
        .join("sdcard")
        .join(format!("ruvix-{}.img", board.name()))
}

/// One file on the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardFile {
    pub name: String,
    pub bytes: u64,
    /// Where it came from (a path), or `generated`.
    pub source: String,
}

/// The image that was written.
#[derive(Clone, Debug)]
pub struct SdCard {
    pub board: Board,
    pub path: PathBuf,
    pub image_bytes: u64,
    pub partition_offset: u64,
    pub partition_bytes: u64,
    pub files: Vec<CardFile>,
    pub config_txt: String,
    /// The package versions the firmware came from (`VERSIONS` in the cache).
    pub firmware_versions: String,
    pub elf: PathBuf,
}

/// The cache of extracted firmware files: runs `tools/fetch-pi-firmware.sh` (quick when the
/// cache is complete) and returns its directory.
pub fn firmware_cache() -> Result<PathBuf> {
    let script = workspace_root().join("tools/fetch-pi-firmware.sh");
    let output = Command::new(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed ({}): the Raspberry Pi firmware could not be fetched",
            script.display(),
            output.status
        );
    }
    let dir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if dir.is_empty() {
        bail!("{} printed no directory", script.display());
    }
    Ok(PathBuf::from(dir))
}

/// Runs a tool, its output captured; an error names the tool, its status and its stderr.
fn run_tool(program: &str, args: &[&std::ffi::OsStr], stdin: Option<&str>) -> Result<String> {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program} (run tools/setup.sh)"))?;
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(text.as_bytes())
            .with_context(|| format!("writing to {program}"))?;
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("waiting for {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `image@@offset`, the mtools way of naming a FAT file system inside a file.
pub fn mtools_image(image: &Path) -> std::ffi::OsString {
    let mut s = image.as_os_str().to_owned();
    s.push(format!("@@{PARTITION_OFFSET}"));
    s
}

fn file_len(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("{}", path.display()))?
        .len())
}

/// Checks that `path` is a package the image would accept: a well-formed RVF, signed with
/// `public_key`, every component's hash right. Stage 1 would halt on anything else.
fn check_package(path: &Path, public_key: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("package {}", path.display()))?;
    let key = std::fs::read(public_key)
        .with_context(|| format!("public key {}", public_key.display()))?;
    let package = ruvix_rvf::Package::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("package {}: not an RVF package: {e}", path.display()))?;
    package.verify(&key).map_err(|e| {
        anyhow::anyhow!(
            "package {}: the image would refuse it: {e} (public key {})",
            path.display(),
            public_key.display()
        )
    })?;
    Ok(())
}

/// Writes the image described by `spec` and returns what is in it. The image appears under
/// its name only when complete.
pub fn write(spec: &SdCardSpec) -> Result<SdCard> {
    let board = spec.board;
    // Everything that goes on the card, checked before anything is written.
    let mut sources: Vec<(String, PathBuf)> = Vec::new();
    let firmware = spec.firmware_dir.join("firmware");
    for name in firmware_files(board).iter().chain(&[LICENCE_NAME]) {
        let path = firmware.join(name);
        if !path.is_file() {
            bail!(
                "firmware file {} is missing: run tools/fetch-pi-firmware.sh",
                path.display()
            );
        }
        sources.push(((*name).to_owned(), path));
    }
    let kernel = spec.image_dir.join(IMG_NAME);
    if !kernel.is_file() {
        bail!(
            "{} is missing: run `just build {}`",
            kernel.display(),
            board
        );
    }
    sources.push((IMG_NAME.to_owned(), kernel));
    let dtb = spec.firmware_dir.join("dtb").join(dtb_name(board));
    let dtb = (spec.with_dtb && dtb.is_file()).then_some(dtb);
    if let Some(dtb) = &dtb {
        sources.push((dtb_name(board).to_owned(), dtb.clone()));
    }
    if let Some(package) = &spec.package {
        check_package(package, &spec.public_key)?;
        sources.push((PACKAGE_NAME.to_owned(), package.clone()));
    }
    let config = config_txt(
        board,
        dtb.as_ref().map(|_| dtb_name(board)),
        spec.package.as_ref().map(|_| PACKAGE_NAME),
        spec.jtag,
    );

    // Size: the files with room to spare (FAT, directory, a later hand-added file), at least
    // the FAT32 minimum, in whole MiB.
    let content: u64 = sources
        .iter()
        .map(|(_, p)| file_len(p))
        .sum::<Result<u64>>()?;
    let image_bytes = (PARTITION_OFFSET + content * 2 + (16 << 20))
        .max(MIN_IMAGE_BYTES)
        .next_multiple_of(1 << 20);
    let partition_bytes = image_bytes - PARTITION_OFFSET;

    let out_dir = spec
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(out_dir).with_context(|| format!("{}", out_dir.display()))?;
    let partial = spec.out.with_extension("img.partial");
    let _ = std::fs::remove_file(&partial);
    // A sparse file: only what is written takes space.
    std::fs::File::create(&partial)
        .and_then(|f| f.set_len(image_bytes))
        .with_context(|| format!("creating {}", partial.display()))?;
    let result = fill(&partial, partition_bytes, &sources, &config);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &spec.out)
        .with_context(|| format!("renaming to {}", spec.out.display()))?;

    let mut files: Vec<CardFile> = sources
        .iter()
        .map(|(name, path)| {
            Ok(CardFile {
                name: name.clone(),
                bytes: file_len(path)?,
                source: path.display().to_string(),
            })
        })
        .collect::<Result<_>>()?;
    files.push(CardFile {
        name: "config.txt".into(),
        bytes: config.len() as u64,
        source: "generated".into(),
    });
    Ok(SdCard {
        board,
        path: spec.out.clone(),
        image_bytes,
        partition_offset: PARTITION_OFFSET,
        partition_bytes,
        files,
        config_txt: config,
        firmware_versions: std::fs::read_to_string(spec.firmware_dir.join("VERSIONS"))
            .unwrap_or_default()
            .trim()
            .to_owned(),
        elf: spec.image_dir.join(ELF_NAME),
    })
}

/// Partition table, file system and files into the (sparse, sized) `image`.
fn fill(
    image: &Path,
    partition_bytes: u64,
    sources: &[(String, PathBuf)],
    config: &str,
) -> Result<()> {
    let os = |s: &str| std::ffi::OsString::from(s);
    // One primary partition, type 0x0c (FAT32 with LBA), marked bootable.
    let table = format!(
        "label: dos\nunit: sectors\nstart={PARTITION_START_SECTOR}, size={}, type=c, bootable\n",
        partition_bytes / SECTOR
    );
    run_tool(
        "sfdisk",
        &[os("--quiet").as_os_str(), image.as_os_str()],
        Some(&table),
    )?;
    // Format the partition in place. `-h` records the sectors before it (hidden sectors) as
    // a partitioned disk's boot sector should; `--invariant` keeps the image reproducible.
    let blocks_kib = (partition_bytes / 1024).to_string();
    let start = PARTITION_START_SECTOR.to_string();
    let args: Vec<std::ffi::OsString> = vec![
        os("-F"),
        os("32"),
        os("-n"),
        os(VOLUME_LABEL),
        os("-h"),
        os(&start),
        os("--offset"),
        os(&start),
        os("--invariant"),
        image.as_os_str().to_owned(),
        os(&blocks_kib),
    ];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_tool("mkfs.fat", &args, None)?;

    let target = mtools_image(image);
    let config_file = image.with_extension("config.txt");
    std::fs::write(&config_file, config)
        .with_context(|| format!("writing {}", config_file.display()))?;
    let mut copies: Vec<(&str, &Path)> = sources
        .iter()
        .map(|(name, path)| (name.as_str(), path.as_path()))
        .collect();
    copies.push(("config.txt", &config_file));
    let copied = copies.iter().try_for_each(|(name, path)| {
        let dest = os(&format!("::{name}"));
        run_tool(
            "mcopy",
            &[
                os("-i").as_os_str(),
                target.as_os_str(),
                os("-o").as_os_str(),
                path.as_os_str(),
                dest.as_os_str(),
            ],
            None,
        )
        .map(drop)
    });
    let _ = std::fs::remove_file(&config_file);
    copied
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

impl SdCard {
    /// What was written and how to put it on a card, for people.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let path = self.path.display();
        let _ = writeln!(
            s,
            "sdcard: {path} ({}, {} on disk)",
            mib(self.image_bytes),
            self.allocated()
                .map(mib)
                .unwrap_or_else(|| "unknown".into())
        );
        let _ = writeln!(
            s,
            "  MBR partition table, partition 1: FAT32 \"{VOLUME_LABEL}\", type 0x0c, bootable, \
             {} at {} MiB",
            mib(self.partition_bytes),
            self.partition_offset >> 20
        );
        for file in &self.files {
            let _ = writeln!(
                s,
                "  {:<22} {:>9} bytes  {}",
                file.name, file.bytes, file.source
            );
        }
        if !self.firmware_versions.is_empty() {
            let _ = writeln!(
                s,
                "  firmware from Debian: {}",
                self.firmware_versions.replace('\n', ", ")
            );
        }
        s.push_str("config.txt:\n");
        for line in self.config_txt.lines() {
            let _ = writeln!(s, "  | {line}");
        }
        let _ = write!(
            s,
            "Write it to a card (everything on the card is lost; find the card's device with \
             `lsblk`, here /dev/sdX):\n  \
             sudo dd if={path} of=/dev/sdX bs=4M conv=fsync status=progress\n  \
             sudo bmaptool copy --nobmap {path} /dev/sdX\n  \
             or Raspberry Pi Imager: Choose OS → Use Custom → {name}\n\
             Then connect a 3.3 V serial adapter to GPIO14/15 (README, On a real board) and read \
             the log:\n  \
             defmt-print -e {elf} serial --path /dev/ttyUSB0 --baud 115200\n",
            name = self
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            elf = self.elf.display(),
        );
        s
    }

    /// Bytes the sparse image takes on disk.
    fn allocated(&self) -> Option<u64> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&self.path).ok().map(|m| m.blocks() * 512)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firmware_per_board() {
        assert_eq!(
            firmware_files(Board::Rpi3),
            ["bootcode.bin", "start.elf", "fixup.dat"]
        );
        assert_eq!(firmware_files(Board::Rpi4), ["start4.elf", "fixup4.dat"]);
        assert_eq!(dtb_name(Board::Rpi3), "bcm2837-rpi-3-b.dtb");
        assert_eq!(dtb_name(Board::Rpi4), "bcm2711-rpi-4-b.dtb");
    }

    fn active_lines(config: &str) -> Vec<&str> {
        config
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect()
    }

    #[test]
    fn config_for_a_bare_card() {
        let config = config_txt(Board::Rpi3, None, None, false);
        assert_eq!(
            active_lines(&config),
            [
                "arm_64bit=1",
                "kernel=kernel8.img",
                "kernel_address=0x80000",
                "enable_uart=1",
                "init_uart_clock=48000000",
                "dtoverlay=disable-bt",
            ]
        );
        assert!(config.contains("\n# enable_jtag_gpio=1\n"), "{config}");
        assert!(config.contains("Raspberry Pi 3 Model B"), "{config}");
    }

    #[test]
    fn config_with_dtb_package_and_jtag() {
        let config = config_txt(
            Board::Rpi4,
            Some(dtb_name(Board::Rpi4)),
            Some(PACKAGE_NAME),
            true,
        );
        let lines = active_lines(&config);
        assert!(
            lines.contains(&"device_tree=bcm2711-rpi-4-b.dtb"),
            "{config}"
        );
        assert!(
            lines.contains(&"initramfs package.rvf followkernel"),
            "{config}"
        );
        assert!(lines.contains(&"enable_jtag_gpio=1"), "{config}");
        assert!(!config.contains("# enable_jtag_gpio"), "{config}");
    }

    #[test]
    fn mtools_name_has_the_offset() {
        assert_eq!(
            mtools_image(Path::new("/t/a.img")),
            std::ffi::OsString::from("/t/a.img@@1048576")
        );
    }

    /// A firmware cache with stand-in files (the real ones are not needed to test the layout).
    fn fake_firmware(dir: &Path, board: Board) {
        std::fs::create_dir_all(dir.join("firmware")).unwrap();
        for name in firmware_files(board).iter().chain(&[LICENCE_NAME]) {
            std::fs::write(dir.join("firmware").join(name), name.as_bytes()).unwrap();
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ruvix-sdcard-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn spec_in(dir: &Path, board: Board) -> SdCardSpec {
        let images = dir.join("image");
        std::fs::create_dir_all(&images).unwrap();
        std::fs::write(images.join(IMG_NAME), b"kernel").unwrap();
        fake_firmware(&dir.join("cache"), board);
        SdCardSpec {
            image_dir: images,
            out: dir.join("card.img"),
            ..SdCardSpec::new(board, dir.join("cache"))
        }
    }

    #[test]
    fn missing_firmware_is_named() {
        let dir = temp_dir("missing-firmware");
        let spec = spec_in(&dir, Board::Rpi3);
        std::fs::remove_file(dir.join("cache/firmware/start.elf")).unwrap();
        let err = write(&spec).unwrap_err().to_string();
        assert!(err.contains("cache/firmware/start.elf is missing"), "{err}");
        assert!(!spec.out.exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_kernel_names_the_build() {
        let dir = temp_dir("missing-kernel");
        let spec = spec_in(&dir, Board::Rpi4);
        std::fs::remove_file(spec.image_dir.join(IMG_NAME)).unwrap();
        let err = write(&spec).unwrap_err().to_string();
        assert!(err.ends_with("is missing: run `just build rpi4`"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_package_the_image_would_refuse_is_refused() {
        let dir = temp_dir("bad-package");
        let mut spec = spec_in(&dir, Board::Rpi3);
        let package = dir.join("not.rvf");
        std::fs::write(&package, b"this is not a package").unwrap();
        spec.package = Some(package);
        let err = write(&spec).unwrap_err().to_string();
        assert!(err.contains("not an RVF package"), "{err}");
        assert!(!spec.out.exists());
        spec.package = Some(dir.join("absent.rvf"));
        let err = format!("{:#}", write(&spec).unwrap_err());
        assert!(err.contains("absent.rvf"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
