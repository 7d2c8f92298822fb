//! The canonical ABI of the host interface, for exactly the WIT types it uses.
//!
//! Every import of `components/wit/host.wit` returns its `result` through a *return area*: the
//! guest passes a pointer as the last argument (the flattened results need more than one core
//! value) and the host stores the result there. The layouts (discriminant byte, payload at its
//! aligned offset):
//!
//! | WIT type | size | align | layout |
//! | --- | --- | --- | --- |
//! | `result<_, error>` | 2 | 1 | `0` / `1, error` |
//! | `result<u32, error>` | 8 | 4 | `0, pad, value: u32 @4` / `1, pad, error @4` |
//! | `result<list<u8>, error>` | 12 | 4 | `0, pad, ptr: u32 @4, len: u32 @8` / `1, pad, error @4` |
//! | `result<u64, error>` | 16 | 8 | `0, pad, value: u64 @8` / `1, pad, error @8` |
//!
//! Arguments: a `string` or `list<u8>` is a (pointer, length) pair into guest memory, an `enum`
//! an `i32` discriminant, a handle an `i32`. A list handed *to* the guest lives in memory the
//! host gets from the guest's `cabi_realloc(0, 0, 1, len)`.
//!
//! As the canonical ABI prescribes, a bad pointer (out of bounds, misaligned return area),
//! invalid UTF-8 or an enum discriminant out of range is a bug in the guest: a [`GuestFault`],
//! which traps the calling task. An `error` value is the host refusing the call.
//!
//! The functions here work on the guest's memory as a byte slice, so they are tested without
//! an interpreter.

use alloc::string::String;
use core::fmt;
use core::ops::Range;

use ruvix_caps::CapError;

use crate::platform::LogLevel;

/// Why a host call was refused: the WIT `error` enum. The discriminant is its canonical-ABI
/// value (its position in the WIT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CallError {
    /// The handle is not in the caller's capability table.
    BadHandle = 0,
    /// The handle names a capability of another kind (or, for `regions.read`/`write`, an MMIO
    /// region, which takes only 32-bit accesses).
    WrongKind = 1,
    /// The caller lacks the right, or the grant.
    Denied = 2,
    /// Offset or offset + length outside the region.
    OutOfBounds = 3,
    /// A message longer than the queue's message size.
    TooLarge = 4,
    /// A non-blocking call that could not complete now.
    WouldBlock = 5,
    /// A 32-bit access at an offset that is not a multiple of 4.
    Unaligned = 6,
}

impl CallError {
    /// Every error, in WIT order.
    pub const ALL: [CallError; 7] = [
        CallError::BadHandle,
        CallError::WrongKind,
        CallError::Denied,
        CallError::OutOfBounds,
        CallError::TooLarge,
        CallError::WouldBlock,
        CallError::Unaligned,
    ];

    /// The canonical-ABI discriminant.
    pub const fn discriminant(self) -> u8 {
        self as u8
    }

    /// The error with discriminant `value`, if there is one.
    pub fn from_discriminant(value: u8) -> Option<CallError> {
        CallError::ALL.get(usize::from(value)).copied()
    }

    /// The WIT name (`bad-handle`, `would-block`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            CallError::BadHandle => "bad-handle",
            CallError::WrongKind => "wrong-kind",
            CallError::Denied => "denied",
            CallError::OutOfBounds => "out-of-bounds",
            CallError::TooLarge => "too-large",
            CallError::WouldBlock => "would-block",
            CallError::Unaligned => "unaligned",
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<CapError> for CallError {
    /// A refused capability check as the guest sees it. Only the three check errors can come
    /// from a host call; anything else is a refusal too.
    fn from(error: CapError) -> CallError {
        match error {
            CapError::BadHandle { .. } => CallError::BadHandle,
            CapError::WrongKind { .. } => CallError::WrongKind,
            _ => CallError::Denied,
        }
    }
}

/// The canonical layout of one `result<T, error>` in a return area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultLayout {
    /// Size in bytes.
    pub size: u32,
    /// Alignment in bytes (the return-area pointer must be a multiple).
    pub align: u32,
    /// Offset of the payload (the `ok` value or the `error`).
    pub payload: u32,
}

