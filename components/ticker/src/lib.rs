//! `ticker`: a 1 kHz interrupt from compare channel 1 of the BCM2835 system timer (the 1 MHz
//! free-running counter), served through the MMIO region `systimer` and the interrupt `tick`,
//! and measured: how late each wake-up is after its compare value.
//!
//! Programs C1 = CLO + 1000, then for ever: waits for `tick`, reads CLO (the wake-up's lateness
//! is CLO - the compare value), clears the match in CS, programs the next compare value one
//! period after the previous one (skipping whole periods, counted missed, when the counter has
//! already passed it), and acknowledges the interrupt. Log lines (the QEMU tests parse them):
//! - at start: `ticker: started, period 1000 us on system timer channel 1`;
//! - every second of CLO: `ticker: <n> interrupts in <us> us, <rate> per second, jitter max
//!   <j> us, mean <m> us, missed <k>`, over that interval (see `ruvix_guest::tick::Interval`);
//! - for the first few wake-ups with no match due (e.g. a fire left over from an instance
//!   before a restart): `ticker: woken with no compare match due (CS = 0x...), ignored` (warn).
//!
//! Needs the grants `log` and `timer`, the region `systimer` (rw) over the system timer's page
//! and the interrupt `tick` (source `system-timer-1`). QEMU's raspi4b does not wire the system
//! timer to its GIC, so there `tick` never fires; on raspi3b and on real boards it does.

#![no_std]

use ruvix_guest::tick::{self, Interval, SECOND_US};
use ruvix_guest::{Guest, Handle, Line, fail, interrupts, regions, require};

/// Control/status: bit n set = compare n matched; write 1 << n to clear it.
const CS: u32 = 0x00;
/// The counter's low 32 bits (1 MHz).
const CLO: u32 = 0x04;
/// Compare channel 1 (C0 and C2 belong to the VideoCore on a real Pi).
const C1: u32 = 0x10;
/// Channel 1's bit in CS.
const MATCH1: u32 = 1 << 1;
/// The interrupt period.
const PERIOD_US: u32 = 1000;
/// How many unexpected wake-ups are logged.
const SPURIOUS_LOGGED: u64 = 10;

struct Ticker;

/// The system timer's registers in the region `systimer`.
struct SystemTimer {
    region: Handle,
}

impl SystemTimer {
    fn read(&self, offset: u32) -> u32 {
        regions::read32(self.region, offset).unwrap_or_else(|e| fail("ticker: read32", e))
    }

    fn write(&self, offset: u32, value: u32) {
        if let Err(error) = regions::write32(self.region, offset, value) {
            fail("ticker: write32", error);
        }
    }

    fn now(&self) -> u32 {
        self.read(CLO)
    }

    /// Programs compare 1 for `at` and returns the compare value it will match. The compare
    /// matches only when the counter *equals* it: if the counter reached `at` before the write
    /// landed and no match is pending, none would come for 71 minutes, so `at` and any
    /// periods after it that have passed are counted missed and the next one is programmed.
    /// CS's match bit must be clear on entry.
    fn arm(&self, mut at: u32, interval: &mut Interval) -> u32 {
        loop {
            self.write(C1, at);
            if tick::is_ahead(at, self.now()) || self.read(CS) & MATCH1 != 0 {
                return at;
            }
            let (next, skipped) = tick::next_compare(at, PERIOD_US, self.now());
            interval.miss(1 + skipped);
            at = next;
        }
    }
}

fn wait(irq: Handle) {
    if let Err(error) = interrupts::wait(irq) {
        fail("ticker: wait", error);
    }
}

fn ack(irq: Handle) {
    if let Err(error) = interrupts::ack(irq) {
        fail("ticker: ack", error);
    }
}

impl Guest for Ticker {
    fn run() {
        // `log` and `timer` take no handle; looking them up checks the grants at once.
        require("log");
        require("timer");
        let timer = SystemTimer {
            region: require("systimer"),
        };
        let irq = require("tick");
        Line::new("ticker: started, period ")
            .u64(PERIOD_US.into())
            .str(" us on system timer channel 1")
            .info();

        let mut interval = Interval::new(timer.now());
        // A match left pending (by an instance before a restart) would fire at once.
        timer.write(CS, MATCH1);
        let mut compare = timer.arm(timer.now().wrapping_add(PERIOD_US), &mut interval);
        let mut spurious = 0u64;
        loop {
            wait(irq);
            let now = timer.now();
            let status = timer.read(CS);
            if status & MATCH1 == 0 || tick::is_ahead(compare, now) {
                // Not our compare value: a stale fire, or a stale match from before `arm`.
                spurious += 1;
                if spurious <= SPURIOUS_LOGGED {
                    Line::new("ticker: woken with no compare match due (CS = ")
                        .hex32(status)
                        .str("), ignored")
                        .warn();
                }
                if status & MATCH1 != 0 {
                    timer.write(CS, MATCH1);
                    // Had `compare` matched just after `now` was read, that match is cleared
                    // now: programming it again counts it missed if it has passed.
                    compare = timer.arm(compare, &mut interval);
                }
                ack(irq);
                continue;
            }
            interval.record(tick::since(compare, now));
            timer.write(CS, MATCH1);
            let (next, skipped) = tick::next_compare(compare, PERIOD_US, timer.now());
            interval.miss(skipped);
            compare = timer.arm(next, &mut interval);
            ack(irq);

            if interval.elapsed(now) >= SECOND_US {
                interval.report(now, Line::new("ticker: ")).info();
                interval = Interval::new(now);
            }
        }
    }
}

ruvix_guest::export!(Ticker);
