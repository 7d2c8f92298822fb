//! One QEMU run: the command line, the processes, and capturing the decoded log.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::paths::{check_image_dir, find_defmt_print, find_qemu};
use crate::process::{contain, kill_and_reap, wait_until};
use crate::{Board, ELF_NAME, IMG_NAME, Outcome, shell, strip_ansi};

/// The port of `-s` (QEMU's gdb server default), what `just debug` uses.
pub const DEFAULT_GDB_PORT: u16 = 1234;

/// Default deadline of [`Qemu::run`]: generous for a boot test on a busy 2-core machine.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The first semihosting argument, before the scenario arguments.
///
/// QEMU builds the `SYS_GET_CMDLINE` string by joining every `arg=` of `-semihosting-config`
/// with single spaces. Without any `arg=` it falls back to the `-kernel` path followed by the
/// `-append` words. We always pass this fixed argv\[0\], so the guest sees exactly
/// `"kernel"` or `"kernel data-abort"`, and in both cases (ours or a hand-written command line)
/// the rule "skip the first word" finds the scenario arguments.
pub const SEMIHOSTING_ARGV0: &str = "kernel";

/// defmt-print's `--log-format` for captured runs: `INFO message`, no timestamp, no location.
/// `{L:1}` sets the level's minimum width to 1 (the default pads it to 5, `INFO  message`).
pub const PLAIN_LOG_FORMAT: &str = "{L:1} {s}";

/// How long the decoder may take to print the frames already in the pipe once QEMU is gone.
const DECODER_DRAIN: Duration = Duration::from_secs(2);

/// Why a run could not be made (a run that fails in the guest is an [`Outcome`], not this).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{tool} not found ({looked}): run tools/setup.sh")]
    ToolMissing { tool: &'static str, looked: String },
    #[error("image not found: {}: run `{hint}`", path.display())]
    ImageNotFound { path: PathBuf, hint: String },
    #[error("invalid semihosting argument {arg:?}: {why}")]
    InvalidArg { arg: String, why: &'static str },
    #[error("cannot start {program}: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    #[error(
        "the defmt decoder failed ({status}); is {} a defmt ELF?\n{}{}",
        elf.display(),
        stderr.trim_end(),
        section("qemu stderr", qemu_stderr)
    )]
    DecoderFailed {
        status: ExitStatus,
        elf: PathBuf,
        stderr: String,
        qemu_stderr: String,
    },
}

/// `\n---- name\ntext` for non-empty `text`, else nothing.
fn section(name: &str, text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        format!("\n---- {name}\n{}", text.trim_end())
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> RunError {
    let context = context.into();
    move |source| RunError::Io { context, source }
}

/// How QEMU's serial output becomes text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Decoder {
    /// defmt-print with [`PLAIN_LOG_FORMAT`]: `LEVEL message`, for asserting on.
    #[default]
    Plain,
    /// defmt-print's own format: `[timestamp] LEVEL message` (timestamp only if the firmware
    /// defines one), the level coloured on a terminal. For people.
    Human,
    /// Like `Human`, plus a `└─ module @ file:line` line under every message.
    Verbose,
    /// defmt-print with this `--log-format` string.
    Custom(String),
    /// No decoding: QEMU's serial bytes as they are (early boot, non-defmt images).
    Raw,
}

impl Decoder {
    /// The defmt-print arguments for this decoder, `None` for [`Decoder::Raw`].
    pub fn defmt_print_args(&self, elf: &Path) -> Option<Vec<OsString>> {
        let mut args: Vec<OsString> = vec!["-e".into(), elf.into()];
        match self {
            Decoder::Plain => args.extend(["--log-format".into(), PLAIN_LOG_FORMAT.into()]),
            Decoder::Human => {}
            Decoder::Verbose => args.push("--verbose".into()),
            Decoder::Custom(format) => args.extend(["--log-format".into(), format.into()]),
            Decoder::Raw => return None,
        }
        Some(args)
    }
}

/// Where a [`Session`]'s output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The decoded log goes to our stdout, QEMU's and the decoder's stderr to ours.
    Inherit,
    /// Everything is piped back to us ([`Qemu::run`] uses this).
    Capture,
}

