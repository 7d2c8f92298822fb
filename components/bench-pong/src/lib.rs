//! `bench-pong`: the other half of the queue benchmark (`bench-queue.toml`). Receives each
//! message on `in` (blocking) and sends the same bytes back on `out` (blocking), for ever,
//! with no other work. Needs the `log` grant (only to report a failed host call).

#![no_std]

use ruvix_guest::{Guest, Line, fail, queues, require};

struct BenchPong;

impl Guest for BenchPong {
    fn run() {
        let request_in = require("in");
        let out = require("out");
        Line::new("bench-pong: started").info();
        loop {
            let message = match queues::receive(request_in) {
                Ok(message) => message,
                Err(error) => fail("bench-pong: receive", error),
            };
            if let Err(error) = queues::send(out, &message) {
                fail("bench-pong: send", error);
            }
        }
    }
}

ruvix_guest::export!(BenchPong);
