//! The host functions: each lifts its arguments from the guest (canonical ABI), checks the
//! caller's own capability table, acts, and stores its result in the guest's return area — or
//! suspends the task ([`Suspend`]) when it must wait.
//!
//! They are written over `AsContextMut`, so the same code runs inside a host call (a wasmi
//! `Caller`) and from the scheduler finishing a suspended call (the component's `Store`, while
//! the guest's resumable call is suspended).
//!
//! Order of checks in every call: return area and guest pointers first (a bad one traps, with
//! no effect), then the capability (`bad-handle`, `wrong-kind`, `denied`), then the arguments
//! against the object (`unaligned`, `out-of-bounds`, `too-large`), then the operation
//! (`would-block` or blocking).

use alloc::string::ToString;

use ruvix_caps::{Handle, InterruptId, ObjectKind, QueueId, Rights};
use wasmi::AsContextMut;

use super::state::{GuestExports, HostState, HostTrap, Suspend, borrow, holds};
use crate::abi::{
    self, CallError, GuestFault, RESULT_LIST, RESULT_U32, RESULT_U64, RESULT_UNIT, ResultLayout,
};
use crate::event::RuntimeEvent;
use crate::imports::Interface;
use crate::platform::{Park, Platform};
use crate::policy::{WaitOn, us_to_ticks};
use crate::queues::QueueRefusal;

/// The longest log line passed to the platform; longer messages are cut at a character
/// boundary (a component cannot flood the console with one call).
pub const MAX_LOG_LINE: usize = 512;

/// Fuel `cabi_realloc` may use on top of what the task has left, plus one unit per 16 bytes
/// asked for (growing memory costs one per 64 bytes): the host must be able to hand over a
/// list even at the end of a slice, and a nested call cannot be suspended. What it uses is
/// charged to the task (which is then preempted if it overdrew). An allocator needs a few
/// hundred; so a slice overruns by at most this much, and only inside `cabi_realloc`.
pub(crate) const REALLOC_FUEL: u64 = 100_000;

type Result<T> = core::result::Result<T, HostTrap>;

/// The guest exports, unless this is a host call from inside `cabi_realloc`.
fn exports<P>(
    state: &HostState<P>,
    function: &'static str,
) -> core::result::Result<GuestExports, GuestFault> {
    if state.in_realloc {
        return Err(GuestFault::Reentrant { function });
    }
    state.exports.ok_or(GuestFault::Internal {
        what: "host call before the instance was set up",
    })
}

/// `capabilities.lookup`.
pub(crate) fn lookup<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    name_ptr: u32,
    name_len: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "capabilities.lookup")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_U32, ret)?;
    let name = abi::load_str(memory, "capability name", name_ptr, name_len)?;
    // A name the manifest did not grant this component is `denied` (host.wit); the platform
    // (the kernel, in a process) has the last word.
    let local = state.caps.lookup(name);
    let result = borrow(&state.shared)?
        .platform
        .lookup(name, local)
        .map(|h| h.0);
    abi::store_u32(memory, ret, result)?;
    Ok(())
}

/// `queues.send` (`blocking`) and `queues.try-send`.
pub(crate) fn send<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    ptr: u32,
    len: u32,
    ret: u32,
    blocking: bool,
) -> Result<()> {
    let function = if blocking {
        "queues.send"
    } else {
        "queues.try-send"
    };
    let exports = exports(ctx.as_context().data(), function)?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    let message = abi::load(memory, "message", ptr, len)?;
    let result = match state.caps.table().check_queue(Handle(handle), Rights::SEND) {
        Err(error) => Err(CallError::from(error)),
        Ok((_, queue)) => match borrow(&state.shared)?
            .queues
            .send(Handle(handle), queue, message)
        {
            Ok(()) => Ok(()),
            Err(QueueRefusal::WouldBlock) if blocking => {
                return Err(HostTrap::Suspend(Suspend::Send {
                    handle: Handle(handle),
                    queue,
                    ptr,
                    len,
                    ret,
                }));
            }
            Err(QueueRefusal::WouldBlock) => Err(CallError::WouldBlock),
            Err(QueueRefusal::Error(error)) => Err(error),
        },
    };
    abi::store_unit(memory, ret, result)?;
    Ok(())
}

