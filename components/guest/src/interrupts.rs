//! Device interrupts (WIT `interrupts`): the generated calls, and [`poll`] for a driver that
//! checks its line without blocking.
//!
//! A driver holds one interrupt, looked up by the name its manifest `[[interrupt]]` gives it,
//! and the MMIO region of its device. Its loop:
//!
//! ```ignore
//! let irq = require("uart");
//! loop {
//!     // The kernel masked the line when it fired.
//!     if let Err(error) = interrupts::wait(irq) {
//!         fail("uart-echo: wait", error);
//!     }
//!     // ... serve the device through its region, clearing its interrupt condition ...
//!     if let Err(error) = interrupts::ack(irq) {
//!         fail("uart-echo: ack", error); // unmasks the line
//!     }
//! }
//! ```
//!
//! A device condition left uncleared makes the line fire again as soon as it is unmasked.

use crate::{Error, Handle};

pub use crate::bindings::ruvix::host::interrupts::{ack, try_wait, wait};

/// Whether the line has fired, without blocking: `Some(fires since the last ack)` or `None`
/// (`try-wait`'s `would-block`). Other errors are returned as they are.
pub fn poll(irq: Handle) -> Result<Option<u32>, Error> {
    fired(try_wait(irq))
}

/// `try-wait`'s answer with `would-block` as `None`.
fn fired(answer: Result<u32, Error>) -> Result<Option<u32>, Error> {
    match answer {
        Ok(count) => Ok(Some(count)),
        Err(Error::WouldBlock) => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::fired;
    use crate::Error;

    #[test]
    fn would_block_is_not_fired_and_other_errors_stay_errors() {
        assert_eq!(fired(Ok(1)), Ok(Some(1)));
        assert_eq!(fired(Ok(3)), Ok(Some(3)));
        assert_eq!(fired(Err(Error::WouldBlock)), Ok(None));
        assert_eq!(fired(Err(Error::WrongKind)), Err(Error::WrongKind));
        assert_eq!(fired(Err(Error::BadHandle)), Err(Error::BadHandle));
    }
}
