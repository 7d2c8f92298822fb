//! The RVF system manifest: what a package says the system is, and the one set of checks that
//! both `rvf pack` (host) and stage 1 (firmware) run on it.
//!
//! - [`RvfManifest`] — the model: components, regions (the memory schema), queue wiring, grants,
//!   the root's minimum capability set after SEC-001, the witness-log policy, the device
//!   interrupts and their holders. Components are
//!   referred to by index, never by name, once decoded.
//! - [`RvfManifest::validate`] / [`RvfManifest::validate_all`] against a [`BoardLimits`] — the
//!   first error for the firmware, all of them for the tool. Every [`ValidationError`] carries a
//!   [`Locator`] (which item, which field) so a front end can point at the source line.
//! - [`RvfManifest::encode`] / [`RvfManifest::decode`] — postcard, version first. Decoding
//!   checks form, not meaning: a decoded manifest must still be validated.
//! - With feature `toml` (host only): [`parse_toml`], the TOML front end, reporting every
//!   problem as `file:line:column: reason`. The TOML schema is documented in `docs/manifest.md`.
//!
//! `no_std` + `alloc`; no `unsafe`; no input can make it panic.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "toml")]
extern crate std;

mod board;
mod caps;
mod codec;
mod error;
pub mod limits;
mod model;
mod validate;

#[cfg(feature = "toml")]
mod toml_front;

pub use board::{BoardId, BoardLimits};
pub use caps::{Access, KernelCap, ROOT_BOOT_SET, RootCapability, root_capability};
pub use codec::DecodeError;
pub use error::{
    ComponentField, Concern, Counted, End, InterruptField, ItemKind, Locator, NameClash, NameKind,
    Problem, QueueField, RegionField, RootField, SystemField, ValidationError, ValidationWarning,
    WitnessLogField,
};
pub use model::{
    ComponentDecl, ComponentIndex, Endpoint, EntryPoint, FORMAT_VERSION, Grant, InterruptDecl,
    InterruptSource, LogBudget, QueueWiring, RegionAccess, RegionDecl, RegionKind, RestartPolicy,
    RvfManifest, WiringPolicy, WitnessLogPolicy,
};
pub use ruvix_board_desc as board_desc;
pub use validate::{is_valid_export, is_valid_name, is_valid_wasm_file};

#[cfg(feature = "toml")]
pub use toml_front::{
    Diagnostic, ParsedManifest, SourceMap, parse_toml, parse_toml_located, validation_diagnostic,
};
