extern crate std;

use std::collections::VecDeque;
use std::format;
use std::vec;
use std::vec::Vec;

use super::*;

fn receive(queue: &mut Queue) -> Result<Vec<u8>, QueueError> {
    let mut buffer = vec![0u8; queue.message_size()];
    let n = queue.try_receive(&mut buffer)?;
    buffer.truncate(n);
    Ok(buffer)
}

#[test]
fn a_new_queue_is_empty() {
    let queue = Queue::new(8, 16).unwrap();
    assert_eq!(queue.depth(), 8);
    assert_eq!(queue.message_size(), 16);
    assert_eq!(queue.len(), 0);
    assert!(queue.is_empty());
    assert!(!queue.is_full());
    assert_eq!(queue.peek(), None);
    assert_eq!(queue.stats(), QueueStats::default());
}

#[test]
fn creation_errors() {
    assert_eq!(Queue::new(0, 16).unwrap_err(), QueueError::ZeroDepth);
    assert_eq!(
        Queue::new(u32::MAX, u32::MAX).unwrap_err(),
        QueueError::AllocationFailed {
            depth: u32::MAX,
            message_size: u32::MAX
        }
    );
}

#[test]
fn messages_come_out_in_order() {
    let mut queue = Queue::new(4, 8).unwrap();
    for message in [&b"one"[..], b"two", b"three", b"four"] {
        queue.try_send(message).unwrap();
    }
    assert_eq!(queue.len(), 4);
    for message in [&b"one"[..], b"two", b"three", b"four"] {
        assert_eq!(receive(&mut queue).unwrap(), message);
    }
    assert!(queue.is_empty());
}

#[test]
fn full_and_empty() {
    let mut queue = Queue::new(2, 4).unwrap();
    assert_eq!(receive(&mut queue), Err(QueueError::Empty));
    queue.try_send(b"a").unwrap();
    queue.try_send(b"b").unwrap();
    assert!(queue.is_full());
    assert_eq!(queue.try_send(b"c"), Err(QueueError::Full { depth: 2 }));
    assert_eq!(queue.try_send(b"c"), Err(QueueError::Full { depth: 2 }));
    assert_eq!(receive(&mut queue).unwrap(), b"a");
    queue.try_send(b"c").unwrap();
    assert_eq!(receive(&mut queue).unwrap(), b"b");
    assert_eq!(receive(&mut queue).unwrap(), b"c");
    assert_eq!(receive(&mut queue), Err(QueueError::Empty));
    assert_eq!(
        queue.stats(),
        QueueStats {
            sent: 3,
            received: 3,
            refused_full: 2,
            refused_empty: 2,
            peak_len: 2,
        }
    );
}

#[test]
fn ten_thousand_messages_through_depth_three() {
    let mut queue = Queue::new(3, 8).unwrap();
    let mut next_out = 0u64;
    let mut next_in = 0u64;
    // Vary how full the queue runs so the head visits every slot with every fill level.
    while next_out < 10_000 {
        let burst = 1 + next_in % 3;
        for _ in 0..burst {
            if next_in < 10_000 && queue.try_send(&next_in.to_le_bytes()).is_ok() {
                next_in += 1;
            }
        }
        let drain = 1 + (next_in / 7) % 3;
        for _ in 0..drain {
            match receive(&mut queue) {
                Ok(bytes) => {
                    assert_eq!(bytes, next_out.to_le_bytes(), "message {next_out}");
                    next_out += 1;
                }
                Err(QueueError::Empty) => break,
                Err(error) => panic!("{error}"),
            }
        }
    }
    assert_eq!(queue.stats().sent, 10_000);
    assert_eq!(queue.stats().received, 10_000);
    assert!(queue.is_empty());
}

