// The EL0 self-test's user program (test images only): one page of code that the kernel maps
// into a process at a user address, read-only and executable at EL0 only. Entered with
// x0 = what to do, x1 = its argument; `svc #1` ends it with x0 as its result.

.section .text.__el0_probe, "ax"
.balign 4096
.global __el0_probe
__el0_probe:
    cmp     x0, #1
    b.eq    20f
    cmp     x0, #2
    b.eq    30f
    cmp     x0, #3
    b.eq    40f

    // 0: x1 null supervisor calls; registers the kernel uses meanwhile must survive them.
    mov     x19, #0x1919
    movk    x19, #0x5eed, lsl #16
    mov     x28, #0x2828
    fmov    d8, x19
    fmov    d31, x28
    mov     x9, x1
10: svc     #0
    subs    x9, x9, #1
    b.ne    10b
    mov     x2, #0x1919
    movk    x2, #0x5eed, lsl #16
    mov     x3, #0x2828
    cmp     x19, x2
    b.ne    11f
    cmp     x28, x3
    b.ne    11f
    fmov    x4, d8
    cmp     x4, x2
    b.ne    12f
    fmov    x4, d31
    cmp     x4, x3
    b.ne    12f
    mov     x0, #0
    svc     #1
11: mov     x0, #1          // a general register was lost
    svc     #1
12: mov     x0, #2          // an FP/SIMD register was lost
    svc     #1

    // 1: load from the address in x1 (kernel memory: must fault).
20: ldr     x2, [x1]
    mov     x0, #3
    svc     #1

    // 2: store into its own code page (read-only: must fault).
30: adr     x2, __el0_probe
    str     x2, [x2]
    mov     x0, #4
    svc     #1

    // 3: spin without ever calling the kernel: only the timer takes the CPU back.
40: b       40b
.balign 4096
