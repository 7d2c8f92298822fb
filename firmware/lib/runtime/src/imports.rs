//! The host interface as core-wasm imports: every function of `components/wit/host.wit`, under
//! the module name and with the exact core signature `wit-bindgen` gives it. Mount checks each
//! import of a component against this table ([`check_import`]).

use alloc::format;
use alloc::string::String;
use core::fmt;

use wasmi::ValType;

use crate::abi::{RESULT_LIST, RESULT_U32, RESULT_U64, RESULT_UNIT, ResultLayout};

/// An interface of the WIT package `ruvix:host@0.1.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interface {
    /// `capabilities`: `lookup`.
    Capabilities,
    /// `queues`: `send`, `try-send`, `receive`, `try-receive`.
    Queues,
    /// `regions`: `size`, `read`, `write`, `read32`, `write32`.
    Regions,
    /// `log`: `write`.
    Log,
    /// `time`: `now-us`, `sleep-us`.
    Time,
    /// `task`: `yield-now`.
    Task,
    /// `interrupts`: `wait`, `try-wait`, `ack`.
    Interrupts,
    /// `console`: `read`.
    Console,
    /// `system-info`: `report`.
    SystemInfo,
}

impl Interface {
    /// Every interface.
    pub const ALL: [Interface; 9] = [
        Interface::Capabilities,
        Interface::Queues,
        Interface::Regions,
        Interface::Log,
        Interface::Time,
        Interface::Task,
        Interface::Interrupts,
        Interface::Console,
        Interface::SystemInfo,
    ];

    /// The WIT name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Interface::Capabilities => "capabilities",
            Interface::Queues => "queues",
            Interface::Regions => "regions",
            Interface::Log => "log",
            Interface::Time => "time",
            Interface::Task => "task",
            Interface::Interrupts => "interrupts",
            Interface::Console => "console",
            Interface::SystemInfo => "system-info",
        }
    }

    /// The core-wasm import module name (`ruvix:host/queues@0.1.0`).
    pub const fn module(self) -> &'static str {
        match self {
            Interface::Capabilities => "ruvix:host/capabilities@0.1.0",
            Interface::Queues => "ruvix:host/queues@0.1.0",
            Interface::Regions => "ruvix:host/regions@0.1.0",
            Interface::Log => "ruvix:host/log@0.1.0",
            Interface::Time => "ruvix:host/time@0.1.0",
            Interface::Task => "ruvix:host/task@0.1.0",
            Interface::Interrupts => "ruvix:host/interrupts@0.1.0",
            Interface::Console => "ruvix:host/console@0.1.0",
            Interface::SystemInfo => "ruvix:host/system-info@0.1.0",
        }
    }

    /// A bit of an [`Interfaces`] set.
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of interfaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interfaces(u16);

impl Interfaces {
    /// No interface.
    pub const NONE: Interfaces = Interfaces(0);

    /// Whether `interface` is in the set.
    pub const fn contains(self, interface: Interface) -> bool {
        self.0 & interface.bit() != 0
    }

    /// The set with `interface` added.
    pub const fn with(self, interface: Interface) -> Interfaces {
        Interfaces(self.0 | interface.bit())
    }

    /// The set as bits, one per interface in [`Interface::ALL`] order.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The interfaces in the set.
    pub fn iter(self) -> impl Iterator<Item = Interface> {
        Interface::ALL
            .into_iter()
            .filter(move |i| self.contains(*i))
    }
}

impl fmt::Display for Interfaces {
    /// `queues, log`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (n, interface) in self.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            f.write_str(interface.as_str())?;
        }
        Ok(())
    }
}

