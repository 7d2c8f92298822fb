//! Where the queues (and the device interrupts) are: behind [`QueueBackend`], so the same
//! runtime can own them
//! ([`LocalQueues`], the kernel today) or reach them elsewhere (a component host in an EL0
//! process, whose queues live in the kernel behind supervisor calls).
//!
//! The runtime checks every capability before it calls the backend (`bad-handle`, `wrong-kind`,
//! `denied`) and passes the caller's handle on, so a remote backend can let the kernel check it
//! again.

use alloc::vec::Vec;

use ruvix_caps::{Handle, InterruptId, QueueId};
use ruvix_queue::{Queue, QueueError, QueueStats};

use crate::abi::CallError;
use crate::policy::WaitOn;

/// Why a queue operation did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueRefusal {
    /// Full (send) or empty (receive): the blocking form waits, the `try-` form returns
    /// `would-block`.
    WouldBlock,
    /// Refused with this error, which the host call returns to the component.
    Error(CallError),
}

/// The queues of the system, as the runtime's host calls reach them.
///
/// Called only from inside [`crate::Runtime`] methods (never concurrently), after the calling
/// component's capability has been checked. Wake-ups go through [`QueueBackend::take_events`]:
/// the runtime asks for them at the start and the end of every slice.
pub trait QueueBackend {
    /// How many queues the system has (`QueueId`s `0 .. queue_count`): mount checks it against
    /// the manifest and every queue capability against it.
    fn queue_count(&self) -> usize;

    /// Copies `message` into `queue`. `handle` is the calling component's handle for that end
    /// (a remote backend passes it on; the kernel re-checks it).
    fn send(&mut self, handle: Handle, queue: QueueId, message: &[u8]) -> Result<(), QueueRefusal>;

    /// The length of the front message of `queue`, left in the queue.
    fn front_len(&mut self, handle: Handle, queue: QueueId) -> Result<usize, QueueRefusal>;

    /// Copies the front message of `queue` into `target` (exactly its length, else an error)
    /// and only then removes it, so a failed delivery loses nothing. Called right after
    /// [`QueueBackend::front_len`] with a target of that length; any error here means the
    /// queue changed in between, and the runtime ends the receiving task with a fault.
    fn receive_into(
        &mut self,
        handle: Handle,
        queue: QueueId,
        target: &mut [u8],
    ) -> Result<(), QueueRefusal>;

    /// Hands every change since the last call to `wake` as the waits it may satisfy (a message
    /// sent wakes `WaitOn::Receive(q)`, one received wakes `WaitOn::Send(q)`). A remote backend
    /// reports here what the kernel told it. Spurious wake-ups are fine, lost ones are not.
    fn take_events(&mut self, wake: &mut dyn FnMut(WaitOn));

    /// The counters of each queue, by `QueueId` (empty if the backend does not know them).
    fn stats(&self) -> Vec<QueueStats>;

    /// How many times `interrupt` fired since its last acknowledgement, or `WouldBlock` if it
    /// has not. `handle` is the caller's, checked (with the read right), for a remote backend.
    /// A fire wakes `WaitOn::Interrupt(interrupt)` through [`QueueBackend::take_events`].
    fn interrupt_count(
        &mut self,
        handle: Handle,
        interrupt: InterruptId,
    ) -> Result<u32, QueueRefusal>;

    /// Acknowledges `interrupt` (checked, with the write right): resets its count and unmasks
    /// the line.
    fn interrupt_ack(&mut self, handle: Handle, interrupt: InterruptId)
    -> Result<(), QueueRefusal>;
}

/// A device interrupt as [`LocalQueues`] keeps it: fires counted since the last `ack`, and
/// whether the line is masked (from its first fire until the `ack`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LocalInterrupt {
    count: u32,
    masked: bool,
    woken: bool,
}

/// Queue-event bit: a message was sent (wakes receivers).
const SENT: u8 = 1 << 0;
/// Queue-event bit: a message was received (wakes senders).
const RECEIVED: u8 = 1 << 1;

/// Queues the runtime owns (stage 2's `Queue`s, indexed by `QueueId`), with the marks of what
/// changed since the scheduler last looked. Handles are not looked at: the runtime has checked
/// them, and there is no one else to ask.
pub struct LocalQueues {
    queues: Vec<Queue>,
    /// By `InterruptId`; raised by [`LocalQueues::raise_interrupt`] (the tests' devices).
    interrupts: Vec<LocalInterrupt>,
    /// Per queue, [`SENT`] / [`RECEIVED`] since the last [`QueueBackend::take_events`].
    events: Vec<u8>,
    any_event: bool,
}

