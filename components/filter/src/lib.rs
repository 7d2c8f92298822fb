//! `filter`: receives readings on `in`, converts each value with [`filter_value`] (m°C to m°F)
//! and forwards it on `out` with its sequence number unchanged, for ever.
//!
//! A message that is not a reading is dropped with a warning (the sink then sees the gap).
//! Logs a summary every 5 s (`filter: <n> readings forwarded`).

#![no_std]

use ruvix_guest::pipeline::{Reading, filter_value};
use ruvix_guest::{Guest, Line, Periodic, SUMMARY_PERIOD_US, fail, queues, require};

struct Filter;

impl Guest for Filter {
    fn run() {
        let input = require("in");
        let out = require("out");
        Line::new("filter: started").info();
        let mut forwarded = 0u64;
        let mut summary = Periodic::new(SUMMARY_PERIOD_US);
        loop {
            let message = queues::receive(input).unwrap_or_else(|e| fail("filter: receive", e));
            let Some(mut reading) = Reading::decode(&message) else {
                Line::new("filter: dropped a message of ")
                    .u64(message.len() as u64)
                    .str(" bytes (not a reading)")
                    .warn();
                continue;
            };
            reading.value = filter_value(reading.value);
            if let Err(error) = queues::send(out, &reading.encode()) {
                fail("filter: send", error);
            }
            forwarded += 1;
            if summary.due() {
                Line::new("filter: ")
                    .u64(forwarded)
                    .str(" readings forwarded")
                    .info();
            }
        }
    }
}

ruvix_guest::export!(Filter);
