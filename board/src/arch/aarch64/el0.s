// Entering and leaving EL0 (see el0.rs).
//
// `__el0_run(ctx, ttbr0)` saves the kernel's callee-saved registers (x19..x30 and d8..d15),
// DAIF and TTBR0 on the kernel stack, installs the process's table, loads every user register from `ctx` (general,
// SP_EL0, PC, PSTATE, FP/SIMD) and `eret`s to EL0. The next exception taken from EL0, of any
// kind, comes to `__el0_exception`, which stores every user register back into `ctx` (before
// any Rust code can touch an FP/SIMD register), puts the kernel's TTBR0, stack, registers and
// DAIF back and returns from `__el0_run` with the vector index: to the kernel, a process run
// is a function call that returns when the process traps.
//
// UserContext layout (el0.rs, checked there):
//   0 x0..x30   248 sp   256 pc   264 pstate   272 esr   280 far
//   288 q0..q31 (16 bytes each)   800 fpcr   808 fpsr   816 vector   824 tpidr_el0

.section .text.__el0, "ax"

.global __el0_run
__el0_run:
    stp     x29, x30, [sp, #-16]!
    stp     x27, x28, [sp, #-16]!
    stp     x25, x26, [sp, #-16]!
    stp     x23, x24, [sp, #-16]!
    stp     x21, x22, [sp, #-16]!
    stp     x19, x20, [sp, #-16]!
    // d8..d15 are callee-saved too (AAPCS64), and the user's q registers overwrite them.
    stp     d8, d9, [sp, #-16]!
    stp     d10, d11, [sp, #-16]!
    stp     d12, d13, [sp, #-16]!
    stp     d14, d15, [sp, #-16]!
    mrs     x2, daif
    mrs     x3, ttbr0_el1
    stp     x2, x3, [sp, #-16]!
    msr     daifset, #0xf
    mov     x2, sp
    adrp    x3, __el0_kernel_sp
    str     x2, [x3, :lo12:__el0_kernel_sp]
    adrp    x3, __el0_current
    str     x0, [x3, :lo12:__el0_current]

    msr     ttbr0_el1, x1
    isb

    add     x2, x0, #288
    ldp     q0, q1, [x2, #0]
    ldp     q2, q3, [x2, #32]
    ldp     q4, q5, [x2, #64]
    ldp     q6, q7, [x2, #96]
    ldp     q8, q9, [x2, #128]
    ldp     q10, q11, [x2, #160]
    ldp     q12, q13, [x2, #192]
    ldp     q14, q15, [x2, #224]
    ldp     q16, q17, [x2, #256]
    ldp     q18, q19, [x2, #288]
    ldp     q20, q21, [x2, #320]
    ldp     q22, q23, [x2, #352]
    ldp     q24, q25, [x2, #384]
    ldp     q26, q27, [x2, #416]
    ldp     q28, q29, [x2, #448]
    ldp     q30, q31, [x2, #480]
    ldr     x3, [x0, #800]
    ldr     x4, [x0, #808]
    msr     fpcr, x3
    msr     fpsr, x4
    ldr     x3, [x0, #824]
    msr     tpidr_el0, x3

    ldp     x2, x3, [x0, #248]
    msr     elr_el1, x3
    ldr     x4, [x0, #264]
    msr     spsr_el1, x4
    // SP_EL0 becomes the user's stack: run on SP_EL1 (the empty exception stack) meanwhile.
    msr     spsel, #1
    msr     sp_el0, x2

    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret

// Entered from the lower-EL vectors on SP_EL1 with x0 = vector index and the user's x0, x1
// pushed on SP_EL1.
.global __el0_exception
__el0_exception:
    adrp    x1, __el0_current
    ldr     x1, [x1, :lo12:__el0_current]
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    str     x30, [x1, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x1, #0]
    mrs     x2, sp_el0
    mrs     x3, elr_el1
    stp     x2, x3, [x1, #248]
    mrs     x2, spsr_el1
    str     x2, [x1, #264]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [x1, #272]
    add     x2, x1, #288
    stp     q0, q1, [x2, #0]
    stp     q2, q3, [x2, #32]
    stp     q4, q5, [x2, #64]
    stp     q6, q7, [x2, #96]
    stp     q8, q9, [x2, #128]
    stp     q10, q11, [x2, #160]
    stp     q12, q13, [x2, #192]
    stp     q14, q15, [x2, #224]
    stp     q16, q17, [x2, #256]
    stp     q18, q19, [x2, #288]
    stp     q20, q21, [x2, #320]
    stp     q22, q23, [x2, #352]
    stp     q24, q25, [x2, #384]
    stp     q26, q27, [x2, #416]
    stp     q28, q29, [x2, #448]
    stp     q30, q31, [x2, #480]
    mrs     x3, fpcr
    mrs     x4, fpsr
    str     x3, [x1, #800]
    str     x4, [x1, #808]
    str     x0, [x1, #816]
    mrs     x3, tpidr_el0
    str     x3, [x1, #824]

    // Back to the kernel: its stack (SP_EL0), table, registers and interrupt mask.
    adrp    x2, __el0_kernel_sp
    ldr     x2, [x2, :lo12:__el0_kernel_sp]
    msr     sp_el0, x2
    msr     spsel, #0
    ldp     x2, x3, [sp], #16
    msr     ttbr0_el1, x3
    isb
    ldp     d14, d15, [sp], #16
    ldp     d12, d13, [sp], #16
    ldp     d10, d11, [sp], #16
    ldp     d8, d9, [sp], #16
    ldp     x19, x20, [sp], #16
    ldp     x21, x22, [sp], #16
    ldp     x23, x24, [sp], #16
    ldp     x25, x26, [sp], #16
    ldp     x27, x28, [sp], #16
    ldp     x29, x30, [sp], #16
    // Restoring DAIF may take a pending interrupt (the timer that ended the run) right here,
    // as a kernel interrupt.
    msr     daif, x2
    ret