impl LocalQueues {
    /// The queues, indexed by `QueueId`.
    pub fn new(queues: Vec<Queue>) -> LocalQueues {
        let events = alloc::vec![0; queues.len()];
        LocalQueues {
            queues,
            interrupts: Vec::new(),
            events,
            any_event: false,
        }
    }

    /// The queues, indexed by `QueueId`.
    pub fn queues(&self) -> &[Queue] {
        &self.queues
    }

    /// Device interrupt `interrupt` fires: counted and the line masked, unless it is masked
    /// already (then the controller does not pass it on). Returns whether it was seen.
    pub fn raise_interrupt(&mut self, interrupt: InterruptId) -> bool {
        let index = index(interrupt.0);
        if index >= 64 {
            return false;
        }
        if self.interrupts.len() <= index {
            self.interrupts
                .resize(index.saturating_add(1), LocalInterrupt::default());
        }
        let Some(line) = self.interrupts.get_mut(index) else {
            return false;
        };
        if line.masked {
            return false;
        }
        line.count = line.count.saturating_add(1);
        line.masked = true;
        line.woken = true;
        self.any_event = true;
        true
    }

    fn mark(&mut self, queue: QueueId, event: u8) {
        if let Some(flags) = self.events.get_mut(index(queue.0)) {
            *flags |= event;
            self.any_event = true;
        }
    }
}

impl QueueBackend for LocalQueues {
    fn queue_count(&self) -> usize {
        self.queues.len()
    }

    fn send(
        &mut self,
        _handle: Handle,
        queue: QueueId,
        message: &[u8],
    ) -> Result<(), QueueRefusal> {
        let q = self
            .queues
            .get_mut(index(queue.0))
            .ok_or(QueueRefusal::Error(CallError::BadHandle))?;
        match q.try_send(message) {
            Ok(()) => {
                self.mark(queue, SENT);
                Ok(())
            }
            Err(QueueError::Full { .. }) => Err(QueueRefusal::WouldBlock),
            Err(QueueError::TooLarge { .. }) => Err(QueueRefusal::Error(CallError::TooLarge)),
            Err(_) => Err(QueueRefusal::Error(CallError::Denied)),
        }
    }

    fn front_len(&mut self, _handle: Handle, queue: QueueId) -> Result<usize, QueueRefusal> {
        let q = self
            .queues
            .get(index(queue.0))
            .ok_or(QueueRefusal::Error(CallError::BadHandle))?;
        q.peek().map(<[u8]>::len).ok_or(QueueRefusal::WouldBlock)
    }

    fn receive_into(
        &mut self,
        _handle: Handle,
        queue: QueueId,
        target: &mut [u8],
    ) -> Result<(), QueueRefusal> {
        let q = self
            .queues
            .get_mut(index(queue.0))
            .ok_or(QueueRefusal::Error(CallError::BadHandle))?;
        match q.peek() {
            Some(message) if message.len() == target.len() => target.copy_from_slice(message),
            Some(_) => return Err(QueueRefusal::Error(CallError::TooLarge)),
            None => return Err(QueueRefusal::WouldBlock),
        }
        q.consume().map_err(|_| QueueRefusal::WouldBlock)?;
        self.mark(queue, RECEIVED);
        Ok(())
    }

    fn take_events(&mut self, wake: &mut dyn FnMut(WaitOn)) {
        if !self.any_event {
            return;
        }
        self.any_event = false;
        for (id, flags) in (0u32..).zip(self.events.iter_mut()) {
            if *flags & SENT != 0 {
                wake(WaitOn::Receive(QueueId(id)));
            }
            if *flags & RECEIVED != 0 {
                wake(WaitOn::Send(QueueId(id)));
            }
            *flags = 0;
        }
        for (id, line) in (0u32..).zip(self.interrupts.iter_mut()) {
            if core::mem::take(&mut line.woken) {
                wake(WaitOn::Interrupt(InterruptId(id)));
            }
        }
    }

    fn interrupt_count(
        &mut self,
        _handle: Handle,
        interrupt: InterruptId,
    ) -> Result<u32, QueueRefusal> {
        match self.interrupts.get(index(interrupt.0)) {
            Some(line) if line.count > 0 => Ok(line.count),
            _ => Err(QueueRefusal::WouldBlock),
        }
    }

    fn interrupt_ack(
        &mut self,
        _handle: Handle,
        interrupt: InterruptId,
    ) -> Result<(), QueueRefusal> {
        if let Some(line) = self.interrupts.get_mut(index(interrupt.0)) {
            line.count = 0;
            line.masked = false;
        }
        Ok(())
    }

    fn stats(&self) -> Vec<QueueStats> {
        self.queues.iter().map(Queue::stats).collect()
    }
}

/// A queue or interrupt id as an index (saturating: an absurd id simply names nothing).
fn index(id: u32) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX)
}
