//! `spinner`: a runaway. After one log line it loops for ever without calling the host, so only
//! fuel metering can take the CPU back from it; the other tasks must keep their throughput.

#![no_std]

use ruvix_guest::{Guest, Line};

struct Spinner;

impl Guest for Spinner {
    fn run() {
        Line::new("spinner: start, spinning for ever").info();
        let mut turns = 0u64;
        loop {
            // black_box: keep the loop body (real work to meter), not just an empty `loop {}`.
            turns = core::hint::black_box(turns.wrapping_add(1));
        }
    }
}

ruvix_guest::export!(Spinner);