/// One function of the host interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostFn {
    /// `capabilities.lookup(name: string) -> result<handle, error>`.
    Lookup,
    /// `queues.send(queue: handle, message: list<u8>) -> result<_, error>` (blocks).
    Send,
    /// `queues.try-send(queue: handle, message: list<u8>) -> result<_, error>`.
    TrySend,
    /// `queues.receive(queue: handle) -> result<list<u8>, error>` (blocks).
    Receive,
    /// `queues.try-receive(queue: handle) -> result<list<u8>, error>`.
    TryReceive,
    /// `regions.size(region: handle) -> result<u32, error>`.
    Size,
    /// `regions.read(region: handle, offset: u32, length: u32) -> result<list<u8>, error>`.
    Read,
    /// `regions.write(region: handle, offset: u32, data: list<u8>) -> result<_, error>`.
    Write,
    /// `regions.read32(region: handle, offset: u32) -> result<u32, error>`.
    Read32,
    /// `regions.write32(region: handle, offset: u32, value: u32) -> result<_, error>`.
    Write32,
    /// `log.write(level: level, message: string) -> result<_, error>`.
    LogWrite,
    /// `time.now-us() -> result<u64, error>`.
    NowUs,
    /// `time.sleep-us(duration-us: u64) -> result<_, error>` (blocks).
    SleepUs,
    /// `task.yield-now()`.
    YieldNow,
    /// `interrupts.wait(irq: handle) -> result<u32, error>` (blocks).
    InterruptWait,
    /// `interrupts.try-wait(irq: handle) -> result<u32, error>`.
    InterruptTryWait,
    /// `interrupts.ack(irq: handle) -> result<_, error>`.
    InterruptAck,
    /// `console.read(max: u32) -> result<list<u8>, error>` (blocks).
    ConsoleRead,
    /// `system-info.report(topic: topic) -> result<string, error>`.
    SystemInfoReport,
}

/// A host-interface function as a core-wasm import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSpec {
    /// Its interface (which gives the module name).
    pub interface: Interface,
    /// The import's field name (the WIT function name).
    pub name: &'static str,
    /// The core parameters; the last `i32` is the return-area pointer where there is a result.
    /// No import has core results.
    pub params: &'static [ValType],
    /// The result stored in the return area, if any.
    pub result: Option<ResultLayout>,
    /// Which function.
    pub function: HostFn,
}

use ValType::{I32, I64};

/// The whole host interface, as `wit-bindgen` 0.63 lowers it for wasm32.
pub const IMPORTS: [ImportSpec; 19] = [
    spec(
        Interface::Capabilities,
        "lookup",
        &[I32, I32, I32],
        Some(RESULT_U32),
        HostFn::Lookup,
    ),
    spec(
        Interface::Queues,
        "send",
        &[I32, I32, I32, I32],
        Some(RESULT_UNIT),
        HostFn::Send,
    ),
    spec(
        Interface::Queues,
        "try-send",
        &[I32, I32, I32, I32],
        Some(RESULT_UNIT),
        HostFn::TrySend,
    ),
    spec(
        Interface::Queues,
        "receive",
        &[I32, I32],
        Some(RESULT_LIST),
        HostFn::Receive,
    ),
    spec(
        Interface::Queues,
        "try-receive",
        &[I32, I32],
        Some(RESULT_LIST),
        HostFn::TryReceive,
    ),
    spec(
        Interface::Regions,
        "size",
        &[I32, I32],
        Some(RESULT_U32),
        HostFn::Size,
    ),
    spec(
        Interface::Regions,
        "read",
        &[I32, I32, I32, I32],
        Some(RESULT_LIST),
        HostFn::Read,
    ),
    spec(
        Interface::Regions,
        "write",
        &[I32, I32, I32, I32, I32],
        Some(RESULT_UNIT),
        HostFn::Write,
    ),
    spec(
        Interface::Regions,
        "read32",
        &[I32, I32, I32],
        Some(RESULT_U32),
        HostFn::Read32,
    ),
    spec(
        Interface::Regions,
        "write32",
        &[I32, I32, I32, I32],
        Some(RESULT_UNIT),
        HostFn::Write32,
    ),
    spec(
        Interface::Log,
        "write",
        &[I32, I32, I32, I32],
        Some(RESULT_UNIT),
        HostFn::LogWrite,
    ),
    spec(
        Interface::Time,
        "now-us",
        &[I32],
        Some(RESULT_U64),
        HostFn::NowUs,
    ),
    spec(
        Interface::Time,
        "sleep-us",
        &[I64, I32],
        Some(RESULT_UNIT),
        HostFn::SleepUs,
    ),
    spec(Interface::Task, "yield-now", &[], None, HostFn::YieldNow),
    spec(
        Interface::Interrupts,
        "wait",
        &[I32, I32],
        Some(RESULT_U32),
        HostFn::InterruptWait,
    ),
    spec(
        Interface::Interrupts,
        "try-wait",
        &[I32, I32],
        Some(RESULT_U32),
        HostFn::InterruptTryWait,
    ),
    spec(
        Interface::Interrupts,
        "ack",
        &[I32, I32],
        Some(RESULT_UNIT),
        HostFn::InterruptAck,
    ),
    spec(
        Interface::Console,
        "read",
        &[I32, I32],
        Some(RESULT_LIST),
        HostFn::ConsoleRead,
    ),
    spec(
        Interface::SystemInfo,
        "report",
        &[I32, I32],
        Some(RESULT_LIST),
        HostFn::SystemInfoReport,
    ),
];

