//! What the tool needs to know about a component's wasm: that it is a valid core module, and
//! which functions it exports with which types, so `pack` can check the manifest's entry points
//! the way stage 3 will.

use wasmparser::types::EntityType;
use wasmparser::{CompositeInnerType, Validator};

/// An exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncExport {
    /// Export name.
    pub name: String,
    /// Its type in WAT notation, e.g. `(func (param i32))`.
    pub signature: String,
    /// Whether it takes and returns nothing (what an entry point must be).
    pub is_unit: bool,
}

/// The exports of a validated core module.
#[derive(Clone, Debug, Default)]
pub struct ModuleExports {
    /// Function exports in export order.
    pub functions: Vec<FuncExport>,
    /// Names of the other exports (memories, tables, globals).
    pub others: Vec<String>,
}

impl ModuleExports {
    /// The function export called `name`.
    pub fn function(&self, name: &str) -> Option<&FuncExport> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// `run, init` or `none`, for messages.
    pub fn function_list(&self) -> String {
        if self.functions.is_empty() {
            "none".into()
        } else {
            self.functions
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Validates `bytes` as a core WebAssembly module and lists its exports.
pub fn module_exports(bytes: &[u8]) -> Result<ModuleExports, String> {
    if wasmparser::Parser::is_component(bytes) {
        return Err(
            "is a WebAssembly component, not a core module (wasmi runs core modules: \
                    build for wasm32-unknown-unknown)"
                .into(),
        );
    }
    if !wasmparser::Parser::is_core_wasm(bytes) {
        return Err("is not a WebAssembly module (no \\0asm header)".into());
    }
    let types = Validator::new()
        .validate_all(bytes)
        .map_err(|e| format!("is not a valid WebAssembly module: {e}"))?;
    let types = types.as_ref();
    let mut exports = ModuleExports::default();
    for (name, entity) in types.core_exports().into_iter().flatten() {
        match entity {
            EntityType::Func(id) | EntityType::FuncExact(id) => {
                let (signature, is_unit) = match &types[id].composite_type.inner {
                    CompositeInnerType::Func(func) => (
                        func.to_string(),
                        func.params().is_empty() && func.results().is_empty(),
                    ),
                    other => (format!("{other:?}"), false),
                };
                exports.functions.push(FuncExport {
                    name: name.into(),
                    signature,
                    is_unit,
                });
            }
            _ => exports.others.push(name.into()),
        }
    }
    Ok(exports)
}
