//! Stage 3 *distribute*: each component's capability table, derived from the root's per the
//! manifest (ruvix-boot's `CapabilityDistribution`).
//!
//! Every component capability is derived from the root's capability on the same object, with the
//! rights the manifest gives and never the grant right, badged with the component
//! ([`Badge::component`]), and filed under a *name* the component looks it up by: the port name
//! for a queue end, the region name for a region, the manifest name (`"log"`, `"timer"`, …) for a
//! grant, the interrupt's `name` for a device interrupt. A component table holds, in handle
//! order, its grants (manifest order), its regions (manifest region order), its queue ends
//! (manifest queue order; send before receive), the interrupts it is the holder of (manifest
//! order; read + write: wait and acknowledge), and is sealed: components cannot delegate, so
//! nothing is ever added to it.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ruvix_manifest::{ComponentIndex, KernelCap, RvfManifest, root_capability};

use crate::boot::ObjectIds;
use crate::capability::Capability;
use crate::error::CapError;
use crate::object::{Badge, ObjectRef};
use crate::rights::Rights;
use crate::table::{CapTable, Handle};

/// Where a component capability comes from in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapSource {
    /// A `grants` entry of the component.
    Grant(KernelCap),
    /// The component's `access` to manifest region `region`.
    Region {
        /// Index in [`RvfManifest::regions`].
        region: usize,
    },
    /// The sending end of manifest queue `queue` (the component is its `from`).
    QueueSend {
        /// Index in [`RvfManifest::queues`].
        queue: usize,
    },
    /// The receiving end of manifest queue `queue` (the component is its `to`).
    QueueReceive {
        /// Index in [`RvfManifest::queues`].
        queue: usize,
    },
    /// Manifest interrupt `interrupt` (the component is its `holder`).
    Interrupt {
        /// Index in [`RvfManifest::interrupts`].
        interrupt: usize,
    },
}

/// One capability a component received: its name, handle and origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedCap {
    /// The name the component looks it up by.
    pub name: String,
    /// Its handle in the component's table.
    pub handle: Handle,
    /// What the manifest says it is.
    pub source: CapSource,
}

/// A component's capabilities: its sealed table and the names of its handles.
#[derive(Debug, PartialEq, Eq)]
pub struct ComponentCaps {
    component: ComponentIndex,
    name: String,
    table: CapTable,
    names: Vec<NamedCap>,
}

impl ComponentCaps {
    /// The parts of a decoded replica, as they are; [`ComponentCaps::from_replica`] checks them.
    #[cfg(feature = "replica")]
    pub(crate) fn from_replica_parts(
        component: ComponentIndex,
        name: String,
        table: CapTable,
        names: Vec<NamedCap>,
    ) -> ComponentCaps {
        ComponentCaps {
            component,
            name,
            table,
            names,
        }
    }

    /// Which component.
    pub fn component(&self) -> ComponentIndex {
        self.component
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The component's capability table (sealed).
    pub fn table(&self) -> &CapTable {
        &self.table
    }

    /// The component's capability table, e.g. to revoke (remove or restrict) a capability.
    pub fn table_mut(&mut self) -> &mut CapTable {
        &mut self.table
    }

    /// The handle filed under `name` (the host interface's `lookup`).
    pub fn lookup(&self, name: &str) -> Option<Handle> {
        self.names
            .iter()
            .find(|named| named.name == name)
            .map(|named| named.handle)
    }

    /// The named handles, in handle order.
    pub fn names(&self) -> &[NamedCap] {
        &self.names
    }

    /// Each named handle with its capability, in handle order (skipping any the kernel removed).
    pub fn entries(&self) -> impl Iterator<Item = (&NamedCap, &Capability)> + '_ {
        self.names
            .iter()
            .filter_map(|named| Some((named, self.table.get(named.handle).ok()?)))
    }

    /// Number of capabilities received.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the component received no capability at all.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Number of kernel-capability grants received.
    pub fn grants(&self) -> usize {
        self.count(|source| matches!(source, CapSource::Grant(_)))
    }

    /// Number of region capabilities received.
    pub fn regions(&self) -> usize {
        self.count(|source| matches!(source, CapSource::Region { .. }))
    }