/// `interrupts.wait` (`blocking`) and `interrupts.try-wait`: needs the interrupt (read).
pub(crate) fn interrupt_wait<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    ret: u32,
    blocking: bool,
) -> Result<()> {
    let function = if blocking {
        "interrupts.wait"
    } else {
        "interrupts.try-wait"
    };
    let exports = exports(ctx.as_context().data(), function)?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_U32, ret)?;
    let result = match state
        .caps
        .table()
        .check_interrupt(Handle(handle), Rights::READ)
    {
        Err(error) => Err(CallError::from(error)),
        Ok((_, interrupt)) => match fired(state, Handle(handle), interrupt)? {
            Some(result) => result,
            None if blocking => {
                return Err(HostTrap::Suspend(Suspend::Interrupt {
                    handle: Handle(handle),
                    interrupt,
                    ret,
                }));
            }
            None => Err(CallError::WouldBlock),
        },
    };
    abi::store_u32(memory, ret, result)?;
    Ok(())
}

/// How often `interrupt` fired since its last `ack`; `None` if not yet.
fn fired<P: Platform>(
    state: &HostState<P>,
    handle: Handle,
    interrupt: InterruptId,
) -> core::result::Result<Option<core::result::Result<u32, CallError>>, GuestFault> {
    Ok(
        match borrow(&state.shared)?
            .queues
            .interrupt_count(handle, interrupt)
        {
            Ok(count) => Some(Ok(count)),
            Err(QueueRefusal::WouldBlock) => None,
            Err(QueueRefusal::Error(error)) => Some(Err(error)),
        },
    )
}

/// The most bytes one `console.read` returns (the kernel holds 256 typed bytes).
const MAX_CONSOLE_READ: u32 = 256;

/// `console.read`: needs the `console` grant (read). Blocks until something was typed.
pub(crate) fn console_read<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    max: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "console.read")?;
    {
        let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
        abi::check_return_area(memory.len(), RESULT_LIST, ret)?;
        if !holds(&state.caps, ObjectKind::Console, Rights::READ) {
            abi::store_list(memory, ret, Err(CallError::Denied))?;
            return Ok(());
        }
    }
    match read_console(ctx, exports, max, ret)? {
        Some(()) => Ok(()),
        None => Err(HostTrap::Suspend(Suspend::Console { max, ret })),
    }
}

/// Moves typed bytes into a list the guest allocates and stores it at `ret`; `None` if nothing
/// was typed.
fn read_console<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    exports: GuestExports,
    max: u32,
    ret: u32,
) -> core::result::Result<Option<()>, GuestFault> {
    let mut bytes = alloc::vec![0u8; max.clamp(1, MAX_CONSOLE_READ) as usize];
    let read = borrow(&ctx.as_context().data().shared)?
        .platform
        .console_read(&mut bytes);
    let len = match read {
        Ok(len) => len.min(bytes.len()),
        Err(QueueRefusal::WouldBlock) => return Ok(None),
        Err(QueueRefusal::Error(error)) => {
            let memory = exports.memory.data_mut(ctx.as_context_mut());
            abi::store_list(memory, ret, Err(error))?;
            return Ok(Some(()));
        }
    };
    store_bytes(
        ctx,
        exports,
        bytes.get(..len).unwrap_or(&[]),
        "typed bytes",
        ret,
    )?;
    Ok(Some(()))
}

/// Hands `bytes` to the guest as a list (through its `cabi_realloc`) stored at `ret`.
fn store_bytes<P>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    exports: GuestExports,
    bytes: &[u8],
    what: &'static str,
    ret: u32,
) -> core::result::Result<(), GuestFault> {
    let len = u32::try_from(bytes.len()).map_err(|_| GuestFault::Internal {
        what: "a list longer than 4 GiB",
    })?;
    let ptr = realloc(ctx, exports, 1, len)?;
    let memory = exports.memory.data_mut(ctx.as_context_mut());
    let range = abi::guest_range(memory.len(), what, ptr, len, 1)?;
    memory
        .get_mut(range)
        .ok_or(GuestFault::Internal {
            what: "checked range not in memory",
        })?
        .copy_from_slice(bytes);
    abi::store_list(memory, ret, Ok((ptr, len)))
}

