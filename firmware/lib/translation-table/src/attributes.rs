//! Memory attributes of a mapping and their encoding in leaf descriptors.

use core::fmt;

use crate::descriptor::{
    AF, AP_EL0, AP_READ_ONLY, ATTR_INDEX_MASK, ATTR_INDEX_SHIFT, NG, PXN, SH_INNER, SH_OUTER, UXN,
};

/// Memory type of a mapping; each is one fixed `MAIR_EL1` attribute index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryKind {
    /// Normal memory, inner + outer write-back read/write-allocate (RAM).
    Normal,
    /// Normal memory, inner + outer non-cacheable (buffers shared with non-coherent agents).
    NormalNonCacheable,
    /// Device-nGnRE (MMIO).
    Device,
}

impl MemoryKind {
    /// The `AttrIndx` this kind uses, i.e. its byte in [`crate::MAIR_EL1_VALUE`].
    pub const fn attr_index(self) -> u64 {
        match self {
            Self::Device => 0,
            Self::Normal => 1,
            Self::NormalNonCacheable => 2,
        }
    }

    /// The kind for an `AttrIndx`; `None` for indices [`crate::MAIR_EL1_VALUE`] leaves unused.
    pub const fn from_attr_index(index: u64) -> Option<Self> {
        match index {
            0 => Some(Self::Device),
            1 => Some(Self::Normal),
            2 => Some(Self::NormalNonCacheable),
            _ => None,
        }
    }
}

impl fmt::Display for MemoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Normal => "normal",
            Self::NormalNonCacheable => "normal-nc",
            Self::Device => "device",
        })
    }
}

/// What EL1 may do with a mapping's data (EL0 never has access).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads only (AP\[2\] = 1).
    ReadOnly,
    /// Reads and writes (AP\[2\] = 0).
    ReadWrite,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ReadOnly => "RO",
            Self::ReadWrite => "RW",
        })
    }
}

/// Attributes of a mapping. Displays compactly, e.g. `normal RW XN`, `normal RO X`,
/// `device RW XN`, and `user normal RO X` for an EL0 mapping.
///
/// A kernel mapping (`user == false`) is EL1-only: EL0 has no access, `executable` means EL1
/// may execute it, and it is global. A user mapping (`user == true`) gives EL0 and EL1 the same
/// `access`; `executable` means **EL0** may execute it — EL1 never may (PXN), so a user page is
/// never kernel code and a kernel page never user code; it is not global (nG), so its TLB
/// entries belong to the ASID of the address space that maps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Memory type.
    pub memory: MemoryKind,
    /// Read-only or read-write.
    pub access: Access,
    /// Whether it is executable: by EL1 for a kernel mapping, by EL0 for a user one.
    pub executable: bool,
    /// Whether EL0 may access it (a process's mapping).
    pub user: bool,
}

/// Why [`Attributes`] cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeError {
    /// Device memory must never be executable (speculative fetches would touch MMIO).
    ExecutableDevice,
}

impl fmt::Display for AttributeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExecutableDevice => f.write_str("device memory cannot be executable"),
        }
    }
}

impl Attributes {
    /// Data: normal, read-write, never executable.
    pub const NORMAL_RW: Self = Self::new(MemoryKind::Normal, Access::ReadWrite, false);
    /// Read-only data: normal, read-only, never executable.
    pub const NORMAL_RO: Self = Self::new(MemoryKind::Normal, Access::ReadOnly, false);
    /// Code: normal, read-only, executable.
    pub const NORMAL_RX: Self = Self::new(MemoryKind::Normal, Access::ReadOnly, true);
    /// Uncached buffers: normal non-cacheable, read-write, never executable.
    pub const NORMAL_NC_RW: Self =
        Self::new(MemoryKind::NormalNonCacheable, Access::ReadWrite, false);
    /// MMIO: device, read-write, never executable.
    pub const DEVICE_RW: Self = Self::new(MemoryKind::Device, Access::ReadWrite, false);
    /// A process's code: normal, read-only, executable at EL0 only.
    pub const USER_RX: Self = Self::user(MemoryKind::Normal, Access::ReadOnly, true);
    /// A process's read-only data: normal, read-only, never executable.
    pub const USER_RO: Self = Self::user(MemoryKind::Normal, Access::ReadOnly, false);
    /// A process's data: normal, read-write, never executable.
    pub const USER_RW: Self = Self::user(MemoryKind::Normal, Access::ReadWrite, false);

    /// Kernel (EL1-only) attributes from their parts (checked when encoded).
    pub const fn new(memory: MemoryKind, access: Access, executable: bool) -> Self {
        Self {
            memory,
            access,
            executable,
            user: false,
        }
    }

    /// User (EL0) attributes from their parts (checked when encoded).
    pub const fn user(memory: MemoryKind, access: Access, executable: bool) -> Self {
        Self {
            memory,
            access,
            executable,
            user: true,
        }
    }

    /// The attribute bits of a leaf descriptor (AttrIndx, AP, SH, AF, nG, PXN, UXN); the
    /// caller adds the valid/type bits and the output address.
    pub const fn encode(self) -> Result<u64, AttributeError> {
        if self.executable && matches!(self.memory, MemoryKind::Device) {
            return Err(AttributeError::ExecutableDevice);
        }
        let mut bits = AF | (self.memory.attr_index() << ATTR_INDEX_SHIFT);
        bits |= match self.memory {
            // SH is ignored for Device memory, which is always outer shareable; say so.
            MemoryKind::Device => SH_OUTER,
            MemoryKind::Normal | MemoryKind::NormalNonCacheable => SH_INNER,
        };
        if matches!(self.access, Access::ReadOnly) {
            bits |= AP_READ_ONLY;
        }
        // Who may execute it: EL1 for a kernel mapping, EL0 for a user one, never both.
        let (own_xn, other_xn) = if self.user { (UXN, PXN) } else { (PXN, UXN) };
        bits |= other_xn;
        if !self.executable {
            bits |= own_xn;
        }
        if self.user {
            bits |= AP_EL0 | NG;
        }
        Ok(bits)
    }

    /// The attributes of a leaf descriptor; `None` for encodings this crate never writes
    /// (an unused `AttrIndx`, an EL0 mapping that EL1 may execute or that is global, a kernel
    /// mapping EL0 may execute).
    pub const fn decode(descriptor: u64) -> Option<Self> {
        let user = descriptor & AP_EL0 != 0;
        if user && (descriptor & PXN == 0 || descriptor & NG == 0) {
            return None;
        }
        if !user && descriptor & UXN == 0 {
            return None;
        }
        let memory =
            match MemoryKind::from_attr_index((descriptor & ATTR_INDEX_MASK) >> ATTR_INDEX_SHIFT) {
                Some(memory) => memory,
                None => return None,
            };
        let access = if descriptor & AP_READ_ONLY != 0 {
            Access::ReadOnly
        } else {
            Access::ReadWrite
        };
        if user {
            Some(Self::user(memory, access, descriptor & UXN == 0))
        } else {
            Some(Self::new(memory, access, descriptor & PXN == 0))
        }
    }
}

impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exec = if self.executable { "X" } else { "XN" };
        let user = if self.user { "user " } else { "" };
        write!(f, "{user}{} {} {}", self.memory, self.access, exec)
    }
}
