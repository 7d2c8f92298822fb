//! `poll-flooder`: after one log line it polls an empty queue (`queues.try-receive` on its
//! `idle` end, which nobody sends to) in a tight loop for ever — the busy-wait a careless driver
//! writes instead of a blocking `receive`. The scheduler must charge the kernel work of those
//! calls to this component. Needs the `log` grant and the receive end `idle`.

#![no_std]

use ruvix_guest::{Error, Guest, Line, fail, queues, require};

struct PollFlooder;

impl Guest for PollFlooder {
    fn run() {
        let idle = require("idle");
        Line::new("poll-flooder: start, polling an empty queue for ever").info();
        loop {
            match queues::try_receive(idle) {
                Err(Error::WouldBlock) => {}
                Ok(_) => Line::new("poll-flooder: a message arrived on an idle queue").fail(),
                Err(e) => fail("poll-flooder: try-receive", e),
            }
        }
    }
}

ruvix_guest::export!(PollFlooder);
