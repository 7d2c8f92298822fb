//! `bench-ping`: one half of the queue benchmark (`bench-queue.toml`). Sends an 8-byte message
//! (the round-trip number, u64 little-endian) on `out` with a blocking `send`, then waits for
//! `bench-pong` to send it back on `in` with a blocking `receive`, for ever. Logs
//! `bench-ping: <n> round trips` every 10,000 round trips, and once
//! `bench-ping: round trip <n>: reply does not match` if a reply is not what was sent.
//!
//! The loop does nothing else, so under QEMU `-icount` the instructions per round trip are
//! dominated by the host interface: two sends, two receives and the task switches between them.
//! Needs the `log` grant.

#![no_std]

use ruvix_guest::{Guest, Line, fail, queues, require};

/// Round trips between progress lines.
const REPORT_EVERY: u64 = 10_000;

struct BenchPing;

impl Guest for BenchPing {
    fn run() {
        let out = require("out");
        let reply_in = require("in");
        Line::new("bench-ping: started").info();
        let mut round_trips = 0u64;
        let mut mismatch_logged = false;
        loop {
            let message = round_trips.to_le_bytes();
            if let Err(error) = queues::send(out, &message) {
                fail("bench-ping: send", error);
            }
            let reply = match queues::receive(reply_in) {
                Ok(reply) => reply,
                Err(error) => fail("bench-ping: receive", error),
            };
            if reply != message && !mismatch_logged {
                mismatch_logged = true;
                Line::new("bench-ping: round trip ")
                    .u64(round_trips)
                    .str(": reply does not match")
                    .error();
            }
            round_trips += 1;
            if round_trips.is_multiple_of(REPORT_EVERY) {
                Line::new("bench-ping: ")
                    .u64(round_trips)
                    .str(" round trips")
                    .info();
            }
        }
    }
}

ruvix_guest::export!(BenchPing);
