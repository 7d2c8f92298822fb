// One-element arrays of ranges are the point here: "a single RAM range".
#![allow(clippy::single_range_in_vec_init)]
// Reversed ranges are inputs the allocator must survive.
#![allow(clippy::reversed_empty_ranges)]

extern crate std;

use std::vec::Vec;

use super::*;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const F: u64 = FRAME_SIZE;

fn free_list(a: &FrameAllocator) -> Vec<Range<u64>> {
    a.free_ranges().collect()
}

fn usable_list(a: &FrameAllocator) -> Vec<Range<u64>> {
    a.usable_ranges().collect()
}

#[test]
fn a_single_range_is_all_free() {
    let a = FrameAllocator::new(&[0..64 * MIB], &[]).unwrap();
    assert_eq!(a.total_bytes(), 64 * MIB);
    assert_eq!(a.free_bytes(), 64 * MIB);
    assert_eq!(a.allocated_bytes(), 0);
    assert_eq!(free_list(&a), [0..64 * MIB]);
}

#[test]
fn allocation_is_first_fit_from_the_bottom() {
    let mut a = FrameAllocator::new(&[0x10_0000..0x20_0000], &[]).unwrap();
    assert_eq!(a.allocate(1).unwrap(), 0x10_0000..0x10_1000);
    assert_eq!(a.allocate(2).unwrap(), 0x10_1000..0x10_3000);
    assert_eq!(a.free_bytes(), 0x10_0000 - 3 * F);
    assert_eq!(a.allocated_bytes(), 3 * F);
}

#[test]
fn ram_shrinks_inwards_and_reserved_grows_outwards() {
    // RAM 0x800..0x10_0800 holds whole frames 0x1000..0x10_0000; the reserved byte range
    // 0x5_0010..0x5_0020 takes the whole frame 0x5_0000..0x5_1000.
    let a = FrameAllocator::new(&[0x800..0x10_0800], &[0x5_0010..0x5_0020]).unwrap();
    assert_eq!(
        usable_list(&a),
        [0x1000..0x5_0000, 0x5_1000..0x10_0000],
        "partly reserved frames must never be usable"
    );
}

#[test]
fn ranges_without_a_whole_frame_are_ignored() {
    let a = FrameAllocator::new(&[0x10..0x20, 0x1001..0x1fff, 5..5, 9..3], &[]).unwrap();
    assert_eq!(a.total_bytes(), 0);
    let mut a = a;
    assert_eq!(a.allocate(1), Err(FrameError::OutOfMemory { requested: 1 }));
}

#[test]
fn overlapping_and_touching_ram_ranges_merge() {
    let a = FrameAllocator::new(
        &[0x3000..0x8000, 0..0x2000, 0x2000..0x4000, 0x9000..0xa000],
        &[],
    )
    .unwrap();
    assert_eq!(usable_list(&a), [0..0x8000, 0x9000..0xa000]);
    assert_eq!(a.total_bytes(), 0x9000);
}

#[test]
fn reserved_ranges_anywhere() {
    let ram = [0..16 * MIB, 32 * MIB..48 * MIB];
    let reserved = [
        // The kernel image at 0x80000.
        0x8_0000..0x10_0000,
        // Straddles the hole between the two RAM ranges.
        15 * MIB..33 * MIB,
        // Outside RAM entirely.
        0x3F00_0000..0x4000_0000,
        // Overlaps the kernel image.
        0xF_0000..0x11_0000,
        // The very end.
        47 * MIB..u64::MAX,
    ];
    let a = FrameAllocator::new(&ram, &reserved).unwrap();
    assert_eq!(
        usable_list(&a),
        [0..0x8_0000, 0x11_0000..15 * MIB, 33 * MIB..47 * MIB]
    );
}

#[test]
fn a_reserved_end_at_the_top_of_the_address_space_does_not_overflow() {
    let top = !(F - 1);
    let a = FrameAllocator::new(&[top - 4 * F..top], &[top - F..u64::MAX]).unwrap();
    assert_eq!(usable_list(&a), [top - 4 * F..top - F]);
    let a = FrameAllocator::new(&[top - 4 * F..u64::MAX], &[top - 2 * F + 1..top - F - 1]).unwrap();
    assert_eq!(usable_list(&a), [top - 4 * F..top - 2 * F, top - F..top]);
}

#[test]
fn exhaustion_and_recovery() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    let all: Vec<_> = (0..8).map(|_| a.allocate(1).unwrap()).collect();
    assert_eq!(a.free_bytes(), 0);
    assert_eq!(a.allocate(1), Err(FrameError::OutOfMemory { requested: 1 }));
    a.free(all[3].clone()).unwrap();
    assert_eq!(a.allocate(2), Err(FrameError::OutOfMemory { requested: 2 }));
    assert_eq!(a.allocate(1).unwrap(), all[3]);
}

