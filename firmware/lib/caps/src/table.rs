//! [`CapTable`]: one task's capabilities, addressed by small integer handles.
//!
//! A table has a fixed number of slots, allocated once at creation; a [`Handle`] is a slot index.
//! Insertion takes the lowest free slot, so the same sequence of operations always yields the
//! same handles (and the same encoding, which stage 4 hashes). A removed slot may be reused by a
//! later insertion; tables are filled at boot and sealed, so at run time a handle keeps naming
//! the same capability until the kernel removes it.

use alloc::vec::Vec;
use core::fmt;

use ruvix_manifest::{KernelCap, root_capability};

use crate::capability::Capability;
use crate::error::CapError;
use crate::object::{InterruptId, ObjectKind, ObjectRef, QueueId};
use crate::rights::Rights;
use crate::token::MintToken;

/// A capability handle: an index into a task's [`CapTable`], as components pass it to host
/// calls. Any `u32` is a valid handle *value*; the table decides whether it names anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(pub u32);

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A fixed-capacity table of capabilities. See the module docs.
#[derive(Debug, PartialEq, Eq)]
pub struct CapTable {
    slots: Vec<Option<Capability>>,
    sealed: bool,
}

/// Magic of the canonical encoding ([`CapTable::encode`]).
pub const ENCODING_MAGIC: [u8; 4] = *b"RVCT";
/// Version of the canonical encoding.
pub const ENCODING_VERSION: u8 = 1;
/// Bytes per capability in the canonical encoding.
pub const ENCODED_ENTRY_LEN: usize = 4 + 1 + 8 + 8 + 1 + 4;
/// Bytes of the canonical encoding's header.
pub const ENCODED_HEADER_LEN: usize = 4 + 1 + 1 + 4 + 4;

impl CapTable {
    /// The largest capacity a table may have (far above what a manifest within its limits needs:
    /// 64 regions + 2 × 64 queue ends + 16 interrupts + the kernel capabilities).
    pub const MAX_CAPACITY: usize = 4096;

