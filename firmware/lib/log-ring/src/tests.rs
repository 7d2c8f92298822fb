extern crate std;

use std::vec::Vec;

use ruvix_test_rng::SplitMix64;

use super::*;

const SINK: Class = Class::Droppable { source: 2 };

/// A frame of `len` bytes all equal to `tag`, then a 0 terminator (like rzCOBS).
fn frame(tag: u8, len: usize) -> Vec<u8> {
    let mut f = std::vec![tag; len];
    f.push(0);
    f
}

fn log<const R: usize, const F: usize>(
    buffer: &mut LogBuffer<R, F>,
    class: Class,
    bytes: &[u8],
    wire: &mut Vec<u8>,
) -> Commit {
    buffer.begin(class);
    // In two pieces, as the encoder writes them.
    let (a, b) = bytes.split_at(bytes.len() / 2);
    buffer.write(a, |d| wire.extend_from_slice(d));
    buffer.write(b, |d| wire.extend_from_slice(d));
    buffer.end(|d| wire.extend_from_slice(d))
}

fn pop_all<const R: usize, const F: usize>(buffer: &mut LogBuffer<R, F>, wire: &mut Vec<u8>) {
    buffer.pop(usize::MAX, |b| {
        wire.push(b);
        true
    });
}

#[test]
fn frames_come_out_in_order_and_whole() {
    let mut buffer = LogBuffer::<64, 32>::new(16);
    let mut wire = Vec::new();
    for tag in 1..=3 {
        assert_eq!(
            log(&mut buffer, SINK, &frame(tag, 5), &mut wire),
            Commit::Queued
        );
    }
    assert!(wire.is_empty(), "nothing goes out synchronously");
    pop_all(&mut buffer, &mut wire);
    let expected: Vec<u8> = (1..=3).flat_map(|t| frame(t, 5)).collect();
    assert_eq!(wire, expected);
    assert!(buffer.is_empty());
    assert_eq!(buffer.totals().queued_bytes, 18);
    assert_eq!(buffer.totals().sent_bytes, 18);
}

#[test]
fn droppable_frames_are_dropped_whole_and_counted_per_source() {
    let mut buffer = LogBuffer::<64, 32>::new(16);
    let mut wire = Vec::new();
    // 48 bytes usable by droppable frames: four frames of 12.
    for _ in 0..4 {
        assert_eq!(
            log(&mut buffer, SINK, &frame(7, 11), &mut wire),
            Commit::Queued
        );
    }
    let flood = Class::Droppable { source: 5 };
    assert_eq!(
        log(&mut buffer, SINK, &frame(7, 11), &mut wire),
        Commit::Dropped
    );
    for _ in 0..3 {
        assert_eq!(
            log(&mut buffer, flood, &frame(8, 11), &mut wire),
            Commit::Dropped
        );
    }
    let kernel = Class::Droppable {
        source: KERNEL_SOURCE,
    };
    assert_eq!(
        log(&mut buffer, kernel, &frame(9, 11), &mut wire),
        Commit::Dropped
    );
    let far = Class::Droppable { source: 200 };
    assert_eq!(
        log(&mut buffer, far, &frame(9, 11), &mut wire),
        Commit::Dropped
    );
    assert_eq!(buffer.len(), 48, "a dropped frame leaves nothing behind");
    // No notice while there is no room for it.
    assert_eq!(buffer.take_drops(12), None);
    pop_all(&mut buffer, &mut wire);
    let drops = buffer.take_drops(12).expect("room now");
    assert_eq!(drops.total, 6);
    assert_eq!(drops.by_source[2], 1);
    assert_eq!(drops.by_source[5], 3);
    assert_eq!(drops.kernel, 1);
    assert_eq!(drops.other, 1);
    assert_eq!(buffer.take_drops(0), None, "counts restart");
    assert_eq!(buffer.totals().dropped_frames, 6);
    // Only whole frames reached the wire.
    assert_eq!(wire, frame(7, 11).repeat(4));
}

#[test]
fn kept_frames_use_the_reserve() {
    let mut buffer = LogBuffer::<64, 32>::new(16);
    let mut wire = Vec::new();
    for _ in 0..4 {
        log(&mut buffer, SINK, &frame(1, 11), &mut wire);
    }
    assert_eq!(
        log(&mut buffer, SINK, &frame(1, 3), &mut wire),
        Commit::Dropped
    );
    // The reserve takes the stage line nobody else may use.
    assert_eq!(
        log(&mut buffer, Class::Kept, &frame(2, 11), &mut wire),
        Commit::Queued
    );
    assert!(wire.is_empty());
    assert_eq!(buffer.len(), 60);
}

