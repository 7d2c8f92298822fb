//! [`Rights`]: what a capability allows, as a small bitset.

use core::fmt;
use core::ops::{BitAnd, BitOr};

use ruvix_manifest::Access;

/// A set of rights. There is no *execute* right: nothing a capability names is ever mapped
/// executable (component code runs inside the wasm interpreter).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(u8);

impl Rights {
    /// No rights.
    pub const NONE: Rights = Rights(0);
    /// Read memory or a kernel object (the time, the witness log, the package).
    pub const READ: Rights = Rights(1 << 0);
    /// Write memory or a kernel object (the console log, the witness log).
    pub const WRITE: Rights = Rights(1 << 1);
    /// Derive new capabilities from this one (never more than it holds).
    pub const GRANT: Rights = Rights(1 << 2);
    /// Send on a queue.
    pub const SEND: Rights = Rights(1 << 3);
    /// Receive from a queue.
    pub const RECEIVE: Rights = Rights(1 << 4);
    /// Every right.
    pub const ALL: Rights = Rights(0b1_1111);

    const NAMES: [(Rights, &'static str); 5] = [
        (Rights::READ, "read"),
        (Rights::WRITE, "write"),
        (Rights::GRANT, "grant"),
        (Rights::SEND, "send"),
        (Rights::RECEIVE, "receive"),
    ];

    /// The rights with these bits, or `None` if a bit names no right.
    pub const fn from_bits(bits: u8) -> Option<Rights> {
        if bits & !Rights::ALL.0 == 0 {
            Some(Rights(bits))
        } else {
            None
        }
    }

    /// The bits (stable: they are part of the capability-table encoding).
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Rights in either set.
    pub const fn union(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    /// Rights in both sets.
    pub const fn intersection(self, other: Rights) -> Rights {
        Rights(self.0 & other.0)
    }

    /// `self` without the rights in `other`.
    pub const fn without(self, other: Rights) -> Rights {
        Rights(self.0 & !other.0)
    }

    /// Whether every right in `other` is in `self`.
    pub const fn contains(self, other: Rights) -> bool {
        other.0 & !self.0 == 0
    }

    /// Whether every right in `self` is in `other`.
    pub const fn is_subset_of(self, other: Rights) -> bool {
        other.contains(self)
    }

    /// Whether there are no rights.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rights a manifest access level stands for: `ro` → read, `wo` → write,
    /// `rw` → read + write.
    pub const fn from_access(access: Access) -> Rights {
        match access {
            Access::ReadOnly => Rights::READ,
            Access::WriteOnly => Rights::WRITE,
            Access::ReadWrite => Rights(Rights::READ.0 | Rights::WRITE.0),
        }
    }
}

impl BitOr for Rights {
    type Output = Rights;

    fn bitor(self, other: Rights) -> Rights {
        self.union(other)
    }
}

impl BitAnd for Rights {
    type Output = Rights;

    fn bitand(self, other: Rights) -> Rights {
        self.intersection(other)
    }
}

/// `read+write+grant`, or `none`.
impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut first = true;
        for (right, name) in Rights::NAMES {
            if self.contains(right) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rights({self})")
    }
}
