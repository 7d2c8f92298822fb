//! `just probe <board> [openocd|probe-rs]`: on a real board over JTAG, start the debug server
//! (OpenOCD with `tools/openocd/<board>.cfg`, or `probe-rs gdb` with the board's chip) and
//! attach `gdb-multiarch` to it with the kernel's symbols and `tools/gdb/ruvix.py`.

use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::paths::{image_dir, workspace_root};
use crate::process::{contain, kill_and_reap};
use crate::{Board, ELF_NAME};

/// Environment variable naming the JTAG adapter's OpenOCD configuration.
pub const OPENOCD_INTERFACE_ENV: &str = "RUVIX_OPENOCD_INTERFACE";
/// How long the debug server may take to open its gdb port.
const SERVER_START: Duration = Duration::from_secs(20);

/// Which debug server talks to the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeTool {
    /// OpenOCD (Debian's `openocd`, installed by tools/setup.sh), with tools/openocd/<board>.cfg.
    Openocd,
    /// probe-rs's gdb server (`cargo install probe-rs-tools`).
    ProbeRs,
}

/// The probe-rs chip name of `board`: the built-in `RaspberryPi4B`, or `RaspberryPi3B` from
/// `tools/probe-rs/BCM2837.yaml`.
pub fn probe_rs_chip(board: Board) -> &'static str {
    match board {
        Board::Rpi3 => "RaspberryPi3B",
        Board::Rpi4 => "RaspberryPi4B",
    }
}

/// The target description probe-rs needs for `board`, if it has none built in.
pub fn probe_rs_description(board: Board) -> Option<PathBuf> {
    match board {
        Board::Rpi3 => Some(workspace_root().join("tools/probe-rs/BCM2837.yaml")),
        Board::Rpi4 => None,
    }
}

/// `tools/openocd/<board>.cfg`.
pub fn openocd_config(board: Board) -> PathBuf {
    workspace_root().join(format!("tools/openocd/{}.cfg", board.name()))
}

/// One debug session on a board.
#[derive(Clone, Debug)]
pub struct ProbeSession {
    pub board: Board,
    pub tool: ProbeTool,
    /// The adapter's OpenOCD configuration (e.g. `interface/jlink.cfg`), for OpenOCD.
    pub interface: Option<String>,
    pub elf: PathBuf,
}

impl ProbeSession {
    pub fn new(board: Board, tool: ProbeTool, interface: Option<String>) -> Self {
        ProbeSession {
            board,
            tool,
            interface,
            elf: image_dir(board, false).join(ELF_NAME),
        }
    }

    /// The gdb server's port: OpenOCD's 3333 (set in the board's .cfg), probe-rs's 1337.
    pub fn port(&self) -> u16 {
        match self.tool {
            ProbeTool::Openocd => 3333,
            ProbeTool::ProbeRs => 1337,
        }
    }

    /// The debug server's program and arguments.
    pub fn server_command(&self) -> Result<Vec<OsString>> {
        Ok(match self.tool {
            ProbeTool::Openocd => {
                let Some(interface) = &self.interface else {
                    bail!(
                        "name your JTAG adapter's OpenOCD configuration: --interface FILE or \
                         {OPENOCD_INTERFACE_ENV}=FILE (e.g. interface/jlink.cfg, \
                         interface/ftdi/olimex-arm-usb-tiny-h.cfg; see \
                         /usr/share/openocd/scripts/interface)"
                    );
                };
                vec![
                    "openocd".into(),
                    "-f".into(),
                    interface.into(),
                    "-f".into(),
                    openocd_config(self.board).into(),
                ]
            }
            ProbeTool::ProbeRs => {
                let mut args: Vec<OsString> = vec![
                    "probe-rs".into(),
                    "gdb".into(),
                    "--chip".into(),
                    probe_rs_chip(self.board).into(),
                    "--protocol".into(),
                    "jtag".into(),
                    "--gdb-connection-string".into(),
                    format!("127.0.0.1:{}", self.port()).into(),
                ];
                if let Some(description) = probe_rs_description(self.board) {
                    args.extend(["--chip-description-path".into(), description.into()]);
                }
                args
            }
        })
    }

    /// gdb-multiarch with the kernel's symbols, connected to the server, with `ruvix tasks`.
    pub fn gdb_command(&self) -> Vec<OsString> {
        vec![
            "gdb-multiarch".into(),
            self.elf.clone().into(),
            "-ex".into(),
            format!("target extended-remote 127.0.0.1:{}", self.port()).into(),
            "-x".into(),
            workspace_root().join("tools/gdb/ruvix.py").into(),
        ]
    }

