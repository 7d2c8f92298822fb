//! The VideoCore mailbox property interface (channel 8): board model and revision, memory
//! split and clock rates, straight from the firmware that owns them.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

use super::Mmio;
use crate::arch::cache;

register_bitfields! {u32,
    STATUS [
        FULL OFFSET(31) NUMBITS(1) [],
        EMPTY OFFSET(30) NUMBITS(1) []
    ]
}

register_structs! {
    pub Registers {
        (0x00 => read: ReadOnly<u32>),
        (0x04 => _reserved0),
        (0x18 => status: ReadOnly<u32, STATUS::Register>),
        (0x1c => _reserved1),
        (0x20 => write: WriteOnly<u32>),
        (0x24 => @END),
    }
}

const CHANNEL_PROPERTY: u32 = 8;
const REQUEST: u32 = 0;
const RESPONSE_OK: u32 = 0x8000_0000;
const TAG_RESPONSE: u32 = 0x8000_0000;
/// Give up on a silent GPU after this many status polls rather than hang the boot.
const POLL_LIMIT: u32 = 10_000_000;

pub const TAG_BOARD_MODEL: u32 = 0x0001_0001;
pub const TAG_BOARD_REVISION: u32 = 0x0001_0002;
pub const TAG_BOARD_SERIAL: u32 = 0x0001_0004;
pub const TAG_ARM_MEMORY: u32 = 0x0001_0005;
pub const TAG_VC_MEMORY: u32 = 0x0001_0006;
pub const TAG_GET_CLOCK_RATE: u32 = 0x0003_0002;
pub const TAG_SET_CLOCK_RATE: u32 = 0x0003_8002;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Clock {
    Uart = 2,
    Arm = 3,
    Core = 4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum MailboxError {
    /// The GPU did not answer in time.
    Timeout,
    /// The GPU answered with a failure code for the whole request.
    RequestFailed(u32),
    /// The tag came back without its response bit or with a short value.
    TagFailed(u32),
}

/// The message buffer: 16-byte aligned as the mailbox needs (the low 4 bits carry the channel).
#[repr(C, align(16))]
struct Buffer([u32; 16]);

static mut BUFFER: Buffer = Buffer([0; 16]);

pub struct Mailbox {
    registers: Mmio<Registers>,
}

impl Mailbox {
    /// # Safety
    /// `base` is the mailbox 0 register block (see `Mmio::new`), and only one `Mailbox` is used
    /// at a time (they share one message buffer).
    pub const unsafe fn new(base: usize) -> Self {
        Self {
            // SAFETY: the caller guarantees what `Mmio::new` requires.
            registers: unsafe { Mmio::new(base) },
        }
    }

    /// Send one property tag with `request` words, return up to `N` response words.
    fn property<const N: usize>(
        &self,
        tag: u32,
        request: &[u32],
    ) -> Result<[u32; N], MailboxError> {
        let value_words = N.max(request.len());
        // SAFETY: the buffer is only touched here, inside a critical section, and the only
        // other reader is the GPU, between our cache maintenance calls.
        critical_section::with(|_| unsafe {
            let buffer = &mut *core::ptr::addr_of_mut!(BUFFER);
            let words = &mut buffer.0;
            let total = 6 + value_words;
            if total > words.len() {
                return Err(MailboxError::TagFailed(tag));
            }
            words.fill(0);
            words[0] = (total * 4) as u32;
            words[1] = REQUEST;
            words[2] = tag;
            words[3] = (value_words * 4) as u32;
            words[4] = 0;
            words[5..5 + request.len()].copy_from_slice(request);
            words[5 + value_words] = 0; // end tag
            let address = words.as_ptr() as usize;
            cache::clean_invalidate(address, total * 4);

            let mut polls = 0;
            while self.registers.status.is_set(STATUS::FULL) {
                polls += 1;
                if polls > POLL_LIMIT {
                    return Err(MailboxError::Timeout);
                }
            }
            self.registers
                .write
                .set((address as u32 & !0xf) | CHANNEL_PROPERTY);
            loop {
                polls = 0;
                while self.registers.status.is_set(STATUS::EMPTY) {
                    polls += 1;
                    if polls > POLL_LIMIT {
                        return Err(MailboxError::Timeout);
                    }
                }
                if self.registers.read.get() & 0xf == CHANNEL_PROPERTY {
                    break;
                }
            }
            cache::clean_invalidate(address, total * 4);
            let words = &core::ptr::addr_of!(BUFFER).read_volatile().0;
            if words[1] != RESPONSE_OK {
                return Err(MailboxError::RequestFailed(words[1]));
            }
            let length = words[4];
            if length & TAG_RESPONSE == 0 || ((length & !TAG_RESPONSE) as usize) < N * 4 {
                return Err(MailboxError::TagFailed(tag));
            }
            let mut out = [0u32; N];
            out.copy_from_slice(&words[5..5 + N]);
            Ok(out)
        })
    }

    pub fn board_revision(&self) -> Result<u32, MailboxError> {
        Ok(self.property::<1>(TAG_BOARD_REVISION, &[])?[0])
    }

    pub fn board_model(&self) -> Result<u32, MailboxError> {
        Ok(self.property::<1>(TAG_BOARD_MODEL, &[])?[0])
    }

    pub fn board_serial(&self) -> Result<u64, MailboxError> {
        let [low, high] = self.property::<2>(TAG_BOARD_SERIAL, &[])?;
        Ok(u64::from(high) << 32 | u64::from(low))
    }

    /// (base, size) of the memory the ARM cores own.
    pub fn arm_memory(&self) -> Result<(u32, u32), MailboxError> {
        let [base, size] = self.property::<2>(TAG_ARM_MEMORY, &[])?;
        Ok((base, size))
    }

    /// (base, size) of the memory the VideoCore keeps.
    pub fn vc_memory(&self) -> Result<(u32, u32), MailboxError> {
        let [base, size] = self.property::<2>(TAG_VC_MEMORY, &[])?;
        Ok((base, size))
    }

    pub fn clock_rate(&self, clock: Clock) -> Result<u32, MailboxError> {
        Ok(self.property::<2>(TAG_GET_CLOCK_RATE, &[clock as u32])?[1])
    }

    /// Ask for `hz`; returns the rate the firmware actually set.
    pub fn set_clock_rate(&self, clock: Clock, hz: u32) -> Result<u32, MailboxError> {
        Ok(self.property::<2>(TAG_SET_CLOCK_RATE, &[clock as u32, hz, 0])?[1])
    }
}