/// `system-info.report`: needs the `system-info` grant (read).
pub(crate) fn system_info<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    topic: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "system-info.report")?;
    let report = {
        let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
        abi::check_return_area(memory.len(), RESULT_LIST, ret)?;
        if topic > 3 {
            return Err(GuestFault::InvalidEnum {
                what: "system-info topic",
                value: topic,
            }
            .into());
        }
        let report = if holds(&state.caps, ObjectKind::SystemInfo, Rights::READ) {
            borrow(&state.shared)?.platform.system_info(topic)
        } else {
            Err(CallError::Denied)
        };
        match report {
            Ok(report) => report,
            Err(error) => {
                abi::store_list(memory, ret, Err(error))?;
                return Ok(());
            }
        }
    };
    store_bytes(ctx, exports, &report, "system report", ret)?;
    Ok(())
}

/// `interrupts.ack`: needs the interrupt (write).
pub(crate) fn interrupt_ack<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "interrupts.ack")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    let result = match state
        .caps
        .table()
        .check_interrupt(Handle(handle), Rights::WRITE)
    {
        Err(error) => Err(CallError::from(error)),
        Ok((_, interrupt)) => borrow(&state.shared)?
            .queues
            .interrupt_ack(Handle(handle), interrupt)
            .map_err(|refusal| match refusal {
                QueueRefusal::WouldBlock => CallError::WouldBlock,
                QueueRefusal::Error(error) => error,
            }),
    };
    abi::store_unit(memory, ret, result)?;
    Ok(())
}

/// `queues.receive` (`blocking`) and `queues.try-receive`.
pub(crate) fn receive<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    ret: u32,
    blocking: bool,
) -> Result<()> {
    let function = if blocking {
        "queues.receive"
    } else {
        "queues.try-receive"
    };
    let exports = exports(ctx.as_context().data(), function)?;
    let queue = {
        let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
        abi::check_return_area(memory.len(), RESULT_LIST, ret)?;
        match state
            .caps
            .table()
            .check_queue(Handle(handle), Rights::RECEIVE)
        {
            Ok((_, queue)) => queue,
            Err(error) => {
                abi::store_list(memory, ret, Err(error.into()))?;
                return Ok(());
            }
        }
    };
    let handle = Handle(handle);
    match deliver(ctx, exports, handle, queue, ret)? {
        Some(()) => Ok(()),
        None if blocking => Err(HostTrap::Suspend(Suspend::Receive { handle, queue, ret })),
        None => {
            let memory = exports.memory.data_mut(ctx.as_context_mut());
            abi::store_list(memory, ret, Err(CallError::WouldBlock))?;
            Ok(())
        }
    }
}

/// Receives the front message of `queue` into guest memory and stores the list at `ret`:
/// `Some` when done (delivered, or an error stored), `None` when the queue is empty.
///
/// The message stays in the queue until it has been copied into the memory the guest's
/// `cabi_realloc` returned, so a fault on the way loses nothing.
fn deliver<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    exports: GuestExports,
    handle: Handle,
    queue: QueueId,
    ret: u32,
) -> core::result::Result<Option<()>, GuestFault> {
    let peeked = borrow(&ctx.as_context().data().shared)?
        .queues
        .front_len(handle, queue);
    let len = match peeked {
        Ok(len) => u32::try_from(len).map_err(|_| GuestFault::Internal {
            what: "message longer than 4 GiB",
        })?,
        Err(QueueRefusal::WouldBlock) => return Ok(None),
        Err(QueueRefusal::Error(error)) => {
            let memory = exports.memory.data_mut(ctx.as_context_mut());
            abi::store_list(memory, ret, Err(error))?;
            return Ok(Some(()));
        }
    };
    let ptr = realloc(ctx, exports, 1, len)?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    let range = abi::guest_range(memory.len(), "received message", ptr, len, 1)?;
    let target = memory.get_mut(range).ok_or(GuestFault::Internal {
        what: "checked range not in memory",
    })?;
    borrow(&state.shared)?.receive_into(handle, queue, target)?;
    abi::store_list(memory, ret, Ok((ptr, len)))?;
    Ok(Some(()))
}

