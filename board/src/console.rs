//! The log: `defmt` frames over the PL011 UART, decoded on the host (`defmt-print`).
//!
//! Logging never waits for the wire. A frame is encoded into a staging buffer and then put
//! whole into a ring ([`ruvix_log_ring::LogBuffer`]); the UART's transmit interrupt (and the
//! idle loop, through [`drain`]) moves bytes from the ring into the 16-byte FIFO once the
//! scheduler runs ([`start_interrupt_driven`]; during the boot each log call moves what fits
//! and a kept line finding the ring full waits for the wire). Interrupts
//! are masked only while a frame is encoded and copied — microseconds, not the ~87 µs per
//! byte a 115200-baud line takes.
//!
//! Frames are *kept* (the kernel's own lines: stages, faults, restarts, the attestation) or
//! *droppable* (inside [`droppable`]: component lines, statistics). Droppable frames may use
//! the ring up to [`RESERVE_BYTES`] short of full and are dropped whole and counted when it
//! is; kept frames use the reserve too, and if even that is full they wait for the wire (only
//! then does the log spin on the UART). A fatal report ([`enter_fatal`]) first writes out
//! everything queued, then writes synchronously.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU16, Ordering};

use ruvix_log_ring::{Class, Drops, LogBuffer, Totals};

use crate::bsp::memory_map;
use crate::drivers::pl011::{Pl011, TX_FIFO_DEPTH};

/// The ring: about 1.4 s of a 115200-baud line.
pub const RING_BYTES: usize = 16 * 1024;
/// Room only kept frames may use: the whole boot banner and a fault report fit in it.
pub const RESERVE_BYTES: usize = 4 * 1024;
/// The largest frame queued whole (a component line is at most 512 bytes of text plus its
/// name); a larger kept frame goes out synchronously, a larger droppable one is dropped.
pub const FRAME_BYTES: usize = 1024;
/// A drop notice is printed only when this much room is free for droppable frames.
const NOTICE_ROOM: usize = 512;

/// No droppable scope is open: frames are kept.
const KEPT: u16 = u16::MAX;

// SAFETY: UART0 is at this address on the chosen board and mapped as device memory (or the
// MMU is off, which makes every access device-nGnRnE).
pub(crate) static UART: Pl011 = unsafe { Pl011::new(memory_map::UART0) };

/// Logger state, only touched with interrupts masked on the one core that runs the kernel:
/// between `acquire` and `release`, in the UART interrupt, or inside `critical_section::with`.
struct State {
    encoder: defmt::Encoder,
    buffer: LogBuffer<RING_BYTES, FRAME_BYTES>,
    taken: bool,
    restore: critical_section::RestoreState,
    /// After a fatal error: every frame is written synchronously.
    synchronous: bool,
    /// The kernel takes interrupts (the scheduler runs): the transmit interrupt may be used.
    /// Before that (the boot) an unmasked UART interrupt would be pending with nobody to take
    /// it, so the ring is drained by each log call and, when full, by kept lines waiting.
    interrupt_driven: bool,
    /// Counter when the current frame was acquired.
    acquired_at: u64,
    /// The longest a log call kept interrupts masked, in counter ticks.
    longest_masked: u64,
    tx_interrupts: u64,
    /// What was typed (the UART's receive side), for the component granted `console`.
    input: Input,
}

/// Bytes received and not yet taken ([`take_input`]): a ring of [`INPUT_BYTES`]; a byte that
/// finds it full is dropped and counted.
struct Input {
    bytes: [u8; INPUT_BYTES],
    start: usize,
    len: usize,
    dropped: u64,
    received: u64,
    /// Counter when the last byte arrived.
    last_at: u64,
}

/// Typed bytes the kernel holds for the console's reader.
pub const INPUT_BYTES: usize = 256;

impl Input {
    fn push(&mut self, byte: u8) {
        self.received = self.received.wrapping_add(1);
        self.last_at = crate::arch::timer::counter();
        if self.len == INPUT_BYTES {
            self.dropped = self.dropped.wrapping_add(1);
            return;
        }
        self.bytes[(self.start + self.len) % INPUT_BYTES] = byte;
        self.len += 1;
    }