    /// Number of queue ends received.
    pub fn queue_ends(&self) -> usize {
        self.count(|source| {
            matches!(
                source,
                CapSource::QueueSend { .. } | CapSource::QueueReceive { .. }
            )
        })
    }

    /// Number of device interrupts received.
    pub fn interrupts(&self) -> usize {
        self.count(|source| matches!(source, CapSource::Interrupt { .. }))
    }

    fn count(&self, select: impl Fn(&CapSource) -> bool) -> usize {
        self.names
            .iter()
            .filter(|named| select(&named.source))
            .count()
    }
}

/// What stage 3 handed out: every component's capabilities, in manifest component order.
#[derive(Debug, PartialEq, Eq)]
pub struct CapabilityDistribution {
    components: Vec<ComponentCaps>,
}

impl CapabilityDistribution {
    /// Every component's capabilities, indexed like [`RvfManifest::components`].
    pub fn components(&self) -> &[ComponentCaps] {
        &self.components
    }

    /// Every component's capabilities, to hand each table to its component's tasks.
    pub fn into_components(self) -> Vec<ComponentCaps> {
        self.components
    }

    /// The capabilities of component `index`.
    pub fn component(&self, index: ComponentIndex) -> Option<&ComponentCaps> {
        self.components.get(index.get())
    }

    /// Capabilities handed out in all.
    pub fn capabilities(&self) -> usize {
        self.sum(ComponentCaps::len)
    }

    /// Kernel-capability grants handed out in all.
    pub fn grants(&self) -> usize {
        self.sum(ComponentCaps::grants)
    }

    /// Region capabilities handed out in all.
    pub fn regions(&self) -> usize {
        self.sum(ComponentCaps::regions)
    }

    /// Queue ends handed out in all (twice the number of connected queues).
    pub fn queue_ends(&self) -> usize {
        self.sum(ComponentCaps::queue_ends)
    }

    /// Device interrupts handed out in all (one per manifest interrupt).
    pub fn interrupts(&self) -> usize {
        self.sum(ComponentCaps::interrupts)
    }

    fn sum(&self, count: impl Fn(&ComponentCaps) -> usize) -> usize {
        self.components
            .iter()
            .fold(0usize, |sum, caps| sum.saturating_add(count(caps)))
    }
}

/// Why stage 3 could not distribute the capabilities. Names the component and the capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DistributionError {
    /// The root table is sealed: the SEC-001 drop has happened, nothing can be derived.
    RootSealed,
    /// More components than a [`ComponentIndex`] can number.
    TooManyComponents {
        /// How many the manifest lists.
        count: usize,
    },
    /// A region's access list, a queue end or an interrupt's holder names a component the
    /// manifest does not have.
    UnknownComponent {
        /// `"region"`, `"queue"` or `"interrupt"`.
        item: &'static str,
        /// The region's, queue's or interrupt's name.
        name: String,
        /// The component index named.
        component: ComponentIndex,
    },
    /// The [`ObjectIds`] have no kernel object for a manifest region, queue or interrupt.
    MissingObject {
        /// `"region"`, `"queue"` or `"interrupt"`.
        item: &'static str,
        /// Its index in the manifest.
        index: usize,
        /// Its name.
        name: String,
    },
    /// The root holds no capability on an object the manifest hands out.
    RootLacks {
        /// The component.
        component: String,
        /// The capability's name.
        name: String,
        /// The object.
        object: ObjectRef,
    },
    /// A grant of a kernel capability the root may not delegate (e.g. physical memory).
    NotDelegable {
        /// The component.
        component: String,
        /// The capability.
        cap: KernelCap,
    },
    /// Deriving the capability from the root's was refused (e.g. the manifest asks for more
    /// rights than the root holds).
    Derive {
        /// The component.
        component: String,
        /// The capability's name.
        name: String,
        /// Why.
        error: CapError,
    },
    /// Two of a component's capabilities would have the same name (e.g. a port named `log` and
    /// the `log` grant), so `lookup` could not tell them apart.
    DuplicateName {
        /// The component.
        component: String,
        /// The name.
        name: String,
    },
    /// The component's table could not be made.
    Table {
        /// The component.
        component: String,
        /// Why.
        error: CapError,
    },
}

