//! `bench-calls`: what each host call costs from wasm, for `just bench`. Times, with
//! `time.now-us` around many calls in a row:
//!
//! - an empty loop of the same shape (the loop's own cost, which the bench subtracts);
//! - `time.now-us`, `capabilities.lookup` of its own grant `data`, `regions.read` of 64 bytes
//!   from the RAM region `data` (held read-only);
//! - `log.write` of a short line at `info` (printed: the kernel encodes it into the log ring,
//!   which the UART drains) and at `debug` (accepted and counted by the kernel, then not
//!   printed: the images keep only `info` and above), all within the manifest's log budget;
//! - `time.sleep-us` of 100 µs, 1 ms and 5 ms, repeated: how late each wake-up is (actual
//!   minus requested, 1 µs resolution).
//!
//! One line per measurement (`bench-calls <call>: <n> calls in <us> us, <f> failed`, for sleeps
//! `bench-calls sleep <d> us: <n> sleeps, late <t> us in all, max <m> us`), then
//! `bench-calls: done`. Needs the `data` region (read) and the `log` and `timer` grants.

#![no_std]

use core::hint::black_box;

use ruvix_guest::{Guest, Level, Line, fail, log, lookup, regions, require, time};

/// Calls per measurement of the cheap calls.
const CALLS: u32 = 10_000;
/// Lines written at `info`: few enough to fit the kernel's log ring even undrained, so none is
/// dropped and every call does the whole work.
const INFO_LINES: u32 = 200;
/// Lines written at `debug` (nothing reaches the ring).
const DEBUG_LINES: u32 = 2_000;
/// Bytes per `regions.read`.
const READ_BYTES: u32 = 64;
/// Sleeps: (requested microseconds, how many).
const SLEEPS: [(u64, u32); 3] = [(100, 20), (1_000, 20), (5_000, 10)];
/// The short line `log.write` is timed with.
const LOG_LINE: &str = "bench-calls: a short line";

struct BenchCalls;

fn now_us() -> u64 {
    time::now_us().unwrap_or_else(|e| fail("bench-calls: now", e))
}

/// Runs `call` `count` times: the microseconds it took and how many calls failed.
fn timed(count: u32, mut call: impl FnMut() -> bool) -> (u64, u32) {
    let started = now_us();
    let mut failed = 0u32;
    for _ in 0..count {
        if !call() {
            failed += 1;
        }
    }
    (now_us().saturating_sub(started), failed)
}

fn report(call: &str, count: u32, (us, failed): (u64, u32)) {
    Line::new("bench-calls ")
        .str(call)
        .str(": ")
        .u64(u64::from(count))
        .str(" calls in ")
        .u64(us)
        .str(" us, ")
        .u64(u64::from(failed))
        .str(" failed")
        .info();
}

fn sleeps(duration_us: u64, count: u32) {
    let mut late_total = 0u64;
    let mut late_max = 0u64;
    for _ in 0..count {
        let started = now_us();
        time::sleep_us(duration_us).unwrap_or_else(|e| fail("bench-calls: sleep", e));
        let late = now_us().saturating_sub(started).saturating_sub(duration_us);
        late_total += late;
        late_max = late_max.max(late);
    }
    Line::new("bench-calls sleep ")
        .u64(duration_us)
        .str(" us: ")
        .u64(u64::from(count))
        .str(" sleeps, late ")
        .u64(late_total)
        .str(" us in all, max ")
        .u64(late_max)
        .str(" us")
        .info();
}

impl Guest for BenchCalls {
    fn run() {
        let data = require("data");

        // The same loop with nothing in it: `black_box` keeps the compiler from removing it.
        report("loop", CALLS, timed(CALLS, || black_box(true)));
        report("now-us", CALLS, timed(CALLS, || time::now_us().is_ok()));
        report(
            "lookup",
            CALLS,
            timed(CALLS, || lookup(black_box("data")) == Ok(data)),
        );
        report(
            "read",
            CALLS,
            timed(CALLS, || {
                regions::read(data, 0, READ_BYTES).is_ok_and(|b| b.len() == READ_BYTES as usize)
            }),
        );
        report(
            "log debug",
            DEBUG_LINES,
            timed(DEBUG_LINES, || log::write(Level::Debug, LOG_LINE).is_ok()),
        );
        report(
            "log info",
            INFO_LINES,
            timed(INFO_LINES, || log::write(Level::Info, LOG_LINE).is_ok()),
        );
        // Let the UART drain what the lines above queued before the sleeps are timed.
        let _ = time::sleep_us(20_000);
        for (duration_us, count) in SLEEPS {
            sleeps(duration_us, count);
        }
        Line::new("bench-calls: done").info();
    }
}

ruvix_guest::export!(BenchCalls);
