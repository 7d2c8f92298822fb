//! Queues and device interrupts live in the kernel: the runtime's queue and interrupt
//! operations become supervisor calls, and what the kernel says woke a wait becomes the
//! runtime's events.

use alloc::vec::Vec;

use ruvix_caps::{Handle, InterruptId, QueueId};
use ruvix_process_abi::Status;
use ruvix_queue::QueueStats;
use ruvix_runtime::{QueueBackend, QueueRefusal, WaitOn};

use crate::svc;

pub struct KernelQueues {
    count: usize,
    /// Waits this process's own calls may have satisfied, for the runtime to see.
    woken: Vec<WaitOn>,
}

impl KernelQueues {
    pub fn new(count: usize) -> Self {
        KernelQueues {
            count,
            woken: Vec::new(),
        }
    }
}

fn refusal(status: Status) -> QueueRefusal {
    match status {
        Status::WouldBlock => QueueRefusal::WouldBlock,
        other => QueueRefusal::Error(svc::call_error(other)),
    }
}

fn result(status: Status) -> Result<(), QueueRefusal> {
    match status {
        Status::Ok => Ok(()),
        other => Err(refusal(other)),
    }
}

impl QueueBackend for KernelQueues {
    fn send(&mut self, handle: Handle, queue: QueueId, message: &[u8]) -> Result<(), QueueRefusal> {
        result(svc::send(handle.0, message))?;
        // A receiver among this component's own tasks may now go on.
        self.woken.push(WaitOn::Receive(queue));
        Ok(())
    }

    fn front_len(&mut self, handle: Handle, _queue: QueueId) -> Result<usize, QueueRefusal> {
        svc::front_len(handle.0).map_err(refusal)
    }

    fn receive_into(
        &mut self,
        handle: Handle,
        queue: QueueId,
        target: &mut [u8],
    ) -> Result<(), QueueRefusal> {
        result(svc::receive(handle.0, target))?;
        self.woken.push(WaitOn::Send(queue));
        Ok(())
    }

    fn take_events(&mut self, wake: &mut dyn FnMut(WaitOn)) {
        for wait in self.woken.drain(..) {
            wake(wait);
        }
    }

    fn stats(&self) -> Vec<QueueStats> {
        Vec::new()
    }

    fn queue_count(&self) -> usize {
        self.count
    }

    fn interrupt_count(
        &mut self,
        handle: Handle,
        _interrupt: InterruptId,
    ) -> Result<u32, QueueRefusal> {
        svc::interrupt_count(handle.0).map_err(refusal)
    }

    fn interrupt_ack(
        &mut self,
        handle: Handle,
        _interrupt: InterruptId,
    ) -> Result<(), QueueRefusal> {
        result(svc::interrupt_ack(handle.0))?;
        #[cfg(feature = "fault-injection")]
        crate::inject::after_interrupt_ack();
        Ok(())
    }
}
