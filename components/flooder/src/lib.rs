//! `flooder`: writes log lines as fast as it can, for ever. Its log budget drops what is over
//! it (and holds the task back until the budget has room), so the rest of the system keeps its
//! throughput and the kernel's own lines still get through.

#![no_std]

use ruvix_guest::{Guest, Line};

struct Flooder;

impl Guest for Flooder {
    fn run() {
        let mut n = 0u64;
        loop {
            Line::new("flood: line ")
                .u64(n)
                .str(" of a component that logs without pause")
                .info();
            n = n.wrapping_add(1);
        }
    }
}

ruvix_guest::export!(Flooder);
