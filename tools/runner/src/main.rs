//! `ruvix-runner`: build ruvix-pi kernel images and run them under QEMU with the defmt log
//! decoded.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitCode, ExitStatus};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ruvix_runner::image::{BuiltImage, build_image};
use ruvix_runner::probe::{ProbeSession, ProbeTool};
use ruvix_runner::{Board, Decoder, Output, Qemu, image_dir, images_dir};

#[derive(Parser)]
#[command(name = "ruvix-runner", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build kernel images into <target>/images/<board>[-test]/{kernel.elf,kernel8.img}.
    Build(BuildArgs),
    /// Run an image under QEMU and print its decoded defmt log.
    Run(RunArgs),
    /// Write the SD-card image for a board: <target>/sdcard/ruvix-<board>.img (build first).
    Sdcard(SdcardArgs),
    /// On a real board over JTAG: start OpenOCD or probe-rs and attach gdb-multiarch with the
    /// kernel's symbols (and tools/gdb/ruvix.py).
    Probe {
        /// Board on the other end of the probe.
        #[arg(long, value_enum)]
        board: Board,
        /// The debug server.
        #[arg(long, value_enum, default_value_t = ProbeTool::Openocd)]
        tool: ProbeTool,
        /// The JTAG adapter's OpenOCD configuration, e.g. interface/jlink.cfg.
        #[arg(long, value_name = "CFG", env = ruvix_runner::probe::OPENOCD_INTERFACE_ENV)]
        interface: Option<String>,
        /// Print the commands instead of running them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create a component from the template: components/NAME (crate, host test, system.toml).
    NewComponent {
        /// The component's name (a-z, 0-9, -; starts with a letter).
        name: String,
    },
    /// Print the images directory (<target>/images, or $RUVIX_IMAGES_DIR).
    ImagesDir,
    /// Build the wasm components (components/) into <target>/components.
    Components,
    /// Measure sizes, stage durations, instruction counts and throughput (test images, both
    /// boards; build them first) and write <target>/bench/report.md.
    Bench,
}

#[derive(Args)]
struct BuildArgs {
    /// Board to build for.
    #[arg(long, value_enum, required_unless_present = "all")]
    board: Option<Board>,
    /// Build the test image (kernel feature `qemu-test`) into <board>-test.
    #[arg(long)]
    test: bool,
    /// Build all four images: rpi3, rpi4, rpi3-test, rpi4-test.
    #[arg(long, conflicts_with_all = ["board", "test"])]
    all: bool,
}

