//! [`MountError`]: why the components could not be mounted.

use alloc::string::String;
use core::fmt;

use ruvix_caps::ObjectRef;

/// Why [`crate::Runtime::mount`] refused. Names the component (or queue, region) and says why.
#[derive(Debug)]
pub enum MountError {
    /// The platform's clock runs at 0 ticks per second.
    ZeroTickRate,
    /// Not one wasm module per manifest component.
    WasmCount {
        /// Components in the manifest.
        expected: usize,
        /// Modules given.
        found: usize,
    },
    /// Not one capability table per manifest component.
    CapsCount {
        /// Components in the manifest.
        expected: usize,
        /// Tables given.
        found: usize,
    },
    /// The capability table at `position` belongs to another component (tables must be in
    /// manifest order, as `CapabilityDistribution::into_components` gives them).
    CapsOrder {
        /// Position in the list.
        position: usize,
        /// The component the table belongs to.
        component: String,
    },
    /// Not one queue per manifest queue.
    QueueCount {
        /// Queues in the manifest.
        expected: usize,
        /// Queues given.
        found: usize,
    },
    /// A queue's depth or message size differs from its manifest declaration.
    QueueShape {
        /// The manifest queue.
        queue: String,
    },
    /// Not one region backing per manifest region.
    RegionCount {
        /// Regions in the manifest.
        expected: usize,
        /// Backings given.
        found: usize,
    },
    /// A region backing differs from its manifest declaration.
    RegionShape {
        /// The manifest region.
        region: String,
        /// How (`"kind"`, `"size"`).
        field: &'static str,
    },
    /// A capability names a queue or region the kernel did not pass.
    MissingObject {
        /// The component.
        component: String,
        /// The capability's name.
        name: String,
        /// What it names.
        object: ObjectRef,
    },
    /// The module is not valid WebAssembly (or uses a feature the runtime does not enable, such
    /// as tail calls or a start function).
    Compile {
        /// The component.
        component: String,
        /// wasmi's reason.
        error: wasmi::Error,
    },
    /// The module imports something the host interface does not have.
    UnknownImport {
        /// The component.
        component: String,
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
    },
    /// The module imports a host function with another signature (or as a non-function).
    ImportSignature {
        /// The component.
        component: String,
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
        /// The host's signature.
        expected: String,
        /// The module's.
        found: String,
    },
    /// A required export is missing or has the wrong type: every manifest entry point as
    /// `() -> ()`, `memory`, `cabi_realloc: (i32, i32, i32, i32) -> (i32)`.
    Export {
        /// The component.
        component: String,
        /// The export.
        export: String,
        /// What it must be.
        expected: &'static str,
    },
    /// The host functions could not be linked (an internal error).
    Link {
        /// The component.
        component: String,
        /// wasmi's reason.
        error: String,
    },
    /// Instantiation failed (e.g. the module's initial memory is larger than the manifest's
    /// `memory` limit).
    Instantiate {
        /// The component.
        component: String,
        /// wasmi's reason.
        error: wasmi::Error,
    },
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::ZeroTickRate => {
                f.write_str("the platform clock runs at 0 ticks per second")
            }
            MountError::WasmCount { expected, found } => write!(
                f,
                "{found} wasm modules for the manifest's {expected} components"
            ),
            MountError::CapsCount { expected, found } => write!(
                f,
                "{found} capability tables for the manifest's {expected} components"
            ),
            MountError::CapsOrder {
                position,
                component,
            } => write!(
                f,
                "capability table {position} belongs to component \"{component}\" (tables must be in manifest order)"
            ),
            MountError::QueueCount { expected, found } => {
                write!(f, "{found} queues for the manifest's {expected}")
            }
            MountError::QueueShape { queue } => write!(
                f,
                "queue \"{queue}\": depth or message size differs from the manifest"
            ),
            MountError::RegionCount { expected, found } => {
                write!(
                    f,
                    "{found} region backings for the manifest's {expected} regions"
                )
            }
            MountError::RegionShape { region, field } => {
                write!(
                    f,
                    "region \"{region}\": backing {field} differs from the manifest"
                )
            }
            MountError::MissingObject {
                component,
                name,
                object,
            } => write!(
                f,
                "component \"{component}\": capability \"{name}\" names {object}, which the kernel did not pass"
            ),
            MountError::Compile { component, error } => {
                write!(f, "component \"{component}\": invalid module: {error}")
            }
            MountError::UnknownImport {
                component,
                module,
                name,
            } => write!(
                f,
                "component \"{component}\": imports \"{module}\" \"{name}\", which the host interface does not have"
            ),
            MountError::ImportSignature {
                component,
                module,
                name,
                expected,
                found,
            } => write!(
                f,
                "component \"{component}\": imports \"{module}\" \"{name}\" as {found}, the host provides {expected}"
            ),
            MountError::Export {
                component,
                export,
                expected,
            } => write!(
                f,
                "component \"{component}\": export \"{export}\" is missing or not {expected}"
            ),
            MountError::Link { component, error } => {
                write!(
                    f,
                    "component \"{component}\": cannot link the host interface: {error}"
                )
            }
            MountError::Instantiate { component, error } => {
                write!(f, "component \"{component}\": cannot instantiate: {error}")
            }
        }
    }
}

impl core::error::Error for MountError {}
