//! The host side of the host interface: state, the functions, and the per-component linker.

pub(crate) mod calls;
pub(crate) mod link;
pub(crate) mod state;
