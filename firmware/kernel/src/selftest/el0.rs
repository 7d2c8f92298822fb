//! The `el0` scenario: a process in its own address space at EL0, as the process model will
//! run every component. One translation table with ASID 1 holds the user program's page
//! (read-only, executable at EL0 only), a two-page stack (read-write, never executable) with
//! an unmapped guard page below, and — shared, EL1-only — the kernel. The scenario checks that
//!
//! - `svc` round trips work and keep every user register, general and FP/SIMD, while the
//!   kernel uses those registers in between (and measures what a round trip costs);
//! - the MMU confines the process: a load from kernel memory, a store into its own code, a
//!   jump into its stack and a touch of its guard page each end that run as a fault of the
//!   process, reported with class, address and which mapping it hit, and the kernel goes on;
//! - a process that spins at EL0 without ever calling the kernel is preempted by the timer.

use board::arch::el0::{self, Exit, UserContext};
use board::arch::exception::{exception_class_name, fault_status_name};
use board::{BoardInfo, ExitCode, layout, mmu, timer};
use ruvix_translation_table::{Attributes, Granularity, PAGE_SIZE};

use super::pass;
use crate::board;
use crate::boot::stage3_mount::System;

/// Root slot 256 (256 GiB): never used by the kernel's identity map on either board.
const USER_BASE: u64 = 256 << 30;
const CODE_VA: u64 = USER_BASE;
/// One unmapped page below the stack is its guard.
const STACK_VA: u64 = USER_BASE + 0x10_0000;
const STACK_SIZE: u64 = 2 * PAGE_SIZE;
/// An ASID no component's process uses (they have 1 ..= component count), flushed before use.
const ASID: u8 = 255;
const NULL_CALLS: u64 = 10_000;
/// The spinning process's slice, in 100 Hz timer ticks.
const SLICE_TICKS: u64 = 2;
const TICK_HZ: u32 = 100;

/// What the user program does (x0 on entry; see `el0_probe.s`).
#[derive(Clone, Copy)]
enum Test {
    NullCalls = 0,
    Load = 1,
    StoreToCode = 2,
    Spin = 3,
}

#[repr(C, align(4096))]
struct UserStack([u8; STACK_SIZE as usize]);

static mut USER_STACK: UserStack = UserStack([0; STACK_SIZE as usize]);

/// How one run of the process ended.
enum Ended {
    /// `svc #1` with this result.
    Exited(u64),
    /// A call number the program does not make.
    UnknownCall(u16),
    Faulted {
        class: u8,
        esr: u64,
        far: u64,
        pc: u64,
    },
    Preempted {
        ticks: u64,
    },
}

fn fail(what: &str) -> ! {
    defmt::error!("selftest el0: failed: {=str}", what);
    board::fatal_stop(ExitCode::Failure)
}

pub fn el0(_: &BoardInfo, _: &mut System) {
    let mut space = mmu::new_process_space().unwrap_or_else(|e| {
        defmt::error!("el0: process table: {}", e);
        fail("no process table")
    });
    let stack = core::ptr::addr_of!(USER_STACK) as u64;
    let mapped = space
        .map(
            CODE_VA,
            el0::probe_program(),
            PAGE_SIZE,
            Attributes::USER_RX,
            Granularity::Pages,
        )
        .and_then(|()| {
            space.map(
                STACK_VA,
                stack,
                STACK_SIZE,
                Attributes::USER_RW,
                Granularity::Pages,
            )
        });
    if let Err(e) = mapped {
        defmt::error!("el0: mapping the process: {}", defmt::Display2Format(&e));
        fail("cannot map the process");
    }
    el0::flush_asid(ASID);
    let ttbr0 = el0::ttbr0(space.root_phys(), ASID);
    defmt::info!(
        "el0: process table {=u64:#x} (ASID {=u8}): code {=u64:#x} user RO X, stack {=u64:#x}..{=u64:#x} user RW XN, guard page below; the kernel shared, EL1 only",
        space.root_phys(),
        ASID,
        CODE_VA,
        STACK_VA,
        STACK_VA + STACK_SIZE
    );
    report_pan();

    null_calls(ttbr0);
    let kernel_word = core::ptr::addr_of!(super::RODATA_WORD) as u64;
    expect_fault(
        ttbr0,
        "load from kernel rodata",
        Test::Load,
        kernel_word,
        0x24,
        kernel_word,
    );
    expect_fault(
        ttbr0,
        "store into its own code",
        Test::StoreToCode,
        0,
        0x24,
        CODE_VA,
    );
    expect_fault(
        ttbr0,
        "load from its stack guard page",
        Test::Load,
        STACK_VA - PAGE_SIZE,
        0x24,
        STACK_VA - PAGE_SIZE,
    );
    // A jump into its stack: the program starts there.
    match run_from(ttbr0, STACK_VA, Test::NullCalls, 0, None) {
        (
            Ended::Faulted {
                class,
                esr,
                far,
                pc,
            },
            _,
        ) if class == 0x20 && far == STACK_VA => {
            report_fault("jump into its stack", class, esr, far, pc);
        }
        _ => fail("executing its stack did not fault"),
    }
    preemption(ttbr0);

    el0::flush_asid(ASID);
    defmt::info!("el0: the kernel is unharmed after every fault of the process");
    pass("el0");
}