#[test]
fn kept_frames_are_never_dropped_even_when_everything_is_full() {
    let mut buffer = LogBuffer::<64, 32>::new(16);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    // Fill the ring with kept frames, then keep going: the oldest bytes are written out
    // synchronously to make room, and the order on the wire stays right.
    for tag in 1..=20u8 {
        let f = frame(tag, 9);
        assert_eq!(log(&mut buffer, Class::Kept, &f, &mut wire), Commit::Queued);
        expected.extend_from_slice(&f);
    }
    assert!(buffer.totals().waited > 0);
    pop_all(&mut buffer, &mut wire);
    assert_eq!(wire, expected);
    assert_eq!(buffer.totals().dropped_frames, 0);
}

#[test]
fn an_oversized_kept_frame_goes_out_directly_after_what_was_queued() {
    let mut buffer = LogBuffer::<64, 16>::new(16);
    let mut wire = Vec::new();
    log(&mut buffer, SINK, &frame(1, 5), &mut wire);
    let big = frame(2, 40);
    assert_eq!(
        log(&mut buffer, Class::Kept, &big, &mut wire),
        Commit::Direct
    );
    log(&mut buffer, SINK, &frame(3, 5), &mut wire);
    pop_all(&mut buffer, &mut wire);
    let mut expected = frame(1, 5);
    expected.extend_from_slice(&big);
    expected.extend_from_slice(&frame(3, 5));
    assert_eq!(wire, expected);
    // An oversized droppable frame is dropped whole.
    assert_eq!(
        log(&mut buffer, SINK, &frame(4, 40), &mut wire),
        Commit::Dropped
    );
    assert!(buffer.is_empty());
}

#[test]
fn an_interrupted_frame_is_discarded() {
    let mut buffer = LogBuffer::<64, 32>::new(0);
    let mut wire = Vec::new();
    buffer.begin(SINK);
    buffer.write(&[1, 2, 3], |_| panic!("nothing goes out"));
    // A fault report starts a new frame before the old one ended.
    assert_eq!(
        log(&mut buffer, Class::Kept, &frame(9, 4), &mut wire),
        Commit::Queued
    );
    pop_all(&mut buffer, &mut wire);
    assert_eq!(wire, frame(9, 4));
    // Writes and ends outside a frame do nothing.
    buffer.write(&[1], |_| panic!("outside a frame"));
    assert_eq!(buffer.end(|_| panic!("outside a frame")), Commit::Dropped);
}

#[test]
fn pop_stops_when_the_fifo_is_full() {
    let mut buffer = LogBuffer::<64, 32>::new(0);
    let mut wire = Vec::new();
    log(&mut buffer, SINK, &frame(1, 20), &mut wire);
    let mut fifo = Vec::new();
    let taken = buffer.pop(usize::MAX, |b| {
        if fifo.len() == 16 {
            return false;
        }
        fifo.push(b);
        true
    });
    assert_eq!(taken, 16);
    assert_eq!(buffer.len(), 5);
    assert_eq!(buffer.pop(2, |_| true), 2, "at most max");
    assert_eq!(buffer.len(), 3);
}

#[test]
fn wraps_around_for_many_rounds_without_losing_or_reordering() {
    let mut buffer = LogBuffer::<61, 24>::new(8);
    let mut rng = SplitMix64(0x106);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    let mut dropped = 0u32;
    for n in 0..20_000u32 {
        let tag = (n % 250) as u8 + 1;
        let f = frame(tag, 1 + rng.index(15));
        let class = if rng.below(10) == 0 {
            Class::Kept
        } else {
            SINK
        };
        match log(&mut buffer, class, &f, &mut wire) {
            Commit::Queued | Commit::Direct => expected.extend_from_slice(&f),
            Commit::Dropped => {
                assert_ne!(class, Class::Kept, "kept frame {n} dropped");
                dropped += 1;
            }
        }
        // The UART takes a random amount.
        let budget = rng.index(20);
        buffer.pop(budget, |b| {
            wire.push(b);
            true
        });
        assert!(buffer.len() <= buffer.capacity());
    }
    pop_all(&mut buffer, &mut wire);
    assert_eq!(wire, expected, "order kept over the wrap-around");
    assert!(dropped > 0, "the test should have filled the ring");
    let drops = buffer.take_drops(0).expect("drops");
    assert_eq!(drops.total, dropped);
    assert_eq!(drops.by_source[2], dropped);
    let totals = buffer.totals();
    assert_eq!(totals.sent_bytes, wire.len() as u64);
}

#[test]
fn a_reserve_larger_than_the_ring_is_clamped() {
    let mut buffer = LogBuffer::<16, 8>::new(100);
    assert_eq!(buffer.reserve(), 16);
    let mut wire = Vec::new();
    assert_eq!(
        log(&mut buffer, SINK, &frame(1, 2), &mut wire),
        Commit::Dropped
    );
    assert_eq!(
        log(&mut buffer, Class::Kept, &frame(1, 2), &mut wire),
        Commit::Queued
    );
    assert_eq!(buffer.free(), 13);
}
