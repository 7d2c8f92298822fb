//! The supervisor calls, as the component host makes them (`ruvix_process_abi::call`; the ABI
//! is in `docs/svc-abi.md`). The only way out of the process: everything else it does stays in
//! its own address space.

use core::arch::asm;

use ruvix_process_abi::{Status, call};
use ruvix_runtime::CallError;

/// `svc #N` with up to three arguments (four for `wait`); returns `x0`, `x1`.
macro_rules! svc {
    ($number:expr, $a:expr, $b:expr, $c:expr, $d:expr) => {{
        let x0: u64;
        let x1: u64;
        // SAFETY: as below; `x3` is one more argument, read by the kernel only.
        unsafe {
            asm!(
                "svc #{number}",
                number = const $number,
                inout("x0") $a => x0,
                inout("x1") $b => x1,
                in("x2") $c,
                in("x3") $d,
                options(nostack)
            )
        };
        (x0, x1)
    }};
    ($number:expr, $a:expr, $b:expr, $c:expr) => {{
        let x0: u64;
        let x1: u64;
        // SAFETY: a supervisor call only transfers control to the kernel, which reads the
        // arguments, may write the memory they point to when the call says so (buffers this
        // process owns), and returns here with every other register preserved.
        unsafe {
            asm!(
                "svc #{number}",
                number = const $number,
                inout("x0") $a => x0,
                inout("x1") $b => x1,
                in("x2") $c,
                options(nostack)
            )
        };
        (x0, x1)
    }};
}

fn status(code: u64) -> Status {
    Status::from_code(code).unwrap_or(Status::BadArgument)
}

/// A refusal of the kernel as the WIT `error` the component sees. The kernel's own codes
/// (a bad pointer or argument: the host's bug, not the component's) become `denied`.
pub fn call_error(status: Status) -> CallError {
    match status {
        Status::BadHandle => CallError::BadHandle,
        Status::WrongKind => CallError::WrongKind,
        Status::TooLarge => CallError::TooLarge,
        Status::OutOfBounds => CallError::OutOfBounds,
        Status::Unaligned => CallError::Unaligned,
        Status::WouldBlock => CallError::WouldBlock,
        _ => CallError::Denied,
    }
}

fn text_arguments(text: &str) -> (u64, u64) {
    (text.as_ptr() as u64, text.len() as u64)
}

/// Every task has finished: the process ends.
pub fn exit() -> ! {
    loop {
        let _ = svc!(call::EXIT, 0u64, 0u64, 0u64);
    }
}

/// The component faulted (`text` says how): the process ends.
pub fn fault(text: &str) -> ! {
    let (ptr, len) = text_arguments(text);
    loop {
        let _ = svc!(call::FAULT, ptr, len, 0u64);
    }
}

/// Mount failed (`text` says why): the process ends.
pub fn mount_failed(text: &str) -> ! {
    let (ptr, len) = text_arguments(text);
    loop {
        let _ = svc!(call::MOUNT_FAILED, ptr, len, 0u64);
    }
}

/// Mount succeeded: `tasks` tasks, `denied` interfaces imported without a capability.
pub fn mounted(tasks: u64, denied: u64) {
    let _ = svc!(call::MOUNTED, tasks, denied, 0u64);
}

/// A runtime event line of kind `kind` (see `call::EVENT`).
pub fn event(kind: u64, text: &str) {
    let (ptr, len) = text_arguments(text);
    let _ = svc!(call::EVENT, kind, ptr, len);
}

/// One console line at `level` (0 debug … 3 error); `Err((WouldBlock, ticks))` when the
/// kernel dropped it over the component's log budget (the next line is allowed in `ticks`).
pub fn log(level: u64, text: &str) -> Result<(), (Status, u64)> {
    let (ptr, len) = text_arguments(text);
    match svc!(call::LOG, level, ptr, len) {
        (0, _) => Ok(()),
        (code, wait) => Err((status(code), wait)),
    }
}

/// Microseconds since boot (`time.now-us`; the kernel checks the `timer` capability).
pub fn now_us() -> Result<u64, Status> {
    value(svc!(call::NOW_US, 0u64, 0u64, 0u64))
}

/// The handle of the capability `name` in the kernel's table for this process.
pub fn lookup(name: &str) -> Result<u32, Status> {
    let (ptr, len) = text_arguments(name);
    value::<u32>(svc!(call::LOOKUP, ptr, len, 0u64))
}

