//! `clock-flooder`: after one log line it reads the clock (`time.now-us`) in a tight loop for
//! ever. Each call is cheap for the component and costs the kernel work; the scheduler must
//! charge that work to this component, so the others keep their throughput. Needs the `log`
//! and `timer` grants.

#![no_std]

use ruvix_guest::{Guest, Line, fail, time};

struct ClockFlooder;

impl Guest for ClockFlooder {
    fn run() {
        Line::new("clock-flooder: start, reading the clock for ever").info();
        loop {
            // black_box: the calls must happen, whatever the compiler makes of the result.
            core::hint::black_box(time::now_us().unwrap_or_else(|e| fail("clock-flooder", e)));
        }
    }
}

ruvix_guest::export!(ClockFlooder);