/// `result<_, error>`.
pub const RESULT_UNIT: ResultLayout = ResultLayout {
    size: 2,
    align: 1,
    payload: 1,
};
/// `result<u32, error>` (also `result<handle, error>`).
pub const RESULT_U32: ResultLayout = ResultLayout {
    size: 8,
    align: 4,
    payload: 4,
};
/// `result<list<u8>, error>`.
pub const RESULT_LIST: ResultLayout = ResultLayout {
    size: 12,
    align: 4,
    payload: 4,
};
/// `result<u64, error>`.
pub const RESULT_U64: ResultLayout = ResultLayout {
    size: 16,
    align: 8,
    payload: 8,
};

/// A host call the guest got wrong at the ABI level: the task traps (canonical ABI), it is not
/// an `error` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestFault {
    /// A pointer and length outside the guest's linear memory.
    OutOfBounds {
        /// What the pointer was for.
        what: &'static str,
        /// The pointer.
        ptr: u32,
        /// The length in bytes.
        len: u32,
        /// Size of the guest's memory in bytes.
        memory: usize,
    },
    /// A pointer not aligned as its type needs.
    Misaligned {
        /// What the pointer was for.
        what: &'static str,
        /// The pointer.
        ptr: u32,
        /// The alignment needed.
        align: u32,
    },
    /// A `string` that is not UTF-8.
    InvalidUtf8 {
        /// What the string was for.
        what: &'static str,
    },
    /// An `enum` discriminant out of range.
    InvalidEnum {
        /// Which enum.
        what: &'static str,
        /// The value passed.
        value: u32,
    },
    /// The guest's `cabi_realloc` trapped or failed while the host handed it a list.
    Realloc {
        /// What went wrong.
        reason: String,
    },
    /// A host call made from inside `cabi_realloc` (which the host calls while handing over a
    /// list): not allowed, it could change what is being delivered.
    Reentrant {
        /// The function called.
        function: &'static str,
    },
    /// The runtime could not reach its own state for this call (an internal error; the task
    /// is stopped rather than the kernel).
    Internal {
        /// What was missing.
        what: &'static str,
    },
}

impl fmt::Display for GuestFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestFault::OutOfBounds {
                what,
                ptr,
                len,
                memory,
            } => write!(
                f,
                "{what} at {ptr:#x} ({len} bytes) lies outside the guest's {memory}-byte memory"
            ),
            GuestFault::Misaligned { what, ptr, align } => {
                write!(f, "{what} at {ptr:#x} is not {align}-byte aligned")
            }
            GuestFault::InvalidUtf8 { what } => write!(f, "{what} is not valid UTF-8"),
            GuestFault::InvalidEnum { what, value } => {
                write!(f, "{value} is not a valid {what}")
            }
            GuestFault::Realloc { reason } => write!(f, "cabi_realloc failed: {reason}"),
            GuestFault::Reentrant { function } => write!(
                f,
                "{function} called from inside cabi_realloc (host calls are not re-entrant)"
            ),
            GuestFault::Internal { what } => write!(f, "internal runtime error: {what}"),
        }
    }
}

/// The byte range `ptr .. ptr + len` of a guest memory of `memory` bytes, if it lies inside and
/// `ptr` is a multiple of `align` (a power of two).
pub fn guest_range(
    memory: usize,
    what: &'static str,
    ptr: u32,
    len: u32,
    align: u32,
) -> Result<Range<usize>, GuestFault> {
    if align > 1 && !ptr.is_multiple_of(align) {
        return Err(GuestFault::Misaligned { what, ptr, align });
    }
    let out_of_bounds = GuestFault::OutOfBounds {
        what,
        ptr,
        len,
        memory,
    };
    let start = usize::try_from(ptr).map_err(|_| out_of_bounds.clone())?;
    let length = usize::try_from(len).map_err(|_| out_of_bounds.clone())?;
    match start.checked_add(length) {
        Some(end) if end <= memory => Ok(start..end),
        _ => Err(out_of_bounds),
    }
}

/// The `len` bytes at `ptr` (a `list<u8>` argument).
pub fn load<'m>(
    memory: &'m [u8],
    what: &'static str,
    ptr: u32,
    len: u32,
) -> Result<&'m [u8], GuestFault> {
    let range = guest_range(memory.len(), what, ptr, len, 1)?;
    memory.get(range).ok_or(GuestFault::Internal {
        what: "checked range not in memory",
    })
}

/// The UTF-8 string of `len` bytes at `ptr` (a `string` argument).
pub fn load_str<'m>(
    memory: &'m [u8],
    what: &'static str,
    ptr: u32,
    len: u32,
) -> Result<&'m str, GuestFault> {
    core::str::from_utf8(load(memory, what, ptr, len)?)
        .map_err(|_| GuestFault::InvalidUtf8 { what })
}

