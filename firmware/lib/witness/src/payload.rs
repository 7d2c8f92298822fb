//! Payloads: the bounded byte buffer every entry carries, and the typed payloads the kernel
//! records (attestation, capability grant, task event) with their fixed little-endian layouts.

use core::fmt;
use core::ops::Deref;

use crate::hash::check_payload_len;
use crate::{Hash32, HexBytes, WitnessError, WitnessKind};

/// Largest payload of one entry, in bytes (384 hex digits in the dump).
pub const MAX_PAYLOAD: usize = 192;

/// An entry's payload: at most [`MAX_PAYLOAD`] bytes, stored inline so the log never allocates
/// after it is created.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PayloadBuf {
    len: u8,
    bytes: [u8; MAX_PAYLOAD],
}

// `len` is a u8: the bound must fit.
const _: () = assert!(MAX_PAYLOAD <= u8::MAX as usize);

impl PayloadBuf {
    /// The empty payload.
    pub const EMPTY: Self = Self {
        len: 0,
        bytes: [0; MAX_PAYLOAD],
    };

    /// A copy of `bytes`, or [`WitnessError::PayloadTooLong`].
    pub fn new(bytes: &[u8]) -> Result<Self, WitnessError> {
        check_payload_len(bytes)?;
        let mut buf = Self::EMPTY;
        let len = u8::try_from(bytes.len()).map_err(|_| WitnessError::PayloadTooLong {
            len: bytes.len(),
            max: MAX_PAYLOAD,
        })?;
        let dest = buf
            .bytes
            .get_mut(..bytes.len())
            .ok_or(WitnessError::PayloadTooLong {
                len: bytes.len(),
                max: MAX_PAYLOAD,
            })?;
        dest.copy_from_slice(bytes);
        buf.len = len;
        Ok(buf)
    }

    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl Deref for PayloadBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for PayloadBuf {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for PayloadBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PayloadBuf({})", HexBytes(self.as_bytes()))
    }
}

/// Why a payload does not decode as the type its kind promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// A fixed-layout payload of the wrong length.
    Length {
        /// Which payload type.
        payload: &'static str,
        /// Its length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// Shorter than the fixed part of a variable-length payload.
    TooShort {
        /// Which payload type.
        payload: &'static str,
        /// The fixed part's length.
        min: usize,
        /// The length found.
        found: usize,
    },
    /// A name longer than its bound.
    NameTooLong {
        /// The name's length in bytes.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A name that is not UTF-8.
    NameNotUtf8,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length {
                payload,
                expected,
                found,
            } => write!(
                f,
                "{payload} payload must be {expected} bytes long, found {found}"
            ),
            Self::TooShort {
                payload,
                min,
                found,
            } => write!(
                f,
                "{payload} payload must be at least {min} bytes long, found {found}"
            ),
            Self::NameTooLong { len, max } => {
                write!(f, "name of {len} bytes is longer than the {max} allowed")
            }
            Self::NameNotUtf8 => f.write_str("name is not UTF-8"),
        }
    }
}

impl core::error::Error for PayloadError {}

/// Little-endian reader over a payload whose length was checked first.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        if let Some((head, rest)) = self.0.split_at_checked(N) {
            out.copy_from_slice(head);
            self.0 = rest;
        }
        out
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }

    fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// Checks a fixed-layout payload's length.
fn expect_len(payload: &'static str, bytes: &[u8], expected: usize) -> Result<(), PayloadError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(PayloadError::Length {
            payload,
            expected,
            found: bytes.len(),
        })
    }
}

/// Length of an [`Attestation`] payload.
pub const ATTESTATION_LEN: usize = 112;

/// The stage-4 boot attestation.
///
/// Layout (112 bytes): package SHA-256 (32) ‖ capability-table SHA-256 (32) ‖ region-layout
/// SHA-256 (32) ‖ platform id u64 LE ‖ boot ticks u64 LE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// SHA-256 of the whole RVF package as loaded.
    pub package_sha256: Hash32,
    /// SHA-256 of the capability tables after stage 3.
    pub capability_table_sha256: Hash32,
    /// SHA-256 of the region layout (what is mapped where, with which attributes).
    pub region_layout_sha256: Hash32,
    /// Which platform booted; see [`platform_id`].
    pub platform_id: u64,
    /// Generic-timer count when stage 4 ran (also the entry's timestamp; kept here so the
    /// payload stands alone).
    pub boot_ticks: u64,
}

/// A platform id: board revision code in the high 32 bits, `MIDR_EL1` (implementer, variant,
/// part number, revision of the boot core) in the low 32 bits.
pub const fn platform_id(board_revision: u32, midr_el1: u32) -> u64 {
    ((board_revision as u64) << 32) | midr_el1 as u64
}