#[test]
fn fragmentation_can_prevent_a_large_allocation() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    let all: Vec<_> = (0..8).map(|_| a.allocate(1).unwrap()).collect();
    for range in all.iter().step_by(2) {
        a.free(range.clone()).unwrap();
    }
    assert_eq!(a.free_bytes(), 4 * F);
    assert_eq!(a.largest_free_run(), F);
    assert_eq!(a.allocate(2), Err(FrameError::OutOfMemory { requested: 2 }));
}

#[test]
fn huge_requests_are_out_of_memory_not_overflow() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    assert_eq!(
        a.allocate(u64::MAX),
        Err(FrameError::OutOfMemory {
            requested: u64::MAX
        })
    );
    assert_eq!(
        a.allocate(u64::MAX / F),
        Err(FrameError::OutOfMemory {
            requested: u64::MAX / F
        })
    );
    assert_eq!(a.allocate(0), Err(FrameError::ZeroFrames));
}

#[test]
fn coalescing_in_every_order() {
    let orders: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for order in orders {
        let mut a = FrameAllocator::new(&[0..16 * F], &[]).unwrap();
        let parts = [
            a.allocate(2).unwrap(),
            a.allocate(3).unwrap(),
            a.allocate(1).unwrap(),
        ];
        let rest = a.allocate(10).unwrap();
        assert_eq!(a.free_bytes(), 0);
        for &i in &order {
            a.free(parts[i].clone()).unwrap();
        }
        assert_eq!(free_list(&a), [0..6 * F], "order {order:?}");
        a.free(rest).unwrap();
        assert_eq!(free_list(&a), [0..16 * F], "order {order:?}");
        // Fully coalesced: one allocation can take everything again.
        assert_eq!(a.allocate(16).unwrap(), 0..16 * F);
    }
}

#[test]
fn coalescing_never_joins_across_a_reserved_hole() {
    let mut a = FrameAllocator::new(&[0..4 * F], &[F..2 * F]).unwrap();
    let low = a.allocate(1).unwrap();
    let high = a.allocate(2).unwrap();
    assert_eq!((low.clone(), high.clone()), (0..F, 2 * F..4 * F));
    a.free(low).unwrap();
    a.free(high).unwrap();
    assert_eq!(free_list(&a), [0..F, 2 * F..4 * F]);
}

#[test]
fn a_part_of_an_allocation_can_be_freed() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    let run = a.allocate(4).unwrap();
    a.free(F..2 * F).unwrap();
    assert_eq!(free_list(&a), [F..2 * F, 4 * F..8 * F]);
    assert_eq!(
        a.free(run),
        Err(FrameError::NotAllocated {
            start: 0,
            end: 4 * F,
            reason: NotAllocatedReason::AlreadyFree
        })
    );
}

#[test]
fn double_free_is_detected() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    let run = a.allocate(2).unwrap();
    a.free(run.clone()).unwrap();
    let before = free_list(&a);
    let err = a.free(run).unwrap_err();
    assert_eq!(
        err,
        FrameError::NotAllocated {
            start: 0,
            end: 2 * F,
            reason: NotAllocatedReason::AlreadyFree
        }
    );
    assert_eq!(free_list(&a), before, "a refused free changes nothing");
    // Never allocated, in free memory.
    assert!(matches!(
        a.free(6 * F..7 * F),
        Err(FrameError::NotAllocated {
            reason: NotAllocatedReason::AlreadyFree,
            ..
        })
    ));
}

#[test]
fn foreign_ranges_are_refused() {
    let mut a = FrameAllocator::new(&[0..4 * F, 8 * F..12 * F], &[2 * F..3 * F]).unwrap();
    let _everything = (
        a.allocate(2).unwrap(),
        a.allocate(1).unwrap(),
        a.allocate(4).unwrap(),
    );
    assert_eq!(a.free_bytes(), 0);
    for range in [
        // Reserved.
        2 * F..3 * F,
        // Straddles the reserved frame.
        F..4 * F,
        // Straddles the hole between the RAM ranges.
        3 * F..9 * F,
        // Not RAM.
        20 * F..21 * F,
        // Runs off the end of RAM.
        11 * F..13 * F,
    ] {
        assert_eq!(
            a.free(range.clone()),
            Err(FrameError::NotAllocated {
                start: range.start,
                end: range.end,
                reason: NotAllocatedReason::Foreign
            }),
            "{range:x?}"
        );
    }
    assert_eq!(a.free_bytes(), 0);
}

#[test]
fn misaligned_and_empty_frees_are_refused() {
    let mut a = FrameAllocator::new(&[0..8 * F], &[]).unwrap();
    let _ = a.allocate(8).unwrap();
    for range in [1..F, 0..F + 1, F..F, 2 * F..F, 0x800..0x1800] {
        assert_eq!(
            a.free(range.clone()),
            Err(FrameError::Misaligned {
                start: range.start,
                end: range.end
            })
        );
    }
}

