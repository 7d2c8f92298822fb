//! [`MintToken`]: the proof that the caller may create capabilities from nothing.
//!
//! Minting (as opposed to deriving, which only reduces) is how authority enters the system, so
//! it takes a token only the boot stages can hold: [`BootMinter::take`] hands out the one token
//! of the system's life, and [`crate::CapTable::reduce_to_minimum`] consumes it at the SEC-001
//! drop. After that no `MintToken` exists anywhere, so no code path can call
//! [`crate::Capability::mint`] — the compiler checks what a runtime flag could only hope for.

use core::sync::atomic::{AtomicBool, Ordering};

/// Permission to mint capabilities. Zero-sized, not `Clone`, not `Copy`, no public constructor.
#[derive(Debug)]
pub struct MintToken {
    _private: (),
}

impl MintToken {
    /// A token for this crate's unit tests, which would otherwise share the one-shot
    /// [`BootMinter`] of the test process.
    #[cfg(test)]
    pub(crate) const fn for_tests() -> MintToken {
        MintToken { _private: () }
    }
}

/// Whether the one [`MintToken`] has been handed out.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Hands out the system's single [`MintToken`].
///
/// The kernel calls [`BootMinter::take`] once, at stage 2 (after the MMU is on: the atomic swap
/// uses exclusive accesses, which need normal cacheable memory), keeps the token on the stack of
/// its boot sequence, lends it to [`crate::BootCapabilitySet::new`], and gives it up at the end
/// of stage 3 to [`crate::CapTable::reduce_to_minimum`].
#[derive(Debug)]
pub struct BootMinter;

impl BootMinter {
    /// The token, the first time; `None` ever after.
    pub fn take() -> Option<MintToken> {
        let already = TAKEN.swap(true, Ordering::AcqRel);
        (!already).then_some(MintToken { _private: () })
    }
}