/// Calls the guest's `cabi_realloc(0, 0, align, size)` for a list the host hands over, and
/// checks the memory it returns. Host calls from inside are refused (not re-entrant); the fuel
/// it uses is charged to the task, with an allowance beyond the task's slice.
fn realloc<P>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    exports: GuestExports,
    align: u32,
    size: u32,
) -> core::result::Result<u32, GuestFault> {
    let mut store = ctx.as_context_mut();
    let fuel_error = |_| GuestFault::Internal {
        what: "fuel metering is off",
    };
    let before = store.get_fuel().map_err(fuel_error)?;
    let allowance = before
        .saturating_add(REALLOC_FUEL)
        .saturating_add(u64::from(size / 16));
    store.set_fuel(allowance).map_err(fuel_error)?;
    store.data_mut().in_realloc = true;
    let result = exports
        .realloc
        .call(&mut store, (0, 0, abi::to_i32(align), abi::to_i32(size)));
    store.data_mut().in_realloc = false;
    let used = allowance.saturating_sub(store.get_fuel().map_err(fuel_error)?);
    store
        .set_fuel(before.saturating_sub(used))
        .map_err(fuel_error)?;
    let state = store.data_mut();
    state.fuel_overdraft = state
        .fuel_overdraft
        .saturating_add(used.saturating_sub(before));
    let ptr = abi::to_u32(result.map_err(|error| GuestFault::Realloc {
        reason: error.to_string(),
    })?);
    let memory = exports.memory.data(&store).len();
    abi::guest_range(memory, "memory from cabi_realloc", ptr, size, align)?;
    Ok(ptr)
}

/// `regions.size`.
pub(crate) fn size<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "regions.size")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_U32, ret)?;
    let result = borrow(&state.shared)?.region_size(&state.caps, handle);
    abi::store_u32(memory, ret, result)?;
    Ok(())
}

/// `regions.read`: RAM regions only (`wrong-kind` on MMIO).
pub(crate) fn read<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    offset: u32,
    length: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "regions.read")?;
    let (region, range) = {
        let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
        abi::check_return_area(memory.len(), RESULT_LIST, ret)?;
        let checked =
            borrow(&state.shared)?.ram_range(&state.caps, handle, Rights::READ, offset, length);
        match checked {
            Ok(found) => found,
            Err(error) => {
                abi::store_list(memory, ret, Err(error))?;
                return Ok(());
            }
        }
    };
    let ptr = realloc(ctx, exports, 1, length)?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    let target = abi::guest_range(memory.len(), "region data", ptr, length, 1)?;
    let missing = GuestFault::Internal {
        what: "checked range not in memory",
    };
    {
        let into = memory.get_mut(target).ok_or(missing.clone())?;
        borrow(&state.shared)?
            .read_ram(region, range, into)
            .ok_or(missing)?;
    }
    abi::store_list(memory, ret, Ok((ptr, length)))?;
    Ok(())
}

/// `regions.write`: RAM regions only (`wrong-kind` on MMIO); needs `rw`.
pub(crate) fn write<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    offset: u32,
    ptr: u32,
    len: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "regions.write")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    let data = abi::load(memory, "data", ptr, len)?;
    let result = borrow(&state.shared)?.write_ram(&state.caps, handle, offset, data);
    abi::store_unit(memory, ret, result)?;
    Ok(())
}

/// `regions.read32`.
pub(crate) fn read32<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    offset: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "regions.read32")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_U32, ret)?;
    let result = borrow(&state.shared)?.read32(&state.caps, handle, offset);
    abi::store_u32(memory, ret, result)?;
    Ok(())
}

/// `regions.write32`.
pub(crate) fn write32<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    handle: u32,
    offset: u32,
    value: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "regions.write32")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    let result = borrow(&state.shared)?.write32(&state.caps, handle, offset, value);
    abi::store_unit(memory, ret, result)?;
    Ok(())
}

