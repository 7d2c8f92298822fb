//! Exception entry: the vector table (`vectors.s`), the saved register frame, and the fatal
//! exception report.
//!
//! IRQs are dispatched to the board's interrupt controller and return. Every other exception
//! is fatal for the kernel: it prints a report a person can act on (what kind of exception,
//! the exception class by name, the fault status decoded, ESR/FAR/ELR/SPSR, all general
//! registers, and a diagnosis such as "stack overflow") and then halts the machine.

use core::arch::global_asm;

use super::{cpu, layout};

global_asm!(include_str!("vectors.s"));

/// The registers saved by the vector entry code, in the order `vectors.s` stores them.
#[repr(C)]
#[derive(Debug)]
pub struct ExceptionFrame {
    /// x0 ..= x29.
    pub x: [u64; 30],
    /// x30, the link register.
    pub lr: u64,
    pub elr: u64,
    pub spsr: u64,
    pub sp_el0: u64,
    pub esr: u64,
    pub far: u64,
}

const _: () = assert!(core::mem::size_of::<ExceptionFrame>() == 288);

/// Which of the 16 vector entries was taken.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Vector(u64);

impl Vector {
    pub fn kind(self) -> &'static str {
        ["synchronous", "IRQ", "FIQ", "SError"][(self.0 & 3) as usize]
    }

    pub fn origin(self) -> &'static str {
        [
            "current EL, kernel stack (SP_EL0)",
            "current EL, exception stack (SP_EL1)",
            "lower EL, AArch64",
            "lower EL, AArch32",
        ][((self.0 >> 2) & 3) as usize]
    }

    fn is_irq(self) -> bool {
        self.0 & 3 == 1
    }
}

/// The exception class (ESR_EL1.EC) by name.
pub fn exception_class_name(ec: u64) -> &'static str {
    match ec {
        0x00 => "unknown reason",
        0x01 => "trapped WFI/WFE",
        0x07 => "SIMD/FP access trap",
        0x0e => "illegal execution state",
        0x15 => "SVC (AArch64)",
        0x16 => "HVC (AArch64)",
        0x17 => "SMC (AArch64)",
        0x18 => "trapped MSR/MRS/system instruction",
        0x20 => "instruction abort, lower EL",
        0x21 => "instruction abort, same EL",
        0x22 => "PC alignment fault",
        0x24 => "data abort, lower EL",
        0x25 => "data abort, same EL",
        0x26 => "SP alignment fault",
        0x2c => "floating-point exception",
        0x2f => "SError interrupt",
        0x30 | 0x31 => "breakpoint",
        0x32 | 0x33 => "software step",
        0x34 | 0x35 => "watchpoint",
        0x3c => "BRK instruction",
        _ => "reserved/other",
    }
}

/// The fault status code of an instruction or data abort (ISS[5:0]) by name.
pub fn fault_status_name(fsc: u64) -> &'static str {
    match fsc {
        0x00..=0x03 => "address size fault",
        0x04..=0x07 => "translation fault",
        0x08..=0x0b => "access flag fault",
        0x0c..=0x0f => "permission fault",
        0x10 => "synchronous external abort",
        0x21 => "alignment fault",
        0x30 => "TLB conflict abort",
        _ => "other fault",
    }
}

const EC_INSTRUCTION_ABORT_SAME_EL: u64 = 0x21;
const EC_DATA_ABORT_SAME_EL: u64 = 0x25;

/// A best guess at what went wrong, from where the fault happened.
fn diagnose(ec: u64, fsc: u64, write: bool, far: u64) -> Option<&'static str> {
    let is_abort = ec == EC_DATA_ABORT_SAME_EL || ec == EC_INSTRUCTION_ABORT_SAME_EL;
    if !is_abort {
        return None;
    }
    let permission = (0x0c..=0x0f).contains(&fsc);
    let l = layout::get();
    if l.boot_stack_guard.contains(&far) {
        Some("stack overflow: the kernel stack ran into its guard page")
    } else if l.exception_stack_guard.contains(&far) {
        Some("exception stack overflow: ran into its guard page")
    } else if far < 0x1000 {
        Some("null pointer dereference: page 0 is never mapped")
    } else if ec == EC_INSTRUCTION_ABORT_SAME_EL && permission {
        Some("W^X: executing from a non-executable page")
    } else if ec == EC_DATA_ABORT_SAME_EL && permission && write {
        Some("W^X: writing to a read-only page")
    } else if (0x04..=0x07).contains(&fsc) {
        Some("access outside every mapping")
    } else {
        None
    }
}

/// Rust side of every vector entry.
#[unsafe(no_mangle)]
extern "C" fn __board_exception(vector: u64, frame: &mut ExceptionFrame) {
    let vector = Vector(vector);
    if vector.is_irq() {
        crate::irq::dispatch();
        return;
    }
    report(vector, frame);
    cpu::fatal_stop(cpu::ExitCode::Exception);
}

fn report(vector: Vector, frame: &ExceptionFrame) {
    // Interrupts stay masked from here on: write what is queued, then the report, directly.
    crate::console::enter_fatal();
    let ec = (frame.esr >> 26) & 0x3f;
    let iss = frame.esr & 0x1ff_ffff;
    defmt::error!(
        "exception: {=str} from {=str}",
        vector.kind(),
        vector.origin()
    );
    defmt::error!(
        "  class: {=str} (EC {=u64:#04x})",
        exception_class_name(ec),
        ec
    );
    let is_abort = matches!(ec, 0x20 | 0x21 | 0x24 | 0x25);
    let fsc = iss & 0x3f;
    let write = ec & !1 == 0x24 && iss & (1 << 6) != 0;
    if is_abort {
        defmt::error!(
            "  fault: {=str}, level {=u64} ({=str})",
            fault_status_name(fsc),
            fsc & 3,
            if ec & !1 == 0x20 {
                "instruction fetch"
            } else if write {
                "write"
            } else {
                "read"
            }
        );
    }
    defmt::error!(
        "  ESR {=u64:#010x}  FAR {=u64:#018x}  ELR {=u64:#018x}  SPSR {=u64:#010x}",
        frame.esr,
        frame.far,
        frame.elr,
        frame.spsr
    );
    for row in 0..8 {
        let i = row * 4;
        if i + 3 < 30 {
            defmt::error!(
                "  x{=usize:02} {=u64:#018x}  x{=usize:02} {=u64:#018x}  x{=usize:02} {=u64:#018x}  x{=usize:02} {=u64:#018x}",
                i,
                frame.x[i],
                i + 1,
                frame.x[i + 1],
                i + 2,
                frame.x[i + 2],
                i + 3,
                frame.x[i + 3]
            );
        }
    }
    defmt::error!(
        "  x28 {=u64:#018x}  x29 {=u64:#018x}  x30 {=u64:#018x}  sp  {=u64:#018x}",
        frame.x[28],
        frame.x[29],
        frame.lr,
        frame.sp_el0
    );
    if let Some(diagnosis) = diagnose(ec, fsc, write, frame.far) {
        defmt::error!("  diagnosis: {=str}", diagnosis);
    }
}
