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
//! | `interrupts` | an interrupt | `denied` |
//! | `console` | the `console` grant (read) | `denied` |
//! | `system-info` | the `system-info` grant (read) | `denied` |
//!
//! The first call into a denied interface is reported ([`crate::RuntimeEvent::Denied`]).
//!
//! Every call, real or denying, costs the caller [`HOST_CALL_FUEL`] of its fuel slice.

use ruvix_caps::{ComponentCaps, ObjectKind, Rights};
use wasmi::{Caller, Engine, FuncType, Linker, Val};

use super::calls;
use super::state::{HostState, HostTrap, holds};
use crate::abi::{self, GuestFault};
use crate::imports::{HostFn, IMPORTS, ImportSpec, Interface, Interfaces};
use crate::platform::Platform;

type Ret = Result<(), wasmi::Error>;

/// Fuel one host call costs the calling task, on top of the wasm instructions around it: about
/// what the kernel's side of a call costs measured in interpreted instructions (a call is
/// ~1,500–3,000 guest instructions, a wasm instruction ~15–30). Without it a loop of host calls
/// would spend kernel time that no slice counts.
pub const HOST_CALL_FUEL: u64 = 100;

/// Runs one host function for the component: first charges the call to its fuel slice, then
/// turns the outcome into what wasmi wants (a suspension or guest fault leaves the interpreter
/// as a host error, which the scheduler inspects).
///
/// A call that must wait first tries to wait where it is ([`calls::park`]): a task alone in
/// its runtime then never leaves the interpreter for it.
fn trap<P: Platform>(
    c: &mut Caller<'_, HostState<P>>,
    call: impl FnOnce(&mut Caller<'_, HostState<P>>) -> Result<(), HostTrap>,
) -> Ret {
    charge_host_call(c);
    match call(c) {
        Err(HostTrap::Suspend(pending)) => calls::park(c, pending),
        other => other,
    }
    .map_err(wasmi::Error::host)
}

/// Takes [`HOST_CALL_FUEL`] from the caller's slice (what it cannot pay is recorded as
/// overdraft, as for `cabi_realloc`). With fuel left at 0 the interpreter preempts the task at
/// its next instruction, so a loop of cheap host calls ends its slice like any other loop.
fn charge_host_call<P>(c: &mut Caller<'_, HostState<P>>) {
    // Fuel metering is always on (`mount::engine_config`); without it there is nothing to charge.
    let Ok(left) = c.get_fuel() else {
        return;
    };
    if c.set_fuel(left.saturating_sub(HOST_CALL_FUEL)).is_ok() {
        let state = c.data_mut();
        state.fuel_overdraft = state
            .fuel_overdraft
            .saturating_add(HOST_CALL_FUEL.saturating_sub(left));
    }
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
    if caps.table().find_kind(ObjectKind::Interrupt).is_none() {
        denied = denied.with(Interface::Interrupts);
    }
    if !holds(caps, ObjectKind::Console, Rights::READ) {
        denied = denied.with(Interface::Console);
    }
    if !holds(caps, ObjectKind::SystemInfo, Rights::READ) {
        denied = denied.with(Interface::SystemInfo);
    }
    denied
}

/// A linker with the whole host interface for a component whose `denied` interfaces get the
/// denying versions: those are made from the import table ([`IMPORTS`]), one per function of a
/// denied interface; the real ones are linked only for the interfaces not denied.
pub(crate) fn linker<P: Platform + 'static>(
    engine: &Engine,
    denied: Interfaces,
) -> Result<Linker<HostState<P>>, wasmi::Error> {
    let mut linker = Linker::<HostState<P>>::new(engine);
    for spec in IMPORTS
        .iter()
        .filter(|spec| denied.contains(spec.interface))
    {
        link_denying::<P>(&mut linker, spec)?;
    }
    link_real::<P>(&mut linker, denied)?;
    Ok(linker)
}

/// The denying version of `spec`: it answers `denied` through the function's return area (its
/// last parameter) and reports the first such call; `sleep-us` first yields, as a real sleep
/// would, so a denied sleeper cannot spin.
fn link_denying<P: Platform + 'static>(
    linker: &mut Linker<HostState<P>>,
    spec: &'static ImportSpec,
) -> Result<(), wasmi::Error> {
    let ty = FuncType::new(spec.params.iter().copied(), []);
    let interface = spec.interface;
    linker.func_new(
        interface.module(),
        spec.name,
        ty,
        move |mut c: Caller<'_, HostState<P>>, params: &[Val], _: &mut [Val]| {
            // The return area is the last parameter (an i32 guest address).
            let ret = params.last().and_then(Val::i32).map(abi::to_u32);
            trap(&mut c, |c| match (spec.function, spec.result, ret) {
                (HostFn::SleepUs, _, Some(ret)) => calls::deny_sleep(c, ret),
                (_, Some(layout), Some(ret)) => calls::deny(c, interface, layout, ret),
                // `capabilities` and `task` (no return area) are never denied.
                _ => Err(HostTrap::Fault(GuestFault::Internal {
                    what: "a denied host function without a return area",
                })),
            })
        },
    )?;
    Ok(())
}

