//! `bench-yield`: the task-switch benchmark (`bench-yield.toml`, which runs two instances).
//! Calls `task.yield-now` in a loop, counting, and logs `bench-yield: <n> yields` every
//! 100,000. With two of it ready at the same priority every yield switches to the other, so
//! under QEMU `-icount` the instructions per yield are one yield-to-next-task switch.
//! Needs the `log` grant.

#![no_std]

use ruvix_guest::{Guest, Line, task};

/// Yields between progress lines.
const REPORT_EVERY: u64 = 100_000;

struct BenchYield;

impl Guest for BenchYield {
    fn run() {
        Line::new("bench-yield: started").info();
        let mut yields = 0u64;
        loop {
            task::yield_now();
            yields += 1;
            if yields.is_multiple_of(REPORT_EVERY) {
                Line::new("bench-yield: ").u64(yields).str(" yields").info();
            }
        }
    }
}

ruvix_guest::export!(BenchYield);
