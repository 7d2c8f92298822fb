//! [`RuntimeEvent`]: what the runtime tells the kernel to record (witness log) and print.

use alloc::string::String;
use core::fmt;

use ruvix_caps::{ObjectRef, Rights};
use wasmi::TrapCode;

use crate::abi::GuestFault;
use crate::imports::{Interface, Interfaces};
use crate::policy::{StopReason, TaskId};

/// Why a task ended with a trap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultReason {
    /// A WebAssembly trap: `unreachable` (a Rust panic or `fail`), an out-of-bounds memory
    /// access, division by zero, stack overflow, ...
    Trap(TrapCode),
    /// A host call with arguments the canonical ABI rejects (bad pointer, invalid UTF-8, ...).
    Guest(GuestFault),
    /// Any other error the interpreter reported (its message).
    Other(String),
}

impl fmt::Display for FaultReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultReason::Trap(code) => write!(f, "trap: {code}"),
            FaultReason::Guest(fault) => write!(f, "bad host call: {fault}"),
            FaultReason::Other(message) => write!(f, "error: {message}"),
        }
    }
}

/// Something the kernel records and prints ([`crate::Platform::event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeEvent<'a> {
    /// Mount: component `component` holds `name` → `object` with `rights` (one event per
    /// capability, in handle order).
    Granted {
        /// The component.
        component: &'a str,
        /// The name it looks the capability up by.
        name: &'a str,
        /// The handle in its table.
        handle: u32,
        /// What the capability names.
        object: ObjectRef,
        /// The rights it carries.
        rights: Rights,
    },
    /// Mount: the component was validated, its imports linked and it was instantiated.
    Mounted {
        /// The component.
        component: &'a str,
        /// Its tasks (one per entry point).
        tasks: usize,
        /// Interfaces it imports but holds no capability for: linked to versions that refuse
        /// every call with `denied`.
        denied: Interfaces,
        /// Time taken (validation, linking, instantiation), in counter ticks.
        ticks: u64,
    },
    /// The first call of a component into an interface it holds no capability for (reported
    /// once per component instance and interface). `log.write` is dropped, `time.*` and the
    /// rest return `denied`.
    Denied {
        /// The component.
        component: &'a str,
        /// The interface.
        interface: Interface,
    },
    /// A task's entry point returned: the task ended normally.
    TaskFinished {
        /// The component.
        component: &'a str,
        /// The entry point.
        export: &'a str,
        /// The task.
        task: TaskId,
    },
    /// A task trapped. The component's instance is discarded (all its tasks end); the restart
    /// policy decides what follows (a `RestartScheduled` or `Stopped` event follows).
    TaskFault {
        /// The component.
        component: &'a str,
        /// The entry point.
        export: &'a str,
        /// The task.
        task: TaskId,
        /// Why.
        reason: &'a FaultReason,
    },
    /// The component will be instantiated again at `at_ticks` (rate limit: not before
    /// `min_run_ms` after its previous start).
    RestartScheduled {
        /// The component.
        component: &'a str,
        /// Which restart this will be (1 = the first).
        restart: u32,
        /// Restarts the policy allows.
        max_restarts: u32,
        /// When.
        at_ticks: u64,
    },
    /// The component was instantiated again; its tasks start from their entry points.
    Restarted {
        /// The component.
        component: &'a str,
        /// Which restart this was (1 = the first).
        restart: u32,
        /// Restarts the policy allows.
        max_restarts: u32,
    },
    /// The component is stopped for good; its queue ends stay as they are.
    Stopped {
        /// The component.
        component: &'a str,
        /// Why.
        reason: StopReason,
    },
}

impl fmt::Display for RuntimeEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RuntimeEvent::Granted {
                component,
                name,
                handle,
                object,
                rights,
            } => write!(
                f,
                "{component}: capability \"{name}\" = handle {handle}: {object} ({rights})"
            ),
            RuntimeEvent::Mounted {
                component,
                tasks,
                denied,
                ticks,
            } => {
                write!(f, "{component}: mounted, {tasks} task(s), {ticks} ticks")?;
                if !denied.is_empty() {
                    write!(f, ", denied: {denied}")?;
                }
                Ok(())
            }
            RuntimeEvent::Denied {
                component,
                interface,
            } => write!(
                f,
                "{component}: call into \"{interface}\" denied: no capability granted"
            ),
            RuntimeEvent::TaskFinished {
                component,
                export,
                task,
            } => write!(f, "{component}.{export} ({task}) returned"),
            RuntimeEvent::TaskFault {
                component,
                export,
                task,
                reason,
            } => write!(f, "{component}.{export} ({task}) faulted: {reason}"),
            RuntimeEvent::RestartScheduled {
                component,
                restart,
                max_restarts,
                at_ticks,
            } => write!(
                f,
                "{component}: restart {restart} of {max_restarts} at tick {at_ticks}"
            ),
            RuntimeEvent::Restarted {
                component,
                restart,
                max_restarts,
            } => write!(f, "{component}: restarted ({restart} of {max_restarts})"),
            RuntimeEvent::Stopped { component, reason } => {
                write!(f, "{component}: stopped for good: {reason}")
            }
        }
    }
}
