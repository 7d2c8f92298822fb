//! The linker of one component: every function of the host interface, each linked to its real
//! implementation when the component holds a capability of the kind its interface needs, or to
//! a denying version when it holds none (defence in depth: the real versions check every call
//! against the capability table anyway).
//!
//! | interface | linked for real when the component holds | denying version |
//! | --- | --- | --- |
//! | `capabilities` | always | — |
//! | `queues` | a queue end | `denied` |
//! | `regions` | a region | `denied` |
//! | `log` | the `log` grant (write) | `denied`, the line dropped |
//! | `time` | the `timer` grant (read) | `now-us` → `denied`; `sleep-us` yields, then `denied` |
//! | `task` | always | — |
//!
//! The first call into a denied interface is reported ([`crate::RuntimeEvent::Denied`]).

use ruvix_caps::{ComponentCaps, ObjectKind, Rights};
use wasmi::errors::LinkerError;
use wasmi::{Caller, Engine, Linker};

use super::calls;
use super::state::{HostState, HostTrap, holds};
use crate::abi::{RESULT_LIST, RESULT_U32, RESULT_U64, RESULT_UNIT};
use crate::imports::{Interface, Interfaces};
use crate::platform::Platform;

type Ret = Result<(), wasmi::Error>;

/// A host function's outcome as wasmi wants it: a suspension or guest fault leaves the
/// interpreter as a host error, which the scheduler inspects.
fn trap(result: Result<(), HostTrap>) -> Ret {
    result.map_err(wasmi::Error::host)
}

/// The interfaces `caps` holds no capability for (linked to denying versions).
pub(crate) fn denied_interfaces(caps: &ComponentCaps) -> Interfaces {
    let mut denied = Interfaces::NONE;
    if caps.queue_ends() == 0 {
        denied = denied.with(Interface::Queues);
    }
    if caps.regions() == 0 {
        denied = denied.with(Interface::Regions);
    }
    if !holds(caps, ObjectKind::Log, Rights::WRITE) {
        denied = denied.with(Interface::Log);
    }
    if !holds(caps, ObjectKind::Timer, Rights::READ) {
        denied = denied.with(Interface::Time);
    }
    denied
}

/// A linker with the whole host interface for a component whose `denied` interfaces get the
/// denying versions.
pub(crate) fn linker<P: Platform + 'static>(
    engine: &Engine,
    denied: Interfaces,
) -> Result<Linker<HostState<P>>, LinkerError> {
    let mut linker = Linker::<HostState<P>>::new(engine);

    let module = Interface::Capabilities.module();
    linker.func_wrap(
        module,
        "lookup",
        |mut c: Caller<'_, HostState<P>>, ptr: u32, len: u32, ret: u32| {
            trap(calls::lookup(&mut c, ptr, len, ret))
        },
    )?;

    let module = Interface::Queues.module();
    if denied.contains(Interface::Queues) {
        let queues = Interface::Queues;
        linker.func_wrap(
            module,
            "send",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, queues, RESULT_UNIT, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "try-send",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, queues, RESULT_UNIT, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "receive",
            move |mut c: Caller<'_, HostState<P>>, _: u32, ret: u32| {
                trap(calls::deny(&mut c, queues, RESULT_LIST, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "try-receive",
            move |mut c: Caller<'_, HostState<P>>, _: u32, ret: u32| {
                trap(calls::deny(&mut c, queues, RESULT_LIST, ret))
            },
        )?;
    } else {
        linker.func_wrap(
            module,
            "send",
            |mut c: Caller<'_, HostState<P>>, h: u32, ptr: u32, len: u32, ret: u32| {
                trap(calls::send(&mut c, h, ptr, len, ret, true))
            },
        )?;
        linker.func_wrap(
            module,
            "try-send",
            |mut c: Caller<'_, HostState<P>>, h: u32, ptr: u32, len: u32, ret: u32| {
                trap(calls::send(&mut c, h, ptr, len, ret, false))
            },
        )?;
        linker.func_wrap(
            module,
            "receive",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| {
                trap(calls::receive(&mut c, h, ret, true))
            },
        )?;
        linker.func_wrap(
            module,
            "try-receive",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| {
                trap(calls::receive(&mut c, h, ret, false))
            },
        )?;
    }

    let module = Interface::Regions.module();
    if denied.contains(Interface::Regions) {
        let regions = Interface::Regions;
        linker.func_wrap(
            module,
            "size",
            move |mut c: Caller<'_, HostState<P>>, _: u32, ret: u32| {
                trap(calls::deny(&mut c, regions, RESULT_U32, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "read",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, regions, RESULT_LIST, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, regions, RESULT_UNIT, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "read32",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, regions, RESULT_U32, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write32",
            move |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, regions, RESULT_UNIT, ret))
            },
        )?;
    } else {
        linker.func_wrap(
            module,
            "size",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| trap(calls::size(&mut c, h, ret)),
        )?;
        linker.func_wrap(
            module,
            "read",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, len: u32, ret: u32| {
                trap(calls::read(&mut c, h, offset, len, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, ptr: u32, len: u32, ret: u32| {
                trap(calls::write(&mut c, h, offset, ptr, len, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "read32",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, ret: u32| {
                trap(calls::read32(&mut c, h, offset, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write32",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, value: u32, ret: u32| {
                trap(calls::write32(&mut c, h, offset, value, ret))
            },
        )?;
    }

    let module = Interface::Log.module();
    if denied.contains(Interface::Log) {
        linker.func_wrap(
            module,
            "write",
            |mut c: Caller<'_, HostState<P>>, _: u32, _: u32, _: u32, ret: u32| {
                trap(calls::deny(&mut c, Interface::Log, RESULT_UNIT, ret))
            },
        )?;
    } else {
        linker.func_wrap(
            module,
            "write",
            |mut c: Caller<'_, HostState<P>>, level: u32, ptr: u32, len: u32, ret: u32| {
                trap(calls::log_write(&mut c, level, ptr, len, ret))
            },
        )?;
    }

    let module = Interface::Time.module();
    if denied.contains(Interface::Time) {
        linker.func_wrap(
            module,
            "now-us",
            |mut c: Caller<'_, HostState<P>>, ret: u32| {
                trap(calls::deny(&mut c, Interface::Time, RESULT_U64, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "sleep-us",
            |mut c: Caller<'_, HostState<P>>, _: u64, ret: u32| {
                trap(calls::deny_sleep(&mut c, ret))
            },
        )?;
    } else {
        linker.func_wrap(
            module,
            "now-us",
            |mut c: Caller<'_, HostState<P>>, ret: u32| trap(calls::now_us(&mut c, ret)),
        )?;
        linker.func_wrap(
            module,
            "sleep-us",
            |mut c: Caller<'_, HostState<P>>, duration: u64, ret: u32| {
                trap(calls::sleep_us(&mut c, duration, ret))
            },
        )?;
    }

    let module = Interface::Task.module();
    linker.func_wrap(module, "yield-now", |_: Caller<'_, HostState<P>>| {
        trap(calls::yield_now())
    })?;

    Ok(linker)
}
