// Entry point of kernel8.img, loaded at 0x80000.
//
// The Pi firmware (and QEMU's -kernel with a raw image) start only core 0, at EL2, with
// x0 = DTB address (0 when there is none). An ELF given to QEMU starts all cores at EL3,
// so both cases are handled. The other cores wait in the firmware's spin table and are
// moved into our own `wfi` park loop, where they cost the host nothing under QEMU.

.equ SPIN_TABLE_CORE1, 0xe0
.equ MAX_CORES, 4

.section .text._start, "ax"
.global _start
_start:
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff
    cbz     x9, 1f
    b       __secondary_park              // only reached when every core was started (ELF at EL3)
1:
    mov     x19, x0                       // keep the DTB pointer for the kernel
    isb
    mrs     x20, cntpct_el0               // entry time, so stage 0 can say how long it took

    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #3
    b.ne    2f
    // EL3 -> EL2: non-secure, AArch64 below, HVC on, SMC off; no FP/SIMD traps.
    mov     x9, #0x5b1                    // SCR_EL3: RW | HCE | SMD | RES1(5:4) | NS
    msr     scr_el3, x9
    msr     cptr_el3, xzr
    mov     x9, #0x3c9                    // SPSR: EL2h, DAIF masked
    msr     spsr_el3, x9
    adr     x9, 2f
    msr     elr_el3, x9
    eret
2:
    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #2
    b.ne    3f
    // EL2 -> EL1: EL1 is AArch64, counters and timers usable at EL1, no traps, virtual
    // counter offset 0 so CNTVCT == CNTPCT.
    mov     x9, #(1 << 31)                // HCR_EL2.RW
    msr     hcr_el2, x9
    mov     x9, #3                        // CNTHCTL_EL2: EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mov     x9, #0x33ff                   // CPTR_EL2: RES1 bits, TFP clear
    msr     cptr_el2, x9
    msr     hstr_el2, xzr
    mrs     x9, midr_el1                  // virtualisation ID registers = the real ones
    msr     vpidr_el2, x9
    mrs     x9, mpidr_el1
    msr     vmpidr_el2, x9
    mov     x9, #0x3c5                    // SPSR: EL1h, DAIF masked
    msr     spsr_el2, x9
    adr     x9, 3f
    msr     elr_el2, x9
    eret
3:
    // EL1. FP/SIMD on before any Rust code: aarch64-unknown-none is hard-float.
    mov     x9, #(3 << 20)                // CPACR_EL1.FPEN = 0b11
    msr     cpacr_el1, x9
    isb

    ldr     x9, =__exception_vectors
    msr     vbar_el1, x9

    // SP_EL1 is the exception stack; the kernel itself runs on SP_EL0 (SPSel = 0), so an
    // exception caused by a boot-stack overflow still has a good stack to report on.
    ldr     x9, =__exception_stack_top
    mov     sp, x9
    msr     spsel, #0
    ldr     x9, =__boot_stack_top
    mov     sp, x9
    isb

    // Zero .bss (16-byte aligned and sized by the linker script; MMU is off, so no
    // unaligned stores).
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
4:  cmp     x9, x10
    b.hs    5f
    stp     xzr, xzr, [x9], #16
    b       4b
5:
    // Release cores 1..3 from the spin table into our park loop.
    ldr     x9, =__secondary_park
    mov     x10, #SPIN_TABLE_CORE1
    mov     x11, #1
6:  str     x9, [x10], #8
    add     x11, x11, #1
    cmp     x11, #MAX_CORES
    b.lo    6b
    dsb     sy
    sev

    mov     x0, x19
    mov     x1, x20
    bl      kernel_main                   // never returns
7:  wfi
    b       7b

// Parked cores sleep in `wfi` (not `wfe`, not a spin: those keep a host core busy under
// QEMU). A core wakes for an interrupt, checks its slot in __secondary_entry and jumps there
// once the kernel has written an address (and sent it an inter-processor interrupt).
.section .text.__secondary_park, "ax"
.global __secondary_park
__secondary_park:
    msr     daifset, #0xf
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff
    ldr     x10, =__secondary_entry
1:  wfi
    ldr     x11, [x10, x9, lsl #3]
    cbz     x11, 1b
    br      x11
