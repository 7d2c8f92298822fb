//! `violator`: breaks every rule of the host interface once and logs what the host answered,
//! to show that each violation is refused with an error while the component (and the system)
//! goes on.
//!
//! Needs (see `components/test.toml`): the `log` grant and nothing else — in particular no
//! `timer`; `ro` access to the region `summary`; a queue from its port `out` to its own port
//! `in` with depth 1 and a message size of 8 bytes.
//!
//! Logs one line per case, `violator: <case>: <result>` where the result is `ok` or the WIT
//! name of the error (`bad-handle`, `denied`, ...), with ` (expected <x>)` appended at level
//! warn when it is not the expected one; then `violator: <n> cases, all as expected` (or
//! `<k> NOT as expected`), then `violator: done`. After that it stays alive, yielding, and logs
//! `violator: alive after <n> yields` at 10,000 yields, then 20,000, 40,000, ...

#![no_std]

use ruvix_guest::{
    Error, Guest, Handle, Line, error_name, lookup, queues, regions, require, task, time,
};

/// The probe queue's `message_size` in test.toml.
const MESSAGE_SIZE: usize = 8;

struct Violator;

/// Runs the cases, tallying the results that were not as expected.
struct Cases {
    run: u64,
    unexpected: u64,
}

impl Cases {
    /// Logs the result of one case; `expected` is `None` for success.
    fn check<T>(&mut self, case: &str, result: Result<T, Error>, expected: Option<Error>) {
        let got = result.err();
        let name = |e: Option<Error>| e.map_or("ok", error_name);
        let line = Line::new("violator: ").str(case).str(": ").str(name(got));
        self.run += 1;
        if got == expected {
            line.info();
        } else {
            self.unexpected += 1;
            line.str(" (expected ").str(name(expected)).str(")").warn();
        }
    }
}

impl Guest for Violator {
    fn run() {
        let summary = require("summary");
        let out = require("out");
        let input = require("in");
        Line::new("violator: started").info();
        let mut cases = Cases {
            run: 0,
            unexpected: 0,
        };
        let message = [0x5a; MESSAGE_SIZE];

        // Handles are indices into this component's own table: a number it was not given (such
        // as another component's handle) is refused, whatever it means elsewhere.
        let foreign = summary.max(out).max(input) + 7;
        cases.check(
            "foreign-handle",
            queues::try_send(foreign, &message),
            Some(Error::BadHandle),
        );
        cases.check(
            "huge-handle",
            regions::read32(Handle::MAX, 0),
            Some(Error::BadHandle),
        );

        // The summary region is granted read-only: reads work, writes are refused.
        let size = regions::size(summary);
        cases.check("region-size", size, None);
        let size = size.unwrap_or(4096);
        cases.check("read-read-only", regions::read(summary, 0, 8), None);
        cases.check(
            "write-read-only",
            regions::write(summary, 0, &[1, 2, 3, 4]),
            Some(Error::Denied),
        );
        cases.check(
            "write32-read-only",
            regions::write32(summary, 0, 1),
            Some(Error::Denied),
        );

        // Bounds: the end, past the end, and an offset + length that wraps around 2^32.
        cases.check("read-to-end", regions::read(summary, size - 4, 4), None);
        cases.check(
            "read-out-of-bounds",
            regions::read(summary, size - 4, 8),
            Some(Error::OutOfBounds),
        );
        cases.check(
            "read-offset-wraps",
            regions::read(summary, u32::MAX, 2),
            Some(Error::OutOfBounds),
        );
        cases.check(
            "read32-out-of-bounds",
            regions::read32(summary, size),
            Some(Error::OutOfBounds),
        );
        cases.check(
            "read32-unaligned",
            regions::read32(summary, 2),
            Some(Error::Unaligned),
        );

        // Messages larger than the queue's message size, blocking or not.
        cases.check(
            "oversize-message",
            queues::try_send(out, &[0; MESSAGE_SIZE + 1]),
            Some(Error::TooLarge),
        );
        cases.check(
            "oversize-message-blocking",
            queues::send(out, &[0; 4097]),
            Some(Error::TooLarge),
        );

        // A capability used as another kind, or a queue end in the wrong direction.
        cases.check(
            "write32-on-queue",
            regions::write32(out, 0, 1),
            Some(Error::WrongKind),
        );
        cases.check(
            "send-on-region",
            queues::try_send(summary, &message),
            Some(Error::WrongKind),
        );
        cases.check(
            "send-on-receive-end",
            queues::try_send(input, &message),
            Some(Error::Denied),
        );
        cases.check(
            "receive-on-send-end",
            queues::try_receive(out),
            Some(Error::Denied),
        );

        // Capabilities the manifest did not grant: the timer, another component's region.
        cases.check("lookup-timer", lookup("timer"), Some(Error::Denied));
        cases.check("lookup-gpio", lookup("gpio"), Some(Error::Denied));
        cases.check("time-now", time::now_us(), Some(Error::Denied));
        cases.check("time-sleep", time::sleep_us(1000), Some(Error::Denied));

        // The non-blocking forms on the depth-1 loop-back queue.
        cases.check(
            "try-receive-empty",
            queues::try_receive(input),
            Some(Error::WouldBlock),
        );
        cases.check("try-send", queues::try_send(out, &message), None);
        cases.check(
            "try-send-full",
            queues::try_send(out, &message),
            Some(Error::WouldBlock),
        );
        let received = queues::try_receive(input);
        let intact = matches!(&received, Ok(m) if m[..] == message[..]);
        cases.check("try-receive", received, None);
        if !intact {
            cases.unexpected += 1;
            Line::new("violator: the message came back altered").warn();
        }

        let line = Line::new("violator: ").u64(cases.run).str(" cases, ");
        if cases.unexpected == 0 {
            line.str("all as expected").info();
        } else {
            line.u64(cases.unexpected).str(" NOT as expected").warn();
        }
        Line::new("violator: done").info();

        // Still scheduled after all that: a heartbeat with exponentially spaced log lines.
        let mut yields = 0u64;
        let mut next_report = 10_000;
        loop {
            task::yield_now();
            yields += 1;
            if yields == next_report {
                Line::new("violator: alive after ")
                    .u64(yields)
                    .str(" yields")
                    .info();
                next_report *= 2;
            }
        }
    }
}

ruvix_guest::export!(Violator);