const fn spec(
    interface: Interface,
    name: &'static str,
    params: &'static [ValType],
    result: Option<ResultLayout>,
    function: HostFn,
) -> ImportSpec {
    ImportSpec {
        interface,
        name,
        params,
        result,
        function,
    }
}

/// The host function imported as `module`.`name`, if there is one.
pub fn find(module: &str, name: &str) -> Option<&'static ImportSpec> {
    IMPORTS
        .iter()
        .find(|spec| spec.name == name && spec.interface.module() == module)
}

/// Why an import does not fit the host interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportMismatch {
    /// No host function has this module and name.
    Unknown,
    /// The host function exists, but the import is not a function or has another signature.
    Signature {
        /// The signature the host provides.
        expected: String,
        /// What the module imports.
        found: String,
    },
}

/// Checks one import of a module: a function of the host interface with its exact core
/// signature.
pub fn check_import(
    module: &str,
    name: &str,
    ty: &wasmi::ExternType,
) -> Result<&'static ImportSpec, ImportMismatch> {
    let spec = find(module, name).ok_or(ImportMismatch::Unknown)?;
    let expected = signature(spec.params, &[]);
    match ty {
        wasmi::ExternType::Func(func)
            if func.params() == spec.params && func.results().is_empty() =>
        {
            Ok(spec)
        }
        wasmi::ExternType::Func(func) => Err(ImportMismatch::Signature {
            expected,
            found: signature(func.params(), func.results()),
        }),
        other => Err(ImportMismatch::Signature {
            expected,
            found: extern_kind(other).into(),
        }),
    }
}

/// `(i32, i32) -> ()` style.
pub fn signature(params: &[ValType], results: &[ValType]) -> String {
    let list = |types: &[ValType]| {
        let mut text = String::new();
        for (n, ty) in types.iter().enumerate() {
            if n > 0 {
                text.push_str(", ");
            }
            text.push_str(value_type(*ty));
        }
        text
    };
    format!("({}) -> ({})", list(params), list(results))
}

fn value_type(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "funcref",
        ValType::ExternRef => "externref",
    }
}

/// A name for a non-function extern type.
pub fn extern_kind(ty: &wasmi::ExternType) -> &'static str {
    match ty {
        wasmi::ExternType::Func(_) => "a function",
        wasmi::ExternType::Global(_) => "a global",
        wasmi::ExternType::Table(_) => "a table",
        wasmi::ExternType::Memory(_) => "a memory",
    }
}