impl Attestation {
    /// The payload bytes.
    pub fn encode(&self) -> [u8; ATTESTATION_LEN] {
        let mut out = [0; ATTESTATION_LEN];
        let fields: [&[u8]; 5] = [
            &self.package_sha256,
            &self.capability_table_sha256,
            &self.region_layout_sha256,
            &self.platform_id.to_le_bytes(),
            &self.boot_ticks.to_le_bytes(),
        ];
        let mut at = 0;
        for field in fields {
            if let Some(dest) = out.get_mut(at..at + field.len()) {
                dest.copy_from_slice(field);
            }
            at += field.len();
        }
        out
    }

    /// Decodes the payload of an [`WitnessKind::Attestation`] entry.
    pub fn decode(bytes: &[u8]) -> Result<Self, PayloadError> {
        expect_len("attestation", bytes, ATTESTATION_LEN)?;
        let mut r = Reader(bytes);
        Ok(Self {
            package_sha256: r.take(),
            capability_table_sha256: r.take(),
            region_layout_sha256: r.take(),
            platform_id: r.u64(),
            boot_ticks: r.u64(),
        })
    }
}

impl fmt::Display for Attestation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "package={} capability-table={} region-layout={} platform={:#018x} boot-ticks={}",
            HexBytes(&self.package_sha256),
            HexBytes(&self.capability_table_sha256),
            HexBytes(&self.region_layout_sha256),
            self.platform_id,
            self.boot_ticks
        )
    }
}

/// Longest name in a [`CapabilityGrant`], in bytes.
pub const MAX_GRANT_NAME: usize = 64;

/// Length of a [`CapabilityGrant`] payload without its name.
pub const GRANT_FIXED_LEN: usize = 13;

/// One capability granted to a component in stage 3.
///
/// Layout (13 + n bytes): component u16 LE ‖ handle u32 LE ‖ object kind u16 LE ‖ rights u32 LE
/// ‖ name length n u8 ‖ name (n bytes of UTF-8, n ≤ 64).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CapabilityGrant {
    /// The component's index in the manifest.
    pub component: u16,
    /// The handle in the component's capability table.
    pub handle: u32,
    /// What kind of object the capability names (the kernel's own numbering).
    pub object_kind: u16,
    /// The rights granted (the kernel's own bits).
    pub rights: u32,
    name_len: u8,
    name: [u8; MAX_GRANT_NAME],
}

const _: () = assert!(MAX_GRANT_NAME <= u8::MAX as usize);
const _: () = assert!(GRANT_FIXED_LEN + MAX_GRANT_NAME <= MAX_PAYLOAD);

impl CapabilityGrant {
    /// A grant record; `name` (the object's name, e.g. a region or queue port) is at most
    /// [`MAX_GRANT_NAME`] bytes.
    pub fn new(
        component: u16,
        handle: u32,
        object_kind: u16,
        rights: u32,
        name: &str,
    ) -> Result<Self, PayloadError> {
        let too_long = PayloadError::NameTooLong {
            len: name.len(),
            max: MAX_GRANT_NAME,
        };
        let name_len = u8::try_from(name.len()).map_err(|_| too_long)?;
        let mut stored = [0; MAX_GRANT_NAME];
        stored
            .get_mut(..name.len())
            .ok_or(too_long)?
            .copy_from_slice(name.as_bytes());
        Ok(Self {
            component,
            handle,
            object_kind,
            rights,
            name_len,
            name: stored,
        })
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        let bytes = self.name.get(..usize::from(self.name_len)).unwrap_or(&[]);
        // Only ever filled from a `&str` or checked UTF-8.
        core::str::from_utf8(bytes).unwrap_or("")
    }

    /// The payload bytes.
    pub fn encode(&self) -> PayloadBuf {
        let mut buf = PayloadBuf::EMPTY;
        let name = self.name().as_bytes();
        let mut at = 0;
        let fields: [&[u8]; 6] = [
            &self.component.to_le_bytes(),
            &self.handle.to_le_bytes(),
            &self.object_kind.to_le_bytes(),
            &self.rights.to_le_bytes(),
            &[self.name_len],
            name,
        ];
        for field in fields {
            if let Some(dest) = buf.bytes.get_mut(at..at + field.len()) {
                dest.copy_from_slice(field);
            }
            at += field.len();
        }
        // At most GRANT_FIXED_LEN + MAX_GRANT_NAME ≤ MAX_PAYLOAD (checked above at compile time).
        buf.len = u8::try_from(at).unwrap_or(0);
        buf
    }