#[derive(Args)]
struct SdcardArgs {
    /// Board the card is for.
    #[arg(long, value_enum)]
    board: Board,
    /// A signed package to put on the card as a separate file (`initramfs` in config.txt).
    #[arg(long, value_name = "FILE")]
    package: Option<PathBuf>,
    /// Leave the board's device tree off the card (the kernel then asks the mailbox).
    #[arg(long)]
    no_dtb: bool,
    /// Enable JTAG on GPIO22-27 in config.txt (`enable_jtag_gpio=1`).
    #[arg(long)]
    jtag: bool,
    /// Image directory holding kernel8.img (default <images>/<board>).
    #[arg(long, value_name = "DIR")]
    image: Option<PathBuf>,
    /// The image file to write (default <target>/sdcard/ruvix-<board>.img).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    /// Board (QEMU machine raspi3b or raspi4b).
    #[arg(long, value_enum)]
    board: Board,
    /// Run the test image (<images>/<board>-test) instead of <images>/<board>.
    #[arg(long)]
    test: bool,
    /// Image directory holding kernel8.img and kernel.elf.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["test", "build"])]
    image: Option<PathBuf>,
    /// Build the image first.
    #[arg(long)]
    build: bool,
    /// Device tree blob for the guest (QEMU -dtb).
    #[arg(long, value_name = "FILE")]
    dtb: Option<PathBuf>,
    /// Initial ramdisk, e.g. an RVF package (QEMU -initrd).
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,
    /// Build the components, pack this system manifest and boot it as the initrd (with the
    /// minimal device tree that announces it).
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["initrd", "dtb"])]
    system: Option<PathBuf>,
    /// Start halted with a gdb server on :1234.
    #[arg(long)]
    gdb: bool,
    /// Start halted with a gdb server on 127.0.0.1:PORT instead of :1234.
    #[arg(long, value_name = "PORT")]
    gdb_port: Option<u16>,
    /// Semihosting argument for the guest (a test scenario); repeatable.
    #[arg(long = "arg", value_name = "ARG")]
    args: Vec<String>,
    /// Stop QEMU after this many seconds and exit with status 124.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Output format of the decoded log.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// A defmt-print --log-format string, e.g. '{t} {L} {s} ({f}:{l})'; overrides --format.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Extra QEMU arguments, after `--`.
    #[arg(last = true, value_name = "QEMU ARGS")]
    qemu_args: Vec<OsString>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `[timestamp] LEVEL message`, the level coloured on a terminal.
    Human,
    /// human, plus the source location of every message.
    Verbose,
    /// `LEVEL message`, as the tests see it.
    Plain,
    /// No decoding: the serial bytes as they are.
    Raw,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Build(args) => build(&args).map(|()| 0),
        Cmd::Run(args) => run(args),
        Cmd::Sdcard(args) => sdcard(args).map(|()| 0),
        Cmd::Probe {
            board,
            tool,
            interface,
            dry_run,
        } => {
            let session = ProbeSession::new(board, tool, interface);
            if dry_run {
                session.server_command().map(|server| {
                    println!("{}", ruvix_runner::shell_join(&server));
                    println!("{}", ruvix_runner::shell_join(session.gdb_command()));
                    0
                })
            } else {
                session.run().map(|()| 0)
            }
        }
        Cmd::NewComponent { name } => {
            let root = ruvix_runner::workspace_root();
            ruvix_runner::new_component::generate(&root.join("components"), &name)
                .map(|made| {
                    print!("{}", made.summary(&root));
                    0
                })
                .map_err(anyhow::Error::from)
        }
        Cmd::ImagesDir => {
            println!("{}", images_dir().display());
            Ok(0)
        }
        Cmd::Components => ruvix_runner::package::build_components().map(|dir| {
            println!("components: {}", dir.display());
            0
        }),
        Cmd::Bench => ruvix_runner::bench::run_benchmarks(&Board::ALL).and_then(|report| {
            let path = ruvix_runner::target_dir().join("bench/report.md");
            std::fs::create_dir_all(path.parent().expect("has a parent"))?;
            std::fs::write(&path, &report)?;
            print!("{report}");
            println!("\n(written to {})", path.display());
            Ok(0)
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ruvix-runner: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn build(args: &BuildArgs) -> Result<()> {
    let targets: Vec<(Board, bool)> = if args.all {
        [false, true]
            .into_iter()
            .flat_map(|test| Board::ALL.map(|b| (b, test)))
            .collect()
    } else {
        vec![(args.board.expect("clap requires --board"), args.test)]
    };
    let package = ruvix_runner::package::prepare()?;
    println!("package: {}", package.display());
    for (board, test) in targets {
        print_built(&build_image(board, test, &package)?)?;
    }
    Ok(())
}

fn sdcard(args: SdcardArgs) -> Result<()> {
    use ruvix_runner::sdcard::{SdCardSpec, firmware_cache, write};
    let mut spec = SdCardSpec::new(args.board, firmware_cache()?);
    spec.package = args.package;
    spec.with_dtb = !args.no_dtb;
    spec.jtag = args.jtag;
    if let Some(dir) = args.image {
        spec.image_dir = dir;
    }
    if let Some(out) = args.out {
        spec.out = out;
    }
    print!("{}", write(&spec)?.summary());
    Ok(())
}

fn print_built(image: &BuiltImage) -> Result<()> {
    println!("{}:", image.board.image_name(image.test));
    for path in [&image.elf, &image.img] {
        let size = path
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        println!(
            "  {}  {size} bytes ({:.1} KiB)",
            path.display(),
            size as f64 / 1024.0
        );
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<u8> {
    if args.build {
        let package = ruvix_runner::package::prepare()?;
        print_built(&build_image(args.board, args.test, &package)?)?;
    }
    let dir = args
        .image
        .clone()
        .unwrap_or_else(|| image_dir(args.board, args.test));
    let decoder = match (&args.log_format, args.format) {
        (Some(format), _) => Decoder::Custom(format.clone()),
        (None, Format::Human) => Decoder::Human,
        (None, Format::Verbose) => Decoder::Verbose,
        (None, Format::Plain) => Decoder::Plain,
        (None, Format::Raw) => Decoder::Raw,
    };
    let qemu = Qemu::new(args.board, dir)
        .semihosting_args(args.args)
        .gdb(args.gdb)
        .decoder(decoder)
        // What is typed in this terminal reaches the console (the demo's shell answers it).
        .input(ruvix_runner::Input::Forward)
        .extra_args(args.qemu_args);
    let qemu = match args.gdb_port {
        Some(port) => qemu.gdb_port(port),
        None => qemu,
    };
    let qemu = match args.dtb {
        Some(dtb) => qemu.dtb(dtb),
        None => qemu,
    };
    let qemu = match args.initrd {
        Some(initrd) => qemu.initrd(initrd),
        None => qemu,
    };
    let qemu = match &args.system {
        Some(manifest) => {
            let wasm = ruvix_runner::package::build_components()?;
            let stem = manifest
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "system".into());
            // `components/NAME/system.toml` is named after its directory.
            let name = match (stem.as_str(), manifest.parent().and_then(|p| p.file_name())) {
                ("system", Some(dir)) => dir.to_string_lossy().into_owned(),
                _ => stem,
            };
            let package = ruvix_runner::target_dir()
                .join("packages")
                .join(format!("{name}.rvf"));
            ruvix_runner::package::pack_manifest(manifest, &wasm, &package)?;
            eprintln!("package: {}", package.display());
            qemu.initrd(package)
                .dtb(ruvix_runner::package::qemu_dtb(args.board)?)
        }
        None => qemu,
    };

    // The plain command first, on stderr, so it can be copied and does not mix with the log.
    eprintln!("{}", qemu.command_line()?);
    if let Some(port) = qemu.get_gdb_port() {
        let script = ruvix_runner::workspace_root().join("tools/gdb/ruvix.py");
        eprintln!(
            "QEMU is halted with a gdb server on :{port}; attach with (`ruvix tasks` prints \
             the component and task tables):\n  {}",
            ruvix_runner::shell_join([
                "gdb-multiarch".as_ref(),
                qemu.elf().as_os_str(),
                "-ex".as_ref(),
                format!("target remote :{port}").as_ref(),
                "-x".as_ref(),
                script.as_os_str(),
            ])
        );
    }

    // Ctrl-C, SIGTERM and SIGHUP all arrive here. QEMU and the decoder run in process groups
    // of their own, so the terminal's SIGINT does not reach them: we stop them in order.
    let (tx, interrupted) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .context("installing the signal handler")?;

    let mut session = qemu.spawn(Output::Inherit)?;
    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    loop {
        if let Some(status) = session.try_wait().context("waiting for QEMU")? {
            // Let the decoder print the last frames before we exit.
            session.wait_decoder(Instant::now() + Duration::from_secs(2));
            return Ok(exit_code(status));
        }
        // Waiting on the channel doubles as the polling interval.
        if interrupted.recv_timeout(Duration::from_millis(50)).is_ok() {
            eprintln!("ruvix-runner: interrupted, stopping QEMU");
            session.stop_now();
            return Ok(130);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            eprintln!(
                "ruvix-runner: timed out after {}s, stopping QEMU",
                args.timeout.unwrap_or_default()
            );
            session.stop_now();
            return Ok(124);
        }
    }
}

/// QEMU's exit status as ours: its code (the guest's semihosting exit code), or 128 + signal
/// like a shell reports it.
fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(1),
        (None, None) => 1,
    }
}
