//! wasmi's dispatch must run a slice in constant native stack: its handlers tail-call each
//! other, which LLVM only turns into jumps when wasmi is optimised (opt-level ≥ 2) *and* built
//! without debug assertions. With debug assertions (the default of the `dev` profile) every
//! executed instruction leaves a native frame behind until the slice ends — hundreds of KiB
//! per 100,000-fuel slice, enough to overflow a kernel stack.
//!
//! Fix (root `Cargo.toml`; the `test` profile inherits it):
//!
//! ```toml
//! [profile.dev.package.wasmi]
//! debug-assertions = false
//! ```

mod common;

use common::wat::{boot, component, module, system};
use common::with_big_stack;
use ruvix_runtime::{SliceOutcome, Step};

#[test]
fn a_long_slice_runs_in_constant_native_stack() {
    with_big_stack(|| {
        let manifest = system(&[component(
            "spin",
            100_000_000,
            r#"log = "wo""#,
            r#"{ policy = "never" }"#,
        )]);
        // A million loop iterations, then a log line (where the platform notes the stack depth).
        let spin = module(
            r#"
  (data (i32.const 0x300) "deep")
  (func (export "run") (local $i i32)
    (local.set $i (i32.const 1000000))
    (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))
    (call $log (i32.const 1) (i32.const 0x300) (i32.const 4) (i32.const 0x100)))
"#,
        );
        let mut runtime = boot(&manifest, vec![spin]);
        let marker = 0u8;
        let base = std::ptr::addr_of!(marker) as usize;
        let step = runtime.run_slice();
        assert!(
            matches!(
                step,
                Step::Ran {
                    outcome: SliceOutcome::Finished,
                    ..
                }
            ),
            "{step:?}"
        );
        let depth = base.saturating_sub(runtime.platform().stack_low);
        println!("native stack at the log call after 1M instructions: {depth} bytes");
        assert!(
            depth < 256 << 10,
            "wasmi used {depth} bytes of native stack for one slice of 1M instructions: build it \
             without debug assertions ([profile.dev.package.wasmi] debug-assertions = false)"
        );
    });
}
