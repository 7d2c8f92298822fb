//! `counter`: counts, yielding after each step, and logs its rate once a second:
//! `counter: <n> steps, <r> per second`. Its rate with and without the spinner running shows
//! whether fuel slices keep a runaway from taking the CPU. Needs the `log` and `timer` grants.

#![no_std]

use ruvix_guest::{Guest, Line, fail, task, time};

const SECOND_US: u64 = 1_000_000;

struct Counter;

fn now_us() -> u64 {
    time::now_us().unwrap_or_else(|e| fail("counter: now", e))
}

impl Guest for Counter {
    fn run() {
        Line::new("counter: started").info();
        let mut steps = 0u64;
        let mut last_steps = 0u64;
        let mut last_us = now_us();
        loop {
            steps += 1;
            task::yield_now();
            // Read the clock every 64 steps only: the count should measure scheduling.
            if steps.is_multiple_of(64) {
                let now = now_us();
                let elapsed = now.saturating_sub(last_us);
                if elapsed >= SECOND_US {
                    Line::new("counter: ")
                        .u64(steps)
                        .str(" steps, ")
                        .u64((steps - last_steps) * SECOND_US / elapsed)
                        .str(" per second")
                        .info();
                    last_steps = steps;
                    last_us = now;
                }
            }
        }
    }
}

ruvix_guest::export!(Counter);
