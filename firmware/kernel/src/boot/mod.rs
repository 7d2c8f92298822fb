//! The boot pipeline, in the order of `ruvix-boot`'s `BootLoader`: stage 0 hardware, stage 1
//! verify, stage 2 create, stage 3 mount, stage 4 attest. Each stage prints one line in the
//! shape `stage N <name>: ok (<ticks> ticks)` or `stage N <name>: failed: <reason>`.

pub mod package_source;
pub mod stage0_hardware;
pub mod stage1_verify;
pub mod stage2_create;
pub mod stage3_mount;
pub mod stage4_attest;

use crate::board;

/// Rate of the kernel tick; the scheduler's time slice unit.
pub const TICK_HZ: u32 = 100;
/// How often the idle loop reports that it is alive.
const HEARTBEAT_SECONDS: u64 = 10;

/// Print a stage line with its duration in counter ticks.
pub fn stage_ok(number: u8, name: &str, started: u64) {
    let ticks = board::timer::counter().wrapping_sub(started);
    defmt::info!("stage {=u8} {=str}: ok ({=u64} ticks)", number, name, ticks);
}

/// Nothing left to run: sleep between timer ticks for ever, with a periodic heartbeat.
pub fn idle(_hardware: &board::BoardInfo) -> ! {
    board::timer::start_tick(TICK_HZ);
    board::cpu::enable_interrupts();
    let mut next_report = u64::from(TICK_HZ) * HEARTBEAT_SECONDS;
    loop {
        board::cpu::wait_for_interrupt();
        let ticks = board::timer::ticks();
        if ticks >= next_report {
            defmt::info!(
                "idle: up {=u64} s, {=u64} ticks",
                board::timer::uptime().as_secs(),
                ticks
            );
            next_report += u64::from(TICK_HZ) * HEARTBEAT_SECONDS;
        }
    }
}

/// Bytes as lowercase hex without separators, for hashes in the log.
pub struct Hex<'a>(pub &'a [u8]);

impl defmt::Format for Hex<'_> {
    fn format(&self, f: defmt::Formatter) {
        for byte in self.0 {
            defmt::write!(f, "{=u8:02x}", byte);
        }
    }
}
