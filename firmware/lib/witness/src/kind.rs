//! What an entry records: the entry kind, its stable 16-bit code and its name in the dump.

use core::fmt;
use core::hash::{Hash, Hasher};

/// What a witness entry records. The entry hash covers only [`code`](Self::code), so new named
/// kinds can be added later without changing any hash: until then they are `Other(code)`.
///
/// Equality (and hashing) is by code: `Other(1)` *is* [`Attestation`](Self::Attestation).
/// [`WitnessLog::append`](crate::WitnessLog::append) stores the named form.
#[derive(Clone, Copy, Debug)]
pub enum WitnessKind {
    /// The system booted (code 0). Payload: free-form, often empty.
    Boot,
    /// The stage-4 boot attestation (code 1). Payload: [`Attestation`](crate::Attestation).
    Attestation,
    /// A capability granted in stage 3 (code 2). Payload:
    /// [`CapabilityGrant`](crate::CapabilityGrant).
    CapabilityGrant,
    /// A task trapped (code 3). Payload: [`TaskEvent`](crate::TaskEvent).
    TaskFault,
    /// A task was restarted by its restart policy (code 4). Payload:
    /// [`TaskEvent`](crate::TaskEvent).
    TaskRestart,
    /// A task was stopped for good (code 5). Payload: [`TaskEvent`](crate::TaskEvent).
    TaskStopped,
    /// The root dropped to its minimum capability set (SEC-001, code 6). Payload: free-form.
    Sec001Drop,
    /// Any other code; shown as `other-<code>` in the dump.
    Other(u16),
}

/// The named kinds: code and dump name. Codes are part of the hashed encoding: never change one.
const NAMED: [(WitnessKind, &str); 7] = [
    (WitnessKind::Boot, "boot"),
    (WitnessKind::Attestation, "attestation"),
    (WitnessKind::CapabilityGrant, "capability-grant"),
    (WitnessKind::TaskFault, "task-fault"),
    (WitnessKind::TaskRestart, "task-restart"),
    (WitnessKind::TaskStopped, "task-stopped"),
    (WitnessKind::Sec001Drop, "sec001-drop"),
];

/// Prefix of the dump name of an unnamed kind.
const OTHER_PREFIX: &str = "other-";

/// Longest kind name in the dump (`capability-grant`; `other-65535` is shorter).
pub const MAX_KIND_NAME_LEN: usize = 16;

impl WitnessKind {
    /// The stable 16-bit code that the entry hash covers.
    pub const fn code(self) -> u16 {
        match self {
            Self::Boot => 0,
            Self::Attestation => 1,
            Self::CapabilityGrant => 2,
            Self::TaskFault => 3,
            Self::TaskRestart => 4,
            Self::TaskStopped => 5,
            Self::Sec001Drop => 6,
            Self::Other(code) => code,
        }
    }

    /// The kind with `code`: a named one where there is one, else `Other(code)`.
    pub const fn from_code(code: u16) -> Self {
        match code {
            0 => Self::Boot,
            1 => Self::Attestation,
            2 => Self::CapabilityGrant,
            3 => Self::TaskFault,
            4 => Self::TaskRestart,
            5 => Self::TaskStopped,
            6 => Self::Sec001Drop,
            other => Self::Other(other),
        }
    }

    /// The named form of this kind (`Other(1)` becomes `Attestation`).
    pub const fn normalized(self) -> Self {
        Self::from_code(self.code())
    }

    /// The dump name of a named kind; `None` for an unnamed code (shown as `other-<code>`).
    pub fn known_name(self) -> Option<&'static str> {
        let code = self.code();
        NAMED
            .iter()
            .find(|(kind, _)| kind.code() == code)
            .map(|(_, name)| *name)
    }

    /// Parses a dump name. Only the one canonical spelling is accepted: `other-1` is refused
    /// (it is `attestation`), as are leading zeros, so that an edited name never reads as the
    /// same kind.
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some((kind, _)) = NAMED.iter().find(|(_, known)| *known == name) {
            return Some(*kind);
        }
        let digits = name.strip_prefix(OTHER_PREFIX)?;
        let code = crate::verify::parse_canonical_u64(digits.as_bytes())?;
        let code = u16::try_from(code).ok()?;
        match Self::from_code(code) {
            Self::Other(code) => Some(Self::Other(code)),
            _ => None,
        }
    }
}

impl PartialEq for WitnessKind {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for WitnessKind {}

impl Hash for WitnessKind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

/// The dump name: `attestation`, `task-fault`, …, or `other-<code>`.
impl fmt::Display for WitnessKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known_name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{OTHER_PREFIX}{}", self.code()),
        }
    }
}
