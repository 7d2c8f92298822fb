//! Stage 3 — mount: not built yet (the WebAssembly runtime is being written). This stage says
//! so plainly instead of pretending: nothing from the package runs in this build.

use super::stage1_verify::VerifiedBoot;
use super::stage2_create::KernelObjects;

pub fn run(verified: &VerifiedBoot, _kernel: &mut KernelObjects) {
    defmt::warn!(
        "stage 3 mount: skipped: the wasm runtime is not in this build; {=usize} components verified but not started",
        verified.manifest.components.len()
    );
}
