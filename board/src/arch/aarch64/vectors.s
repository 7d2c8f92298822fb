// The EL1 exception vector table: 4 groups (current EL on SP_EL0, current EL on SP_ELx,
// lower EL AArch64, lower EL AArch32) x 4 kinds (synchronous, IRQ, FIQ, SError).
// Every entry from EL1 (and from AArch32, which never runs) saves the full register frame on
// SP_EL1 — the general registers (the `ExceptionFrame` Rust sees, 288 bytes) and, above them,
// the FP/SIMD registers: the kernel's Rust code uses q registers too (the compiler copies
// with them), so an interrupt handler must not clobber the ones the interrupted code holds —
// and calls
// `__board_exception(vector_index, &mut ExceptionFrame)`; if that returns, the frame
// (possibly changed) is restored and `eret` resumes.

.equ FRAME_SIZE, 816

.macro VECTOR index
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       __exception_common
.endm

// From EL0 (AArch64): every kind leaves the process for the kernel (`__el0_exception` in
// el0.s), which saves the user registers in the running process's context.
.macro VECTOR_EL0 index
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\index
    b       __el0_exception
.endm

.section .text.__exception_vectors, "ax"
.balign 0x800
.global __exception_vectors
__exception_vectors:
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    VECTOR 4
    VECTOR 5
    VECTOR 6
    VECTOR 7
    VECTOR_EL0 8
    VECTOR_EL0 9
    VECTOR_EL0 10
    VECTOR_EL0 11
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15

__exception_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, elr_el1
    stp     x30, x1, [sp, #240]
    mrs     x2, spsr_el1
    mrs     x3, sp_el0
    stp     x2, x3, [sp, #256]
    mrs     x4, esr_el1
    mrs     x5, far_el1
    stp     x4, x5, [sp, #272]
    stp     q0, q1, [sp, #288]
    stp     q2, q3, [sp, #320]
    stp     q4, q5, [sp, #352]
    stp     q6, q7, [sp, #384]
    stp     q8, q9, [sp, #416]
    stp     q10, q11, [sp, #448]
    stp     q12, q13, [sp, #480]
    stp     q14, q15, [sp, #512]
    stp     q16, q17, [sp, #544]
    stp     q18, q19, [sp, #576]
    stp     q20, q21, [sp, #608]
    stp     q22, q23, [sp, #640]
    stp     q24, q25, [sp, #672]
    stp     q26, q27, [sp, #704]
    stp     q28, q29, [sp, #736]
    stp     q30, q31, [sp, #768]
    mrs     x4, fpcr
    mrs     x5, fpsr
    add     x6, sp, #800
    stp     x4, x5, [x6]

    mov     x1, sp
    bl      __board_exception

    ldp     q0, q1, [sp, #288]
    ldp     q2, q3, [sp, #320]
    ldp     q4, q5, [sp, #352]
    ldp     q6, q7, [sp, #384]
    ldp     q8, q9, [sp, #416]
    ldp     q10, q11, [sp, #448]
    ldp     q12, q13, [sp, #480]
    ldp     q14, q15, [sp, #512]
    ldp     q16, q17, [sp, #544]
    ldp     q18, q19, [sp, #576]
    ldp     q20, q21, [sp, #608]
    ldp     q22, q23, [sp, #640]
    ldp     q24, q25, [sp, #672]
    ldp     q26, q27, [sp, #704]
    ldp     q28, q29, [sp, #736]
    ldp     q30, q31, [sp, #768]
    add     x6, sp, #800
    ldp     x4, x5, [x6]
    msr     fpcr, x4
    msr     fpsr, x5

    ldp     x30, x1, [sp, #240]
    msr     elr_el1, x1
    ldp     x2, x3, [sp, #256]
    msr     spsr_el1, x2
    msr     sp_el0, x3
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME_SIZE
    eret
