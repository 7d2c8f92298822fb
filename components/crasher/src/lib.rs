//! `crasher`: logs `<name>: start`, yields a little, logs `<name>: trapping now` and traps
//! (`unreachable`), to exercise restart policies. Each (re)start logs `start` again.
//!
//! `<name>` is the package name: this source is also built as `crasher-never`
//! (`components/crasher-never`), so the two test components are told apart in the log.

#![no_std]

use ruvix_guest::{Guest, Line, task};

const NAME: &str = env!("CARGO_PKG_NAME");

/// Yields before the trap: long enough for the other tasks to run in between.
const YIELDS_BEFORE_TRAP: u32 = 100;

struct Crasher;

impl Guest for Crasher {
    fn run() {
        Line::new(NAME).str(": start").info();
        for _ in 0..YIELDS_BEFORE_TRAP {
            task::yield_now();
        }
        Line::new(NAME).str(": trapping now").info();
        core::arch::wasm32::unreachable()
    }
}

ruvix_guest::export!(Crasher);
