//! Supervisor calls (`docs/svc-abi.md`): every argument is checked here against the calling
//! process's own capability table (the authoritative one, which the process cannot reach) and
//! every pointer against its own memory; a bad one is an error returned to the caller, never
//! a fault of the kernel. The time a call takes is part of the caller's slice.

use alloc::string::String;
use alloc::vec;

use ruvix_caps::{Handle, InterruptId, ObjectKind, ObjectRef, QueueId, Rights};
use ruvix_process_abi::{MAX_NAME, MAX_WAITS, Status, WaitWord, call};
use ruvix_queue::QueueError;

use super::{Processes, State};
use crate::board;

/// The longest text a call passes (log lines, fault reports), as the runtime cuts log lines.
const MAX_TEXT: usize = ruvix_process_abi::MAX_TEXT;

/// What the process does after a call.
pub enum Next {
    /// Returns from the call and goes on.
    Resume,
    /// It yields the rest of its slice; it stays ready.
    Yield,
    /// It sleeps in `wait`.
    Wait,
    /// It has mounted its component.
    Mounted,
    /// It ended normally.
    Exit,
    /// It ends with this fault report.
    Fault(String),
    /// Its mount failed for this reason.
    MountFailed(String),
}

impl Processes {
    /// Answers supervisor call `number` of process `index` (arguments in its saved x0..x2,
    /// results into x0, x1).
    pub(super) fn supervisor_call(&mut self, index: usize, number: u16) -> Next {
        let Some(process) = self.processes.get(index) else {
            return Next::Fault(String::from("no such process"));
        };
        let [a, b, c, d] = [
            process.context.x[0],
            process.context.x[1],
            process.context.x[2],
            process.context.x[3],
        ];
        if number == call::WAIT {
            self.note_fuel(index, d);
        }
        let (status, value, next) = match number {
            call::EXIT => return Next::Exit,
            call::FAULT => return Next::Fault(self.own_text(index, a, b)),
            call::MOUNT_FAILED => return Next::MountFailed(self.text(index, a, b)),
            call::MOUNTED => {
                if let Some(p) = self.processes.get_mut(index) {
                    p.tasks = usize::try_from(a).unwrap_or(0);
                }
                (Status::Ok, 0, Next::Mounted)
            }
            call::EVENT => {
                let text = self.own_text(index, b, c);
                // The process's own lines: droppable under its name, like its log.
                let source = u8::try_from(index).unwrap_or(u8::MAX - 1);
                board::console::droppable(source, || match a {
                    0 => defmt::info!("mount: {=str}", text.as_str()),
                    1 => defmt::warn!("denied: {=str}", text.as_str()),
                    _ => defmt::info!("task: {=str}", text.as_str()),
                });
                (Status::Ok, 0, Next::Resume)
            }
            call::LOG => match self.log(index, a, b, c) {
                Ok(()) => (Status::Ok, 0, Next::Resume),
                Err((status, wait)) => (status, wait, Next::Resume),
            },
            call::LOG_DROPPED => {
                if let Some(p) = self.processes.get_mut(index) {
                    p.stats.log_dropped += 1;
                }
                (Status::Ok, 0, Next::Resume)
            }
            call::SEND => (self.send(index, a, b, c), 0, Next::Resume),
            call::FRONT_LEN => match self.front(index, a) {
                Ok(len) => (Status::Ok, len as u64, Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::RECEIVE => (self.receive(index, a, b, c), 0, Next::Resume),
            call::NOW_US => match self.now_us(index) {
                Ok(us) => (Status::Ok, us, Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::LOOKUP => match self.lookup(index, a, b) {
                Ok(handle) => (Status::Ok, u64::from(handle.0), Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::INTERRUPT_COUNT => match self.interrupt_count(index, a) {
                Ok(count) => (Status::Ok, u64::from(count), Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::INTERRUPT_ACK => (self.interrupt_ack(index, a), 0, Next::Resume),
            call::CONSOLE_READ => match self.console_read(index, a, b) {
                Ok(count) => (Status::Ok, count, Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::SYSTEM_INFO => match self.system_info(index, a, b, c) {
                Ok(len) => (Status::Ok, len, Next::Resume),
                Err(status) => (status, 0, Next::Resume),
            },
            call::YIELD => {
                self.note_fuel(index, a);
                (Status::Ok, 0, Next::Yield)
            }
            call::WAIT => match self.wait(index, a, b, c) {
                Ok(Some(satisfied)) => (Status::Ok, satisfied, Next::Resume),
                Ok(None) => (Status::Ok, 0, Next::Wait),
                Err(status) => (status, 0, Next::Resume),
            },
            _ => (Status::UnknownCall, 0, Next::Resume),
        };
        if let Some(process) = self.processes.get_mut(index) {
            process.context.x[0] = status.code();
            process.context.x[1] = value;
        }
        next
    }

    /// Up to [`MAX_TEXT`] bytes of text at `ptr`, or what was wrong with it.
    fn text(&self, index: usize, ptr: u64, len: u64) -> String {
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_TEXT);
        let mut bytes = vec![0; len];
        let Some(process) = self.processes.get(index) else {
            return String::new();
        };
        if process.space.copy_from(ptr, &mut bytes).is_err() {
            return alloc::format!("(text at {ptr:#x} is not in the process's memory)");
        }
        match core::str::from_utf8(&bytes) {
            Ok(text) => String::from(text),
            Err(e) => String::from_utf8_lossy(bytes.get(..e.valid_up_to()).unwrap_or(&[])).into(),
        }
    }

    /// As [`Processes::text`], about the calling component: a text that does not start with
    /// its own name (`name:` or `name.`) gets it put in front, so no process can speak for
    /// another in the kernel's log.
    fn own_text(&self, index: usize, ptr: u64, len: u64) -> String {
        let text = self.text(index, ptr, len);
        let Some(name) = self.processes.get(index).map(|p| p.name.as_str()) else {
            return text;
        };
        let own = text
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('.'));
        if own {
            text
        } else {
            alloc::format!("{name}: {text}")
        }
    }

    /// What the host says its tasks spent (`yield`'s `x0`, `wait`'s `x3`): a statistic only,
    /// kept monotonic.
    fn note_fuel(&mut self, index: usize, fuel: u64) {
        if let Some(process) = self.processes.get_mut(index) {
            process.stats.fuel = process.stats.fuel.max(fuel);
        }
    }

    pub(super) fn holds(&self, index: usize, kind: ObjectKind, rights: Rights) -> bool {
        self.processes.get(index).is_some_and(|p| {
            p.caps
                .table()
                .find_kind(kind)
                .is_some_and(|(_, c)| c.allows(rights))
        })
    }

    /// `log`: the line, unless the component's budget is spent (then `WouldBlock` and the
    /// ticks until the next line is allowed).
    fn log(&mut self, index: usize, level: u64, ptr: u64, len: u64) -> Result<(), (Status, u64)> {
        if !self.holds(index, ObjectKind::Log, Rights::WRITE) {
            return Err((Status::Denied, 0));
        }
        if level > 3 {
            return Err((Status::BadArgument, 0));
        }
        let process = self
            .processes
            .get_mut(index)
            .ok_or((Status::BadArgument, 0))?;
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_TEXT);
        let mut buffer = [0; MAX_TEXT];
        let bytes = buffer.get_mut(..len).ok_or((Status::BadArgument, 0))?;
        process.space.copy_from(ptr, bytes).map_err(|s| (s, 0))?;
        let Ok(message) = core::str::from_utf8(bytes) else {
            return Err((Status::BadArgument, 0));
        };
        // Only a well-formed line takes from the budget; a refused one is counted.
        if let Err(wait) = process.log_budget.take(board::timer::counter()) {
            process.stats.log_dropped += 1;
            return Err((Status::WouldBlock, wait));
        }
        process.stats.log_lines += 1;
        let name = process.name.as_str();
        let source = u8::try_from(process.index).unwrap_or(u8::MAX - 1);
        board::console::droppable(source, || match level {
            0 => defmt::debug!("[{=str}] {=str}", name, message),
            1 => defmt::info!("[{=str}] {=str}", name, message),
            2 => defmt::warn!("[{=str}] {=str}", name, message),
            _ => defmt::error!("[{=str}] {=str}", name, message),
        });
        Ok(())
    }

    /// `now_us`: microseconds since boot, for a holder of the `timer` capability.
    fn now_us(&self, index: usize) -> Result<u64, Status> {
        if !self.holds(index, ObjectKind::Timer, Rights::READ) {
            return Err(Status::Denied);
        }
        Ok(ruvix_sched::ticks_to_us(
            board::timer::counter(),
            self.counter_hz,
        ))
    }

    /// `lookup`: the handle of the capability `name` names in the caller's own table.
    fn lookup(&self, index: usize, ptr: u64, len: u64) -> Result<Handle, Status> {
        let process = self.processes.get(index).ok_or(Status::BadArgument)?;
        let len = usize::try_from(len).map_err(|_| Status::Denied)?;
        if len > MAX_NAME {
            // No capability has so long a name.
            return Err(Status::Denied);
        }
        let mut buffer = [0; MAX_NAME];
        let bytes = buffer.get_mut(..len).ok_or(Status::Denied)?;
        process.space.copy_from(ptr, bytes)?;
        let name = core::str::from_utf8(bytes).map_err(|_| Status::BadArgument)?;
        // A handle the kernel revoked is gone from the table though its name stays.
        process
            .caps
            .lookup(name)
            .filter(|handle| process.caps.table().get(*handle).is_ok())
            .ok_or(Status::Denied)
    }

    /// The queue `handle` names in process `index`'s table, with `rights`.
    fn queue(&self, index: usize, handle: u64, rights: Rights) -> Result<QueueId, Status> {
        let process = self.processes.get(index).ok_or(Status::BadHandle)?;
        let handle = Handle(u32::try_from(handle).map_err(|_| Status::BadHandle)?);
        match process.caps.table().check_queue(handle, rights) {
            Ok((_, queue)) => Ok(queue),
            Err(error) => Err(refusal(error)),
        }
    }

    fn send(&mut self, index: usize, handle: u64, ptr: u64, len: u64) -> Status {
        let queue = match self.queue(index, handle, Rights::SEND) {
            Ok(queue) => queue,
            Err(status) => return status,
        };
        let (Some(q), Some(process)) = (
            self.queues.get_mut(queue.0 as usize),
            self.processes.get(index),
        ) else {
            return Status::BadHandle;
        };
        let Ok(len) = usize::try_from(len) else {
            return Status::TooLarge;
        };
        // Straight from the sender's memory into the slot: one copy.
        match q.try_send_with(len, |slot| process.space.copy_from(ptr, slot)) {
            Ok(Ok(())) => {
                self.wake_waiters();
                Status::Ok
            }
            Ok(Err(status)) => status,
            Err(QueueError::Full { .. }) => Status::WouldBlock,
            Err(QueueError::TooLarge { .. }) => Status::TooLarge,
            Err(_) => Status::Denied,
        }
    }

    fn front(&self, index: usize, handle: u64) -> Result<usize, Status> {
        let queue = self.queue(index, handle, Rights::RECEIVE)?;
        let q = self.queues.get(queue.0 as usize).ok_or(Status::BadHandle)?;
        q.peek().map(<[u8]>::len).ok_or(Status::WouldBlock)
    }

    fn receive(&mut self, index: usize, handle: u64, ptr: u64, len: u64) -> Status {
        let queue = match self.queue(index, handle, Rights::RECEIVE) {
            Ok(queue) => queue,
            Err(status) => return status,
        };
        let (Some(q), Some(process)) = (
            self.queues.get_mut(queue.0 as usize),
            self.processes.get_mut(index),
        ) else {
            return Status::BadHandle;
        };
        let Some(message) = q.peek() else {
            return Status::WouldBlock;
        };
        if message.len() as u64 != len {
            return Status::BadArgument;
        }
        // Into the receiver first; only a delivered message leaves the queue.
        if let Err(status) = process.space.copy_to(ptr, message) {
            return status;
        }
        if q.consume().is_err() {
            return Status::BadArgument;
        }
        self.wake_waiters();
        Status::Ok
    }

    /// `wait`: `Some(mask)` if a wait may succeed now (or the deadline has passed), `None` when
    /// the process now sleeps.
    fn wait(
        &mut self,
        index: usize,
        ptr: u64,
        count: u64,
        deadline: u64,
    ) -> Result<Option<u64>, Status> {
        let count = usize::try_from(count).map_err(|_| Status::BadArgument)?;
        if count > MAX_WAITS {
            return Err(Status::BadArgument);
        }
        let process = self.processes.get_mut(index).ok_or(Status::BadArgument)?;
        // Zeroes only what the words take (not the whole `MAX_WAITS`).
        let mut bytes = heapless::Vec::<u8, { MAX_WAITS * 4 }>::new();
        bytes
            .resize(count * 4, 0)
            .map_err(|_| Status::BadArgument)?;
        process.space.copy_from(ptr, &mut bytes)?;
        process.waits.clear();
        for w in bytes.chunks_exact(4) {
            process
                .waits
                .push(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .map_err(|_| Status::BadArgument)?;
        }
        for word in &process.waits {
            let (end, right) = match WaitWord::decode(*word) {
                WaitWord::Console => (ObjectRef::Console, Rights::READ),
                WaitWord::Interrupt(id) => (ObjectRef::Interrupt(InterruptId(id)), Rights::READ),
                WaitWord::Receive(q) => (ObjectRef::QueueReceive(QueueId(q)), Rights::RECEIVE),
                WaitWord::Send(q) => (ObjectRef::QueueSend(QueueId(q)), Rights::SEND),
            };
            let held = process
                .caps
                .table()
                .iter()
                .any(|(_, c)| c.object() == end && c.allows(right));
            if !held {
                return Err(Status::Denied);
            }
        }
        let task = process.task;
        self.collect_interrupts();
        let satisfied = self
            .processes
            .get(index)
            .map_or(0, |process| self.satisfied(&process.waits));
        let now = board::timer::counter();
        if satisfied != 0 || deadline <= now {
            return Ok(Some(satisfied));
        }
        if let Some(process) = self.processes.get_mut(index) {
            process.state = State::Waiting;
        }
        self.scheduler.sleep(task, deadline, now);
        Ok(None)
    }
}

impl Processes {
    /// A bit per wait word that may succeed now: room to send, a message to receive, an
    /// interrupt that has fired.
    pub(super) fn satisfied(&self, words: &[u32]) -> u64 {
        words.iter().enumerate().fold(0, |mask, (bit, word)| {
            let ready = match WaitWord::decode(*word) {
                WaitWord::Console => board::console::input_pending(),
                WaitWord::Interrupt(id) => self.interrupt_fired(id),
                WaitWord::Receive(q) => self.queues.get(q as usize).is_some_and(|q| !q.is_empty()),
                WaitWord::Send(q) => self.queues.get(q as usize).is_some_and(|q| !q.is_full()),
            };
            if ready && bit < 64 {
                mask | (1 << bit)
            } else {
                mask
            }
        })
    }
}

/// A refused capability check as the caller sees it (as the runtime's `CallError` does).
pub(super) fn refusal(error: ruvix_caps::CapError) -> Status {
    match error {
        ruvix_caps::CapError::BadHandle { .. } => Status::BadHandle,
        ruvix_caps::CapError::WrongKind { .. } => Status::WrongKind,
        _ => Status::Denied,
    }
}
