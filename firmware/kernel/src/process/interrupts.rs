//! Device interrupts given to components (the manifest's `[[interrupt]]`): the board layer
//! masks a claimed line when it fires and records it; here the record becomes the holder's
//! count and wakes it, and only the holder's `interrupt_ack` unmasks the line again. While the
//! holder is down (faulted, waiting for its restart, or stopped for good) its lines stay
//! masked.

use alloc::string::String;
use alloc::vec::Vec;

use ruvix_caps::{Handle, InterruptId, Rights};
use ruvix_manifest::RvfManifest;
use ruvix_process_abi::Status;

use super::{Processes, StartError, svc::refusal};
use crate::board;

/// One device interrupt and what the kernel knows of it.
pub struct DeviceInterrupt {
    /// The manifest's name for it (its holder's capability name).
    pub name: String,
    /// The board-neutral source (`system-timer-1`, `aux`).
    pub source: &'static str,
    /// The controller's line number on this board.
    pub line: u32,
    /// The holder's process index.
    pub holder: usize,
    /// Fires since the last acknowledgement (what `interrupt_count` answers).
    pub count: u32,
    /// Fires in all, and acknowledgements in all (statistics).
    pub fired: u64,
    pub acks: u64,
}

/// The manifest's interrupts on this board, their lines claimed (masked until their holders
/// have mounted).
pub fn claim(manifest: &RvfManifest) -> Result<Vec<DeviceInterrupt>, StartError> {
    let mut interrupts = Vec::new();
    for decl in &manifest.interrupts {
        let source = decl.source.name();
        let line = board::bsp::BOARD
            .device_interrupt(source)
            .filter(|line| board::irq::claim_device_line(line.line))
            .ok_or_else(|| StartError::Interrupt {
                name: decl.name.clone(),
                source,
            })?;
        interrupts.push(DeviceInterrupt {
            name: decl.name.clone(),
            source,
            line: line.line,
            holder: decl.holder.get(),
            count: 0,
            fired: 0,
            acks: 0,
        });
    }
    Ok(interrupts)
}

impl Processes {
    /// Takes the fires the board layer recorded into the counts and wakes the holders that
    /// wait for them. Called with interrupts masked or from the scheduler loop.
    pub(super) fn collect_interrupts(&mut self) {
        let mut any = false;
        let interrupts = &mut self.interrupts;
        board::irq::take_fired(|line| {
            for interrupt in interrupts.iter_mut().filter(|i| i.line == line) {
                interrupt.count = interrupt.count.saturating_add(1);
                interrupt.fired = interrupt.fired.saturating_add(1);
                any = true;
            }
        });
        // Typed input wakes the console's reader the same way.
        if any || board::console::input_pending() {
            self.wake_waiters();
        }
    }

    /// The interrupt `handle` names in process `index`'s table, with `rights`.
    fn interrupt(&self, index: usize, handle: u64, rights: Rights) -> Result<InterruptId, Status> {
        let process = self.processes.get(index).ok_or(Status::BadHandle)?;
        let handle = Handle(u32::try_from(handle).map_err(|_| Status::BadHandle)?);
        match process.caps.table().check_interrupt(handle, rights) {
            Ok((_, interrupt)) => Ok(interrupt),
            Err(error) => Err(refusal(error)),
        }
    }

    /// `interrupt_count`: the fires since the last acknowledgement, or `WouldBlock`.
    pub(super) fn interrupt_count(&mut self, index: usize, handle: u64) -> Result<u32, Status> {
        let id = self.interrupt(index, handle, Rights::READ)?;
        self.collect_interrupts();
        let interrupt = self
            .interrupts
            .get(id.0 as usize)
            .ok_or(Status::BadHandle)?;
        if interrupt.count == 0 {
            return Err(Status::WouldBlock);
        }
        Ok(interrupt.count)
    }

    /// `interrupt_ack`: resets the count and unmasks the line.
    pub(super) fn interrupt_ack(&mut self, index: usize, handle: u64) -> Status {
        let id = match self.interrupt(index, handle, Rights::WRITE) {
            Ok(id) => id,
            Err(status) => return status,
        };
        let Some(interrupt) = self.interrupts.get_mut(id.0 as usize) else {
            return Status::BadHandle;
        };
        interrupt.count = 0;
        interrupt.acks = interrupt.acks.saturating_add(1);
        board::irq::unmask_device_line(interrupt.line);
        Status::Ok
    }

    /// Whether interrupt `interrupt` (a wait word's id) has fired since its last
    /// acknowledgement.
    pub(super) fn interrupt_fired(&self, interrupt: u32) -> bool {
        self.interrupts
            .get(interrupt as usize)
            .is_some_and(|i| i.count > 0)
    }

    /// Process `index` went down: its lines are masked (and their counts dropped) until it
    /// runs again.
    pub(super) fn mask_interrupts_of(&mut self, index: usize) {
        for interrupt in self.interrupts.iter_mut().filter(|i| i.holder == index) {
            board::irq::mask_device_line(interrupt.line);
            interrupt.count = 0;
            defmt::info!(
                "interrupt {=str} ({=str}, line {=u32}): masked while its holder is down",
                interrupt.name.as_str(),
                interrupt.source,
                interrupt.line
            );
        }
    }

    /// Process `index` has mounted (at boot or after a restart): its lines are enabled.
    pub(super) fn unmask_interrupts_of(&mut self, index: usize) {
        for interrupt in self.interrupts.iter_mut().filter(|i| i.holder == index) {
            interrupt.count = 0;
            board::irq::unmask_device_line(interrupt.line);
            defmt::info!(
                "interrupt {=str} ({=str}, line {=u32}): enabled for {=str}",
                interrupt.name.as_str(),
                interrupt.source,
                interrupt.line,
                self.processes.get(index).map_or("?", |p| p.name.as_str())
            );
        }
    }

    /// Prints each interrupt's fires and acknowledgements.
    pub fn report_interrupts(&self) {
        for interrupt in &self.interrupts {
            defmt::info!(
                "stats: interrupt {=str} ({=str}, line {=u32}): {=u64} fired, {=u64} acknowledged, {=u32} pending",
                interrupt.name.as_str(),
                interrupt.source,
                interrupt.line,
                interrupt.fired,
                interrupt.acks,
                interrupt.count
            );
        }
    }
}
