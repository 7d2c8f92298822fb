//! The kernel's memory layout as the linker script (`linker/kernel.ld`) placed it.

use core::ops::Range;

unsafe extern "C" {
    static __kernel_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static __boot_stack_guard: u8;
    static __boot_stack_bottom: u8;
    static __boot_stack_top: u8;
    static __exception_stack_guard: u8;
    static __exception_stack_bottom: u8;
    static __exception_stack_top: u8;
    static __heap_start: u8;
    static __heap_end: u8;
    static __kernel_end: u8;
}

/// Address ranges of the kernel image, its stacks and its heap (all page aligned).
#[derive(Clone, Debug)]
pub struct KernelLayout {
    pub image: Range<u64>,
    pub text: Range<u64>,
    pub rodata: Range<u64>,
    pub data: Range<u64>,
    pub boot_stack_guard: Range<u64>,
    pub boot_stack: Range<u64>,
    pub exception_stack_guard: Range<u64>,
    pub exception_stack: Range<u64>,
    pub heap: Range<u64>,
}

macro_rules! addr {
    ($symbol:ident) => {
        // `addr_of!` takes the symbol's address without reading it: always sound.
        core::ptr::addr_of!($symbol) as u64
    };
}

pub fn get() -> KernelLayout {
    KernelLayout {
        image: addr!(__kernel_start)..addr!(__kernel_end),
        text: addr!(__text_start)..addr!(__text_end),
        rodata: addr!(__rodata_start)..addr!(__rodata_end),
        data: addr!(__data_start)..addr!(__data_end),
        boot_stack_guard: addr!(__boot_stack_guard)..addr!(__boot_stack_bottom),
        boot_stack: addr!(__boot_stack_bottom)..addr!(__boot_stack_top),
        exception_stack_guard: addr!(__exception_stack_guard)..addr!(__exception_stack_bottom),
        exception_stack: addr!(__exception_stack_bottom)..addr!(__exception_stack_top),
        heap: addr!(__heap_start)..addr!(__heap_end),
    }
}