    fn take(&mut self, into: &mut [u8]) -> usize {
        let n = into.len().min(self.len);
        for slot in into.iter_mut().take(n) {
            *slot = self.bytes[self.start];
            self.start = (self.start + 1) % INPUT_BYTES;
        }
        self.len -= n;
        n
    }
}

struct Shared(UnsafeCell<State>);
// SAFETY: accessed only with interrupts masked on a single core (see `State`).
unsafe impl Sync for Shared {}

static STATE: Shared = Shared(UnsafeCell::new(State {
    encoder: defmt::Encoder::new(),
    buffer: LogBuffer::new(RESERVE_BYTES),
    taken: false,
    restore: critical_section::RestoreState::invalid(),
    synchronous: false,
    interrupt_driven: false,
    acquired_at: 0,
    longest_masked: 0,
    tx_interrupts: 0,
    input: Input {
        bytes: [0; INPUT_BYTES],
        start: 0,
        len: 0,
        dropped: 0,
        received: 0,
        last_at: 0,
    },
}));

/// The class of the frames logged now (set by [`droppable`]).
static SOURCE: AtomicU16 = AtomicU16::new(KEPT);

fn write_uart(bytes: &[u8]) {
    UART.write_bytes(bytes);
}

/// Runs `f` with interrupts masked and the logger state. Never called while the logger holds
/// the state (log calls do not nest in these functions).
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    critical_section::with(|_| {
        // SAFETY: interrupts are masked and nothing else holds the state (see `State`).
        f(unsafe { &mut *STATE.0.get() })
    })
}

/// Fill the FIFO from the ring without waiting; leave the transmit interrupt on while bytes
/// remain, off once the ring is empty (a drained FIFO keeps the interrupt asserted).
fn kick(state: &mut State) {
    state.buffer.pop(TX_FIFO_DEPTH, |b| UART.try_write_byte(b));
    UART.set_tx_interrupt(state.interrupt_driven && !state.buffer.is_empty());
}

#[defmt::global_logger]
struct UartLogger;

// SAFETY: `acquire` enters a critical section (interrupts masked, single core) that lasts
// until `release`, so the encoder and the ring are never used from two contexts at once.
unsafe impl defmt::Logger for UartLogger {
    fn acquire() {
        // SAFETY: paired with the `release` in `UartLogger::release`.
        let restore = unsafe { critical_section::acquire() };
        // SAFETY: inside the critical section just entered.
        let state = unsafe { &mut *STATE.0.get() };
        if state.taken {
            // Re-entered: a fault happened in the middle of a log call. The broken frame is
            // discarded (`begin` below), so the fault report that follows is readable.
            state.encoder.end_frame(|_| {});
        }
        state.taken = true;
        state.restore = restore;
        state.acquired_at = crate::arch::timer::counter();
        let State {
            encoder,
            buffer,
            synchronous,
            ..
        } = state;
        if *synchronous {
            encoder.start_frame(write_uart);
        } else {
            let class = match SOURCE.load(Ordering::Relaxed) {
                KEPT => Class::Kept,
                source => Class::Droppable {
                    source: source as u8,
                },
            };
            buffer.begin(class);
            encoder.start_frame(|bytes| buffer.write(bytes, write_uart));
        }
    }

    unsafe fn flush() {
        with_state(|state| state.buffer.drain_all(write_uart));
        UART.flush();
    }

    unsafe fn release() {
        // SAFETY: the caller holds the logger (defmt's contract), so we are in its section.
        let state = unsafe { &mut *STATE.0.get() };
        let State {
            encoder,
            buffer,
            synchronous,
            ..
        } = &mut *state;
        if *synchronous {
            encoder.end_frame(write_uart);
        } else {
            encoder.end_frame(|bytes| buffer.write(bytes, write_uart));
            buffer.end(write_uart);
            kick(state);
        }
        let masked = crate::arch::timer::counter().wrapping_sub(state.acquired_at);
        state.longest_masked = state.longest_masked.max(masked);
        state.taken = false;
        let restore = state.restore;
        // SAFETY: leaves the section entered in `acquire`.
        unsafe { critical_section::release(restore) };
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: as in `release`.
        let state = unsafe { &mut *STATE.0.get() };
        let State {
            encoder,
            buffer,
            synchronous,
            ..
        } = state;
        if *synchronous {
            encoder.write(bytes, write_uart);
        } else {
            encoder.write(bytes, |b| buffer.write(b, write_uart));
        }
    }
}

