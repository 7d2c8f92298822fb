//! Stage 3 step 1, *mount*: the checks on what the kernel hands over, the module checks against
//! the WIT world and the manifest, and instantiation (also used for restarts).

use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;

use ruvix_caps::{ComponentCaps, ObjectRef};
use ruvix_manifest::{ComponentDecl, RegionKind, RvfManifest};
use ruvix_queue::Queue;
use wasmi::{
    CompilationMode, Config, CustomFuelCosts, Engine, ExternType, Linker, Module, Store,
    StoreLimitsBuilder, TypedFunc, ValType,
};

use crate::error::MountError;
use crate::host::state::{GuestExports, HostState, Shared};
use crate::imports::{self, ImportMismatch, Interfaces};
use crate::platform::{Platform, RegionBacking};
use ruvix_log_ring::LogBucket;

/// Most tables an instance may create (a Rust module has one, for indirect calls).
const MAX_TABLES: usize = 4;
/// Most elements a table may grow to.
const MAX_TABLE_ELEMENTS: usize = 65_536;

/// The engine configuration:
/// - fuel metering on (fuel slices);
/// - lazy translation: modules are validated at mount, each function translated on its first
///   call (mount stays fast). Translation costs no fuel: wasmi 2.0 charges it by default
///   (9 fuel per byte of function body), and when a wasm-to-wasm call runs out of fuel while
///   translating its callee the call is *not* resumable — the task would trap with "all fuel
///   consumed" merely for calling a large function late in its slice. Translation is a one-off
///   cost per function (bounded by the module size), so leaving it unmetered lets no task
///   starve the others;
/// - no tail calls (a blocking host call in tail position could not be resumed) and no start
///   function (nothing runs before the scheduler starts the entry points).
pub(crate) fn engine_config() -> Config {
    let mut config = Config::default();
    config
        .consume_fuel(true)
        .compilation_mode(CompilationMode::LazyTranslation)
        .fuel_cost(CustomFuelCosts {
            // wasmi's default for memory.copy/fill/grow and table operations.
            bytes_copied_per_fuel: 64,
            fuel_per_bytes_translated: 0,
            fuel_per_bytes_validated: 0,
        })
        .wasm_tail_call(false)
        .allow_start_fn(false);
    config
}

/// Checks queues the runtime is to own against the manifest: same count, and each the shape
/// of its manifest queue (a backend that owns them elsewhere is checked by count only, in
/// [`check_objects`]).
pub(crate) fn check_queues(manifest: &RvfManifest, queues: &[Queue]) -> Result<(), MountError> {
    check_queue_count(manifest, queues.len())?;
    for (decl, queue) in manifest.queues.iter().zip(queues) {
        let same = usize::try_from(decl.depth).is_ok_and(|d| d == queue.depth())
            && usize::try_from(decl.message_size).is_ok_and(|m| m == queue.message_size());
        if !same {
            return Err(MountError::QueueShape {
                queue: decl.name.clone(),
            });
        }
    }
    Ok(())
}

fn check_queue_count(manifest: &RvfManifest, queues: usize) -> Result<(), MountError> {
    if queues != manifest.queues.len() {
        return Err(MountError::QueueCount {
            expected: manifest.queues.len(),
            found: queues,
        });
    }
    Ok(())
}

/// Checks the objects the kernel passed against the manifest (as many queues, the regions in
/// the same count, order and shape) and that every capability names one of them.
pub(crate) fn check_objects(
    manifest: &RvfManifest,
    caps: &[ComponentCaps],
    queues: usize,
    regions: &[RegionBacking],
) -> Result<(), MountError> {
    check_queue_count(manifest, queues)?;
    if regions.len() != manifest.regions.len() {
        return Err(MountError::RegionCount {
            expected: manifest.regions.len(),
            found: regions.len(),
        });
    }
    for (decl, backing) in manifest.regions.iter().zip(regions) {
        if matches!(decl.kind, RegionKind::Mmio { .. }) != backing.is_mmio() {
            return Err(MountError::RegionShape {
                region: decl.name.clone(),
                field: "kind",
            });
        }
        if backing.size() != decl.size {
            return Err(MountError::RegionShape {
                region: decl.name.clone(),
                field: "size",
            });
        }
    }
    if caps.len() != manifest.components.len() {
        return Err(MountError::CapsCount {
            expected: manifest.components.len(),
            found: caps.len(),
        });
    }
    // By name: a component host mounts its one component from a manifest of just that one,
    // with the table (and index) it has in the whole system.
    for (position, component) in caps.iter().enumerate() {
        let expected = manifest.components.get(position).map(|c| c.name.as_str());
        if expected != Some(component.name()) {
            return Err(MountError::CapsOrder {
                position,
                component: component.name().into(),
            });
        }
        for (named, capability) in component.entries() {
            let exists = match capability.object() {
                ObjectRef::Region(id) => index(id.0) < regions.len(),
                ObjectRef::QueueSend(id) | ObjectRef::QueueReceive(id) => index(id.0) < queues,
                _ => true,
            };
            if !exists {
                return Err(MountError::MissingObject {
                    component: component.name().into(),
                    name: named.name.clone(),
                    object: capability.object(),
                });
            }
        }
    }
    Ok(())
}

fn index(id: u32) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX)
}

