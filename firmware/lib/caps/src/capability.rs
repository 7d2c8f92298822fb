//! [`Capability`]: an object, the rights held on it, and who it was handed to.
//!
//! Authority comes into being in exactly two ways: [`Capability::mint`], which needs the
//! boot-only [`MintToken`], and derivation from an existing capability holding the grant right,
//! which can only keep or drop rights (and, for memory, narrow the range). A capability is
//! neither `Clone` nor `Copy`: copying one would be deriving without the grant right.
//!
//! One other constructor exists, and it creates no authority: the replica decoder
//! (`ComponentCaps::from_replica`, cargo feature `replica`, which the kernel does not enable).
//! It rebuilds a component's capabilities from the copy the kernel wrote into that component's
//! process, for the component host's own checks. Such a value names objects but reaches none:
//! only the kernel's tables, in kernel memory, authorise a supervisor call, and the kernel never
//! decodes a replica (see the `replica` module).

use crate::error::CapError;
use crate::object::{Badge, MemoryRange, ObjectKind, ObjectRef};
use crate::rights::Rights;
use crate::token::MintToken;

/// An unforgeable reference to a kernel object with a set of rights. See the module docs.
#[derive(Debug, PartialEq, Eq)]
pub struct Capability {
    object: ObjectRef,
    rights: Rights,
    badge: Badge,
}

impl Capability {
    /// A new capability on `object` with `rights`, unbadged. Only boot code holding the
    /// [`MintToken`] can call this. Fails if the kind of object cannot carry `rights`.
    pub fn mint(
        _token: &MintToken,
        object: ObjectRef,
        rights: Rights,
    ) -> Result<Capability, CapError> {
        let kind = object.kind();
        if !rights.is_subset_of(kind.applicable_rights()) {
            return Err(CapError::RightsNotApplicable { kind, rights });
        }
        Ok(Capability {
            object,
            rights,
            badge: Badge::NONE,
        })
    }

    /// A capability exactly as a replica describes it (see the `replica` module), refused like
    /// [`Capability::mint`] if the kind of object cannot carry `rights`. Only the replica
    /// decoder calls this: it is a copy of a capability the kernel holds, not new authority.
    #[cfg(feature = "replica")]
    pub(crate) fn from_replica(
        object: ObjectRef,
        rights: Rights,
        badge: Badge,
    ) -> Result<Capability, CapError> {
        let kind = object.kind();
        if !rights.is_subset_of(kind.applicable_rights()) {
            return Err(CapError::RightsNotApplicable { kind, rights });
        }
        Ok(Capability {
            object,
            rights,
            badge,
        })
    }

    /// The object named.
    pub const fn object(&self) -> ObjectRef {
        self.object
    }

    /// The kind of object named.
    pub const fn kind(&self) -> ObjectKind {
        self.object.kind()
    }

    /// The rights held.
    pub const fn rights(&self) -> Rights {
        self.rights
    }

    /// The badge (who the capability was handed to), [`Badge::NONE`] for the root's.
    pub const fn badge(&self) -> Badge {
        self.badge
    }

    /// Whether this capability holds every right in `needed`.
    pub const fn allows(&self, needed: Rights) -> bool {
        self.rights.contains(needed)
    }

    /// A new capability on the same object with `rights`, which must be a subset of the rights
    /// held; this capability must hold [`Rights::GRANT`]. The badge is kept.
    pub fn derive(&self, rights: Rights) -> Result<Capability, CapError> {
        self.check_derivation(rights)?;
        Ok(Capability {
            object: self.object,
            rights,
            badge: self.badge,
        })
    }

    /// Like [`Capability::derive`], stamping `badge` on the new capability. An unbadged
    /// capability can be badged once; a badged one only keeps its badge.
    pub fn derive_badged(&self, rights: Rights, badge: Badge) -> Result<Capability, CapError> {
        self.check_derivation(rights)?;
        if self.badge != Badge::NONE && self.badge != badge {
            return Err(CapError::BadgeAlreadySet {
                object: self.object,
                badge: self.badge,
            });
        }
        Ok(Capability {
            object: self.object,
            rights,
            badge,
        })
    }

    /// A capability on the sub-range `range` of this physical-memory capability, with `rights`
    /// (a subset of those held; this capability must hold [`Rights::GRANT`]).
    pub fn derive_memory(
        &self,
        range: MemoryRange,
        rights: Rights,
    ) -> Result<Capability, CapError> {
        let ObjectRef::PhysicalMemory(parent) = self.object else {
            return Err(CapError::WrongKind {
                expected: ObjectKind::PhysicalMemory,
                found: self.kind(),
            });
        };
        self.check_derivation(rights)?;
        if !parent.contains(range) {
            return Err(CapError::OutsideParent {
                parent,
                requested: range,
            });
        }
        Ok(Capability {
            object: ObjectRef::PhysicalMemory(range),
            rights,
            badge: self.badge,
        })
    }

    /// Drops the rights not in `keep`, in place. Always allowed: it only reduces, and it does
    /// not make a second capability.
    pub fn restrict(&mut self, keep: Rights) {
        self.rights = self.rights.intersection(keep);
    }

    fn check_derivation(&self, requested: Rights) -> Result<(), CapError> {
        if !self.rights.contains(Rights::GRANT) {
            return Err(CapError::NotDerivable {
                object: self.object,
                held: self.rights,
            });
        }
        if !requested.is_subset_of(self.rights) {
            return Err(CapError::Denied {
                object: self.object,
                needed: requested,
                held: self.rights,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