/// One QEMU run of a firmware image, configured builder-style.
///
/// The image directory holds `kernel8.img` (what QEMU boots, like the Pi firmware: core 0
/// at EL2 at 0x80000) and `kernel.elf` (what the decoder reads the defmt table from).
#[derive(Clone, Debug)]
pub struct Qemu {
    board: Board,
    image_dir: PathBuf,
    semihosting_args: Vec<String>,
    dtb: Option<PathBuf>,
    initrd: Option<PathBuf>,
    extra_args: Vec<OsString>,
    /// Start halted with a gdb server on this port.
    gdb: Option<u16>,
    timeout: Duration,
    decoder: Decoder,
    input: Input,
}

/// What QEMU's first serial port (UART0: the log's wire, and the console's input) receives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Input {
    /// Nothing (`/dev/null`).
    #[default]
    None,
    /// What this program reads on its stdin, as it comes (`just run`: type into the terminal;
    /// the terminal stays in line mode, so a line goes out when Enter is pressed).
    Forward,
    /// A script (tests): each pause, then its bytes; then end of input.
    Script(Vec<(Duration, Vec<u8>)>),
}

impl Qemu {
    /// A run of the image in `image_dir` on `board`, with the plain decoder and
    /// [`DEFAULT_TIMEOUT`].
    pub fn new(board: Board, image_dir: impl Into<PathBuf>) -> Self {
        Qemu {
            board,
            image_dir: image_dir.into(),
            semihosting_args: Vec::new(),
            dtb: None,
            initrd: None,
            extra_args: Vec::new(),
            gdb: None,
            timeout: DEFAULT_TIMEOUT,
            decoder: Decoder::default(),
            input: Input::None,
        }
    }

    /// What the first serial port receives (see [`Input`]).
    pub fn input(mut self, input: Input) -> Self {
        self.input = input;
        self
    }

    /// A run of the board's test image (`<images>/<board>-test`); errors if it is not built.
    pub fn for_test(board: Board) -> Result<Self, RunError> {
        Ok(Qemu::new(board, crate::test_image_dir(board)?))
    }