defmt::timestamp!("{=u64:us}", {
    let t = crate::arch::timer::uptime();
    t.as_secs() * 1_000_000 + u64::from(t.subsec_micros())
});

/// Log lines emitted inside `f` may be dropped when the ring is full, counted against
/// `source` (a component index, or [`ruvix_log_ring::KERNEL_SOURCE`]).
pub fn droppable<R>(source: u8, f: impl FnOnce() -> R) -> R {
    let previous = SOURCE.swap(u16::from(source), Ordering::Relaxed);
    let result = f();
    SOURCE.store(previous, Ordering::Relaxed);
    result
}

/// From now on the UART's transmit interrupt drains the log (the caller is about to unmask
/// interrupts and keeps them for good).
pub fn start_interrupt_driven() {
    with_state(|state| {
        state.interrupt_driven = true;
        kick(state);
    });
}

/// The UART's interrupt: take what was received into the input ring, refill the transmit
/// FIFO.
pub(crate) fn on_uart_interrupt() {
    with_state(|state| {
        while let Some(byte) = UART.try_read_byte() {
            state.input.push(byte);
        }
        state.tx_interrupts += 1;
        kick(state);
    });
}

/// Start taking what is typed: the receive interrupt on (the kernel does it when a component
/// holds `console`; until then bytes wait in the UART's FIFO and, beyond it, on the wire).
pub fn enable_input() {
    UART.set_rx_interrupt(true);
}

/// Moves typed bytes into `into`; how many.
pub fn take_input(into: &mut [u8]) -> usize {
    with_state(|state| state.input.take(into))
}

/// Whether typed bytes wait.
pub fn input_pending() -> bool {
    with_state(|state| state.input.len > 0)
}

/// Bytes received in all, bytes dropped because the input ring was full, and the counter when
/// the last one arrived.
pub fn input_counts() -> (u64, u64, u64) {
    with_state(|state| {
        (
            state.input.received,
            state.input.dropped,
            state.input.last_at,
        )
    })
}

/// Move what fits into the FIFO now, without waiting (the idle loop calls it).
pub fn drain() {
    with_state(kick);
}

/// Wait until everything queued has left the UART (before stopping the machine).
pub fn flush() {
    with_state(|state| state.buffer.drain_all(write_uart));
    UART.flush();
}

/// A fatal error is being reported: write out everything queued, then write every later frame
/// synchronously, so the report arrives complete and after the lines before it.
pub fn enter_fatal() {
    // If the fault hit inside a log call, the broken frame is only in staging (not the ring)
    // and the next `acquire` discards it.
    with_state(|state| {
        state.buffer.drain_all(write_uart);
        state.synchronous = true;
        state.interrupt_driven = false;
        UART.set_tx_interrupt(false);
    });
}

/// Start measuring the longest masked log call afresh (tests measure one interval).
pub fn reset_longest_masked() {
    with_state(|state| state.longest_masked = 0);
}

/// Drops since the last call, once there is room for the notice.
pub fn take_drops() -> Option<Drops> {
    with_state(|state| state.buffer.take_drops(NOTICE_ROOM))
}

/// What the log has done since boot.
#[derive(Clone, Copy, Debug)]
pub struct LogStatistics {
    pub ring_bytes: usize,
    pub reserve_bytes: usize,
    pub waiting_bytes: usize,
    pub totals: Totals,
    pub tx_interrupts: u64,
    /// The longest one log call kept interrupts masked, in counter ticks.
    pub longest_masked_ticks: u64,
}

pub fn statistics() -> LogStatistics {
    with_state(|state| LogStatistics {
        ring_bytes: state.buffer.capacity(),
        reserve_bytes: state.buffer.reserve(),
        waiting_bytes: state.buffer.len(),
        totals: state.buffer.totals(),
        tx_interrupts: state.tx_interrupts,
        longest_masked_ticks: state.longest_masked,
    })
}
