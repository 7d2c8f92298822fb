//! `sensor`: produces numbered readings on its queue port `out`, for ever.
//!
//! Each message is a [`Reading`] (16 bytes: seq, value as u64 LE) with seq = 0, 1, 2, ... and
//! value = [`sensor_value`]`(seq)`. Sending blocks while the queue is full, so the sensor runs
//! exactly as fast as the pipeline drains it. Logs a summary every 5 s (`sensor: <n> readings sent`).

#![no_std]

use ruvix_guest::pipeline::{Reading, sensor_value};
use ruvix_guest::{Guest, Line, Periodic, SUMMARY_PERIOD_US, fail, queues, require};

struct Sensor;

impl Guest for Sensor {
    fn run() {
        let out = require("out");
        Line::new("sensor: started").info();
        let mut seq = 0u64;
        let mut summary = Periodic::new(SUMMARY_PERIOD_US);
        loop {
            let reading = Reading {
                seq,
                value: sensor_value(seq),
            };
            if let Err(error) = queues::send(out, &reading.encode()) {
                fail("sensor: send", error);
            }
            seq += 1;
            if summary.due() {
                Line::new("sensor: ").u64(seq).str(" readings sent").info();
            }
        }
    }
}

ruvix_guest::export!(Sensor);