    /// Scenario arguments the guest reads with semihosting `SYS_GET_CMDLINE`, after
    /// [`SEMIHOSTING_ARGV0`]: `["data-abort"]` → the guest reads `"kernel data-abort"`.
    /// Each argument must be non-empty without whitespace (the guest splits on spaces).
    pub fn semihosting_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.semihosting_args = args.into_iter().map(Into::into).collect();
        self
    }

    /// A device tree blob (`-dtb`); without one the guest gets none (QEMU's raspi machines
    /// pass x0 = 0 to a raw image then).
    pub fn dtb(mut self, path: impl Into<PathBuf>) -> Self {
        self.dtb = Some(path.into());
        self
    }

    /// An initial ramdisk (`-initrd`), e.g. a separately loaded RVF package; QEMU announces
    /// it in the DTB's `/chosen` node.
    pub fn initrd(mut self, path: impl Into<PathBuf>) -> Self {
        self.initrd = Some(path.into());
        self
    }

    /// Deadline for [`Qemu::run`]: QEMU is killed and the outcome says `timed_out`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// More QEMU arguments, appended after ours (e.g. `-icount shift=0`, `-d int`).
    pub fn extra_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.extra_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Start halted with a gdb server on :1234 (`-s -S`).
    pub fn gdb(mut self, on: bool) -> Self {
        self.gdb = on.then_some(DEFAULT_GDB_PORT);
        self
    }

    /// Start halted with a gdb server on 127.0.0.1:`port` (tests pick a free one, so they do
    /// not collide with a `just debug` on :1234).
    pub fn gdb_port(mut self, port: u16) -> Self {
        self.gdb = Some(port);
        self
    }

    /// The gdb server's port, if QEMU starts with one.
    pub fn get_gdb_port(&self) -> Option<u16> {
        self.gdb
    }

    /// How serial output becomes lines; [`Decoder::Plain`] by default.
    pub fn decoder(mut self, decoder: Decoder) -> Self {
        self.decoder = decoder;
        self
    }

    pub fn board(&self) -> Board {
        self.board
    }

    pub fn image_dir(&self) -> &Path {
        &self.image_dir
    }

    /// The raw image QEMU boots.
    pub fn kernel_image(&self) -> PathBuf {
        self.image_dir.join(IMG_NAME)
    }

    /// The ELF the decoder reads (and gdb wants).
    pub fn elf(&self) -> PathBuf {
        self.image_dir.join(ELF_NAME)
    }

    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The `-semihosting-config` value: `enable=on,target=native,arg=kernel[,arg=…]`.
    ///
    /// `target=native` sends semihosting calls to QEMU itself (there is no gdb to forward
    /// them to). QEMU's option syntax escapes a comma inside a value by doubling it.
    pub fn semihosting_config(&self) -> Result<String, RunError> {
        let mut config = format!("enable=on,target=native,arg={SEMIHOSTING_ARGV0}");
        for arg in &self.semihosting_args {
            let why = if arg.is_empty() {
                Some("it is empty")
            } else if arg.chars().any(char::is_whitespace) {
                Some("it contains whitespace, and the guest sees the arguments joined by spaces")
            } else if arg.chars().any(char::is_control) {
                Some("it contains a control character")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(RunError::InvalidArg {
                    arg: arg.clone(),
                    why,
                });
            }
            config.push_str(",arg=");
            config.push_str(&arg.replace(',', ",,"));
        }
        Ok(config)
    }

    /// QEMU's arguments (without the program name).
    pub fn qemu_args(&self) -> Result<Vec<OsString>, RunError> {
        let mut args: Vec<OsString> = vec!["-M".into(), self.board.machine().into()];
        // The raw image, never the ELF: an ELF starts all four cores at EL3, the raw image
        // starts like the Pi firmware does it (core 0 at EL2, the others in the spin table).
        args.extend(["-kernel".into(), self.kernel_image().into()]);
        if let Some(dtb) = &self.dtb {
            args.extend(["-dtb".into(), dtb.into()]);
        }
        if let Some(initrd) = &self.initrd {
            args.extend(["-initrd".into(), initrd.into()]);
        }
        for a in [
            // UART0 bytes on stdout, for the decoder. The other UART, display and monitor off,
            // so nothing else writes to stdout or wants a terminal.
            "-serial",
            "stdio",
            "-display",
            "none",
            "-monitor",
            "none",
            "-semihosting-config",
        ] {
            args.push(a.into());
        }
        args.push(self.semihosting_config()?.into());
        match self.gdb {
            None => {}
            Some(DEFAULT_GDB_PORT) => args.extend(["-s".into(), "-S".into()]),
            Some(port) => args.extend([
                "-gdb".into(),
                format!("tcp:127.0.0.1:{port}").into(),
                "-S".into(),
            ]),
        }
        args.extend(self.extra_args.iter().cloned());
        Ok(args)
    }

    /// defmt-print's arguments, `None` when not decoding.
    pub fn decoder_args(&self) -> Option<Vec<OsString>> {
        self.decoder.defmt_print_args(&self.elf())
    }

    /// The equivalent shell command (`qemu-system-aarch64 … | defmt-print -e …`), to copy.
    pub fn command_line(&self) -> Result<String, RunError> {
        let qemu = find_qemu().unwrap_or_else(|_| "qemu-system-aarch64".into());
        let defmt = find_defmt_print().unwrap_or_else(|_| "defmt-print".into());
        Ok(self.command_line_with(&qemu, &defmt, &self.qemu_args()?))
    }

    fn command_line_with(&self, qemu: &Path, defmt: &Path, qemu_args: &[OsString]) -> String {
        let mut line = shell::join(
            std::iter::once(qemu.as_os_str()).chain(qemu_args.iter().map(|a| a.as_os_str())),
        );
        if let Some(dargs) = self.decoder_args() {
            line.push_str(" | ");
            line.push_str(&shell::join(
                std::iter::once(defmt.as_os_str()).chain(dargs.iter().map(|a| a.as_os_str())),
            ));
        }
        line
    }

    /// Starts QEMU and (unless [`Decoder::Raw`]) the decoder reading its stdout.
    ///
    /// QEMU's stdin is never the terminal: `-serial stdio` would put it in raw mode, and QEMU
    /// runs in a process group of its own, which may not read it. It is `/dev/null` or a pipe
    /// this program feeds ([`Input`]).
    pub fn spawn(&self, output: Output) -> Result<Session, RunError> {
        let hint = if self
            .image_dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with("-test"))
        {
            "just build-test-images".to_owned()
        } else {
            format!("ruvix-runner build --board {}", self.board)
        };
        check_image_dir(&self.image_dir, &hint)?;
        let qemu_prog = find_qemu()?;
        let decoder = match self.decoder_args() {
            Some(args) => Some((find_defmt_print()?, args)),
            None => None,
        };
        let qemu_args = self.qemu_args()?;
        let command = self.command_line_with(
            &qemu_prog,
            decoder
                .as_ref()
                .map_or(Path::new("defmt-print"), |(p, _)| p),
            &qemu_args,
        );

        let mut cmd = Command::new(&qemu_prog);
        cmd.args(&qemu_args).stdin(match self.input {
            Input::None => Stdio::null(),
            Input::Forward | Input::Script(_) => Stdio::piped(),
        });
        cmd.stdout(if decoder.is_none() && output == Output::Inherit {
            Stdio::inherit()
        } else {
            Stdio::piped()
        });
        cmd.stderr(match output {
            Output::Inherit => Stdio::inherit(),
            Output::Capture => Stdio::piped(),
        });
        let started = Instant::now();
        let mut qemu = contain(&mut cmd)
            .spawn()
            .map_err(|source| RunError::Spawn {
                program: qemu_prog.display().to_string(),
                source,
            })?;

        if let Some(mut stdin) = qemu.stdin.take() {
            let input = self.input.clone();
            // Detached: it ends with its input, or with the process.
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = match input {
                    Input::Script(steps) => steps.iter().try_for_each(|(pause, bytes)| {
                        std::thread::sleep(*pause);
                        stdin.write_all(bytes)
                    }),
                    Input::Forward => {
                        std::io::copy(&mut std::io::stdin().lock(), &mut stdin).map(|_| ())
                    }
                    Input::None => Ok(()),
                };
            });
        }

        let decoder = match decoder {
            None => None,
            Some((prog, args)) => {
                let serial = qemu.stdout.take().expect("QEMU stdout is piped");
                let mut cmd = Command::new(&prog);
                // defmt-print is an anyhow program: a RUST_BACKTRACE inherited from a test
                // harness would bury its one-line error under a backtrace.
                cmd.args(&args)
                    .stdin(Stdio::from(serial))
                    .env("RUST_LIB_BACKTRACE", "0");
                match output {
                    Output::Inherit => {
                        cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit());
                    }
                    Output::Capture => {
                        // defmt-print colours only when its stdout is a terminal, but a
                        // CLICOLOR_FORCE inherited from the user's shell would still colour.
                        cmd.stdout(Stdio::piped())
                            .stderr(Stdio::piped())
                            .env("NO_COLOR", "1")
                            .env_remove("CLICOLOR_FORCE");
                    }
                }
                match contain(&mut cmd).spawn() {
                    Ok(child) => Some(child),
                    Err(source) => {
                        kill_and_reap(&mut qemu);
                        return Err(RunError::Spawn {
                            program: prog.display().to_string(),
                            source,
                        });
                    }
                }
            }
        };
        Ok(Session {
            qemu,
            decoder,
            command,
            started,
            elf: self.elf(),
        })
    }

    /// Runs to the end (the guest exits through semihosting) or to the deadline.
    pub fn run(&self) -> Result<Outcome, RunError> {
        self.run_until(|_| false)
    }

    /// Runs until a decoded line satisfies `stop` (then QEMU is killed and `stopped` is set),
    /// the guest exits, or the deadline passes (`timed_out`). `stop` sees ANSI-free lines.
    pub fn run_until(&self, stop: impl Fn(&str) -> bool) -> Result<Outcome, RunError> {
        let mut session = self.spawn(Output::Capture)?;
        let deadline = session.started + self.timeout;

        // The last stage's stdout: the decoder's, or QEMU's serial bytes when raw.
        let log = match &mut session.decoder {
            Some(d) => {
                Box::new(d.stdout.take().expect("decoder stdout is piped")) as Box<dyn Read + Send>
            }
            None => Box::new(session.qemu.stdout.take().expect("QEMU stdout is piped")),
        };
        // A thread turns the stream into lines so the main thread can wait with a deadline.
        let (tx, rx) = mpsc::channel::<String>();
        let reader = thread::spawn(move || {
            let mut log = BufReader::new(log);
            let mut buf = Vec::new();
            // Read errors end the stream like EOF: the child's exit status tells the rest.
            while log.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&buf);
                if tx
                    .send(line.trim_end_matches(['\n', '\r']).to_owned())
                    .is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        let qemu_stderr = collect(session.qemu.stderr.take());
        let decoder_stderr = collect(session.decoder.as_mut().and_then(|d| d.stderr.take()));

        let mut lines = Vec::new();
        let (mut timed_out, mut stopped) = (false, false);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let line = strip_ansi(&line);
                    let hit = stop(&line);
                    lines.push(line);
                    if hit {
                        stopped = true;
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    break;
                }
                // The stream ended: QEMU exited (or closed stdout), or the decoder died.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }

        let status = if stopped || timed_out {
            session.stop_now()
        } else {
            let decoder_status = session.wait_decoder(deadline);
            match decoder_status {
                Some(s) if !s.success() => {
                    session.stop_now();
                    let _ = reader.join();
                    return Err(RunError::DecoderFailed {
                        status: s,
                        elf: session.elf.clone(),
                        stderr: join_text(decoder_stderr),
                        qemu_stderr: join_text(qemu_stderr),
                    });
                }
                _ => {}
            }
            match wait_until(&mut session.qemu, deadline).map_err(io_err("waiting for QEMU"))? {
                Some(status) => Some(status),
                None => {
                    timed_out = true;
                    session.stop_now()
                }
            }
        };
        let _ = reader.join();
        if !stopped {
            // Lines that arrived between the deadline and the kill still help the diagnosis.
            lines.extend(rx.try_iter().map(|l| strip_ansi(&l)));
        }
        Ok(Outcome {
            lines,
            exit_code: if stopped || timed_out {
                None
            } else {
                status.and_then(|s| s.code())
            },
            timed_out,
            stopped,
            elapsed: session.started.elapsed(),
            qemu_stderr: join_text(qemu_stderr),
            decoder_stderr: join_text(decoder_stderr),
            command: session.command.clone(),
        })
    }
}

