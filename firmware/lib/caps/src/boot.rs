//! [`BootCapabilitySet`]: the root task's capabilities at stage 2, where all authority starts.

use alloc::vec::Vec;

use ruvix_manifest::{KernelCap, ROOT_BOOT_SET, RvfManifest};

use crate::error::CapError;
use crate::object::{InterruptId, MemoryRange, ObjectKind, ObjectRef, QueueId, RegionId};
use crate::rights::Rights;
use crate::table::{CapTable, Handle};
use crate::token::MintToken;

/// The kernel's ids of the objects stage 2 created for the manifest's regions and queues, and of
/// its interrupts, indexed like [`RvfManifest::regions`], [`RvfManifest::queues`] and
/// [`RvfManifest::interrupts`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectIds {
    /// `regions[i]` is the kernel's region for manifest region `i`.
    pub regions: Vec<RegionId>,
    /// `queues[i]` is the kernel's queue for manifest queue `i`.
    pub queues: Vec<QueueId>,
    /// `interrupts[i]` is manifest interrupt `i` (an [`InterruptId`] is its manifest index).
    pub interrupts: Vec<InterruptId>,
}

impl ObjectIds {
    /// Ids equal to the manifest indices: what a kernel gets that creates its region and queue
    /// lists in manifest order (and what interrupt ids always are).
    pub fn in_manifest_order(manifest: &RvfManifest) -> ObjectIds {
        ObjectIds {
            regions: (0u32..)
                .zip(&manifest.regions)
                .map(|(i, _)| RegionId(i))
                .collect(),
            queues: (0u32..)
                .zip(&manifest.queues)
                .map(|(i, _)| QueueId(i))
                .collect(),
            interrupts: (0u32..)
                .zip(&manifest.interrupts)
                .map(|(i, _)| InterruptId(i))
                .collect(),
        }
    }
}

/// The root task's initial capabilities (ruvix-boot's `BootCapabilitySet`), in a [`CapTable`]
/// with exactly the room they need, in this handle order:
///
/// 1. one [`ObjectRef::PhysicalMemory`] per RAM range (read + write + grant);
/// 2. the kernel capabilities of the manifest's [`ROOT_BOOT_SET`] other than physical memory —
///    timer, interrupt queue, witness log, log, package — with the rights listed there, plus grant;
/// 3. one [`ObjectRef::Region`] per region (read + write + grant);
/// 4. per queue, its send end (send + grant) then its receive end (receive + grant);
/// 5. one [`ObjectRef::Interrupt`] per manifest interrupt (read + write + grant: wait and
///    acknowledge), last so the handles of everything before are as without interrupts.
///
/// Every root capability holds the grant right: the root is where derivation starts. Which of
/// them may reach a component (`delegable`) or stay with the root after SEC-001 (`retainable`)
/// is the manifest's policy, applied by [`crate::distribute`] and
/// [`CapTable::reduce_to_minimum`].
#[derive(Debug, PartialEq, Eq)]
pub struct BootCapabilitySet {
    table: CapTable,
}

impl BootCapabilitySet {
    /// Mints the root's capabilities for RAM `ram` and the stage-2 `objects`.
    pub fn new(
        token: &MintToken,
        ram: &[MemoryRange],
        objects: &ObjectIds,
    ) -> Result<BootCapabilitySet, CapError> {
        let kernel_caps = ROOT_BOOT_SET
            .iter()
            .filter_map(|entry| Some((ObjectRef::of_kernel_cap(entry.cap)?, entry.rights)));
        let too_large = CapError::CapacityTooLarge {
            requested: usize::MAX,
        };
        let capacity = objects
            .queues
            .len()
            .checked_mul(2)
            .and_then(|n| n.checked_add(objects.regions.len()))
            .and_then(|n| n.checked_add(objects.interrupts.len()))
            .and_then(|n| n.checked_add(ram.len()))
            .and_then(|n| n.checked_add(kernel_caps.clone().count()))
            .ok_or(too_large)?;
        let mut table = CapTable::new(capacity)?;
        let grant = Rights::GRANT;
        let read_write = Rights::READ | Rights::WRITE | grant;
        for &range in ram {
            table.mint(token, ObjectRef::PhysicalMemory(range), read_write)?;
        }
        for (object, access) in kernel_caps {
            table.mint(token, object, Rights::from_access(access) | grant)?;
        }
        for &region in &objects.regions {
            table.mint(token, ObjectRef::Region(region), read_write)?;
        }
        for &queue in &objects.queues {
            table.mint(token, ObjectRef::QueueSend(queue), Rights::SEND | grant)?;
            table.mint(
                token,
                ObjectRef::QueueReceive(queue),
                Rights::RECEIVE | grant,
            )?;
        }
        for &interrupt in &objects.interrupts {
            table.mint(token, ObjectRef::Interrupt(interrupt), read_write)?;
        }
        Ok(BootCapabilitySet { table })
    }

    /// The root's table.
    pub fn table(&self) -> &CapTable {
        &self.table
    }

    /// The root's table, to change (removing, restricting, or minting with the token).
    pub fn table_mut(&mut self) -> &mut CapTable {
        &mut self.table
    }

    /// The root's table, for the root task to own.
    pub fn into_table(self) -> CapTable {
        self.table
    }

    /// The handle of the root's capability `cap` (the first, for physical memory).
    pub fn handle(&self, cap: KernelCap) -> Option<Handle> {
        self.table
            .find_kind(ObjectKind::of_kernel_cap(cap))
            .map(|(handle, _)| handle)
    }

    /// The root's physical-memory capabilities and their ranges.
    pub fn memory(&self) -> impl Iterator<Item = (Handle, MemoryRange)> + '_ {
        self.table
            .iter()
            .filter_map(|(handle, cap)| match cap.object() {
                ObjectRef::PhysicalMemory(range) => Some((handle, range)),
                _ => None,
            })
    }

    /// The SEC-001 drop on the root's table: see [`CapTable::reduce_to_minimum`].
    pub fn reduce_to_minimum(
        &mut self,
        minimum: &[KernelCap],
        token: MintToken,
    ) -> Result<(), CapError> {
        self.table.reduce_to_minimum(minimum, token)
    }
}