/// `log.write`: needs the `log` grant (write).
pub(crate) fn log_write<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    level: u32,
    ptr: u32,
    len: u32,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "log.write")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    let level = abi::lift_level(level)?;
    let message = abi::load_str(memory, "log message", ptr, len)?;
    let result = if holds(&state.caps, ObjectKind::Log, Rights::WRITE) {
        let line = truncate(message, MAX_LOG_LINE);
        let mut shared = borrow(&state.shared)?;
        let now = shared.platform.now_ticks();
        let allowed = state
            .log
            .try_borrow_mut()
            .map_err(|_| GuestFault::Internal {
                what: "log budget borrowed twice",
            })?
            .take(now);
        let dropped = match allowed {
            Ok(()) => match shared.platform.log(state.caps.name(), level, line) {
                Ok(()) => None,
                Err(wait) => {
                    // The platform's own budget dropped it (and counted it).
                    if let Ok(mut bucket) = state.log.try_borrow_mut() {
                        bucket.refused();
                    }
                    Some(wait)
                }
            },
            Err(wait) => {
                shared.platform.log_dropped(state.caps.name());
                Some(wait)
            }
        };
        if let Some(wait) = dropped {
            // Over budget: the line is dropped and counted, the call still succeeds, and
            // the task waits until its bucket has a line again — a flood costs the flooder
            // its time, not the others theirs.
            return Err(HostTrap::Suspend(Suspend::Sleep {
                until: now.saturating_add(wait),
                ret,
                result: Ok(()),
            }));
        }
        Ok(())
    } else {
        Err(CallError::Denied)
    };
    abi::store_unit(memory, ret, result)?;
    Ok(())
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    text.get(..end).unwrap_or("")
}

/// `time.now-us`: needs the `timer` grant (read).
pub(crate) fn now_us<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "time.now-us")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_U64, ret)?;
    let result = if holds(&state.caps, ObjectKind::Timer, Rights::READ) {
        borrow(&state.shared)?.platform.now_us()
    } else {
        Err(CallError::Denied)
    };
    abi::store_u64(memory, ret, result)?;
    Ok(())
}

/// `time.sleep-us`: needs the `timer` grant (read). Always suspends; without the grant it
/// yields and then returns `denied`.
pub(crate) fn sleep_us<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    duration_us: u64,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "time.sleep-us")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    if !holds(&state.caps, ObjectKind::Timer, Rights::READ) {
        return Err(denied_sleep(state, ret)?);
    }
    let mut shared = borrow(&state.shared)?;
    let now = shared.platform.now_ticks();
    let until = now.saturating_add(us_to_ticks(duration_us, shared.ticks_per_second));
    Err(HostTrap::Suspend(Suspend::Sleep {
        until,
        ret,
        result: Ok(()),
    }))
}

/// The suspension of a `sleep-us` without the timer grant: a yield, then `denied`.
fn denied_sleep<P: Platform>(
    state: &mut HostState<P>,
    ret: u32,
) -> core::result::Result<HostTrap, GuestFault> {
    report_denied(state, Interface::Time)?;
    Ok(HostTrap::Suspend(Suspend::Sleep {
        until: 0,
        ret,
        result: Err(CallError::Denied),
    }))
}

/// `task.yield-now`.
pub(crate) fn yield_now() -> Result<()> {
    Err(HostTrap::Suspend(Suspend::Yield))
}

/// A function of an interface the component holds no capability for: checks the return area,
/// reports the denial (once per instance and interface), stores `denied`. Its other
/// arguments are not looked at.
pub(crate) fn deny<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    interface: Interface,
    layout: ResultLayout,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), interface.as_str())?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), layout, ret)?;
    report_denied(state, interface)?;
    abi::store_error(memory, layout, ret, CallError::Denied)?;
    Ok(())
}

/// `time.sleep-us` without the timer grant: yields, then returns `denied`.
pub(crate) fn deny_sleep<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    ret: u32,
) -> Result<()> {
    let exports = exports(ctx.as_context().data(), "time.sleep-us")?;
    let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
    abi::check_return_area(memory.len(), RESULT_UNIT, ret)?;
    Err(denied_sleep(state, ret)?)
}

/// Reports the first denied call into `interface` of this instance.
fn report_denied<P: Platform>(
    state: &mut HostState<P>,
    interface: Interface,
) -> core::result::Result<(), GuestFault> {
    if state.denied_reported.contains(interface) {
        return Ok(());
    }
    state.denied_reported = state.denied_reported.with(interface);
    borrow(&state.shared)?.platform.event(RuntimeEvent::Denied {
        component: state.caps.name(),
        interface,
    });
    Ok(())
}

