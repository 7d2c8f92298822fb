//! Running code at EL0: a process is a saved user context plus a translation table (its own
//! root, tagged with an ASID, that shares the kernel's slots — see
//! `ruvix_translation_table::AddressSpace::share_root_entries`).
//!
//! [`run`] enters the process and returns when it traps — a supervisor call, a fault, or an
//! interrupt (the timer ending its slice) — with every user register, general and FP/SIMD,
//! saved in its [`UserContext`]. The kernel decides what follows and calls [`run`] again to
//! resume it. Nothing the process does at EL0 can take the CPU from the kernel for longer than
//! until the next interrupt.

use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, Ordering};

global_asm!(include_str!("el0.s"));
#[cfg(feature = "qemu-exit")]
global_asm!(include_str!("el0_probe.s"));

#[cfg(feature = "qemu-exit")]
unsafe extern "C" {
    static __el0_probe: u8;
}

/// The physical (= kernel) address of the self-test's user program page (test images only).
#[cfg(feature = "qemu-exit")]
pub fn probe_program() -> u64 {
    // `addr_of!` takes the symbol's address without reading it.
    core::ptr::addr_of!(__el0_probe) as u64
}

/// Where `__el0_exception` finds the running process's context and the kernel's stack.
#[unsafe(no_mangle)]
static __el0_current: AtomicU64 = AtomicU64::new(0);
#[unsafe(no_mangle)]
static __el0_kernel_sp: AtomicU64 = AtomicU64::new(0);

/// A process's registers while it is not running (the layout `el0.s` uses).
#[repr(C)]
#[derive(Clone, Debug)]
pub struct UserContext {
    /// x0 ..= x30.
    pub x: [u64; 31],
    /// SP_EL0: the user stack pointer.
    pub sp: u64,
    /// Where it resumes (ELR_EL1); after an `svc`, the instruction after it.
    pub pc: u64,
    /// Its PSTATE (SPSR_EL1): EL0t with interrupts unmasked.
    pub pstate: u64,
    /// ESR_EL1 and FAR_EL1 of the exception that ended the last run.
    pub esr: u64,
    pub far: u64,
    /// q0 ..= q31.
    pub q: [u128; 32],
    pub fpcr: u64,
    pub fpsr: u64,
    /// The vector index that ended the last run (8 synchronous, 9 IRQ, 10 FIQ, 11 SError).
    vector: u64,
    /// TPIDR_EL0, the thread register EL0 may write: each process has its own, so nothing
    /// passes from one process to the next through it.
    pub tpidr: u64,
}

const _: () = {
    assert!(core::mem::offset_of!(UserContext, sp) == 248);
    assert!(core::mem::offset_of!(UserContext, pstate) == 264);
    assert!(core::mem::offset_of!(UserContext, far) == 280);
    assert!(core::mem::offset_of!(UserContext, q) == 288);
    assert!(core::mem::offset_of!(UserContext, fpcr) == 800);
    assert!(core::mem::offset_of!(UserContext, vector) == 816);
    assert!(core::mem::offset_of!(UserContext, tpidr) == 824);
};

/// SPSR for EL0t (AArch64, SP_EL0) with D, A, I, F all unmasked.
const PSTATE_EL0T: u64 = 0;

impl UserContext {
    /// A fresh context that starts at `pc` with stack `sp` and `x0`, `x1` as arguments.
    pub fn new(pc: u64, sp: u64, x0: u64, x1: u64) -> Self {
        let mut x = [0; 31];
        x[0] = x0;
        x[1] = x1;
        Self {
            x,
            sp,
            pc,
            pstate: PSTATE_EL0T,
            esr: 0,
            far: 0,
            q: [0; 32],
            fpcr: 0,
            fpsr: 0,
            vector: 0,
            tpidr: 0,
        }
    }
}

/// Why a run of a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `svc #imm`: arguments and results in x0.., the call number is `imm`; `pc` is already past
    /// the instruction, so [`run`] again returns from the call.
    Svc(u16),
    /// An interrupt arrived while it ran (handled by the kernel as the run ended).
    Interrupt,
    /// Any other synchronous exception (abort, alignment, undefined instruction …), an SError
    /// or an FIQ: a fault of this process. ESR/FAR are in the context.
    Fault {
        /// ESR_EL1.EC.
        class: u8,
    },
}