    /// Starts the server, waits for its gdb port, runs gdb on this terminal, stops the server.
    pub fn run(&self) -> Result<()> {
        if !self.elf.is_file() {
            bail!(
                "{} is missing: run `just build {}`",
                self.elf.display(),
                self.board
            );
        }
        let server = self.server_command()?;
        let (program, args) = server.split_first().expect("a program");
        eprintln!("{}", crate::shell_join(&server));
        let mut child = contain(Command::new(program).args(args).stdin(Stdio::null()))
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start {} ({})",
                    program.to_string_lossy(),
                    match self.tool {
                        ProbeTool::Openocd => "run tools/setup.sh",
                        ProbeTool::ProbeRs => "cargo install --locked probe-rs-tools",
                    }
                )
            })?;
        let address = SocketAddr::from(([127, 0, 0, 1], self.port()));
        let deadline = Instant::now() + SERVER_START;
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{} stopped ({status}) before opening its gdb port: is the probe connected, \
                     the board powered and enable_jtag_gpio=1 in config.txt?",
                    program.to_string_lossy()
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() >= deadline {
                kill_and_reap(&mut child);
                bail!("no gdb server on {address} after {SERVER_START:?}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let gdb = self.gdb_command();
        eprintln!("{}", crate::shell_join(&gdb));
        let status = Command::new(&gdb[0]).args(&gdb[1..]).status();
        kill_and_reap(&mut child);
        let status = status.context("cannot start gdb-multiarch (run tools/setup.sh)")?;
        if !status.success() {
            bail!("gdb-multiarch exited with {status}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn openocd_needs_the_adapter_and_uses_the_board_config() {
        let err = ProbeSession::new(Board::Rpi3, ProbeTool::Openocd, None)
            .server_command()
            .unwrap_err()
            .to_string();
        assert!(err.contains(OPENOCD_INTERFACE_ENV), "{err}");
        let session = ProbeSession::new(
            Board::Rpi4,
            ProbeTool::Openocd,
            Some("interface/jlink.cfg".into()),
        );
        let cmd = words(&session.server_command().unwrap());
        assert_eq!(cmd[..3], ["openocd", "-f", "interface/jlink.cfg"]);
        assert!(cmd[4].ends_with("tools/openocd/rpi4.cfg"), "{cmd:?}");
        assert_eq!(session.port(), 3333);
    }

    #[test]
    fn probe_rs_gets_the_pi3_description() {
        let pi3 = words(
            &ProbeSession::new(Board::Rpi3, ProbeTool::ProbeRs, None)
                .server_command()
                .unwrap(),
        );
        assert!(
            pi3.windows(2).any(|w| w == ["--chip", "RaspberryPi3B"]),
            "{pi3:?}"
        );
        assert!(
            pi3.windows(2).any(|w| w == ["--protocol", "jtag"]),
            "{pi3:?}"
        );
        assert!(
            pi3.last().unwrap().ends_with("tools/probe-rs/BCM2837.yaml"),
            "{pi3:?}"
        );
        assert!(probe_rs_description(Board::Rpi3).unwrap().is_file());
        let pi4 = words(
            &ProbeSession::new(Board::Rpi4, ProbeTool::ProbeRs, None)
                .server_command()
                .unwrap(),
        );
        assert!(
            pi4.windows(2).any(|w| w == ["--chip", "RaspberryPi4B"]),
            "{pi4:?}"
        );
        assert!(
            !pi4.iter().any(|w| w == "--chip-description-path"),
            "{pi4:?}"
        );
    }

    #[test]
    fn gdb_attaches_with_symbols_and_the_task_script() {
        let session = ProbeSession::new(Board::Rpi3, ProbeTool::ProbeRs, None);
        let gdb = words(&session.gdb_command());
        assert_eq!(gdb[0], "gdb-multiarch");
        assert!(gdb[1].ends_with("images/rpi3/kernel.elf"), "{gdb:?}");
        assert_eq!(gdb[3], "target extended-remote 127.0.0.1:1337");
        assert!(gdb[5].ends_with("tools/gdb/ruvix.py"), "{gdb:?}");
        assert!(openocd_config(Board::Rpi3).is_file());
        assert!(openocd_config(Board::Rpi4).is_file());
    }
}