/// How finishing a suspended call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Completion {
    /// Done, its result stored: resume the guest.
    Done,
    /// Still cannot complete (another task got there first): block again.
    Blocked(WaitOn),
}

/// A call that must wait (`pending`), waited for in place when the platform can and the task
/// is alone ([`Platform::park`]): parks until [`complete`] can finish it, then returns as if
/// the call had not waited. Otherwise (or if the platform declines) the suspension, as before.
pub(crate) fn park<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    pending: Suspend,
) -> Result<()> {
    let fuel = {
        let store = ctx.as_context();
        let state = store.data();
        let left = store.get_fuel().unwrap_or(0);
        state
            .fuel_before_slice
            .saturating_add(state.slice_fuel.saturating_sub(left))
            .saturating_add(state.fuel_overdraft)
    };
    loop {
        let (park, due) = match (pending, pending.wait_on()) {
            (Suspend::Sleep { until, .. }, _) => (Park::Until(until), Some(until)),
            (_, Some(wait)) => (Park::On(wait), None),
            (_, None) => (Park::Yield, None),
        };
        {
            let shared = ctx.as_context().data().shared.clone();
            let mut shared = borrow(&shared)?;
            // A sleep that is due (or the denied sleep, due at 0) is a yield.
            let park = match due {
                Some(until) if until <= shared.platform.now_ticks() => Park::Yield,
                _ => park,
            };
            if !shared.park_in_place || !shared.platform.park(park, fuel) {
                return Err(HostTrap::Suspend(pending));
            }
            // Queue events of this task's own calls wake no other task here.
            shared.drain_queue_events(|_| {});
            if let Some(until) = due
                && park != Park::Yield
                && shared.platform.now_ticks() < until
            {
                continue;
            }
        }
        match complete(ctx, pending)? {
            Completion::Done => return Ok(()),
            Completion::Blocked(_) => continue,
        }
    }
}

/// Finishes the suspended call `pending` of a task about to run again: retries the send or
/// receive (lowering the received list through `cabi_realloc` while the guest's call is
/// suspended) or stores the sleep's result. The queue events it causes wake others as usual.
pub(crate) fn complete<P: Platform>(
    ctx: &mut impl AsContextMut<Data = HostState<P>>,
    pending: Suspend,
) -> core::result::Result<Completion, GuestFault> {
    let exports = exports(ctx.as_context().data(), "resume")?;
    match pending {
        Suspend::Yield => Ok(Completion::Done),
        Suspend::Sleep { ret, result, .. } => {
            let memory = exports.memory.data_mut(ctx.as_context_mut());
            abi::store_unit(memory, ret, result)?;
            Ok(Completion::Done)
        }
        Suspend::Send {
            handle,
            queue,
            ptr,
            len,
            ret,
        } => {
            let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
            let message = abi::load(memory, "message", ptr, len)?;
            let sent = borrow(&state.shared)?.queues.send(handle, queue, message);
            let result = match sent {
                Ok(()) => Ok(()),
                Err(QueueRefusal::WouldBlock) => {
                    return Ok(Completion::Blocked(WaitOn::Send(queue)));
                }
                Err(QueueRefusal::Error(error)) => Err(error),
            };
            abi::store_unit(memory, ret, result)?;
            Ok(Completion::Done)
        }
        Suspend::Receive { handle, queue, ret } => match deliver(ctx, exports, handle, queue, ret)?
        {
            Some(()) => Ok(Completion::Done),
            None => Ok(Completion::Blocked(WaitOn::Receive(queue))),
        },
        Suspend::Console { max, ret } => match read_console(ctx, exports, max, ret)? {
            Some(()) => Ok(Completion::Done),
            None => Ok(Completion::Blocked(WaitOn::Console)),
        },
        Suspend::Interrupt {
            handle,
            interrupt,
            ret,
        } => {
            let (memory, state) = exports.memory.data_and_store_mut(ctx.as_context_mut());
            match fired(state, handle, interrupt)? {
                Some(result) => {
                    abi::store_u32(memory, ret, result)?;
                    Ok(Completion::Done)
                }
                None => Ok(Completion::Blocked(WaitOn::Interrupt(interrupt))),
            }
        }
    }
}
