//! The hook through which the kernel keeps TLBs and the table walker in step with the tables.

/// TLB and barrier maintenance, called while the tables change.
///
/// Break-before-make order is: invalid descriptor written, [`TlbMaintenance::invalidate`] for the
/// range it covered, then (if any) the new descriptor written. The kernel implements:
///
/// - `invalidate`: `dsb ishst` (the invalid descriptor reaches memory before the TLBI), then
///   `tlbi vae1is, <va >> 12>` for each 4 KiB page of the range, or `tlbi vmalle1is` when the
///   range is large; then `dsb ish; isb`. `tlbi vae1is` also drops cached table walks for that
///   VA, which matters when a table descriptor is removed.
/// - `publish`: `dsb ishst; isb`, so descriptors just written are seen by the walker before the
///   caller touches the new mapping.
pub trait TlbMaintenance {
    /// A valid descriptor covering `va..va + size` has been made invalid.
    fn invalidate(&mut self, va: u64, size: u64);

    /// A change is complete; make every descriptor written visible to the walker.
    fn publish(&mut self) {}
}

impl<T: TlbMaintenance + ?Sized> TlbMaintenance for &mut T {
    fn invalidate(&mut self, va: u64, size: u64) {
        (**self).invalidate(va, size);
    }

    fn publish(&mut self) {
        (**self).publish();
    }
}

/// Does nothing: for host tests and for building tables while the MMU is off (the kernel
/// invalidates all TLBs before turning it on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTlbMaintenance;

impl TlbMaintenance for NoTlbMaintenance {
    fn invalidate(&mut self, _va: u64, _size: u64) {}
}