const EC_SVC64: u64 = 0x15;

unsafe extern "C" {
    fn __el0_run(context: *mut UserContext, ttbr0: u64) -> u64;
}

/// Runs the process `context` in the translation table `ttbr0` (root address | ASID << 48)
/// until it traps, and says why. Interrupts the kernel had enabled stay enabled around it.
///
/// # Safety
/// `ttbr0` must be a live table that maps the kernel exactly as the current one does (its
/// kernel slots shared with the kernel's table) and the process's pages with user attributes
/// only; `context.pc` and `context.sp` must be addresses the process may use at EL0 (a bad one
/// is a fault of the process, not of the kernel).
pub unsafe fn run(context: &mut UserContext, ttbr0: u64) -> Exit {
    // A process always runs at EL0t with nothing masked, whatever its saved PSTATE says.
    context.pstate &= !0x3cf;
    // SAFETY: the caller's contract on `ttbr0`; `__el0_run` saves and restores every kernel
    // register the AAPCS64 needs and writes only `context`, which it has exclusively.
    let vector = unsafe { __el0_run(context, ttbr0) };
    __el0_current.store(0, Ordering::Relaxed);
    match vector & 3 {
        0 if (context.esr >> 26) & 0x3f == EC_SVC64 => Exit::Svc((context.esr & 0xffff) as u16),
        1 => Exit::Interrupt,
        _ => Exit::Fault {
            class: ((context.esr >> 26) & 0x3f) as u8,
        },
    }
}

/// `TTBR0_EL1` for a table at `root` tagged with `asid` (8-bit ASIDs: TCR_EL1.AS = 0).
pub fn ttbr0(root: u64, asid: u8) -> u64 {
    root | (u64::from(asid) << 48)
}

/// Forgets every TLB entry tagged with `asid` (when its process goes).
pub fn flush_asid(asid: u8) {
    // SAFETY: TLB maintenance only; no memory changes.
    unsafe {
        core::arch::asm!(
            "dsb ishst",
            "tlbi aside1is, {}",
            "dsb ish",
            "isb",
            in(reg) u64::from(asid) << 48,
            options(nostack)
        )
    };
}

/// Lets EL0 read the physical counter (`CNTPCT_EL0`, CNTKCTL_EL1.EL0PCTEN): a process tells
/// time without a supervisor call. It reaches no timer control register.
pub fn allow_counter_reads() {
    // SAFETY: sets one EL0 access bit of CNTKCTL_EL1; no memory is touched.
    unsafe {
        core::arch::asm!(
            "mrs {t}, cntkctl_el1",
            "orr {t}, {t}, #1",
            "msr cntkctl_el1, {t}",
            "isb",
            t = out(reg) _,
            options(nostack)
        )
    };
}

/// Privileged Access Never, where the core has it (ARMv8.1 and later: ID_AA64MMFR1_EL1.PAN):
/// the kernel then faults on any access to a user page, so a kernel bug cannot be steered into
/// reading or writing process memory through a user address (the kernel reaches process memory
/// only through its own mapping of it). SCTLR_EL1.SPAN is cleared so that every exception
/// entry to EL1 sets PSTATE.PAN again. Returns whether PAN is on; the Pi 3 (Cortex-A53) and
/// Pi 4 (Cortex-A72) are ARMv8.0 and do not have it.
pub fn enable_pan() -> bool {
    use aarch64_cpu::registers::{ID_AA64MMFR1_EL1, Readable};
    if (ID_AA64MMFR1_EL1.get() >> 20) & 0xf == 0 {
        return false;
    }
    // SAFETY: only on a core that implements PAN (checked above): clears SCTLR_EL1.SPAN
    // (bit 23) and sets PSTATE.PAN (`msr pan, #1`, encoded for assemblers without v8.1).
    unsafe {
        core::arch::asm!(
            "mrs {t}, sctlr_el1",
            "bic {t}, {t}, #(1 << 23)",
            "msr sctlr_el1, {t}",
            ".inst 0xd500419f",
            "isb",
            t = out(reg) _,
            options(nostack)
        )
    };
    true
}
