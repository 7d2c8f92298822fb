//! What host calls work on: the state every component shares (queues, regions, the platform)
//! and each component instance's own (its capabilities, its exports), plus the host trap that
//! suspends a task.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{RefCell, RefMut};
use core::fmt;
use core::ops::Range;

use ruvix_caps::{ComponentCaps, Handle, InterruptId, ObjectKind, ObjectRef, QueueId, Rights};
use wasmi::{Memory, StoreLimits, TypedFunc};

use crate::abi::{CallError, GuestFault};
use crate::imports::Interfaces;
use crate::platform::{Platform, RegionBacking};
use crate::policy::WaitOn;
use crate::queues::QueueBackend;
use ruvix_log_ring::LogBucket;

/// The state every component's host calls share: owned by the runtime, reached from each
/// component's store through an `Rc`. Borrowed only for the length of one host-call step, never
/// across a call into the guest, so the borrow cannot fail (and is checked, not assumed).
pub(crate) struct Shared<P> {
    pub(crate) platform: P,
    /// The queues, by `QueueId`: owned here or reached elsewhere.
    pub(crate) queues: Box<dyn QueueBackend>,
    /// Indexed by `RegionId`.
    pub(crate) regions: Vec<RegionBacking>,
    pub(crate) ticks_per_second: u64,
    /// Whether the runtime runs a single task, which may then wait inside its host calls
    /// ([`Platform::park`]) instead of being suspended.
    pub(crate) park_in_place: bool,
}

impl<P: Platform> Shared<P> {
    pub(crate) fn new(
        platform: P,
        queues: Box<dyn QueueBackend>,
        regions: Vec<RegionBacking>,
        ticks_per_second: u64,
    ) -> Shared<P> {
        Shared {
            platform,
            queues,
            regions,
            ticks_per_second,
            park_in_place: false,
        }
    }

    /// Hands every queue change since the last call to `wake` as the waits it may satisfy.
    pub(crate) fn drain_queue_events(&mut self, mut wake: impl FnMut(WaitOn)) {
        self.queues.take_events(&mut wake);
    }

    /// Copies the front message of `queue` into `target` (exactly its length) and only then
    /// removes it from the queue. It was just measured with `front_len` and nothing ran in
    /// between, so a refusal means the runtime's own state is broken: a fault, not an error
    /// the guest could handle.
    pub(crate) fn receive_into(
        &mut self,
        handle: Handle,
        queue: QueueId,
        target: &mut [u8],
    ) -> Result<(), GuestFault> {
        self.queues
            .receive_into(handle, queue, target)
            .map_err(|_| GuestFault::Internal {
                what: "queue changed while a message was being delivered",
            })
    }

    /// The size of the region `handle` names in `caps`.
    pub(crate) fn region_size(&self, caps: &ComponentCaps, handle: u32) -> Result<u32, CallError> {
        let region = self.region(caps, handle, Rights::NONE)?;
        // Regions are at most 1 GiB (manifest limit), so this always fits.
        Ok(u32::try_from(region.size()).unwrap_or(u32::MAX))
    }

    /// The RAM region `handle` names, with `needed` rights, and its byte range
    /// `offset .. offset + length`. MMIO regions take no byte accesses: `wrong-kind`.
    pub(crate) fn ram_range(
        &self,
        caps: &ComponentCaps,
        handle: u32,
        needed: Rights,
        offset: u32,
        length: u32,
    ) -> Result<(usize, Range<usize>), CallError> {
        let (id, region) = self.region_with_id(caps, handle, needed)?;
        if region.is_mmio() {
            return Err(CallError::WrongKind);
        }
        Ok((id, byte_range(byte_len(region), offset, length)?))
    }