/// Reads a pipe to its end on a thread of its own (so a full pipe never blocks the child).
fn collect<R: Read + Send + 'static>(pipe: Option<R>) -> Option<JoinHandle<String>> {
    pipe.map(|mut p| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = p.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    })
}

fn join_text(handle: Option<JoinHandle<String>>) -> String {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// A running QEMU and its decoder. Dropping it kills both.
#[derive(Debug)]
pub struct Session {
    qemu: Child,
    decoder: Option<Child>,
    command: String,
    started: Instant,
    elf: PathBuf,
}

impl Session {
    /// The shell command equivalent to this session.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// QEMU's process id.
    pub fn qemu_id(&self) -> u32 {
        self.qemu.id()
    }

    /// QEMU's status if it has exited.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.qemu.try_wait()
    }

    /// Once QEMU has exited (or `deadline` passed), lets the decoder print what is left in the
    /// pipe and returns its status; kills it if it does not finish by `deadline`.
    pub fn wait_decoder(&mut self, deadline: Instant) -> Option<ExitStatus> {
        let decoder = self.decoder.as_mut()?;
        match wait_until(decoder, deadline) {
            Ok(Some(status)) => Some(status),
            _ => kill_and_reap(decoder),
        }
    }

    /// Kills QEMU, gives the decoder a moment to print the frames already in the pipe, then
    /// kills it too. Returns QEMU's status.
    pub fn stop_now(&mut self) -> Option<ExitStatus> {
        let status = kill_and_reap(&mut self.qemu);
        self.wait_decoder(Instant::now() + DECODER_DRAIN);
        status
    }

    /// Waits for QEMU to exit by itself, then for the decoder to finish printing.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.qemu.wait()?;
        self.wait_decoder(Instant::now() + DECODER_DRAIN);
        Ok(status)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        kill_and_reap(&mut self.qemu);
        if let Some(d) = &mut self.decoder {
            kill_and_reap(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn default_arguments() {
        let q = Qemu::new(Board::Rpi3, "/img/rpi3-test");
        assert_eq!(
            strings(&q.qemu_args().unwrap()),
            [
                "-M",
                "raspi3b",
                "-kernel",
                "/img/rpi3-test/kernel8.img",
                "-serial",
                "stdio",
                "-display",
                "none",
                "-monitor",
                "none",
                "-semihosting-config",
                "enable=on,target=native,arg=kernel",
            ]
        );
        assert_eq!(q.elf(), Path::new("/img/rpi3-test/kernel.elf"));
        assert_eq!(q.get_timeout(), DEFAULT_TIMEOUT);
    }

    #[test]
    fn all_options() {
        let q = Qemu::new(Board::Rpi4, "/i")
            .semihosting_args(["data-abort", "a,b"])
            .dtb("/d/bcm2711-rpi-4-b.dtb")
            .initrd("/d/pkg.rvf")
            .gdb(true)
            .extra_args(["-icount", "shift=0"]);
        let args = strings(&q.qemu_args().unwrap());
        assert_eq!(args[1], "raspi4b");
        let at = |flag: &str| args[args.iter().position(|a| a == flag).unwrap() + 1].clone();
        assert_eq!(at("-dtb"), "/d/bcm2711-rpi-4-b.dtb");
        assert_eq!(at("-initrd"), "/d/pkg.rvf");
        // QEMU's option syntax: a doubled comma is a literal comma.
        assert_eq!(
            at("-semihosting-config"),
            "enable=on,target=native,arg=kernel,arg=data-abort,arg=a,,b"
        );
        assert_eq!(&args[args.len() - 4..], ["-s", "-S", "-icount", "shift=0"]);
    }

    #[test]
    fn bad_semihosting_args_are_rejected() {
        for bad in ["", "two words", "tab\there", "nl\n"] {
            let err = Qemu::new(Board::Rpi3, "/i")
                .semihosting_args([bad])
                .qemu_args()
                .unwrap_err();
            assert!(matches!(err, RunError::InvalidArg { .. }), "{bad:?}: {err}");
        }
    }

    #[test]
    fn decoder_arguments() {
        let elf = Path::new("/i/kernel.elf");
        let plain = Decoder::Plain.defmt_print_args(elf).unwrap();
        assert_eq!(
            strings(&plain),
            ["-e", "/i/kernel.elf", "--log-format", "{L:1} {s}"]
        );
        assert_eq!(
            strings(&Decoder::Human.defmt_print_args(elf).unwrap()),
            ["-e", "/i/kernel.elf"]
        );
        assert_eq!(
            strings(&Decoder::Verbose.defmt_print_args(elf).unwrap()),
            ["-e", "/i/kernel.elf", "--verbose"]
        );
        assert_eq!(
            strings(
                &Decoder::Custom("{t} {s}".into())
                    .defmt_print_args(elf)
                    .unwrap()
            ),
            ["-e", "/i/kernel.elf", "--log-format", "{t} {s}"]
        );
        assert!(Decoder::Raw.defmt_print_args(elf).is_none());
    }

    #[test]
    fn command_line_is_copyable() {
        let q = Qemu::new(Board::Rpi3, "/my images/rpi3").semihosting_args(["x"]);
        let line = q.command_line_with(
            Path::new("qemu-system-aarch64"),
            Path::new("defmt-print"),
            &q.qemu_args().unwrap(),
        );
        assert_eq!(
            line,
            "qemu-system-aarch64 -M raspi3b -kernel '/my images/rpi3/kernel8.img' -serial stdio \
             -display none -monitor none -semihosting-config enable=on,target=native,arg=kernel,arg=x \
             | defmt-print -e '/my images/rpi3/kernel.elf' --log-format '{L:1} {s}'"
        );
        let raw = q.clone().decoder(Decoder::Raw);
        let line = raw.command_line_with(
            Path::new("qemu-system-aarch64"),
            Path::new("defmt-print"),
            &raw.qemu_args().unwrap(),
        );
        assert!(!line.contains('|'), "{line}");
    }

    #[test]
    fn missing_image_is_a_clear_error() {
        let err = Qemu::new(Board::Rpi3, "/nonexistent/images/rpi3-test")
            .run()
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "image not found: /nonexistent/images/rpi3-test/kernel8.img: run `just build-test-images`"
        );
        let err = Qemu::new(Board::Rpi4, "/nonexistent/images/rpi4")
            .run()
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("run `ruvix-runner build --board rpi4`"),
            "{err}"
        );
    }
}