    /// Decodes the payload of a [`WitnessKind::CapabilityGrant`] entry.
    pub fn decode(bytes: &[u8]) -> Result<Self, PayloadError> {
        if bytes.len() < GRANT_FIXED_LEN {
            return Err(PayloadError::TooShort {
                payload: "capability-grant",
                min: GRANT_FIXED_LEN,
                found: bytes.len(),
            });
        }
        let mut r = Reader(bytes);
        let component = r.u16();
        let handle = r.u32();
        let object_kind = r.u16();
        let rights = r.u32();
        let [name_len] = r.take::<1>();
        expect_len(
            "capability-grant",
            bytes,
            GRANT_FIXED_LEN + usize::from(name_len),
        )?;
        let name = core::str::from_utf8(r.rest()).map_err(|_| PayloadError::NameNotUtf8)?;
        Self::new(component, handle, object_kind, rights, name)
    }
}

impl fmt::Debug for CapabilityGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapabilityGrant")
            .field("component", &self.component)
            .field("handle", &self.handle)
            .field("object_kind", &self.object_kind)
            .field("rights", &self.rights)
            .field("name", &self.name())
            .finish()
    }
}

impl fmt::Display for CapabilityGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "component={} handle={} object-kind={} rights={:#x} name={:?}",
            self.component,
            self.handle,
            self.object_kind,
            self.rights,
            self.name()
        )
    }
}

/// Length of a [`TaskEvent`] payload.
pub const TASK_EVENT_LEN: usize = 12;

/// A task fault, restart or stop.
///
/// Layout (12 bytes): component u16 LE ‖ entry point u16 LE ‖ reason code u32 LE ‖ restart
/// count u32 LE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskEvent {
    /// The component's index in the manifest.
    pub component: u16,
    /// The entry point's index within the component.
    pub entry: u16,
    /// Why (the kernel's own codes, e.g. the wasm trap code).
    pub reason: u32,
    /// Restarts so far, this one included for a restart.
    pub restart_count: u32,
}

impl TaskEvent {
    /// The payload bytes.
    pub fn encode(&self) -> [u8; TASK_EVENT_LEN] {
        let mut out = [0; TASK_EVENT_LEN];
        let (component, rest) = out.split_at_mut(2);
        component.copy_from_slice(&self.component.to_le_bytes());
        let (entry, rest) = rest.split_at_mut(2);
        entry.copy_from_slice(&self.entry.to_le_bytes());
        let (reason, restarts) = rest.split_at_mut(4);
        reason.copy_from_slice(&self.reason.to_le_bytes());
        restarts.copy_from_slice(&self.restart_count.to_le_bytes());
        out
    }

    /// Decodes the payload of a task-fault, task-restart or task-stopped entry.
    pub fn decode(bytes: &[u8]) -> Result<Self, PayloadError> {
        expect_len("task-event", bytes, TASK_EVENT_LEN)?;
        let mut r = Reader(bytes);
        Ok(Self {
            component: r.u16(),
            entry: r.u16(),
            reason: r.u32(),
            restart_count: r.u32(),
        })
    }
}

impl fmt::Display for TaskEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "component={} entry={} reason={:#x} restarts={}",
            self.component, self.entry, self.reason, self.restart_count
        )
    }
}

/// A payload decoded as its kind says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodedPayload<'a> {
    /// Of an attestation entry.
    Attestation(Attestation),
    /// Of a capability-grant entry.
    CapabilityGrant(CapabilityGrant),
    /// Of a task-fault, task-restart or task-stopped entry.
    Task(TaskEvent),
    /// Of any other kind: the bytes as they are.
    Raw(&'a [u8]),
}

/// Decodes `payload` as `kind` prescribes (raw bytes for kinds without a typed layout).
pub fn decode_payload(
    kind: WitnessKind,
    payload: &[u8],
) -> Result<DecodedPayload<'_>, PayloadError> {
    Ok(match kind.normalized() {
        WitnessKind::Attestation => DecodedPayload::Attestation(Attestation::decode(payload)?),
        WitnessKind::CapabilityGrant => {
            DecodedPayload::CapabilityGrant(CapabilityGrant::decode(payload)?)
        }
        WitnessKind::TaskFault | WitnessKind::TaskRestart | WitnessKind::TaskStopped => {
            DecodedPayload::Task(TaskEvent::decode(payload)?)
        }
        WitnessKind::Boot | WitnessKind::Sec001Drop | WitnessKind::Other(_) => {
            DecodedPayload::Raw(payload)
        }
    })
}

impl fmt::Display for DecodedPayload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attestation(a) => a.fmt(f),
            Self::CapabilityGrant(g) => g.fmt(f),
            Self::Task(t) => t.fmt(f),
            Self::Raw([]) => f.write_str("-"),
            Self::Raw(bytes) => HexBytes(bytes).fmt(f),
        }
    }
}