impl fmt::Display for DistributionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistributionError::RootSealed => f.write_str(
                "cannot distribute capabilities: the root table is sealed (after SEC-001)",
            ),
            DistributionError::TooManyComponents { count } => {
                write!(f, "cannot distribute capabilities to {count} components")
            }
            DistributionError::UnknownComponent {
                item,
                name,
                component,
            } => write!(
                f,
                "{item} \"{name}\" names component #{}, which does not exist",
                component.0
            ),
            DistributionError::MissingObject { item, index, name } => write!(
                f,
                "no kernel object was created for {item} #{index} (\"{name}\")"
            ),
            DistributionError::RootLacks {
                component,
                name,
                object,
            } => write!(
                f,
                "component \"{component}\": capability \"{name}\": the root holds no capability \
                 on {object}"
            ),
            DistributionError::NotDelegable { component, cap } => write!(
                f,
                "component \"{component}\": capability \"{cap}\" may not be granted to components"
            ),
            DistributionError::Derive {
                component,
                name,
                error,
            } => write!(
                f,
                "component \"{component}\": capability \"{name}\": derivation refused: {error}"
            ),
            DistributionError::DuplicateName { component, name } => write!(
                f,
                "component \"{component}\": two capabilities would be named \"{name}\""
            ),
            DistributionError::Table { component, error } => {
                write!(f, "component \"{component}\": {error}")
            }
        }
    }
}

impl core::error::Error for DistributionError {}

/// One capability to hand out, before derivation.
struct Planned<'m> {
    name: &'m str,
    source: CapSource,
    object: ObjectRef,
    rights: Rights,
}

/// Derives every component's capabilities from `root` per `manifest` (see the module docs).
/// `objects` maps the manifest's regions and queues to the kernel objects stage 2 created.
pub fn distribute(
    root: &CapTable,
    manifest: &RvfManifest,
    objects: &ObjectIds,
) -> Result<CapabilityDistribution, DistributionError> {
    if root.is_sealed() {
        return Err(DistributionError::RootSealed);
    }
    check_endpoints(manifest)?;
    let count = manifest.components.len();
    let mut components = Vec::new();
    components
        .try_reserve_exact(count)
        .map_err(|_| DistributionError::TooManyComponents { count })?;
    for (position, decl) in manifest.components.iter().enumerate() {
        let index = u16::try_from(position)
            .map(ComponentIndex)
            .map_err(|_| DistributionError::TooManyComponents { count })?;
        let plan = plan(manifest, objects, index)?;
        components.push(derive_component(root, index, &decl.name, &plan)?);
    }
    Ok(CapabilityDistribution { components })
}

/// Refuses region accesses, queue ends and interrupt holders that name no component (validation
/// already does; without this a typo'd index would silently leave a queue end or an interrupt
/// with nobody).
fn check_endpoints(manifest: &RvfManifest) -> Result<(), DistributionError> {
    let exists = |component: ComponentIndex| manifest.component(component).is_some();
    for region in &manifest.regions {
        if let Some(access) = region.access.iter().find(|a| !exists(a.component)) {
            return Err(DistributionError::UnknownComponent {
                item: "region",
                name: region.name.clone(),
                component: access.component,
            });
        }
    }
    for queue in &manifest.queues {
        for end in [&queue.from, &queue.to] {
            if !exists(end.component) {
                return Err(DistributionError::UnknownComponent {
                    item: "queue",
                    name: queue.name.clone(),
                    component: end.component,
                });
            }
        }
    }
    if let Some(interrupt) = manifest.interrupts.iter().find(|i| !exists(i.holder)) {
        return Err(DistributionError::UnknownComponent {
            item: "interrupt",
            name: interrupt.name.clone(),
            component: interrupt.holder,
        });
    }
    Ok(())
}

