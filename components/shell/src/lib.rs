//! `shell`: a command line on the console. Reads what is typed on the log UART, a line at a
//! time, and answers each command with log lines (the UART's transmit side is the kernel's
//! log, so the answers appear there as `[shell] shell: ...`).
//!
//! Commands (see [`command`]): `help`, and `uptime`, `tasks`, `queues`, `log`, which log the
//! kernel's `system-info` report on that topic. Log lines:
//! - at start: `shell: ready, type help`;
//! - per line typed: `shell: > <line>` (the line as typed, control bytes as `?`), then
//!   - `help`: `shell: commands: help, uptime, tasks, queues, log`;
//!   - a report: `shell: <report line>` per line of it, or `shell: <topic>: nothing to report`;
//!     refused, `shell: <topic>: <error>` (warn);
//!   - anything else: `shell: unknown command "<command>", type help` (warn);
//! - per line longer than 80 bytes: `shell: > <its first 80 bytes>`, then `shell: line too
//!   long (over 80 bytes), ignored` (warn).
//!
//! Every line is cut at `Line::CAPACITY` (200 bytes), within the host's 512-byte limit.
//!
//! Needs the grants `log`, `console` (without it there is nothing to do: it traps with
//! `shell: console read: <error>`) and `system-info` (without it each report is refused).

#![cfg_attr(not(test), no_std)]

mod command;

use command::Command;
use ruvix_guest::console::{self, Entered, LINE_MAX, LineAssembler};
use ruvix_guest::system_info::{self, Topic};
use ruvix_guest::{Guest, Line, error_name, fail, require};

/// The most bytes taken from the console per read.
const READ_MAX: u32 = 64;

struct Shell;

impl Guest for Shell {
    fn run() {
        // `log` and `console` take no handle; looking them up checks the grants at once.
        require("log");
        require("console");
        Line::new("shell: ready, type help").info();

        let mut lines = LineAssembler::new();
        loop {
            // Blocks until something has been typed.
            let typed = console::read(READ_MAX).unwrap_or_else(|e| fail("shell: console read", e));
            for &byte in &typed {
                match lines.push(byte) {
                    Some(Entered::Line(line)) => run_line(line),
                    Some(Entered::TooLong(start)) => too_long(start),
                    None => {}
                }
            }
        }
    }
}

/// Echoes `line` and runs its command (nothing for a blank line).
fn run_line(line: &str) {
    let Some(command) = command::parse(line) else {
        return;
    };
    Line::new("shell: > ").str(line).info();
    match command {
        Command::Help => Line::new(command::HELP).info(),
        Command::Report(topic) => report(topic),
        Command::Unknown(word) => Line::new("shell: unknown command \"")
            .str(word)
            .str("\", type help")
            .warn(),
    }
}

/// Logs the kernel's report on `topic`, a log line per line of it.
fn report(topic: Topic) {
    let name = system_info::topic_name(topic);
    match system_info::report(topic) {
        Ok(text) => {
            let mut any = false;
            for line in command::report_lines(&text) {
                Line::new("shell: ").str(line).info();
                any = true;
            }
            if !any {
                Line::new("shell: ")
                    .str(name)
                    .str(": nothing to report")
                    .info();
            }
        }
        Err(error) => Line::new("shell: ")
            .str(name)
            .str(": ")
            .str(error_name(error))
            .warn(),
    }
}

/// Echoes what was kept of a line longer than [`LINE_MAX`] and ignores it: a cut command might
/// be another one.
fn too_long(start: &str) {
    Line::new("shell: > ").str(start).info();
    Line::new("shell: line too long (over ")
        .u64(LINE_MAX as u64)
        .str(" bytes), ignored")
        .warn();
}

ruvix_guest::export!(Shell);