#[test]
fn aligned_allocation() {
    let mut a = FrameAllocator::new(&[F..8 * MIB], &[]).unwrap();
    let run = a.allocate_aligned(1, 2 * MIB).unwrap();
    assert_eq!(run, 2 * MIB..2 * MIB + F);
    // The frames below the aligned run stay free, and so do those above it.
    assert_eq!(free_list(&a), [F..2 * MIB, 2 * MIB + F..8 * MIB]);
    a.free(run).unwrap();
    assert_eq!(free_list(&a), [F..8 * MIB]);
    for align in [0, 1, 512, 3 * F, F + 1] {
        assert_eq!(
            a.allocate_aligned(1, align),
            Err(FrameError::BadAlignment { align })
        );
    }
    assert_eq!(
        a.allocate_aligned(1, 1 << 63),
        Err(FrameError::OutOfMemory { requested: 1 })
    );
}

#[test]
fn too_many_ram_ranges() {
    let ram: Vec<_> = (0..=MAX_RANGES as u64)
        .map(|i| 2 * i * F..(2 * i + 1) * F)
        .collect();
    assert_eq!(
        FrameAllocator::new(&ram, &[]).unwrap_err(),
        FrameError::TooManyRanges { limit: MAX_RANGES }
    );
    assert!(FrameAllocator::new(&ram[..MAX_RANGES], &[]).is_ok());
}

#[test]
fn too_many_holes() {
    let reserved: Vec<_> = (0..MAX_RANGES as u64)
        .map(|i| (2 * i + 1) * F..(2 * i + 2) * F)
        .collect();
    let ram = [0..(2 * MAX_RANGES as u64 + 2) * F];
    // MAX_RANGES holes split the range into MAX_RANGES + 1 pieces.
    assert_eq!(
        FrameAllocator::new(&ram, &reserved).unwrap_err(),
        FrameError::TooManyRanges { limit: MAX_RANGES }
    );
    assert!(FrameAllocator::new(&ram, &reserved[1..]).is_ok());
}

#[test]
fn a_full_free_list_refuses_a_free_that_cannot_coalesce() {
    let frames = 2 * MAX_RANGES as u64 + 2;
    let mut a = FrameAllocator::new(&[0..frames * F], &[]).unwrap();
    let singles: Vec<_> = (0..frames).map(|_| a.allocate(1).unwrap()).collect();
    // Free every other frame: MAX_RANGES separate free runs, the list is full.
    for range in singles.iter().step_by(2).take(MAX_RANGES) {
        a.free(range.clone()).unwrap();
    }
    assert_eq!(a.free_ranges().count(), MAX_RANGES);
    // The last frame has no free neighbour (the one before it is allocated).
    let last = singles[singles.len() - 1].clone();
    assert_eq!(
        a.free(last.clone()),
        Err(FrameError::TooManyRanges { limit: MAX_RANGES })
    );
    // Frames between two free runs coalesce and so always succeed.
    a.free(singles[1].clone()).unwrap();
    assert_eq!(a.free_ranges().count(), MAX_RANGES - 1);
    a.free(last).unwrap();
}

#[test]
fn an_aligned_split_blocked_by_a_full_list_reports_it() {
    let m = MAX_RANGES as u64 - 1;
    let mut a = FrameAllocator::new(&[0..(8 * m + 8) * F], &[]).unwrap();
    while a.allocate(1).is_ok() {}
    // MAX_RANGES free runs: frames {8i+1, 8i+2} (no 16 KiB-aligned frame), and last
    // {8m+3, 8m+4, 8m+5}, whose aligned frame 8m+4 can only be taken by splitting the run.
    for i in 0..m {
        a.free((8 * i + 1) * F..(8 * i + 3) * F).unwrap();
    }
    a.free((8 * m + 3) * F..(8 * m + 6) * F).unwrap();
    assert_eq!(a.free_ranges().count(), MAX_RANGES);
    assert_eq!(
        a.allocate_aligned(1, 4 * F),
        Err(FrameError::TooManyRanges { limit: MAX_RANGES })
    );
    // Joining the first two runs makes room for the split.
    a.free(3 * F..9 * F).unwrap();
    assert_eq!(a.allocate_aligned(1, 4 * F), Ok(4 * F..5 * F));
    assert_eq!(a.free_ranges().count(), MAX_RANGES);
}

#[test]
fn error_messages_say_what_and_where() {
    let text = std::format!(
        "{}",
        FrameError::NotAllocated {
            start: 0x1000,
            end: 0x3000,
            reason: NotAllocatedReason::AlreadyFree
        }
    );
    assert_eq!(
        text,
        "frame allocator: cannot free 0x1000..0x3000: part of it is already free (double free)"
    );
    assert!(std::format!("{}", FrameError::OutOfMemory { requested: 7 }).contains("7 contiguous"));
}

