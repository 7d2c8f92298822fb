//! Bounded FIFO message queues between components.
//!
//! # Design
//!
//! - A [`Queue`] has a fixed `depth` (messages) and `message_size` (largest message, bytes), the
//!   numbers the manifest gives. Stage 2 creates it with [`Queue::new`], which allocates its ring
//!   buffer once (`depth × message_size` bytes plus one length per slot) and reports allocation
//!   failure as an error; nothing allocates afterwards.
//! - Messages are byte strings of any length up to `message_size`, zero included; each slot
//!   stores its length. A message is copied in by [`Queue::try_send`] and out by
//!   [`Queue::try_receive`] (or read in place with [`Queue::try_receive_with`], or
//!   [`Queue::peek`] + [`Queue::consume`]). It leaves the queue only when it is delivered: a
//!   receive into a buffer too small for it fails and leaves it at the front. So a message is
//!   never lost, duplicated or reordered.
//! - Nothing blocks here. A send to a full queue returns [`QueueError::Full`], a receive from an
//!   empty one [`QueueError::Empty`], and the scheduler keeps track of who waits (see *Waiting*).
//! - [`QueueStats`] counts what happened, for the statistics the kernel prints.
//!
//! # Waiting
//!
//! The queue keeps no list of waiting tasks: a queue end belongs to a component, and each of the
//! component's tasks (one per entry point) may block on it, so one `waiting_receiver` slot would
//! not be enough, and a list would tie this crate to the scheduler's task type. Instead:
//!
//! 1. a task whose `try_send` fails with `Full` (or `try_receive` with `Empty`) is marked by the
//!    scheduler as blocked on (queue, send) (or (queue, receive)) and yields;
//! 2. after every successful `try_send` the scheduler wakes the tasks blocked receiving on that
//!    queue, after every successful receive the tasks blocked sending on it;
//! 3. a woken task retries its call and may block again (another task got there first).
//!
//! Wake-ups can be spurious, never lost: tasks are cooperative on one core, so nothing runs
//! between a task's failed attempt and its blocking.
//!
//! `no_std` + `alloc`; no `unsafe`; no input can make it panic.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod error;
mod queue;

pub use error::QueueError;
pub use queue::{Queue, QueueStats};
