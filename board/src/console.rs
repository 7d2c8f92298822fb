//! The log: `defmt` frames over the PL011 UART, decoded on the host (`defmt-print`).

use core::cell::UnsafeCell;

use crate::bsp::memory_map;
use crate::drivers::pl011::Pl011;

// SAFETY: UART0 is at this address on the chosen board and mapped as device memory (or the
// MMU is off, which makes every access device-nGnRnE).
pub(crate) static UART: Pl011 = unsafe { Pl011::new(memory_map::UART0) };

/// Logger state, only touched between `acquire` and `release`, i.e. with interrupts masked on
/// the one core that runs the kernel.
struct State {
    encoder: defmt::Encoder,
    taken: bool,
    restore: critical_section::RestoreState,
}

struct Shared(UnsafeCell<State>);
// SAFETY: accessed only inside the logger's critical section (see `State`).
unsafe impl Sync for Shared {}

static STATE: Shared = Shared(UnsafeCell::new(State {
    encoder: defmt::Encoder::new(),
    taken: false,
    restore: critical_section::RestoreState::invalid(),
}));

fn write_uart(bytes: &[u8]) {
    UART.write_bytes(bytes);
}

#[defmt::global_logger]
struct UartLogger;

// SAFETY: `acquire` enters a critical section (interrupts masked, single core) that lasts
// until `release`, so the encoder is never used from two contexts at once.
unsafe impl defmt::Logger for UartLogger {
    fn acquire() {
        // SAFETY: paired with the `release` in `UartLogger::release`.
        let restore = unsafe { critical_section::acquire() };
        // SAFETY: inside the critical section just entered.
        let state = unsafe { &mut *STATE.0.get() };
        if state.taken {
            // Re-entered: a fault happened in the middle of a log call. Close the broken frame
            // (the decoder drops it) so the fault report that follows is readable.
            state.encoder.end_frame(write_uart);
        }
        state.taken = true;
        state.restore = restore;
        state.encoder.start_frame(write_uart);
    }

    unsafe fn flush() {
        UART.flush();
    }

    unsafe fn release() {
        // SAFETY: the caller holds the logger (defmt's contract), so we are in its section.
        let state = unsafe { &mut *STATE.0.get() };
        state.encoder.end_frame(write_uart);
        state.taken = false;
        let restore = state.restore;
        // SAFETY: leaves the section entered in `acquire`.
        unsafe { critical_section::release(restore) };
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: as in `release`.
        let state = unsafe { &mut *STATE.0.get() };
        state.encoder.write(bytes, write_uart);
    }
}

defmt::timestamp!("{=u64:us}", {
    let t = crate::arch::timer::uptime();
    t.as_secs() * 1_000_000 + u64::from(t.subsec_micros())
});

/// Wait until the UART has sent everything (before stopping the machine).
pub fn flush() {
    UART.flush();
}