/// Validates `wasm` and checks it against the WIT world and the manifest: every import a host
/// function with its exact core signature, every entry point exported as `() -> ()`, and
/// `memory` and `cabi_realloc` exported. Returns the module and the interfaces it imports.
pub(crate) fn check_module(
    engine: &Engine,
    decl: &ComponentDecl,
    wasm: &[u8],
) -> Result<(Module, Interfaces), MountError> {
    let component = || decl.name.clone();
    let module = Module::new(engine, wasm).map_err(|error| MountError::Compile {
        component: component(),
        error,
    })?;
    let mut imported = Interfaces::NONE;
    for import in module.imports() {
        match imports::check_import(import.module(), import.name(), import.ty()) {
            Ok(spec) => imported = imported.with(spec.interface),
            Err(ImportMismatch::Unknown) => {
                return Err(MountError::UnknownImport {
                    component: component(),
                    module: import.module().into(),
                    name: import.name().into(),
                });
            }
            Err(ImportMismatch::Signature { expected, found }) => {
                return Err(MountError::ImportSignature {
                    component: component(),
                    module: import.module().into(),
                    name: import.name().into(),
                    expected,
                    found,
                });
            }
        }
    }
    let export_error = |export: &str, expected| MountError::Export {
        component: component(),
        export: export.into(),
        expected,
    };
    for entry in &decl.entry_points {
        match module.get_export(&entry.export) {
            Some(ExternType::Func(f)) if f.params().is_empty() && f.results().is_empty() => {}
            _ => return Err(export_error(&entry.export, "a function () -> ()")),
        }
    }
    if !matches!(module.get_export("memory"), Some(ExternType::Memory(_))) {
        return Err(export_error("memory", "a memory"));
    }
    let i32x4 = [ValType::I32; 4];
    match module.get_export("cabi_realloc") {
        Some(ExternType::Func(f)) if f.params() == i32x4 && f.results() == [ValType::I32] => {}
        _ => {
            return Err(export_error(
                "cabi_realloc",
                "a function (i32, i32, i32, i32) -> (i32)",
            ));
        }
    }
    Ok((module, imported))
}

/// What is needed to (re-)instantiate a component.
pub(crate) struct Blueprint<P> {
    pub(crate) module: Module,
    pub(crate) linker: Linker<HostState<P>>,
    pub(crate) caps: Rc<ComponentCaps>,
    /// The manifest's memory limit in bytes.
    pub(crate) memory_bytes: usize,
    /// Entry-point export names, in manifest order.
    pub(crate) entry_points: Vec<String>,
    /// The log budget, shared by every instance (a restart does not refill it).
    pub(crate) log: Rc<RefCell<LogBucket>>,
}

/// A live instance: its store and entry points.
pub(crate) struct Live<P> {
    pub(crate) store: Store<HostState<P>>,
    pub(crate) entries: Vec<TypedFunc<(), ()>>,
}

/// A fresh instance of `blueprint`: its own store (the memory limit, fuel metering), the
/// component's capability table, the host functions its capabilities allow.
pub(crate) fn instantiate<P: Platform + 'static>(
    engine: &Engine,
    shared: &Rc<RefCell<Shared<P>>>,
    blueprint: &Blueprint<P>,
) -> Result<Live<P>, wasmi::Error> {
    let limits = StoreLimitsBuilder::new()
        .memory_size(blueprint.memory_bytes)
        .instances(1)
        .memories(1)
        .tables(MAX_TABLES)
        .table_elements(MAX_TABLE_ELEMENTS)
        .build();
    let state = HostState::new(
        Rc::clone(&blueprint.caps),
        Rc::clone(shared),
        limits,
        Rc::clone(&blueprint.log),
    );
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    // Nothing runs at instantiation (no start function); each slice sets the fuel it gets.
    store.set_fuel(0)?;
    let instance = blueprint
        .linker
        .instantiate_and_start(&mut store, &blueprint.module)?;
    let memory = instance
        .get_memory(&store, "memory")
        .ok_or_else(|| wasmi::Error::new("no memory export".to_string()))?;
    let realloc = instance.get_typed_func::<(i32, i32, i32, i32), i32>(&store, "cabi_realloc")?;
    let entries = blueprint
        .entry_points
        .iter()
        .map(|name| instance.get_typed_func::<(), ()>(&store, name))
        .collect::<Result<Vec<_>, _>>()?;
    store.data_mut().exports = Some(GuestExports { memory, realloc });
    Ok(Live { store, entries })
}

/// Queues with both ends held by some component.
pub(crate) fn queues_connected(caps: &[ComponentCaps], queues: usize) -> usize {
    let mut ends = alloc::vec![(false, false); queues];
    for (_, capability) in caps.iter().flat_map(ComponentCaps::entries) {
        match capability.object() {
            ObjectRef::QueueSend(id) => {
                if let Some(end) = ends.get_mut(index(id.0)) {
                    end.0 = true;
                }
            }
            ObjectRef::QueueReceive(id) => {
                if let Some(end) = ends.get_mut(index(id.0)) {
                    end.1 = true;
                }
            }
            _ => {}
        }
    }
    ends.iter()
        .filter(|(send, receive)| *send && *receive)
        .count()
}

/// The checks stage 3 makes of a component's module before instantiating it — valid, every
/// import a host function of the WIT world with its exact core signature, every entry point
/// exported as `() -> ()`, `memory` and `cabi_realloc` exported — for tools (`rvf pack`) that
/// want to refuse at build time what the firmware would refuse at boot.
pub fn check_component(decl: &ComponentDecl, wasm: &[u8]) -> Result<(), MountError> {
    let engine = Engine::new(&engine_config());
    check_module(&engine, decl, wasm).map(|_| ())
}
