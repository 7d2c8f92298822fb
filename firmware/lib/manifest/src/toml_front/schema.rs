//! The TOML file's shape, field for field, with spans for every value a message may point at.
//! `deny_unknown_fields` everywhere: a misspelt key is an error, not a silent default.

use std::collections::BTreeMap;
use std::string::String;
use std::vec::Vec;

use serde::Deserialize;
use toml::Spanned;

use super::size::Size;
use crate::board::BoardId;
use crate::caps::{Access, KernelCap};
use crate::model::WiringPolicy;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ManifestSrc {
    pub system: Spanned<SystemSrc>,
    pub root: Spanned<RootSrc>,
    #[serde(default)]
    pub witness_log: Option<Spanned<WitnessLogSrc>>,
    #[serde(default)]
    pub component: Vec<Spanned<ComponentSrc>>,
    #[serde(default)]
    pub region: Vec<Spanned<RegionSrc>>,
    #[serde(default)]
    pub queue: Vec<Spanned<QueueSrc>>,
    #[serde(default)]
    pub interrupt: Vec<Spanned<InterruptSrc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SystemSrc {
    pub name: Spanned<String>,
    pub boards: Spanned<Vec<Spanned<BoardId>>>,
    #[serde(default)]
    pub wiring: Option<Spanned<WiringPolicy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RootSrc {
    pub minimum: Spanned<Vec<Spanned<KernelCap>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WitnessLogSrc {
    #[serde(default)]
    pub max_entries: Option<Spanned<u32>>,
    #[serde(default)]
    pub hash_chain: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ComponentSrc {
    pub name: Spanned<String>,
    pub wasm: Spanned<String>,
    pub memory: Spanned<Size>,
    pub fuel_slice: Spanned<u64>,
    #[serde(default)]
    pub time_slice_ms: Option<Spanned<u32>>,
    pub entry_points: Spanned<Vec<Spanned<EntryPointSrc>>>,
    #[serde(default)]
    pub restart: Option<Spanned<RestartSrc>>,
    #[serde(default)]
    pub grants: Option<Spanned<BTreeMap<Spanned<KernelCap>, Spanned<Access>>>>,
    #[serde(default)]
    pub log: Option<Spanned<LogBudgetSrc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LogBudgetSrc {
    pub lines_per_second: u32,
    pub burst: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EntryPointSrc {
    pub export: Spanned<String>,
    #[serde(default)]
    pub priority: Option<Spanned<u8>>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RestartKind {
    Never,
    Restart,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RestartSrc {
    pub policy: Spanned<RestartKind>,
    #[serde(default)]
    pub max_restarts: Option<Spanned<u32>>,
    #[serde(default)]
    pub min_run_ms: Option<Spanned<u32>>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RegionKindSrc {
    Ram,
    Mmio,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegionSrc {
    pub name: Spanned<String>,
    pub kind: Spanned<RegionKindSrc>,
    pub size: Spanned<Size>,
    #[serde(default)]
    pub peripheral_offset: Option<Spanned<u64>>,
    #[serde(default)]
    pub access: Option<Spanned<BTreeMap<Spanned<String>, Spanned<Access>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueSrc {
    pub name: Spanned<String>,
    pub depth: Spanned<u32>,
    pub message_size: Spanned<Size>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

/// `source` and `holder` are names resolved by the converter, so an unknown one gets a message
/// that lists what is known rather than serde's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InterruptSrc {
    pub name: Spanned<String>,
    pub source: Spanned<String>,
    pub holder: Spanned<String>,
}