    /// Copies the bytes of RAM region `id` in `range` (as [`Shared::ram_range`] returned it)
    /// into `into`, which has its length: from memory the runtime owns, or through the platform
    /// from a mapping. `None` if the region has no such bytes.
    pub(crate) fn read_ram(
        &mut self,
        id: usize,
        range: Range<usize>,
        into: &mut [u8],
    ) -> Option<()> {
        if range.len() != into.len() {
            return None;
        }
        match self.regions.get(id)? {
            RegionBacking::Ram(bytes) => into.copy_from_slice(bytes.get(range)?),
            RegionBacking::Mapped {
                address,
                size,
                mmio: false,
                ..
            } => {
                let address = mapped_address(*address, *size, &range)?;
                self.platform.read_mapped(address, into);
            }
            RegionBacking::Mmio { .. } | RegionBacking::Mapped { mmio: true, .. } => return None,
        }
        Some(())
    }

    /// Copies `data` into RAM region `id` at `range` (as [`Shared::ram_range`] returned it,
    /// `data`'s length). A mapping that is not writable is never written: `denied`.
    fn write_ram_at(
        &mut self,
        id: usize,
        range: Range<usize>,
        data: &[u8],
    ) -> Result<(), CallError> {
        if range.len() != data.len() {
            return Err(CallError::OutOfBounds);
        }
        match self.regions.get_mut(id) {
            Some(RegionBacking::Ram(bytes)) => bytes
                .get_mut(range)
                .ok_or(CallError::OutOfBounds)?
                .copy_from_slice(data),
            Some(RegionBacking::Mapped {
                address,
                size,
                writable,
                mmio: false,
            }) => {
                if !*writable {
                    return Err(CallError::Denied);
                }
                let address =
                    mapped_address(*address, *size, &range).ok_or(CallError::OutOfBounds)?;
                self.platform.write_mapped(address, data);
            }
            _ => return Err(CallError::WrongKind),
        }
        Ok(())
    }

    /// `regions.write`: copies `data` into the RAM region at `offset`.
    pub(crate) fn write_ram(
        &mut self,
        caps: &ComponentCaps,
        handle: u32,
        offset: u32,
        data: &[u8],
    ) -> Result<(), CallError> {
        let length = u32::try_from(data.len()).map_err(|_| CallError::OutOfBounds)?;
        let (id, range) = self.ram_range(caps, handle, Rights::WRITE, offset, length)?;
        self.write_ram_at(id, range, data)
    }

    /// `regions.read32`: one aligned 32-bit little-endian read (a volatile device read on MMIO).
    pub(crate) fn read32(
        &mut self,
        caps: &ComponentCaps,
        handle: u32,
        offset: u32,
    ) -> Result<u32, CallError> {
        match self.word(caps, handle, Rights::READ, offset)? {
            Word::Ram(id, range) => {
                let mut word = [0u8; 4];
                self.read_ram(id, range, &mut word)
                    .ok_or(CallError::OutOfBounds)?;
                Ok(u32::from_le_bytes(word))
            }
            Word::Mmio(address) => Ok(self.platform.mmio_read32(address)),
        }
    }

    /// `regions.write32`: one aligned 32-bit little-endian write (a volatile device write on
    /// MMIO).
    pub(crate) fn write32(
        &mut self,
        caps: &ComponentCaps,
        handle: u32,
        offset: u32,
        value: u32,
    ) -> Result<(), CallError> {
        match self.word(caps, handle, Rights::WRITE, offset)? {
            Word::Ram(id, range) => self.write_ram_at(id, range, &value.to_le_bytes())?,
            Word::Mmio(address) => self.platform.mmio_write32(address, value),
        }
        Ok(())
    }

    /// Where the word at `offset` of the region `handle` names is: checks kind, `needed`
    /// rights, alignment (`unaligned`), then bounds (`out-of-bounds`).
    fn word(
        &self,
        caps: &ComponentCaps,
        handle: u32,
        needed: Rights,
        offset: u32,
    ) -> Result<Word, CallError> {
        let (id, region) = self.region_with_id(caps, handle, needed)?;
        if !offset.is_multiple_of(4) {
            return Err(CallError::Unaligned);
        }
        let range = byte_range(byte_len(region), offset, 4)?;
        match region {
            RegionBacking::Ram(_) | RegionBacking::Mapped { mmio: false, .. } => {
                Ok(Word::Ram(id, range))
            }
            RegionBacking::Mmio { base: address, .. }
            | RegionBacking::Mapped {
                address,
                mmio: true,
                ..
            } => address
                .checked_add(u64::from(offset))
                .map(Word::Mmio)
                .ok_or(CallError::OutOfBounds),
        }
    }