    /// An empty, unsealed table of `capacity` slots, allocated now.
    pub fn new(capacity: usize) -> Result<CapTable, CapError> {
        if capacity > CapTable::MAX_CAPACITY {
            return Err(CapError::CapacityTooLarge {
                requested: capacity,
            });
        }
        let mut slots = Vec::new();
        slots
            .try_reserve_exact(capacity)
            .map_err(|_| CapError::AllocationFailed { capacity })?;
        slots.resize_with(capacity, || None);
        Ok(CapTable {
            slots,
            sealed: false,
        })
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Number of capabilities held.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|slot| slot.is_some()).count()
    }

    /// Whether the table holds no capability.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Whether the table is sealed (see [`CapTable::seal`]).
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// Seals the table for good: [`CapTable::insert`], [`CapTable::mint`] and
    /// [`CapTable::derive`] fail with [`CapError::Sealed`] from now on. Removing and restricting
    /// (which only reduce authority) still work.
    pub fn seal(&mut self) {
        self.sealed = true;
    }

    /// Puts `capability` in the lowest free slot and returns its handle.
    pub fn insert(&mut self, capability: Capability) -> Result<Handle, CapError> {
        if self.sealed {
            return Err(CapError::Sealed);
        }
        let capacity = self.capacity();
        let (index, slot) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, slot)| slot.is_none())
            .ok_or(CapError::TableFull { capacity })?;
        // The capacity is at most MAX_CAPACITY, so every index fits.
        let handle = u32::try_from(index).map_err(|_| CapError::TableFull { capacity })?;
        *slot = Some(capability);
        Ok(Handle(handle))
    }

    /// Puts the decoded `capability` in the free slot `handle`, sealed or not: the replica
    /// decoder rebuilding a table slot by slot (see the `replica` module). Fails with
    /// [`CapError::BadHandle`] if `handle` is past the end or already in use.
    #[cfg(feature = "replica")]
    pub(crate) fn put_replica(
        &mut self,
        handle: Handle,
        capability: Capability,
    ) -> Result<(), CapError> {
        let slot = usize::try_from(handle.0)
            .ok()
            .and_then(|index| self.slots.get_mut(index))
            .filter(|slot| slot.is_none())
            .ok_or(CapError::BadHandle { handle })?;
        *slot = Some(capability);
        Ok(())
    }

    /// Mints a capability on `object` with `rights` into the table (boot code only: it takes the
    /// [`MintToken`]).
    pub fn mint(
        &mut self,
        token: &MintToken,
        object: ObjectRef,
        rights: Rights,
    ) -> Result<Handle, CapError> {
        if self.sealed {
            return Err(CapError::Sealed);
        }
        self.insert(Capability::mint(token, object, rights)?)
    }

    /// The capability at `handle`.
    pub fn get(&self, handle: Handle) -> Result<&Capability, CapError> {
        usize::try_from(handle.0)
            .ok()
            .and_then(|index| self.slots.get(index))
            .and_then(Option::as_ref)
            .ok_or(CapError::BadHandle { handle })
    }

    /// The capability at `handle`, if it names a `kind` object and holds every right in
    /// `needed`: the check every host call makes before acting.
    pub fn check(
        &self,
        handle: Handle,
        kind: ObjectKind,
        needed: Rights,
    ) -> Result<&Capability, CapError> {
        let capability = self.get(handle)?;
        if capability.kind() != kind {
            return Err(CapError::WrongKind {
                expected: kind,
                found: capability.kind(),
            });
        }
        if !capability.allows(needed) {
            return Err(CapError::Denied {
                object: capability.object(),
                needed,
                held: capability.rights(),
            });
        }
        Ok(capability)
    }

    /// The queue end at `handle` and its queue, if it holds every right in `needed`: the check
    /// of the host interface's queue calls, where either end is the right *kind* and holding the
    /// other end is a matter of rights (a send on a receive end is [`CapError::Denied`], as the
    /// WIT's `denied`; anything but a queue end is [`CapError::WrongKind`], its `wrong-kind`).
    pub fn check_queue(
        &self,
        handle: Handle,
        needed: Rights,
    ) -> Result<(&Capability, QueueId), CapError> {
        let capability = self.get(handle)?;
        let queue = match capability.object() {
            ObjectRef::QueueSend(queue) | ObjectRef::QueueReceive(queue) => queue,
            _ => {
                let expected = if needed.contains(Rights::RECEIVE) {
                    ObjectKind::QueueReceive
                } else {
                    ObjectKind::QueueSend
                };
                return Err(CapError::WrongKind {
                    expected,
                    found: capability.kind(),
                });
            }
        };
        if !capability.allows(needed) {
            return Err(CapError::Denied {
                object: capability.object(),
                needed,
                held: capability.rights(),
            });
        }
        Ok((capability, queue))
    }

    /// The interrupt at `handle` and its id, if it holds every right in `needed`: the check of
    /// the host interface's interrupt calls (read to wait, write to acknowledge). Anything but
    /// an interrupt is [`CapError::WrongKind`], too few rights [`CapError::Denied`], as for
    /// [`CapTable::check_queue`].
    pub fn check_interrupt(
        &self,
        handle: Handle,
        needed: Rights,
    ) -> Result<(&Capability, InterruptId), CapError> {
        let capability = self.get(handle)?;
        let ObjectRef::Interrupt(interrupt) = capability.object() else {
            return Err(CapError::WrongKind {
                expected: ObjectKind::Interrupt,
                found: capability.kind(),
            });
        };
        if !capability.allows(needed) {
            return Err(CapError::Denied {
                object: capability.object(),
                needed,
                held: capability.rights(),
            });
        }
        Ok((capability, interrupt))
    }

    /// Takes the capability at `handle` out of the table (allowed when sealed).
    pub fn remove(&mut self, handle: Handle) -> Result<Capability, CapError> {
        usize::try_from(handle.0)
            .ok()
            .and_then(|index| self.slots.get_mut(index))
            .and_then(Option::take)
            .ok_or(CapError::BadHandle { handle })
    }

    /// Drops the rights not in `keep` from the capability at `handle`, in place (allowed when
    /// sealed: it only reduces).
    pub fn restrict(&mut self, handle: Handle, keep: Rights) -> Result<(), CapError> {
        usize::try_from(handle.0)
            .ok()
            .and_then(|index| self.slots.get_mut(index))
            .and_then(Option::as_mut)
            .ok_or(CapError::BadHandle { handle })?
            .restrict(keep);
        Ok(())
    }

    /// Derives a capability with `rights` from the one at `source` into this table (see
    /// [`Capability::derive`]) and returns its handle.
    pub fn derive(&mut self, source: Handle, rights: Rights) -> Result<Handle, CapError> {
        if self.sealed {
            return Err(CapError::Sealed);
        }
        let derived = self.get(source)?.derive(rights)?;
        self.insert(derived)
    }

    /// The capabilities held, in handle order.
    pub fn iter(&self) -> impl Iterator<Item = (Handle, &Capability)> + '_ {
        (0u32..)
            .zip(&self.slots)
            .filter_map(|(index, slot)| slot.as_ref().map(|cap| (Handle(index), cap)))
    }

    /// The first (lowest-handle) capability on `object`.
    pub fn find(&self, object: ObjectRef) -> Option<(Handle, &Capability)> {
        self.iter().find(|(_, cap)| cap.object() == object)
    }

    /// The first (lowest-handle) capability on an object of `kind`.
    pub fn find_kind(&self, kind: ObjectKind) -> Option<(Handle, &Capability)> {
        self.iter().find(|(_, cap)| cap.kind() == kind)
    }

    /// **SEC-001 drop.** Leaves in the table exactly one capability per kernel capability named
    /// in `minimum` (the lowest-handle one of its kind), without the grant right, removes every
    /// other capability (all physical memory, regions, queue ends, interrupts, the rest of the
    /// kernel capabilities), seals the table, and consumes the system's [`MintToken`], so that
    /// nothing can mint a capability any more.
    ///
    /// Fails, changing nothing, if `minimum` names a capability the table does not hold or one
    /// the manifest's root boot set marks as not retainable (physical memory). The token is
    /// consumed either way: the kernel halts on this error (SEC-001).
    pub fn reduce_to_minimum(
        &mut self,
        minimum: &[KernelCap],
        token: MintToken,
    ) -> Result<(), CapError> {
        // Consumed here, whatever happens next: the system's only token ends with the drop.
        let MintToken { .. } = token;
        for &cap in minimum {
            if !root_capability(cap).is_some_and(|entry| entry.retainable) {
                return Err(CapError::NotRetainable { cap });
            }
            if self.find_kind(ObjectKind::of_kernel_cap(cap)).is_none() {
                return Err(CapError::MinimumNotHeld { cap });
            }
        }
        // Which kernel capabilities (by position in `KernelCap::ALL`) have been kept already.
        let mut kept = [false; KernelCap::ALL.len()];
        for slot in &mut self.slots {
            let position = slot
                .as_ref()
                .and_then(|cap| cap.kind().kernel_cap())
                .filter(|cap| minimum.contains(cap))
                .and_then(|cap| KernelCap::ALL.iter().position(|&k| k == cap));
            match position.and_then(|p| kept.get_mut(p)) {
                Some(done) if !*done => {
                    *done = true;
                    if let Some(cap) = slot {
                        cap.restrict(Rights::ALL.without(Rights::GRANT));
                    }
                }
                _ => *slot = None,
            }
        }
        self.seal();
        Ok(())
    }

    /// Feeds the table's canonical encoding to `sink`, piece by piece (e.g. into SHA-256 for the
    /// stage-4 attestation, without an allocation). Little-endian, fixed layout:
    ///
    /// - header ([`ENCODED_HEADER_LEN`] bytes): magic `RVCT`, version `u8` = 1, sealed `u8`
    ///   (0/1), capacity `u32`, number of capabilities `u32`;
    /// - per capability, in handle order ([`ENCODED_ENTRY_LEN`] bytes): handle `u32`, kind tag
    ///   `u8` ([`ObjectKind::tag`]), object words `u64` `u64` (memory: start, end; region, queue
    ///   ends and interrupts: id, 0; others: 0, 0), rights `u8` ([`Rights::bits`]), badge `u32`.
    pub fn encode(&self, sink: &mut dyn FnMut(&[u8])) {
        let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut header = [0u8; ENCODED_HEADER_LEN];
        let fields: [&[u8]; 5] = [
            &ENCODING_MAGIC,
            &[ENCODING_VERSION],
            &[u8::from(self.sealed)],
            &as_u32(self.capacity()).to_le_bytes(),
            &as_u32(self.len()).to_le_bytes(),
        ];
        fill(&mut header, &fields);
        sink(&header);
        for (handle, cap) in self.iter() {
            let (first, second) = cap.object().words();
            let mut entry = [0u8; ENCODED_ENTRY_LEN];
            let fields: [&[u8]; 6] = [
                &handle.0.to_le_bytes(),
                &[cap.kind().tag()],
                &first.to_le_bytes(),
                &second.to_le_bytes(),
                &[cap.rights().bits()],
                &cap.badge().0.to_le_bytes(),
            ];
            fill(&mut entry, &fields);
            sink(&entry);
        }
    }

    /// The canonical encoding (see [`CapTable::encode`]) as one byte vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.encode(&mut |piece| bytes.extend_from_slice(piece));
        bytes
    }
}

/// Writes `fields` one after another into `out` (whose length is their total length).
fn fill(out: &mut [u8], fields: &[&[u8]]) {
    let bytes = fields.iter().flat_map(|field| field.iter());
    for (to, &from) in out.iter_mut().zip(bytes) {
        *to = from;
    }
}

#[cfg(test)]
mod tests;