#[test]
fn too_large_is_refused_and_changes_nothing() {
    let mut queue = Queue::new(2, 4).unwrap();
    queue.try_send(b"ok").unwrap();
    assert_eq!(
        queue.try_send(b"12345"),
        Err(QueueError::TooLarge { len: 5, max: 4 })
    );
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.stats().sent, 1);
    // Exactly the message size is fine.
    queue.try_send(b"1234").unwrap();
    assert_eq!(receive(&mut queue).unwrap(), b"ok");
    assert_eq!(receive(&mut queue).unwrap(), b"1234");
}

#[test]
fn zero_length_messages() {
    let mut queue = Queue::new(3, 4).unwrap();
    queue.try_send(b"").unwrap();
    queue.try_send(b"x").unwrap();
    queue.try_send(b"").unwrap();
    assert_eq!(queue.try_receive(&mut []), Ok(0));
    assert_eq!(receive(&mut queue).unwrap(), b"x");
    assert_eq!(queue.try_receive(&mut []), Ok(0));
    assert!(queue.is_empty());
}

#[test]
fn a_queue_of_empty_messages_is_a_counting_signal() {
    let mut queue = Queue::new(2, 0).unwrap();
    queue.try_send(&[]).unwrap();
    queue.try_send(&[]).unwrap();
    assert_eq!(queue.try_send(&[]), Err(QueueError::Full { depth: 2 }));
    assert_eq!(
        queue.try_send(&[1]),
        Err(QueueError::TooLarge { len: 1, max: 0 })
    );
    assert_eq!(queue.try_receive(&mut []), Ok(0));
    assert_eq!(queue.peek(), Some(&[][..]));
    assert_eq!(queue.consume(), Ok(0));
    assert_eq!(queue.consume(), Err(QueueError::Empty));
}

#[test]
fn a_short_buffer_leaves_the_message_queued() {
    let mut queue = Queue::new(2, 8).unwrap();
    queue.try_send(b"hello").unwrap();
    let mut small = [0u8; 4];
    assert_eq!(
        queue.try_receive(&mut small),
        Err(QueueError::BufferTooSmall {
            needed: 5,
            available: 4
        })
    );
    assert_eq!(small, [0; 4], "nothing written");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.stats().received, 0);
    // A larger buffer than needed gets the message at its start.
    let mut large = [0xAAu8; 8];
    assert_eq!(queue.try_receive(&mut large), Ok(5));
    assert_eq!(&large, b"hello\xAA\xAA\xAA");
}

#[test]
fn a_short_message_in_a_reused_slot_shows_no_stale_bytes() {
    let mut queue = Queue::new(1, 8).unwrap();
    queue.try_send(b"longer!!").unwrap();
    receive(&mut queue).unwrap();
    queue.try_send(b"ab").unwrap();
    assert_eq!(queue.peek(), Some(&b"ab"[..]));
    assert_eq!(receive(&mut queue).unwrap(), b"ab");
}

#[test]
fn receive_in_place() {
    let mut queue = Queue::new(2, 8).unwrap();
    queue.try_send(b"abc").unwrap();
    queue.try_send(b"de").unwrap();
    assert_eq!(queue.try_receive_with(|message| message.len()), Ok(3));
    assert_eq!(queue.try_receive_with(<[u8]>::to_vec), Ok(b"de".to_vec()));
    assert_eq!(queue.try_receive_with(|_| ()), Err(QueueError::Empty));
}

#[test]
fn send_in_place() {
    let mut queue = Queue::new(2, 8).unwrap();
    // The slot is filled in place; a failing fill queues nothing.
    assert_eq!(
        queue.try_send_with(3, |slot| {
            slot.copy_from_slice(b"xyz");
            Ok::<(), &str>(())
        }),
        Ok(Ok(()))
    );
    assert_eq!(
        queue.try_send_with(2, |_| Err("bad pointer")),
        Ok(Err("bad pointer"))
    );
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.stats().sent, 1);
    // Too large and full are refused before `fill` runs.
    let refused = queue.try_send_with(9, |_| -> Result<(), &str> { unreachable!() });
    assert_eq!(refused, Err(QueueError::TooLarge { len: 9, max: 8 }));
    queue.try_send(b"ab").unwrap();
    let refused = queue.try_send_with(1, |_| -> Result<(), &str> { unreachable!() });
    assert_eq!(refused, Err(QueueError::Full { depth: 2 }));
    assert_eq!(receive(&mut queue).unwrap(), b"xyz");
    assert_eq!(receive(&mut queue).unwrap(), b"ab");
}