    fn region(
        &self,
        caps: &ComponentCaps,
        handle: u32,
        needed: Rights,
    ) -> Result<&RegionBacking, CallError> {
        self.region_with_id(caps, handle, needed)
            .map(|(_, region)| region)
    }

    fn region_with_id(
        &self,
        caps: &ComponentCaps,
        handle: u32,
        needed: Rights,
    ) -> Result<(usize, &RegionBacking), CallError> {
        let capability = caps
            .table()
            .check(Handle(handle), ObjectKind::Region, needed)?;
        let ObjectRef::Region(id) = capability.object() else {
            return Err(CallError::WrongKind);
        };
        let id = index(id.0);
        let region = self.regions.get(id).ok_or(CallError::BadHandle)?;
        // A read-only mapping refuses writes as a capability without the right would: the
        // process cannot write it, whatever the table says.
        if needed.contains(Rights::WRITE)
            && matches!(
                region,
                RegionBacking::Mapped {
                    writable: false,
                    ..
                }
            )
        {
            return Err(CallError::Denied);
        }
        Ok((id, region))
    }
}

/// A word of a region.
enum Word {
    /// RAM region `.0`, bytes `.1`.
    Ram(usize, Range<usize>),
    /// Device memory at this physical address.
    Mmio(u64),
}

/// A region's size in bytes as a `usize` (saturating: bounds checks then refuse).
fn byte_len(region: &RegionBacking) -> usize {
    usize::try_from(region.size()).unwrap_or(usize::MAX)
}

/// The address of `range` of a mapping of `size` bytes at `address`, if it lies inside.
fn mapped_address(address: u64, size: u64, range: &Range<usize>) -> Option<u64> {
    let start = u64::try_from(range.start).ok()?;
    let end = u64::try_from(range.end).ok()?;
    if end > size {
        return None;
    }
    address.checked_add(start)
}

/// `offset .. offset + length` if it lies inside `size` bytes (checked arithmetic).
fn byte_range(size: usize, offset: u32, length: u32) -> Result<Range<usize>, CallError> {
    let start = usize::try_from(offset).map_err(|_| CallError::OutOfBounds)?;
    let length = usize::try_from(length).map_err(|_| CallError::OutOfBounds)?;
    match start.checked_add(length) {
        Some(end) if end <= size => Ok(start..end),
        _ => Err(CallError::OutOfBounds),
    }
}

/// A `u32` id as an index (saturating: an absurd id simply names nothing).
fn index(id: u32) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX)
}

/// Whether `caps` holds a capability of `kind` with `rights` (the grant-checked calls without
/// a handle: `log`, `time`).
pub(crate) fn holds(caps: &ComponentCaps, kind: ObjectKind, rights: Rights) -> bool {
    caps.table()
        .find_kind(kind)
        .is_some_and(|(_, capability)| capability.allows(rights))
}

/// The guest exports the host calls into.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GuestExports {
    /// `memory`.
    pub(crate) memory: Memory,
    /// `cabi_realloc(old_ptr, old_len, align, new_len) -> ptr`.
    pub(crate) realloc: TypedFunc<(i32, i32, i32, i32), i32>,
}