/// A `log.level` argument.
pub fn lift_level(value: u32) -> Result<LogLevel, GuestFault> {
    LogLevel::from_discriminant(value).ok_or(GuestFault::InvalidEnum {
        what: "log level",
        value,
    })
}

/// Checks that a return area of `layout` at `ret` lies inside a memory of `memory` bytes and is
/// aligned: done before a call has any effect, so a bad return area traps without a side effect.
pub fn check_return_area(memory: usize, layout: ResultLayout, ret: u32) -> Result<(), GuestFault> {
    guest_range(memory, "return area", ret, layout.size, layout.align).map(|_| ())
}

/// Stores a result of `layout` at `ret`: discriminant 0 and `ok` bytes, or discriminant 1 and
/// the error, at the payload offset.
fn store(
    memory: &mut [u8],
    layout: ResultLayout,
    ret: u32,
    result: Result<&[u8], CallError>,
) -> Result<(), GuestFault> {
    let range = guest_range(memory.len(), "return area", ret, layout.size, layout.align)?;
    let area = memory.get_mut(range).ok_or(GuestFault::Internal {
        what: "checked return area not in memory",
    })?;
    let (discriminant, payload): (u8, &[u8]) = match result {
        Ok(bytes) => (0, bytes),
        Err(error) => (1, &[error.discriminant()]),
    };
    let start = usize::try_from(layout.payload).unwrap_or(usize::MAX);
    let fits = start
        .checked_add(payload.len())
        .is_some_and(|end| end <= area.len());
    match (area.first_mut(), fits) {
        (Some(first), true) => *first = discriminant,
        _ => {
            return Err(GuestFault::Internal {
                what: "result payload larger than its layout",
            });
        }
    }
    if let Some(slot) = area
        .get_mut(start..)
        .and_then(|rest| rest.get_mut(..payload.len()))
    {
        slot.copy_from_slice(payload);
    }
    Ok(())
}

/// Stores the error `error` as a result of `layout` at `ret` (for any `result<T, error>`).
pub fn store_error(
    memory: &mut [u8],
    layout: ResultLayout,
    ret: u32,
    error: CallError,
) -> Result<(), GuestFault> {
    store(memory, layout, ret, Err(error))
}

/// Stores a `result<_, error>` at `ret`.
pub fn store_unit(
    memory: &mut [u8],
    ret: u32,
    result: Result<(), CallError>,
) -> Result<(), GuestFault> {
    store(memory, RESULT_UNIT, ret, result.map(|()| &[][..]))
}

/// Stores a `result<u32, error>` at `ret`.
pub fn store_u32(
    memory: &mut [u8],
    ret: u32,
    result: Result<u32, CallError>,
) -> Result<(), GuestFault> {
    let bytes = result.map(u32::to_le_bytes);
    store(
        memory,
        RESULT_U32,
        ret,
        bytes.as_ref().map(|b| &b[..]).map_err(|e| *e),
    )
}

/// Stores a `result<u64, error>` at `ret`.
pub fn store_u64(
    memory: &mut [u8],
    ret: u32,
    result: Result<u64, CallError>,
) -> Result<(), GuestFault> {
    let bytes = result.map(u64::to_le_bytes);
    store(
        memory,
        RESULT_U64,
        ret,
        bytes.as_ref().map(|b| &b[..]).map_err(|e| *e),
    )
}

/// Stores a `result<list<u8>, error>` at `ret`: the list as its (pointer, length) in guest
/// memory, where the host has already copied the bytes.
pub fn store_list(
    memory: &mut [u8],
    ret: u32,
    result: Result<(u32, u32), CallError>,
) -> Result<(), GuestFault> {
    let bytes = result.map(|(ptr, len)| {
        let mut bytes = [0u8; 8];
        let (first, second) = bytes.split_at_mut(4);
        first.copy_from_slice(&ptr.to_le_bytes());
        second.copy_from_slice(&len.to_le_bytes());
        bytes
    });
    store(
        memory,
        RESULT_LIST,
        ret,
        bytes.as_ref().map(|b| &b[..]).map_err(|e| *e),
    )
}

/// The `i32` bit pattern of a `u32` (how the canonical ABI passes it to a core function).
pub const fn to_i32(value: u32) -> i32 {
    i32::from_ne_bytes(value.to_ne_bytes())
}

/// The `u32` a core `i32` stands for.
pub const fn to_u32(value: i32) -> u32 {
    u32::from_ne_bytes(value.to_ne_bytes())
}

#[cfg(test)]
mod tests;