/// A call's `x1` result when `x0` says it succeeded; a value that does not fit `T` is the
/// kernel's error, reported as `BadArgument`.
fn value<T: TryFrom<u64>>((code, x1): (u64, u64)) -> Result<T, Status> {
    match code {
        0 => T::try_from(x1).map_err(|_| Status::BadArgument),
        code => Err(status(code)),
    }
}

/// A line was dropped over the component's log budget (the kernel counts it).
pub fn log_dropped() {
    let _ = svc!(call::LOG_DROPPED, 0u64, 0u64, 0u64);
}

/// Copies `message` into the queue `handle` sends on.
pub fn send(handle: u32, message: &[u8]) -> Status {
    let (x0, _) = svc!(
        call::SEND,
        u64::from(handle),
        message.as_ptr() as u64,
        message.len() as u64
    );
    status(x0)
}

/// The length of the oldest message of the queue `handle` receives from.
pub fn front_len(handle: u32) -> Result<usize, Status> {
    value(svc!(call::FRONT_LEN, u64::from(handle), 0u64, 0u64))
}

/// Moves the oldest message of the queue `handle` receives from into `target` (exactly its
/// length).
pub fn receive(handle: u32, target: &mut [u8]) -> Status {
    let (x0, _) = svc!(
        call::RECEIVE,
        u64::from(handle),
        target.as_mut_ptr() as u64,
        target.len() as u64
    );
    status(x0)
}

/// How many times the interrupt `handle` names fired since its last acknowledgement.
pub fn interrupt_count(handle: u32) -> Result<u32, Status> {
    value(svc!(call::INTERRUPT_COUNT, u64::from(handle), 0u64, 0u64))
}

/// Acknowledges the interrupt `handle` names: the kernel unmasks its line.
pub fn interrupt_ack(handle: u32) -> Status {
    status(svc!(call::INTERRUPT_ACK, u64::from(handle), 0u64, 0u64).0)
}

/// Moves typed console bytes into `into`; how many (`WouldBlock`: none).
pub fn console_read(into: &mut [u8]) -> Result<usize, Status> {
    value(svc!(
        call::CONSOLE_READ,
        into.as_mut_ptr() as u64,
        into.len() as u64,
        0u64
    ))
}

/// The kernel's report on `topic` into `into` (as much as fits); its whole length.
pub fn system_info(topic: u64, into: &mut [u8]) -> Result<usize, Status> {
    value(svc!(
        call::SYSTEM_INFO,
        topic,
        into.as_mut_ptr() as u64,
        into.len() as u64
    ))
}

/// Lets the other ready processes run (a task yielded). `fuel`: what the component's tasks
/// have spent so far (the kernel's `tasks` report).
pub fn yield_now(fuel: u64) {
    let _ = svc!(call::YIELD, fuel, 0u64, 0u64);
}

/// Sleeps until one of `waits` may succeed or the counter reaches `deadline`; a bit per wait
/// word that may now succeed. `fuel` as for [`yield_now`].
pub fn wait(waits: &[u32], deadline: u64, fuel: u64) -> Result<u64, Status> {
    value(svc!(
        call::WAIT,
        waits.as_ptr() as u64,
        waits.len() as u64,
        deadline,
        fuel
    ))
}

/// Fault injection: the raw calls, with arguments as they come.
#[cfg(feature = "fault-injection")]
pub fn log_raw(level: u64, ptr: u64, len: u64) -> Status {
    status(svc!(call::LOG, level, ptr, len).0)
}

#[cfg(feature = "fault-injection")]
pub fn lookup_raw(ptr: u64, len: u64) -> Status {
    match value::<u32>(svc!(call::LOOKUP, ptr, len, 0u64)) {
        Ok(_) => Status::Ok,
        Err(status) => status,
    }
}

#[cfg(feature = "fault-injection")]
pub fn send_raw(handle: u64, ptr: u64, len: u64) -> Status {
    status(svc!(call::SEND, handle, ptr, len).0)
}

#[cfg(feature = "fault-injection")]
pub fn wait_raw(ptr: u64, count: u64, deadline: u64) -> Status {
    status(svc!(call::WAIT, ptr, count, deadline).0)
}

/// A call number the kernel does not know.
#[cfg(feature = "fault-injection")]
pub fn unknown() -> Status {
    status(svc!(999, 0u64, 0u64, 0u64).0)
}