/// What component `index` is to receive, in handle order.
fn plan<'m>(
    manifest: &'m RvfManifest,
    objects: &ObjectIds,
    index: ComponentIndex,
) -> Result<Vec<Planned<'m>>, DistributionError> {
    let mut plan = Vec::new();
    let Some(decl) = manifest.component(index) else {
        return Ok(plan);
    };
    for grant in &decl.grants {
        if !root_capability(grant.cap).is_some_and(|entry| entry.delegable) {
            return Err(DistributionError::NotDelegable {
                component: decl.name.clone(),
                cap: grant.cap,
            });
        }
        // Physical memory is not delegable, so every grant here has an object.
        let Some(object) = ObjectRef::of_kernel_cap(grant.cap) else {
            return Err(DistributionError::NotDelegable {
                component: decl.name.clone(),
                cap: grant.cap,
            });
        };
        plan.push(Planned {
            name: grant.cap.as_str(),
            source: CapSource::Grant(grant.cap),
            object,
            rights: Rights::from_access(grant.rights),
        });
    }
    for (region_index, region) in manifest.regions.iter().enumerate() {
        for access in region.access.iter().filter(|a| a.component == index) {
            let id = objects.regions.get(region_index).copied().ok_or_else(|| {
                DistributionError::MissingObject {
                    item: "region",
                    index: region_index,
                    name: region.name.clone(),
                }
            })?;
            plan.push(Planned {
                name: &region.name,
                source: CapSource::Region {
                    region: region_index,
                },
                object: ObjectRef::Region(id),
                rights: Rights::from_access(access.rights),
            });
        }
    }
    for (queue_index, queue) in manifest.queues.iter().enumerate() {
        let id = || {
            objects.queues.get(queue_index).copied().ok_or_else(|| {
                DistributionError::MissingObject {
                    item: "queue",
                    index: queue_index,
                    name: queue.name.clone(),
                }
            })
        };
        if queue.from.component == index {
            plan.push(Planned {
                name: &queue.from.port,
                source: CapSource::QueueSend { queue: queue_index },
                object: ObjectRef::QueueSend(id()?),
                rights: Rights::SEND,
            });
        }
        if queue.to.component == index {
            plan.push(Planned {
                name: &queue.to.port,
                source: CapSource::QueueReceive { queue: queue_index },
                object: ObjectRef::QueueReceive(id()?),
                rights: Rights::RECEIVE,
            });
        }
    }
    for (interrupt_index, interrupt) in manifest.interrupts.iter().enumerate() {
        if interrupt.holder != index {
            continue;
        }
        let id = objects
            .interrupts
            .get(interrupt_index)
            .copied()
            .ok_or_else(|| DistributionError::MissingObject {
                item: "interrupt",
                index: interrupt_index,
                name: interrupt.name.clone(),
            })?;
        plan.push(Planned {
            name: &interrupt.name,
            source: CapSource::Interrupt {
                interrupt: interrupt_index,
            },
            object: ObjectRef::Interrupt(id),
            // Read to wait for it, write to acknowledge it.
            rights: Rights::READ | Rights::WRITE,
        });
    }
    Ok(plan)
}

/// Derives the planned capabilities of one component into a new, sealed table.
fn derive_component(
    root: &CapTable,
    index: ComponentIndex,
    component: &str,
    plan: &[Planned<'_>],
) -> Result<ComponentCaps, DistributionError> {
    let table_error = |error| DistributionError::Table {
        component: component.into(),
        error,
    };
    let mut table = CapTable::new(plan.len()).map_err(table_error)?;
    let mut names = Vec::new();
    names.try_reserve_exact(plan.len()).map_err(|_| {
        table_error(CapError::AllocationFailed {
            capacity: plan.len(),
        })
    })?;
    for planned in plan {
        if names
            .iter()
            .any(|named: &NamedCap| named.name == planned.name)
        {
            return Err(DistributionError::DuplicateName {
                component: component.into(),
                name: planned.name.into(),
            });
        }
        let Some((_, source)) = root.find(planned.object) else {
            return Err(DistributionError::RootLacks {
                component: component.into(),
                name: planned.name.into(),
                object: planned.object,
            });
        };
        // Components never hold the grant right: there is no host call to delegate with.
        let rights = planned.rights.without(Rights::GRANT);
        let derived = source
            .derive_badged(rights, Badge::component(index))
            .map_err(|error| DistributionError::Derive {
                component: component.into(),
                name: planned.name.into(),
                error,
            })?;
        let handle = table.insert(derived).map_err(table_error)?;
        names.push(NamedCap {
            name: planned.name.into(),
            handle,
            source: planned.source,
        });
    }
    table.seal();
    Ok(ComponentCaps {
        component: index,
        name: component.into(),
        table,
        names,
    })
}

#[cfg(test)]
mod tests;
