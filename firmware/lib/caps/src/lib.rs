//! Capabilities, seL4 style: every kernel object a task may touch is reached through a
//! [`Capability`] in the task's [`CapTable`], by a small integer [`Handle`], and every host call
//! checks kind and rights first ([`CapTable::check`]).
//!
//! # Design
//!
//! - **Authority only flows downwards.** A capability is created from nothing only by
//!   [`Capability::mint`] / [`CapTable::mint`], which need the [`MintToken`]; otherwise it is
//!   derived from one holding [`Rights::GRANT`], with a subset of its rights (and, for physical
//!   memory, a sub-range). `Capability` is not `Clone`, so copying is not a back door. (A
//!   component host's decoded replica, below, is a copy in another address space, not
//!   authority.)
//! - **Boot.** Stage 2 takes the one token ([`BootMinter::take`]) and mints the root's
//!   [`BootCapabilitySet`]: all RAM, the kernel capabilities of the manifest's `ROOT_BOOT_SET`,
//!   the regions and queue ends it created, and the manifest's device interrupts. Stage 3 calls [`distribute`], which derives
//!   every component's sealed table from the root's per the manifest ([`CapabilityDistribution`],
//!   with names for `lookup`). The SEC-001 drop, [`CapTable::reduce_to_minimum`], leaves the root
//!   exactly the manifest's minimum set, seals its table and consumes the token: from then on
//!   no code can mint (no token exists) and no table accepts a new capability (all are sealed).
//! - **Attestation.** [`CapTable::encode`] streams a fixed, documented little-endian encoding in
//!   handle order for stage 4 to hash.
//! - **Replicas.** A component host, running one component in its own EL0 process, checks
//!   capabilities itself before it asks the kernel anything, with the same [`ComponentCaps`]
//!   calls. The kernel writes it a *replica* of its component's capabilities
//!   ([`ComponentCaps::write_replica`]), which the host decodes into an equal value
//!   (`ComponentCaps::from_replica`, cargo feature `replica`: the one constructor of
//!   capabilities besides minting and deriving, refusing anything distribution could not have
//!   produced). A decoded copy grants nothing: the kernel does not enable the feature, never
//!   decodes replicas, and re-checks every supervisor call against its own tables, so a process
//!   that tampers with its replica only fools its own pre-checks.
//!
//! # The kernel's sequence
//!
//! ```
//! use ruvix_caps::{
//!     BootCapabilitySet, BootMinter, MemoryRange, ObjectIds, ObjectKind, Rights, distribute,
//! };
//! # use ruvix_manifest::{BoardLimits, parse_toml};
//! # let source = include_str!("../../../../components/demo.toml");
//! # let boards = [BoardLimits::RPI3, BoardLimits::RPI4];
//! # let manifest = parse_toml("demo.toml", source, &boards).unwrap();
//! // Stage 2: the one token; the root's capabilities over RAM and the objects just created.
//! let token = BootMinter::take().expect("stage 2 runs once");
//! let objects = ObjectIds::in_manifest_order(&manifest);
//! let ram = [MemoryRange::new(0, 0x3B40_0000).unwrap()];
//! let mut root = BootCapabilitySet::new(&token, &ram, &objects).unwrap();
//!
//! // Stage 3 distribute: one sealed table per component, handles found by name.
//! let distribution = distribute(root.table(), &manifest, &objects).unwrap();
//! let sink = &distribution.components()[2];
//! let input = sink.lookup("in").unwrap();
//! assert!(sink.table().check(input, ObjectKind::QueueReceive, Rights::RECEIVE).is_ok());
//!
//! // SEC-001: the root keeps the minimum set; the token is gone, the table sealed.
//! root.reduce_to_minimum(&manifest.root_minimum, token).unwrap();
//! assert_eq!(root.table().len(), 3);
//! assert!(BootMinter::take().is_none());
//! ```
//!
//! The vocabulary (kernel capabilities, access levels, the root's boot set and its
//! delegable/retainable policy) is the manifest crate's; this crate maps it to objects and
//! rights ([`ObjectKind::of_kernel_cap`], [`Rights::from_access`]).
//!
//! `no_std` + `alloc` (tables are sized at run time from the manifest, allocated once); no
//! `unsafe`; no input can make it panic.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// No input may panic it: no indexing, unwrapping or unchecked arithmetic outside the tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;

mod boot;
mod capability;
mod distribute;
mod error;
mod object;
mod replica;
mod rights;
mod table;
mod token;

pub use boot::{BootCapabilitySet, ObjectIds};
pub use capability::Capability;
pub use distribute::{
    CapSource, CapabilityDistribution, ComponentCaps, DistributionError, NamedCap, distribute,
};
pub use error::CapError;
pub use object::{Badge, InterruptId, MemoryRange, ObjectKind, ObjectRef, QueueId, RegionId};
pub use replica::{REPLICA_MAGIC, REPLICA_VERSION, ReplicaError};
pub use rights::Rights;
pub use table::{
    CapTable, ENCODED_ENTRY_LEN, ENCODED_HEADER_LEN, ENCODING_MAGIC, ENCODING_VERSION, Handle,
};
pub use token::{BootMinter, MintToken};
