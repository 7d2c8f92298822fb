//! The witness log: a tamper-evident record of what the system did — the stage-4 boot
//! attestation, every capability grant, task faults and restarts — kept as a SHA-256 hash
//! chain in memory reserved once, dumped as text through the kernel log and checked on the
//! host (`rvf witness verify`).
//!
//! - [`WitnessLog`] — created from a [`WitnessConfig`] (the manifest's `WitnessLogPolicy`:
//!   `max_entries`, `hash_chain`), the platform id and the generic timer's frequency;
//!   [`WitnessLog::append`] adds an entry. When full it drops the oldest entry and keeps its
//!   hash as the new anchor (a ring: a long-running system keeps recording, and what is left
//!   still verifies).
//! - Typed payloads with fixed little-endian layouts: [`Attestation`], [`CapabilityGrant`],
//!   [`TaskEvent`]; [`decode_payload`] for readers.
//! - [`dump_lines`] — the dump, one [`Display`](core::fmt::Display) item per log line.
//! - [`verify_dump`] — the host-side check of a decoded log, reporting the first bad line.
//! - [`entry_hash`] — the hash of one entry, for anyone printing or re-checking one.
//!
//! `no_std` + `alloc`; no `unsafe`; no input makes it panic.
//!
//! # Entry hash (canonical encoding)
//!
//! Every entry has a sequence number (from 0, one per append, never reused — also after
//! entries are dropped), a timestamp (generic-timer ticks), a [`WitnessKind`] (a 16-bit code),
//! a payload of at most [`MAX_PAYLOAD`] = 192 bytes, and a hash. The hash is SHA-256 over these
//! bytes, all integers little-endian:
//!
//! | offset | size | field |
//! |-------:|-----:|-------|
//! | 0      | 32   | previous hash (see below) |
//! | 32     | 8    | sequence number, u64 |
//! | 40     | 8    | timestamp in generic-timer ticks, u64 |
//! | 48     | 2    | kind code, u16 ([`WitnessKind::code`]) |
//! | 50     | 2    | payload length *n*, u16 (0 ..= 192) |
//! | 52     | *n*  | payload |
//!
//! The **previous hash** of an entry is the hash of the entry before it; for the oldest entry in
//! the log it is the **anchor**:
//!
//! - a new log's anchor is the *genesis anchor* SHA-256(`"ruvix-witness genesis v1"` (24 ASCII
//!   bytes) ‖ platform id u64 LE) — [`genesis_anchor`];
//! - when the log is full and drops its oldest entry, that entry's hash becomes the anchor.
//!
//! With `hash_chain = false` every entry's previous hash is 32 zero bytes and so is the anchor:
//! each entry is checked on its own, and only sequence numbers tie them together.
//!
//! Kind codes: `boot` 0, `attestation` 1, `capability-grant` 2, `task-fault` 3,
//! `task-restart` 4, `task-stopped` 5, `sec001-drop` 6; any other code is `other-<code>`.
//!
//! # Dump format (v1)
//!
//! ASCII lines, each short enough for one log line (at most [`MAX_LINE_LEN`] = 522 bytes).
//! Numbers are decimal without leading zeros, hashes and payloads lower-case hex: every value
//! has one spelling, so no edit goes unnoticed. Fields are separated by one space.
//!
//! ```text
//! witness begin v1 entries=<n> dropped=<d> chain=<0|1> freq=<hz> anchor=<64 hex>
//! witness entry <seq> <ticks> <kind-name> <payload hex, or - when empty> <hash, 64 hex>
//! …                                   (n entry lines, sequence numbers d, d+1, …)
//! witness end head=<64 hex> seal=<64 hex>
//! ```
//!
//! `dropped` is how many entries the ring dropped before the first one shown (so it is also
//! that entry's sequence number); `freq` is the generic timer's frequency (`CNTFRQ_EL0`) so a
//! reader can print seconds; `head` is the last entry's hash (the anchor if there is none);
//! `seal` = SHA-256(`"ruvix-witness dump v1"` (21 ASCII bytes) ‖ chain u8 ‖ freq u64 LE ‖
//! dropped u64 LE ‖ entries u64 LE ‖ anchor ‖ head) — [`dump_seal`] — which makes the begin
//! line's fields tamper-evident too. For example (hashes shortened):
//!
//! ```text
//! 0.004512 INFO  witness begin v1 entries=2 dropped=0 chain=1 freq=54000000 anchor=5f1c…
//! 0.004519 INFO  witness entry 0 243001 boot - 9a0e…
//! 0.004527 INFO  witness entry 1 250112 task-fault 010002000300000001000000 41bd…
//! 0.004533 INFO  witness end head=41bd… seal=c3a8…
//! ```
//!
//! A reader looks for `witness begin `, `witness entry ` or `witness end ` anywhere in a line
//! and ignores what comes before (a level, a timestamp), trailing whitespace and ANSI colour
//! codes, and every other line.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod dump;
mod hash;
mod hex;
mod kind;
mod log;
mod payload;
mod verify;

pub use dump::{DUMP_VERSION, DumpLine, DumpLines, LINE_MARKER, MAX_LINE_LEN, dump_lines};
pub use hash::{
    GENESIS_DOMAIN, Hash32, SEAL_DOMAIN, ZERO_HASH, dump_seal, entry_hash, genesis_anchor,
};
pub use hex::HexBytes;
pub use kind::{MAX_KIND_NAME_LEN, WitnessKind};
pub use log::{EntryRef, Iter, WitnessConfig, WitnessError, WitnessLog};
pub use payload::{
    ATTESTATION_LEN, Attestation, CapabilityGrant, DecodedPayload, GRANT_FIXED_LEN, MAX_GRANT_NAME,
    MAX_PAYLOAD, PayloadBuf, PayloadError, TASK_EVENT_LEN, TaskEvent, decode_payload, platform_id,
};
pub use verify::{
    AttestationRecord, ChainError, DumpSummary, LineError, TickTime, VerifiedEntry,
    ticks_to_micros, verify_dump, verify_dump_bytes,
};