use ruvix_test_rng::SplitMix64 as Rng;

fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Whether `inner` lies in the union of `ranges` (a plain byte-level model of RAM).
fn covered(ranges: &[Range<u64>], inner: &Range<u64>) -> bool {
    let mut sorted: Vec<_> = ranges.iter().filter(|r| r.start < r.end).cloned().collect();
    sorted.sort_by_key(|r| r.start);
    let mut reached = inner.start;
    for r in sorted {
        if r.start <= reached && r.end > reached {
            reached = r.end;
        }
    }
    reached >= inner.end
}

/// Random RAM layouts, random (unaligned) reserved ranges, random allocate/free sequences: no
/// reserved byte is ever handed out, allocations never overlap and stay in RAM, the byte counts
/// add up, and freeing everything restores the initial free list.
#[test]
fn randomized_reserved_ranges_are_never_handed_out() {
    let mut rng = Rng(0x005E_EDF4_A3E5);
    for round in 0..300 {
        let ram: Vec<_> = (0..1 + rng.below(4))
            .map(|_| {
                let start = rng.below(1 << 24);
                start..start + rng.below(1 << 22)
            })
            .collect();
        let reserved: Vec<_> = (0..rng.below(8))
            .map(|_| {
                let start = rng.below(1 << 24);
                start..start + rng.below(1 << 20)
            })
            .collect();
        let Ok(mut a) = FrameAllocator::new(&ram, &reserved) else {
            panic!("round {round}: construction failed");
        };
        let initial = free_list(&a);
        let total = a.total_bytes();
        let mut live: Vec<Range<u64>> = Vec::new();
        for _ in 0..200 {
            if live.is_empty() || rng.below(3) != 0 {
                let count = 1 + rng.below(16);
                let align = F << rng.below(4);
                match a.allocate_aligned(count, align) {
                    Ok(range) => {
                        assert_eq!(range.end - range.start, count * F);
                        assert_eq!(range.start % align, 0);
                        for r in &reserved {
                            assert!(
                                !overlaps(&range, r),
                                "round {round}: {range:x?} hits reserved {r:x?}"
                            );
                        }
                        assert!(
                            covered(&ram, &range),
                            "round {round}: {range:x?} outside RAM"
                        );
                        for other in &live {
                            assert!(!overlaps(&range, other), "round {round}: double allocation");
                        }
                        live.push(range);
                    }
                    Err(FrameError::OutOfMemory { .. }) => {}
                    Err(error) => panic!("round {round}: {error}"),
                }
            } else {
                let index = rng.below(live.len() as u64) as usize;
                let range = live.swap_remove(index);
                a.free(range.clone()).unwrap();
                // And again: always a double free.
                assert!(matches!(
                    a.free(range),
                    Err(FrameError::NotAllocated {
                        reason: NotAllocatedReason::AlreadyFree,
                        ..
                    })
                ));
            }
            let allocated: u64 = live.iter().map(|r| r.end - r.start).sum();
            assert_eq!(a.allocated_bytes(), allocated);
            assert_eq!(a.free_bytes() + allocated, total);
            let free = free_list(&a);
            assert!(
                free.windows(2).all(|w| w[0].end < w[1].start),
                "sorted, coalesced"
            );
        }
        for range in live.drain(..) {
            a.free(range).unwrap();
        }
        assert_eq!(
            free_list(&a),
            initial,
            "round {round}: everything coalesces back"
        );
    }
}

/// Every usable frame is outside every reserved range and inside some RAM range.
#[test]
fn randomized_usable_memory_is_ram_minus_reserved() {
    let mut rng = Rng(42);
    for _ in 0..500 {
        let ram: Vec<_> = (0..1 + rng.below(5))
            .map(|_| {
                let start = rng.below(64 * F);
                start..start + rng.below(32 * F)
            })
            .collect();
        let reserved: Vec<_> = (0..rng.below(6))
            .map(|_| {
                let start = rng.below(64 * F);
                start..start + rng.below(8 * F)
            })
            .collect();
        let a = FrameAllocator::new(&ram, &reserved).unwrap();
        for frame in (0..100u64).map(|i| i * F..(i + 1) * F) {
            let in_ram = covered(&ram, &frame);
            let hit = reserved.iter().any(|r| overlaps(r, &frame));
            let usable = a
                .usable_ranges()
                .any(|u| u.start <= frame.start && frame.end <= u.end);
            assert_eq!(
                usable,
                in_ram && !hit,
                "frame {frame:x?} ram {ram:x?} reserved {reserved:x?}"
            );
        }
    }
}
