//! The capability vocabulary: kernel capabilities, access rights, and what the root task holds
//! at boot (its `BootCapabilitySet`).

use core::fmt;

use serde::{Deserialize, Serialize};

/// Access rights on a region or a kernel capability. In TOML: `"ro"`, `"wo"`, `"rw"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Access {
    /// Read only.
    #[serde(rename = "ro")]
    ReadOnly,
    /// Write only (only for kernel capabilities such as `log`; a region cannot be write-only).
    #[serde(rename = "wo")]
    WriteOnly,
    /// Read and write.
    #[serde(rename = "rw")]
    ReadWrite,
}

impl Access {
    /// Whether holding `self` is enough to hand out `requested` (rights only ever reduce).
    pub const fn covers(self, requested: Access) -> bool {
        matches!(
            (self, requested),
            (Access::ReadWrite, _)
                | (Access::ReadOnly, Access::ReadOnly)
                | (Access::WriteOnly, Access::WriteOnly)
        )
    }

    /// Whether these rights include reading.
    pub const fn can_read(self) -> bool {
        !matches!(self, Access::WriteOnly)
    }

    /// Whether these rights include writing.
    pub const fn can_write(self) -> bool {
        !matches!(self, Access::ReadOnly)
    }

    /// The name used in TOML and in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Access::ReadOnly => "ro",
            Access::WriteOnly => "wo",
            Access::ReadWrite => "rw",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kernel capability of the root task's boot set. Components may be granted some of them
/// (`grants`); the root keeps some after the SEC-001 drop (`[root] minimum`).
/// In TOML the kebab-case names: `"physical-memory"`, `"timer"`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelCap {
    /// All of physical RAM (the boot-time map). Handed out only as regions; dropped at SEC-001.
    PhysicalMemory,
    /// The generic timer: read the time, sleep.
    Timer,
    /// The interrupt queue the kernel delivers device interrupts to.
    InterruptQueue,
    /// The hash-chained witness log: append (write) and read.
    WitnessLog,
    /// The console log (UART): write lines.
    Log,
    /// The verified RVF package: read component blobs.
    Package,
    /// What is typed on the log UART (its receive side): read. One component at most.
    Console,
    /// What the kernel knows about the running system (tasks, queues, log): read.
    SystemInfo,
}

impl KernelCap {
    /// Every kernel capability, in declaration order.
    pub const ALL: [KernelCap; 8] = [
        KernelCap::PhysicalMemory,
        KernelCap::Timer,
        KernelCap::InterruptQueue,
        KernelCap::WitnessLog,
        KernelCap::Log,
        KernelCap::Package,
        KernelCap::Console,
        KernelCap::SystemInfo,
    ];

    /// The name used in TOML and in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            KernelCap::PhysicalMemory => "physical-memory",
            KernelCap::Timer => "timer",
            KernelCap::InterruptQueue => "interrupt-queue",
            KernelCap::WitnessLog => "witness-log",
            KernelCap::Log => "log",
            KernelCap::Package => "package",
            KernelCap::Console => "console",
            KernelCap::SystemInfo => "system-info",
        }
    }
}

impl fmt::Display for KernelCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the root task's boot capability set, with what the manifest may do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootCapability {
    /// Which capability.
    pub cap: KernelCap,
    /// The rights the root holds on it at boot; grants can only reduce them.
    pub rights: Access,
    /// Whether the root may grant (derive) it to a component.
    pub delegable: bool,
    /// Whether the root may keep it after the SEC-001 drop.
    pub retainable: bool,
}

/// What the root task holds at boot (stage 2), the reference for every grant and for the
/// root's minimum set. Validation uses this table, so the kernel's `BootCapabilitySet` must
/// create at least these capabilities with at least these rights.
pub const ROOT_BOOT_SET: [RootCapability; 8] = [
    // Memory reaches components only as regions; SEC-001 replaces the map of all RAM.
    RootCapability {
        cap: KernelCap::PhysicalMemory,
        rights: Access::ReadWrite,
        delegable: false,
        retainable: false,
    },
    // Nobody sets the clock.
    RootCapability {
        cap: KernelCap::Timer,
        rights: Access::ReadOnly,
        delegable: true,
        retainable: true,
    },
    // Interrupts are the kernel's; the host interface has no interrupt calls.
    RootCapability {
        cap: KernelCap::InterruptQueue,
        rights: Access::ReadOnly,
        delegable: false,
        retainable: true,
    },
    RootCapability {
        cap: KernelCap::WitnessLog,
        rights: Access::ReadWrite,
        delegable: true,
        retainable: true,
    },
    // The console is output only.
    RootCapability {
        cap: KernelCap::Log,
        rights: Access::WriteOnly,
        delegable: true,
        retainable: true,
    },
    // Components never read the package; the root keeps it to re-instantiate on restart.
    RootCapability {
        cap: KernelCap::Package,
        rights: Access::ReadOnly,
        delegable: false,
        retainable: true,
    },
    // The log UART's input, for a shell; the root has no use for it.
    RootCapability {
        cap: KernelCap::Console,
        rights: Access::ReadOnly,
        delegable: true,
        retainable: false,
    },
    // Read-only reports on the system, granted explicitly (a shell's `tasks`, `queues`).
    RootCapability {
        cap: KernelCap::SystemInfo,
        rights: Access::ReadOnly,
        delegable: true,
        retainable: false,
    },
];

/// What the root holds of `cap` at boot, if anything.
pub fn root_capability(cap: KernelCap) -> Option<&'static RootCapability> {
    ROOT_BOOT_SET.iter().find(|entry| entry.cap == cap)
}
