//! The console and the system reports: what is typed on the log UART goes to the one process
//! holding `console` (the board layer's receive interrupt fills an input ring; `console_read`
//! takes from it), and a process holding `system-info` may read the kernel's text reports on
//! the running system (`system_info`). Both are read-only views; neither gives any power over
//! another component.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use core::fmt::Write;

use ruvix_caps::{ObjectKind, Rights};
use ruvix_process_abi::{Status, TOPIC_LOG, TOPIC_QUEUES, TOPIC_TASKS, TOPIC_UPTIME, WaitWord};
use ruvix_sched::ComponentState;

use super::{Processes, State};
use crate::board;

/// The most typed bytes one `console_read` moves.
const MAX_READ: usize = board::console::INPUT_BYTES;

impl Processes {
    /// Whether any process holds `console` (then the kernel takes what is typed).
    pub(super) fn console_wanted(&self) -> bool {
        (0..self.processes.len()).any(|index| self.holds(index, ObjectKind::Console, Rights::READ))
    }

    /// `console_read`: up to `len` typed bytes into the caller's buffer at `ptr`.
    pub(super) fn console_read(&mut self, index: usize, ptr: u64, len: u64) -> Result<u64, Status> {
        if !self.holds(index, ObjectKind::Console, Rights::READ) {
            return Err(Status::Denied);
        }
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_READ);
        let process = self.processes.get_mut(index).ok_or(Status::BadArgument)?;
        // The buffer is checked before anything is taken, so a bad one loses no input.
        let mut bytes = vec![0u8; len];
        process.space.copy_to(ptr, &bytes)?;
        let taken = board::console::take_input(&mut bytes);
        if taken == 0 {
            return Err(Status::WouldBlock);
        }
        process.space.copy_to(ptr, &bytes[..taken])?;
        Ok(taken as u64)
    }

    /// `system_info`: the report on `topic`, as much as fits at `ptr`; its whole length.
    pub(super) fn system_info(
        &mut self,
        index: usize,
        topic: u64,
        ptr: u64,
        len: u64,
    ) -> Result<u64, Status> {
        if !self.holds(index, ObjectKind::SystemInfo, Rights::READ) {
            return Err(Status::Denied);
        }
        let report = match topic {
            TOPIC_UPTIME => self.uptime_report(),
            TOPIC_TASKS => self.tasks_report(),
            TOPIC_QUEUES => self.queues_report(),
            TOPIC_LOG => self.log_report(),
            _ => return Err(Status::BadArgument),
        };
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(report.len());
        let process = self.processes.get_mut(index).ok_or(Status::BadArgument)?;
        process
            .space
            .copy_to(ptr, report.as_bytes().get(..len).unwrap_or(&[]))?;
        Ok(report.len() as u64)
    }

    fn uptime_report(&self) -> String {
        let now = board::timer::counter();
        let us = |ticks: u64| ticks.saturating_mul(1_000_000) / self.counter_hz.max(1);
        let up = us(now);
        let mut report = format!(
            "uptime {}.{:06} s, {} components, {} queues",
            up / 1_000_000,
            up % 1_000_000,
            self.processes.len(),
            self.queues.len()
        );
        // How long ago the last byte was typed: for a command, the time from the Enter key
        // to this answer (what `just bench` reports as the console's round trip).
        let (received, _, last_at) = board::console::input_counts();
        if received > 0 {
            let _ = write!(
                report,
                "; last console input {} us ago",
                us(now.saturating_sub(last_at))
            );
        }
        report
    }

    fn tasks_report(&self) -> String {
        let mut report = String::new();
        for process in &self.processes {
            let state = match (
                &process.state,
                self.scheduler.component_state(process.index),
            ) {
                (_, Some(ComponentState::Stopped(_))) => "stopped for good",
                (_, Some(ComponentState::RestartPending { .. })) => "down, restart pending",
                (State::Mounting, _) => "mounting",
                (State::Running, _) => "ready",
                (State::Waiting, _) => "waiting",
                (State::Finished, _) => "finished",
                (State::Down, _) => "down",
            };
            let ms = process.used_ticks.saturating_mul(1000) / self.counter_hz.max(1);
            if !report.is_empty() {
                report.push('\n');
            }
            let _ = write!(
                report,
                "{}: {state}, {} restarts, {ms} ms used, {} fuel, {} calls",
                process.name, process.restarts, process.stats.fuel, process.stats.calls
            );
            if process.state == State::Waiting {
                report.push_str(", blocked on ");
                for (n, word) in process.waits.iter().enumerate() {
                    if n > 0 {
                        report.push_str(" or ");
                    }
                    report.push_str(&self.describe_wait(*word));
                }
            }
        }
        report
    }

    /// A wait word as a person reads it: `receive on queue readings`, `interrupt uart`.
    fn describe_wait(&self, word: u32) -> String {
        let queue = |q: u32| self.queue_names.get(q as usize).map_or("?", String::as_str);
        match WaitWord::decode(word) {
            WaitWord::Console => String::from("console input"),
            WaitWord::Interrupt(id) => {
                let name = self
                    .interrupts
                    .get(id as usize)
                    .map_or("?", |i| i.name.as_str());
                format!("interrupt {name}")
            }
            WaitWord::Receive(q) => format!("receive on queue {}", queue(q)),
            WaitWord::Send(q) => format!("send on queue {}", queue(q)),
        }
    }

    fn queues_report(&self) -> String {
        let mut report = String::new();
        for (queue, name) in self.queues.iter().zip(&self.queue_names) {
            let stats = queue.stats();
            if !report.is_empty() {
                report.push('\n');
            }
            let _ = write!(
                report,
                "{name}: {}/{}, {} sent, {} received, peak {}",
                queue.len(),
                queue.depth(),
                stats.sent,
                stats.received,
                stats.peak_len
            );
        }
        report
    }

    fn log_report(&self) -> String {
        let mut report = String::new();
        for process in &self.processes {
            if !report.is_empty() {
                report.push('\n');
            }
            let _ = write!(
                report,
                "{}: {} lines written, {} dropped over budget",
                process.name, process.stats.log_lines, process.stats.log_dropped
            );
        }
        let (received, dropped, _) = board::console::input_counts();
        let _ = write!(
            report,
            "\nconsole input: {received} bytes received, {dropped} dropped (input full)"
        );
        report
    }
}