#[test]
fn peek_then_consume() {
    let mut queue = Queue::new(2, 8).unwrap();
    queue.try_send(b"abc").unwrap();
    queue.try_send(b"de").unwrap();
    // A failed copy (nothing consumed) keeps the message: peek again, same message.
    assert_eq!(queue.peek(), Some(&b"abc"[..]));
    assert_eq!(queue.peek(), Some(&b"abc"[..]));
    assert_eq!(queue.consume(), Ok(3));
    assert_eq!(queue.peek(), Some(&b"de"[..]));
    assert_eq!(queue.consume(), Ok(2));
    assert_eq!(queue.peek(), None);
    assert_eq!(queue.stats().received, 2);
}

#[test]
fn error_messages() {
    assert_eq!(
        format!("{}", QueueError::TooLarge { len: 20, max: 16 }),
        "message too large: 20 bytes, the queue carries at most 16"
    );
    assert_eq!(
        format!("{}", QueueError::Full { depth: 8 }),
        "queue full: all 8 slots hold a message"
    );
    let debug = format!("{:?}", Queue::new(2, 4).unwrap());
    assert!(debug.contains("depth: 2"), "{debug}");
}

use ruvix_test_rng::SplitMix64 as Rng;

/// Random sends (sometimes too large), receives (sometimes into too small a buffer), peeks and
/// consumes, checked step by step against a `VecDeque` with the same capacity.
#[test]
fn randomized_model_test_against_vecdeque() {
    let mut rng = Rng(7);
    for round in 0..200 {
        let depth = 1 + rng.below(6) as u32;
        let size = rng.below(12) as u32;
        let mut queue = Queue::new(depth, size).unwrap();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        let (depth, size) = (depth as usize, size as usize);
        let mut counter = 0u8;
        for step in 0..2_000 {
            let at = format!("round {round} step {step}");
            match rng.below(5) {
                0 | 1 => {
                    let len = rng.below(size as u64 + 3) as usize;
                    let message: Vec<u8> = (0..len)
                        .map(|_| {
                            counter = counter.wrapping_add(1);
                            counter
                        })
                        .collect();
                    let expected = if len > size {
                        Err(QueueError::TooLarge { len, max: size })
                    } else if model.len() == depth {
                        Err(QueueError::Full { depth })
                    } else {
                        model.push_back(message.clone());
                        Ok(())
                    };
                    assert_eq!(queue.try_send(&message), expected, "{at}");
                }
                2 => {
                    let mut buffer = vec![0u8; rng.below(size as u64 + 2) as usize];
                    let expected = match model.front() {
                        None => Err(QueueError::Empty),
                        Some(front) if front.len() > buffer.len() => {
                            Err(QueueError::BufferTooSmall {
                                needed: front.len(),
                                available: buffer.len(),
                            })
                        }
                        Some(_) => Ok(model.pop_front().unwrap()),
                    };
                    let got = queue.try_receive(&mut buffer).map(|n| buffer[..n].to_vec());
                    assert_eq!(got, expected, "{at}");
                }
                3 => {
                    assert_eq!(queue.peek(), model.front().map(Vec::as_slice), "{at}");
                }
                _ => {
                    let expected = model.pop_front().ok_or(QueueError::Empty);
                    assert_eq!(queue.try_receive_with(<[u8]>::to_vec), expected, "{at}");
                }
            }
            assert_eq!(queue.len(), model.len(), "{at}");
            assert_eq!(queue.is_full(), model.len() == depth, "{at}");
            assert_eq!(queue.is_empty(), model.is_empty(), "{at}");
        }
        let stats = queue.stats();
        assert_eq!(stats.sent - stats.received, model.len() as u64);
        assert!(stats.peak_len <= depth);
    }
}