/// The real host functions of every interface not in `denied`.
fn link_real<P: Platform + 'static>(
    linker: &mut Linker<HostState<P>>,
    denied: Interfaces,
) -> Result<(), wasmi::Error> {
    let module = Interface::Capabilities.module();
    linker.func_wrap(
        module,
        "lookup",
        |mut c: Caller<'_, HostState<P>>, ptr: u32, len: u32, ret: u32| {
            trap(&mut c, |c| calls::lookup(c, ptr, len, ret))
        },
    )?;

    let module = Interface::Queues.module();
    if !denied.contains(Interface::Queues) {
        linker.func_wrap(
            module,
            "send",
            |mut c: Caller<'_, HostState<P>>, h: u32, ptr: u32, len: u32, ret: u32| {
                trap(&mut c, |c| calls::send(c, h, ptr, len, ret, true))
            },
        )?;
        linker.func_wrap(
            module,
            "try-send",
            |mut c: Caller<'_, HostState<P>>, h: u32, ptr: u32, len: u32, ret: u32| {
                trap(&mut c, |c| calls::send(c, h, ptr, len, ret, false))
            },
        )?;
        linker.func_wrap(
            module,
            "receive",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| {
                trap(&mut c, |c| calls::receive(c, h, ret, true))
            },
        )?;
        linker.func_wrap(
            module,
            "try-receive",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| {
                trap(&mut c, |c| calls::receive(c, h, ret, false))
            },
        )?;
    }

    let module = Interface::Regions.module();
    if !denied.contains(Interface::Regions) {
        linker.func_wrap(
            module,
            "size",
            |mut c: Caller<'_, HostState<P>>, h: u32, ret: u32| {
                trap(&mut c, |c| calls::size(c, h, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "read",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, len: u32, ret: u32| {
                trap(&mut c, |c| calls::read(c, h, offset, len, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, ptr: u32, len: u32, ret: u32| {
                trap(&mut c, |c| calls::write(c, h, offset, ptr, len, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "read32",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, ret: u32| {
                trap(&mut c, |c| calls::read32(c, h, offset, ret))
            },
        )?;
        linker.func_wrap(
            module,
            "write32",
            |mut c: Caller<'_, HostState<P>>, h: u32, offset: u32, value: u32, ret: u32| {
                trap(&mut c, |c| calls::write32(c, h, offset, value, ret))
            },
        )?;
    }

    if !denied.contains(Interface::Log) {
        linker.func_wrap(
            Interface::Log.module(),
            "write",
            |mut c: Caller<'_, HostState<P>>, level: u32, ptr: u32, len: u32, ret: u32| {
                trap(&mut c, |c| calls::log_write(c, level, ptr, len, ret))
            },
        )?;
    }

    let module = Interface::Time.module();
    if !denied.contains(Interface::Time) {
        linker.func_wrap(
            module,
            "now-us",
            |mut c: Caller<'_, HostState<P>>, ret: u32| trap(&mut c, |c| calls::now_us(c, ret)),
        )?;
        linker.func_wrap(
            module,
            "sleep-us",
            |mut c: Caller<'_, HostState<P>>, duration: u64, ret: u32| {
                trap(&mut c, |c| calls::sleep_us(c, duration, ret))
            },
        )?;
    }

    linker.func_wrap(
        Interface::Task.module(),
        "yield-now",
        |mut c: Caller<'_, HostState<P>>| trap(&mut c, |_| calls::yield_now()),
    )?;

    let module = Interface::Interrupts.module();
    if !denied.contains(Interface::Interrupts) {
        linker.func_wrap(
            module,
            "wait",
            |mut c: Caller<'_, HostState<P>>, irq: u32, ret: u32| {
                trap(&mut c, |c| calls::interrupt_wait(c, irq, ret, true))
            },
        )?;
        linker.func_wrap(
            module,
            "try-wait",
            |mut c: Caller<'_, HostState<P>>, irq: u32, ret: u32| {
                trap(&mut c, |c| calls::interrupt_wait(c, irq, ret, false))
            },
        )?;
        linker.func_wrap(
            module,
            "ack",
            |mut c: Caller<'_, HostState<P>>, irq: u32, ret: u32| {
                trap(&mut c, |c| calls::interrupt_ack(c, irq, ret))
            },
        )?;
    }

    if !denied.contains(Interface::Console) {
        linker.func_wrap(
            Interface::Console.module(),
            "read",
            |mut c: Caller<'_, HostState<P>>, max: u32, ret: u32| {
                trap(&mut c, |c| calls::console_read(c, max, ret))
            },
        )?;
    }
    if !denied.contains(Interface::SystemInfo) {
        linker.func_wrap(
            Interface::SystemInfo.module(),
            "report",
            |mut c: Caller<'_, HostState<P>>, topic: u32, ret: u32| {
                trap(&mut c, |c| calls::system_info(c, topic, ret))
            },
        )?;
    }
    Ok(())
}