/// One component instance's host state: the data of its wasmi `Store`.
pub(crate) struct HostState<P> {
    /// Its capabilities (the same table for every instance of the component).
    pub(crate) caps: Rc<ComponentCaps>,
    pub(crate) shared: Rc<RefCell<Shared<P>>>,
    /// Set once instantiated.
    pub(crate) exports: Option<GuestExports>,
    /// The manifest's memory limit.
    pub(crate) limits: StoreLimits,
    /// Whether the host is inside the guest's `cabi_realloc` (host calls refused).
    pub(crate) in_realloc: bool,
    /// Interfaces whose denial has been reported.
    pub(crate) denied_reported: Interfaces,
    /// Fuel `cabi_realloc` used beyond what the task had left (it gets an allowance so a list
    /// can always be handed over); added to the task's fuel count.
    pub(crate) fuel_overdraft: u64,
    /// The component's log budget.
    pub(crate) log: Rc<RefCell<LogBucket>>,
    /// The running task's fuel before this slice, and the slice it was given: with the fuel
    /// left, what it has spent so far (reported when it parks).
    pub(crate) fuel_before_slice: u64,
    pub(crate) slice_fuel: u64,
}

impl<P> HostState<P> {
    pub(crate) fn new(
        caps: Rc<ComponentCaps>,
        shared: Rc<RefCell<Shared<P>>>,
        limits: StoreLimits,
        log: Rc<RefCell<LogBucket>>,
    ) -> Self {
        HostState {
            caps,
            shared,
            exports: None,
            limits,
            in_realloc: false,
            denied_reported: Interfaces::NONE,
            fuel_overdraft: 0,
            log,
            fuel_before_slice: 0,
            slice_fuel: 0,
        }
    }
}

/// Borrows the shared state for one step of a host call.
pub(crate) fn borrow<P>(shared: &RefCell<Shared<P>>) -> Result<RefMut<'_, Shared<P>>, GuestFault> {
    shared.try_borrow_mut().map_err(|_| GuestFault::Internal {
        what: "runtime state already in use",
    })
}

/// A host call that must wait: what it was doing, so the scheduler can finish it when the task
/// runs again (then resumes the guest's call as if it had returned normally).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suspend {
    /// `task.yield-now`: nothing to finish.
    Yield,
    /// `time.sleep-us` (or its denied form, which yields): store `result` at `ret` once the
    /// deadline `until` has passed.
    Sleep {
        until: u64,
        ret: u32,
        result: Result<(), CallError>,
    },
    /// `queues.send` on a full queue: the message is still at `ptr`/`len` in guest memory
    /// (the guest is suspended); send it, store the result at `ret`. `handle` is the one the
    /// guest passed (checked), for the backend.
    Send {
        handle: Handle,
        queue: QueueId,
        ptr: u32,
        len: u32,
        ret: u32,
    },
    /// `queues.receive` on an empty queue: receive into guest memory, store the list at `ret`.
    Receive {
        handle: Handle,
        queue: QueueId,
        ret: u32,
    },
    /// `console.read` with nothing typed: read up to `max` bytes once something is.
    Console { max: u32, ret: u32 },
    /// `interrupts.wait` on a line that has not fired: store its count at `ret` once it has.
    Interrupt {
        handle: Handle,
        interrupt: InterruptId,
        ret: u32,
    },
}

impl Suspend {
    /// The event a task suspended so waits for; `None` for a yield or a sleep (time, not an
    /// event).
    pub(crate) fn wait_on(&self) -> Option<WaitOn> {
        match *self {
            Suspend::Yield | Suspend::Sleep { .. } => None,
            Suspend::Send { queue, .. } => Some(WaitOn::Send(queue)),
            Suspend::Receive { queue, .. } => Some(WaitOn::Receive(queue)),
            Suspend::Console { .. } => Some(WaitOn::Console),
            Suspend::Interrupt { interrupt, .. } => Some(WaitOn::Interrupt(interrupt)),
        }
    }
}

/// The host error a host function returns to leave the interpreter: a suspension (the call
/// is resumed later) or a guest fault (the task traps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostTrap {
    Suspend(Suspend),
    Fault(GuestFault),
}

impl From<GuestFault> for HostTrap {
    fn from(fault: GuestFault) -> HostTrap {
        HostTrap::Fault(fault)
    }
}

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostTrap::Suspend(suspend) => write!(f, "task suspended: {suspend:?}"),
            HostTrap::Fault(fault) => fault.fmt(f),
        }
    }
}

impl wasmi::errors::HostError for HostTrap {}