fn null_calls(ttbr0: u64) {
    let started = timer::counter();
    let (ended, calls) = run(ttbr0, Test::NullCalls, NULL_CALLS, None);
    let elapsed = timer::counter() - started;
    match ended {
        Ended::Exited(0) if calls == NULL_CALLS => defmt::info!(
            "el0: {=u64} null supervisor calls in {=u64} ticks; general and FP/SIMD registers kept",
            calls,
            elapsed
        ),
        Ended::Exited(1) => fail("a general register was lost across svc"),
        Ended::Exited(2) => fail("an FP/SIMD register was lost across svc"),
        Ended::UnknownCall(number) => {
            defmt::error!("el0: the program made the unknown call {=u16}", number);
            fail("an unknown supervisor call")
        }
        _ => fail("the null-call program did not finish as expected"),
    }
}

fn expect_fault(ttbr0: u64, what: &str, test: Test, argument: u64, class: u8, far: u64) {
    match run(ttbr0, test, argument, None) {
        (
            Ended::Faulted {
                class: got,
                esr,
                far: at,
                pc,
            },
            _,
        ) if got == class && at == far => report_fault(what, got, esr, at, pc),
        (Ended::Exited(code), _) => {
            defmt::error!(
                "el0: {=str}: the program went on (result {=u64})",
                what,
                code
            );
            fail("an access the MMU must refuse did not fault");
        }
        _ => fail("the wrong fault"),
    }
}

fn preemption(ttbr0: u64) {
    timer::start_tick(TICK_HZ);
    board::cpu::enable_interrupts();
    let (ended, _) = run(ttbr0, Test::Spin, 0, Some(SLICE_TICKS));
    board::cpu::disable_interrupts();
    timer::stop_tick();
    match ended {
        Ended::Preempted { ticks } => defmt::info!(
            "el0: a process spinning at EL0 was preempted by the timer after {=u64} ticks of {=u32} Hz (slice {=u64})",
            ticks,
            TICK_HZ,
            SLICE_TICKS
        ),
        _ => fail("the spinning process was not preempted"),
    }
}

/// Runs the user program from its entry point.
fn run(ttbr0: u64, test: Test, argument: u64, slice: Option<u64>) -> (Ended, u64) {
    run_from(ttbr0, CODE_VA, test, argument, slice)
}

/// Runs the process from `pc` until it exits, faults or (with a `slice` in ticks) has used
/// its slice; null calls are answered at once. Returns how it ended and how many null calls
/// it made.
fn run_from(ttbr0: u64, pc: u64, test: Test, argument: u64, slice: Option<u64>) -> (Ended, u64) {
    let mut context = UserContext::new(pc, STACK_VA + STACK_SIZE, test as u64, argument);
    let started = timer::ticks();
    let mut calls = 0u64;
    loop {
        // SAFETY: `ttbr0` is the process table built above, which shares the kernel's slots and
        // maps only user pages of its own; the context starts inside them (or, on purpose, at
        // an address that must fault at EL0).
        let exit = unsafe { el0::run(&mut context, ttbr0) };
        match exit {
            Exit::Svc(0) => {
                calls += 1;
                clobber_fp_registers();
            }
            Exit::Svc(1) => return (Ended::Exited(context.x[0]), calls),
            Exit::Svc(other) => return (Ended::UnknownCall(other), calls),
            Exit::Interrupt => {
                let ran = timer::ticks() - started;
                if slice.is_some_and(|slice| ran >= slice) {
                    return (Ended::Preempted { ticks: ran }, calls);
                }
            }
            Exit::Fault { class } => {
                return (
                    Ended::Faulted {
                        class,
                        esr: context.esr,
                        far: context.far,
                        pc: context.pc,
                    },
                    calls,
                );
            }
        }
    }
}

/// Kernel work between two runs uses FP/SIMD registers too (memcpy does): here on purpose.
fn clobber_fp_registers() {
    // SAFETY: writes two FP/SIMD registers the compiler is told about; no memory.
    unsafe {
        core::arch::asm!(
            "movi v8.2d, #0",
            "movi v31.2d, #0",
            out("v8") _,
            out("v31") _,
            options(nomem, nostack)
        )
    };
}

fn report_fault(what: &str, class: u8, esr: u64, far: u64, pc: u64) {
    let fsc = esr & 0x3f;
    let access = if class == 0x20 {
        "instruction fetch"
    } else if esr & (1 << 6) != 0 {
        "write"
    } else {
        "read"
    };
    defmt::info!(
        "el0: {=str}: process fault: {=str}, {=str} ({=str}) at FAR {=u64:#x}, pc {=u64:#x}, hit {=str}; the process ends, the kernel goes on",
        what,
        exception_class_name(u64::from(class)),
        fault_status_name(fsc),
        access,
        far,
        pc,
        mapping_name(far)
    );
}

/// Which mapping an address of the process belongs to.
fn mapping_name(address: u64) -> &'static str {
    let kernel = layout::get();
    if (CODE_VA..CODE_VA + PAGE_SIZE).contains(&address) {
        "its code (user RO X)"
    } else if (STACK_VA..STACK_VA + STACK_SIZE).contains(&address) {
        "its stack (user RW XN)"
    } else if (STACK_VA - PAGE_SIZE..STACK_VA).contains(&address) {
        "its stack guard page (unmapped)"
    } else if kernel.image.contains(&address) {
        "the kernel (EL1 only)"
    } else {
        "nothing mapped"
    }
}

/// PAN (ARMv8.1) stops the kernel touching user memory by accident; the Pi's Cortex-A53 and
/// -A72 are ARMv8.0 and have none: say which.
fn report_pan() {
    use aarch64_cpu::registers::{ID_AA64MMFR1_EL1, Readable};
    let pan = (ID_AA64MMFR1_EL1.get() >> 20) & 0xf;
    if pan == 0 {
        defmt::info!("el0: PAN not implemented by this core (ARMv8.0)");
    } else {
        defmt::info!("el0: PAN implemented (ID_AA64MMFR1_EL1.PAN = {=u64})", pan);
    }
}
