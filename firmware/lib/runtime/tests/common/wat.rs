//! Hand-written guests: WAT modules against the host interface, and manifests for them.

use ruvix_manifest::RvfManifest;
use ruvix_runtime::{Runtime, Step};

use super::{FakePlatform, manifest, mount, step};

/// Every host function, as `wit-bindgen` imports it.
pub const IMPORTS: &str = r#"
  (import "ruvix:host/capabilities@0.1.0" "lookup" (func $lookup (param i32 i32 i32)))
  (import "ruvix:host/queues@0.1.0" "send" (func $send (param i32 i32 i32 i32)))
  (import "ruvix:host/queues@0.1.0" "try-send" (func $try_send (param i32 i32 i32 i32)))
  (import "ruvix:host/queues@0.1.0" "receive" (func $receive (param i32 i32)))
  (import "ruvix:host/queues@0.1.0" "try-receive" (func $try_receive (param i32 i32)))
  (import "ruvix:host/regions@0.1.0" "size" (func $size (param i32 i32)))
  (import "ruvix:host/regions@0.1.0" "read" (func $read (param i32 i32 i32 i32)))
  (import "ruvix:host/regions@0.1.0" "write" (func $write (param i32 i32 i32 i32 i32)))
  (import "ruvix:host/regions@0.1.0" "read32" (func $read32 (param i32 i32 i32)))
  (import "ruvix:host/regions@0.1.0" "write32" (func $write32 (param i32 i32 i32 i32)))
  (import "ruvix:host/log@0.1.0" "write" (func $log (param i32 i32 i32 i32)))
  (import "ruvix:host/time@0.1.0" "now-us" (func $now (param i32)))
  (import "ruvix:host/time@0.1.0" "sleep-us" (func $sleep (param i64 i32)))
  (import "ruvix:host/task@0.1.0" "yield-now" (func $yield))
  (import "ruvix:host/interrupts@0.1.0" "wait" (func $irq_wait (param i32 i32)))
  (import "ruvix:host/interrupts@0.1.0" "try-wait" (func $irq_try_wait (param i32 i32)))
  (import "ruvix:host/interrupts@0.1.0" "ack" (func $irq_ack (param i32 i32)))
"#;

/// One page of memory, a bump allocator as `cabi_realloc` that records its calls (count at
/// 0x7000, last `align` at 0x7004, last `size` at 0x7008; the heap starts at 0x8000), and
/// helpers: `$init` looks up the region "out" (handle in `$out`), `$dump(offset, src, len)`
/// copies guest bytes into it (trapping on error), `$expect_ok(ret)` traps unless the result at
/// `ret` is `ok`.
pub const RUNTIME: &str = r#"
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 0x8000))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (i32.store (i32.const 0x7000) (i32.add (i32.load (i32.const 0x7000)) (i32.const 1)))
    (i32.store (i32.const 0x7004) (local.get 2))
    (i32.store (i32.const 0x7008) (local.get 3))
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (global $out (mut i32) (i32.const -1))
  (data (i32.const 0x6000) "out")
  (func $init
    (call $lookup (i32.const 0x6000) (i32.const 3) (i32.const 0x6100))
    (call $expect_ok (i32.const 0x6100))
    (global.set $out (i32.load (i32.const 0x6104))))
  (func $dump (param $offset i32) (param $src i32) (param $len i32)
    (call $write (global.get $out) (local.get $offset) (local.get $src) (local.get $len)
      (i32.const 0x6108))
    (call $expect_ok (i32.const 0x6108)))
  (func $expect_ok (param $ret i32)
    (if (i32.load8_u (local.get $ret)) (then unreachable)))
"#;

/// A module: the imports, [`RUNTIME`] and `body`.
pub fn module(body: &str) -> Vec<u8> {
    let text = format!("(module {IMPORTS} {RUNTIME} {body})");
    match wat::parse_str(&text) {
        Ok(bytes) => bytes,
        Err(error) => panic!("WAT: {error}\n{text}"),
    }
}

/// A module of the imports and `text` (which brings its own memory and `cabi_realloc`).
pub fn custom_module(text: &str) -> Vec<u8> {
    let text = format!("(module {IMPORTS} {text})");
    match wat::parse_str(&text) {
        Ok(bytes) => bytes,
        Err(error) => panic!("WAT: {error}\n{text}"),
    }
}

/// A `[[component]]` table: `memory` 128 KiB, entry point `run` (priority 8).
pub fn component(name: &str, fuel_slice: u64, grants: &str, restart: &str) -> String {
    format!(
        r#"
[[component]]
name = "{name}"
wasm = "{name}.wasm"
memory = "128 KiB"
fuel_slice = {fuel_slice}
entry_points = [{{ export = "run" }}]
restart = {restart}
grants = {{ {grants} }}
"#
    )
}

/// A RAM `[[region]]` of 4 KiB.
pub fn ram_region(name: &str, access: &str) -> String {
    format!(
        r#"
[[region]]
name = "{name}"
kind = "ram"
size = "4 KiB"
access = {{ {access} }}
"#
    )
}

/// A `[[queue]]`.
pub fn queue(name: &str, depth: u32, message_size: u32, from: &str, to: &str) -> String {
    format!(
        r#"
[[queue]]
name = "{name}"
depth = {depth}
message_size = {message_size}
from = "{from}"
to = "{to}"
"#
    )
}

/// A manifest of `items` (components, regions, queues).
pub fn system(items: &[String]) -> RvfManifest {
    let source = format!(
        "[system]\nname = \"wat\"\nboards = [\"rpi3\"]\nwiring = \"any\"\n\n[root]\nminimum = []\n{}",
        items.concat()
    );
    manifest("wat.toml", &source)
}

/// Mounts `manifest` with `modules` (in component order).
pub fn boot(manifest: &RvfManifest, modules: Vec<Vec<u8>>) -> Runtime<FakePlatform> {
    match mount(manifest, &modules) {
        Ok((runtime, _)) => runtime,
        Err(error) => panic!("mount: {error}"),
    }
}

/// Runs slices until `done` or `max` slices; returns the steps taken.
pub fn run_until(
    runtime: &mut Runtime<FakePlatform>,
    max: usize,
    mut done: impl FnMut(&Runtime<FakePlatform>) -> bool,
) -> Vec<Step> {
    let mut steps = Vec::new();
    while !done(runtime) {
        assert!(steps.len() < max, "not done after {max} slices");
        steps.push(step(runtime));
    }
    steps
}
