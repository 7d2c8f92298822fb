//! Memory the kernel gives processes: page-aligned, zeroed runs of pages from the kernel heap.
//! The heap is identity-mapped for the kernel, so a run's kernel address is also its physical
//! address — which is what a process's translation table maps at the process's own virtual
//! address.

use alloc::alloc::{Layout, alloc, dealloc};
use core::ptr::NonNull;

use ruvix_process_abi::layout::PAGE_SIZE;

/// Pages owned by the kernel and mapped into one or more processes. The kernel touches them
/// only through this type (never through a Rust reference a process could change under it).
pub struct UserPages {
    base: NonNull<u8>,
    len: usize,
    /// False for pages of the kernel image itself, mapped in place (read-only for ever).
    owned: bool,
}

impl UserPages {
    /// `bytes` rounded up to whole pages, zeroed; `None` if the heap cannot give them.
    pub fn zeroed(bytes: u64) -> Option<UserPages> {
        let len = usize::try_from(bytes.max(1).div_ceil(PAGE_SIZE) * PAGE_SIZE).ok()?;
        let layout = Layout::from_size_align(len, PAGE_SIZE as usize).ok()?;
        // SAFETY: `layout` has a non-zero size.
        let base = NonNull::new(unsafe { alloc(layout) })?;
        let mut pages = UserPages {
            base,
            len,
            owned: true,
        };
        pages.clear();
        Some(pages)
    }

    /// Read-only pages of the kernel image (the embedded component host's code and read-only
    /// data), mapped into processes where they are instead of copied; `None` unless `bytes`
    /// are whole, page-aligned pages. They are never written nor freed.
    pub fn in_place(bytes: &'static [u8]) -> Option<UserPages> {
        let page = PAGE_SIZE as usize;
        let aligned =
            (bytes.as_ptr() as usize).is_multiple_of(page) && bytes.len().is_multiple_of(page);
        if !aligned || bytes.is_empty() {
            return None;
        }
        Some(UserPages {
            base: NonNull::from(bytes).cast(),
            len: bytes.len(),
            owned: false,
        })
    }

    /// Physical (= kernel) address of the first page.
    pub fn phys(&self) -> u64 {
        self.base.as_ptr() as u64
    }

    /// Whether the pages came from the heap (else they are the kernel image's, in place).
    pub fn is_heap(&self) -> bool {
        self.owned
    }

    /// Size in bytes (whole pages).
    pub fn len(&self) -> u64 {
        self.len as u64
    }

    /// Copies `data` in at `offset`; false (nothing written) if it does not fit.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        if !self.owned {
            return false;
        }
        let Some(end) = offset.checked_add(data.len() as u64) else {
            return false;
        };
        if end > self.len() {
            return false;
        }
        // SAFETY: the range lies inside this allocation (checked above), which no Rust
        // reference covers; a process that may write it concurrently does not run now (one
        // core, and the kernel never runs a process while it is in here).
        unsafe {
            core::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.base.as_ptr().add(offset as usize),
                data.len(),
            )
        };
        true
    }

    /// Writes plain data `value` at `offset` (the boot information page); false if it does not
    /// fit.
    pub fn write_value<T: Copy>(&mut self, offset: u64, value: &T) -> bool {
        let size = core::mem::size_of::<T>() as u64;
        if !self.owned {
            return false;
        }
        if offset.checked_add(size).is_none_or(|end| end > self.len()) {
            return false;
        }
        // SAFETY: inside the allocation (checked); `T: Copy` is plain data, written unaligned
        // so any offset works.
        unsafe {
            core::ptr::write_unaligned(self.base.as_ptr().add(offset as usize).cast::<T>(), *value)
        };
        true
    }

    /// Copies `into.len()` bytes out from `offset`; false if the range is outside.
    pub fn read(&self, offset: u64, into: &mut [u8]) -> bool {
        let Some(end) = offset.checked_add(into.len() as u64) else {
            return false;
        };
        if end > self.len() {
            return false;
        }
        // SAFETY: as for `write`, reading.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.base.as_ptr().add(offset as usize),
                into.as_mut_ptr(),
                into.len(),
            )
        };
        true
    }

    /// Zeroes every page (a restart starts from a clean process).
    pub fn clear(&mut self) {
        if !self.owned {
            return;
        }
        // SAFETY: the whole allocation (page-aligned, whole pages, normal memory of the heap),
        // which no Rust reference covers, as for `write`.
        unsafe { crate::board::arch::cache::zero_pages(self.base.as_ptr(), self.len) };
    }
}

impl Drop for UserPages {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if let Ok(layout) = Layout::from_size_align(self.len, PAGE_SIZE as usize) {
            // SAFETY: allocated in `zeroed` with this layout; no mapping of it is used any more
            // (the process tables that mapped it are gone or its ASID flushed first).
            unsafe { dealloc(self.base.as_ptr(), layout) };
        }
    }
}
