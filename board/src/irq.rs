//! Interrupt dispatch: the board's controller says what is pending; the timer tick and the
//! UART's transmit interrupt (the log drain) are handled here, anything else is counted as
//! spurious (no other source is enabled yet).

use core::sync::atomic::{AtomicU64, Ordering};

static UNEXPECTED: AtomicU64 = AtomicU64::new(0);

pub(crate) fn init() {
    crate::bsp::irq_init();
}

pub(crate) fn dispatch() {
    crate::bsp::irq_dispatch(
        crate::arch::timer::handle_tick_interrupt,
        crate::console::on_uart_interrupt,
        |_source| {
            UNEXPECTED.fetch_add(1, Ordering::Relaxed);
        },
    );
}

/// Interrupts that arrived from a source nobody enabled.
pub fn unexpected_count() -> u64 {
    UNEXPECTED.load(Ordering::Relaxed)
}
