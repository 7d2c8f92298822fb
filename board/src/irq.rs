//! Interrupt dispatch: the board's controller says what is pending; the timer tick and the
//! UART's transmit interrupt (the log drain) are handled here. A device line the kernel has
//! handed to a component ([`claim_device_line`]) is masked at the controller when it fires and
//! recorded; the kernel collects the record ([`take_fired`]) and wakes the holder, and only the
//! holder's acknowledgement unmasks it again ([`unmask_device_line`]), so a device that keeps
//! asserting cannot storm the kernel. Anything else is counted as unexpected.

use core::sync::atomic::{AtomicU64, Ordering};

static UNEXPECTED: AtomicU64 = AtomicU64::new(0);

/// Controller line numbers a component may hold: below this (the Pi 3's 64 peripheral lines,
/// the Pi 4's GIC INTIDs up to 255).
pub const DEVICE_LINES: u32 = 256;

/// A bit per line: handed to a component.
static CLAIMED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
/// A bit per line: fired (and masked) since the kernel last collected.
static FIRED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

fn bit(line: u32) -> Option<(&'static AtomicU64, &'static AtomicU64, u64)> {
    let word = usize::try_from(line / 64).ok()?;
    Some((CLAIMED.get(word)?, FIRED.get(word)?, 1 << (line % 64)))
}

pub(crate) fn init() {
    crate::bsp::irq_init();
}

pub(crate) fn dispatch() {
    crate::bsp::irq_dispatch(
        crate::arch::timer::handle_tick_interrupt,
        crate::console::on_uart_interrupt,
        |line| {
            match bit(line) {
                Some((claimed, fired, mask)) if claimed.load(Ordering::Relaxed) & mask != 0 => {
                    // Masked before the controller is told the interrupt was handled, so a
                    // level that stays asserted does not come straight back.
                    crate::bsp::mask_device_line(line);
                    fired.fetch_or(mask, Ordering::Relaxed);
                }
                _ => {
                    UNEXPECTED.fetch_add(1, Ordering::Relaxed);
                }
            }
        },
    );
}

/// Hands device line `line` to a component: from now on its fires are recorded for
/// [`take_fired`]; it starts masked (the holder's [`unmask_device_line`] enables it). False
/// for a line out of range.
pub fn claim_device_line(line: u32) -> bool {
    let Some((claimed, fired, mask)) = bit(line) else {
        return false;
    };
    crate::bsp::mask_device_line(line);
    fired.fetch_and(!mask, Ordering::Relaxed);
    claimed.fetch_or(mask, Ordering::Relaxed);
    true
}

/// Enables a claimed line at the controller (its holder acknowledged it).
pub fn unmask_device_line(line: u32) {
    if let Some((claimed, _, mask)) = bit(line)
        && claimed.load(Ordering::Relaxed) & mask != 0
    {
        crate::bsp::unmask_device_line(line);
    }
}

/// Disables a claimed line at the controller (its holder is down).
pub fn mask_device_line(line: u32) {
    if bit(line).is_some() {
        crate::bsp::mask_device_line(line);
    }
}

/// Hands every claimed line that fired since the last call to `each` (each once), and forgets
/// it. The lines stay masked.
pub fn take_fired(mut each: impl FnMut(u32)) {
    for (word, fired) in (0u32..).zip(FIRED.iter()) {
        let mut bits = fired.swap(0, Ordering::Relaxed);
        while bits != 0 {
            let low = bits.trailing_zeros();
            bits &= bits - 1;
            each(word * 64 + low);
        }
    }
}

/// Interrupts that arrived from a source nobody enabled.
pub fn unexpected_count() -> u64 {
    UNEXPECTED.load(Ordering::Relaxed)
}
