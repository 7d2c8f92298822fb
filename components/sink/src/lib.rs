//! `sink`: receives readings on `in`, checks that their sequence numbers run 0, 1, 2, ... and
//! that each value is what the sensor and filter make of its number, and keeps a summary in
//! the RAM region `summary`.
//!
//! Log lines (the QEMU tests look for them):
//! - every 5 s: `sink: <n> messages in order, 0 lost, 0 duplicated, 0 reordered`,
//!   or, once anything went wrong, `sink: <n> messages, <l> lost, <d> duplicated,
//!   <r> reordered, <c> corrupt, <m> malformed` (warn);
//! - at 10,000: `sink: 10000 messages received in order (0 lost, 0 duplicated, 0 reordered)`,
//!   or `sink: 10000 messages received with errors (...)` (error).
//!
//! The summary is rewritten after every message; its layout is [`summary`] (u64 LE fields).

#![no_std]

use ruvix_guest::pipeline::{Reading, SequenceCheck, filter_value, sensor_value, summary};
use ruvix_guest::{
    Guest, Handle, Line, Periodic, SUMMARY_PERIOD_US, fail, queues, regions, require,
};

/// The message count at which the sink reports the acceptance result.
const MILESTONE: u64 = 10_000;

struct Sink;

/// Everything the sink counts.
#[derive(Default)]
struct Counts {
    sequence: SequenceCheck,
    /// Readings whose value is wrong for their sequence number.
    corrupt: u64,
    /// Messages that are not readings.
    malformed: u64,
}

impl Counts {
    fn clean(&self) -> bool {
        self.sequence.clean() && self.corrupt == 0 && self.malformed == 0
    }

    fn messages(&self) -> u64 {
        self.sequence.received + self.malformed
    }

    /// `<l> lost, <d> duplicated, <r> reordered` and, if any, corrupt and malformed counts.
    fn errors(&self, line: Line) -> Line {
        let line = line
            .u64(self.sequence.lost)
            .str(" lost, ")
            .u64(self.sequence.duplicated)
            .str(" duplicated, ")
            .u64(self.sequence.reordered)
            .str(" reordered");
        if self.corrupt == 0 && self.malformed == 0 {
            return line;
        }
        line.str(", ")
            .u64(self.corrupt)
            .str(" corrupt, ")
            .u64(self.malformed)
            .str(" malformed")
    }

    /// Writes the summary into the region (see [`summary`] for the layout).
    fn store(&self, region: Handle) {
        let mut bytes = [0u8; summary::SIZE];
        let fields = [
            (summary::MAGIC_OFFSET, summary::MAGIC),
            (summary::RECEIVED, self.messages()),
            (
                summary::LAST_SEQ,
                self.sequence.last_seq.unwrap_or(u64::MAX),
            ),
            (summary::LOST, self.sequence.lost),
            (summary::DUPLICATED, self.sequence.duplicated),
            (summary::REORDERED, self.sequence.reordered),
            (summary::CORRUPT, self.corrupt),
            (summary::MALFORMED, self.malformed),
        ];
        for (offset, value) in fields {
            let offset = offset as usize;
            bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
        }
        if let Err(error) = regions::write(region, 0, &bytes) {
            fail("sink: writing the summary", error);
        }
    }

    /// The periodic progress line.
    fn report(&self) {
        if self.clean() {
            Line::new("sink: ")
                .u64(self.messages())
                .str(" messages in order, 0 lost, 0 duplicated, 0 reordered")
                .info();
        } else {
            self.errors(Line::new("sink: ").u64(self.messages()).str(" messages, "))
                .warn();
        }
    }

    /// The acceptance line at [`MILESTONE`] messages.
    fn report_milestone(&self) {
        let line = Line::new("sink: ").u64(self.messages());
        if self.clean() {
            line.str(" messages received in order (0 lost, 0 duplicated, 0 reordered)")
                .info();
        } else {
            self.errors(line.str(" messages received with errors ("))
                .str(")")
                .error();
        }
    }
}

impl Guest for Sink {
    fn run() {
        let input = require("in");
        let region = require("summary");
        Line::new("sink: started").info();
        let mut counts = Counts::default();
        let mut summary = Periodic::new(SUMMARY_PERIOD_US);
        counts.store(region);
        loop {
            let message = queues::receive(input).unwrap_or_else(|e| fail("sink: receive", e));
            match Reading::decode(&message) {
                Some(reading) => {
                    counts.sequence.record(reading.seq);
                    if reading.value != filter_value(sensor_value(reading.seq)) {
                        counts.corrupt += 1;
                    }
                }
                None => counts.malformed += 1,
            }
            counts.store(region);
            let messages = counts.messages();
            if summary.due() {
                counts.report();
            }
            if messages == MILESTONE {
                counts.report_milestone();
            }
        }
    }
}

ruvix_guest::export!(Sink);
