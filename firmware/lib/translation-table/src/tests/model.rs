//! Thousands of pseudo-random map / unmap / protect calls checked against a page-by-page model:
//! every call either does exactly what the model says or fails and changes nothing.

use std::collections::BTreeMap;
use std::vec::Vec;

use super::{Space, assert_bbm, assert_no_empty_tables, in_use, mappings, space};
use crate::{
    Access, Attributes, BLOCK_SIZE, Granularity, MapError, Mapping, MemoryKind, PAGE_SIZE,
    TableError, TablePool,
};

/// 16 MiB around the 1 GiB boundary, so walks cross L1 entries and blocks fit.
const WINDOW: u64 = (1 << 30) - 4 * BLOCK_SIZE;
const WINDOW_PAGES: u64 = 8 * BLOCK_SIZE / PAGE_SIZE;

/// va page -> (pa, attrs)
type Model = BTreeMap<u64, (u64, Attributes)>;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough below `n` (< 2^32), from the better high bits.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }
}

fn random_attrs(rng: &mut Rng) -> Attributes {
    let memory = [
        MemoryKind::Normal,
        MemoryKind::NormalNonCacheable,
        MemoryKind::Device,
    ][rng.below(3) as usize];
    let access = [Access::ReadOnly, Access::ReadWrite][rng.below(2) as usize];
    let executable = memory != MemoryKind::Device && rng.below(4) == 0;
    Attributes::new(memory, access, executable)
}

/// A range in the window: usually block-aligned multiples of 2 MiB or a few pages.
fn random_range(rng: &mut Rng) -> (u64, u64) {
    if rng.below(2) == 0 {
        let first = rng.below(8);
        let blocks = 1 + rng.below((8 - first).min(3));
        (WINDOW + first * BLOCK_SIZE, blocks * BLOCK_SIZE)
    } else {
        let first = rng.below(WINDOW_PAGES);
        let longest = if rng.below(2) == 0 { 8 } else { 256 };
        let pages = 1 + rng.below((WINDOW_PAGES - first).min(longest));
        (WINDOW + first * PAGE_SIZE, pages * PAGE_SIZE)
    }
}

/// Usually a piece of something mapped (so unmap and protect mostly succeed and split blocks),
/// otherwise any range.
fn random_mapped_range(rng: &mut Rng, model: &Model) -> (u64, u64) {
    let listed = expected_mappings(model);
    if listed.is_empty() || rng.below(4) == 0 {
        return random_range(rng);
    }
    let m = listed[rng.below(listed.len() as u64) as usize];
    if rng.below(4) == 0 {
        return (m.va, m.size);
    }
    let first = rng.below(m.size / PAGE_SIZE);
    let pages = 1 + rng.below((m.size / PAGE_SIZE - first).min(1024));
    (m.va + first * PAGE_SIZE, pages * PAGE_SIZE)
}

fn expected_mappings(model: &Model) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = Vec::new();
    for (&va, &(pa, attrs)) in model {
        match out.last_mut() {
            Some(m) if m.va + m.size == va && m.pa + m.size == pa && m.attrs == attrs => {
                m.size += PAGE_SIZE;
            }
            _ => out.push(Mapping {
                va,
                pa,
                size: PAGE_SIZE,
                attrs,
            }),
        }
    }
    out
}

fn pages(va: u64, size: u64) -> impl Iterator<Item = u64> {
    (0..size / PAGE_SIZE).map(move |i| va + i * PAGE_SIZE)
}

/// Unmaps every listed range: every table but the root returns to the pool.
fn unmap_all<const N: usize>(space: &mut Space<'_, N>, model: &mut Model) {
    for m in expected_mappings(model) {
        // Listed ranges end where leaves end, so no split (and no table) is needed.
        space.unmap(m.va, m.size).unwrap_or_else(|e| panic!("{e}"));
    }
    model.clear();
    assert!(mappings(space).is_empty());
    assert_eq!(in_use(space), 1);
}

/// Returns successful (map, unmap, protect) calls, exhausted calls, maps that made blocks.
fn run<const N: usize>(seed: u64, steps: usize) -> ([usize; 3], usize, usize) {
    let mut pool = TablePool::<N>::new();
    let (mut space, log): (Space<'_, N>, _) = space(&mut pool);
    let mut model = Model::new();
    let mut rng = Rng(seed);
    let (mut succeeded, mut exhausted, mut blocks_made) = ([0; 3], 0, 0);
    for step in 0..steps {
        let kind = rng.below(3) as usize;
        let (va, size) = if kind == 0 {
            random_range(&mut rng)
        } else {
            random_mapped_range(&mut rng, &model)
        };
        let before = model.clone();
        let result = match kind {
            0 => {
                // Mostly the same 2 MiB phase as va, so blocks are possible.
                let pa = if rng.below(4) != 0 {
                    va + (1 + rng.below(4)) * BLOCK_SIZE
                } else {
                    (1 + rng.below(1 << 20)) * PAGE_SIZE
                };
                let attrs = random_attrs(&mut rng);
                let granularity = if rng.below(4) != 0 {
                    Granularity::Blocks
                } else {
                    Granularity::Pages
                };
                let result = space.map(va, pa, size, attrs, granularity);
                let free = pages(va, size).all(|p| !model.contains_key(&p));
                if result.is_ok() {
                    assert!(free, "step {step}: mapped over a mapping");
                    let last = va + size - PAGE_SIZE;
                    let levels = [va, last].map(|p| space.translate(p).map(|t| t.level));
                    blocks_made += usize::from(levels.contains(&Some(2)));
                    for (i, p) in pages(va, size).enumerate() {
                        model.insert(p, (pa + i as u64 * PAGE_SIZE, attrs));
                    }
                } else if !free {
                    assert!(matches!(result, Err(MapError::AlreadyMapped { .. })));
                }
                result
            }
            1 => {
                let result = space.unmap(va, size);
                let all = pages(va, size).all(|p| model.contains_key(&p));
                if result.is_ok() {
                    assert!(all, "step {step}: unmapped a hole");
                    for p in pages(va, size) {
                        model.remove(&p);
                    }
                } else if !all {
                    assert!(matches!(result, Err(MapError::NotMapped { .. })));
                }
                result
            }
            _ => {
                let attrs = random_attrs(&mut rng);
                let result = space.protect(va, size, attrs);
                let all = pages(va, size).all(|p| model.contains_key(&p));
                if result.is_ok() {
                    assert!(all, "step {step}: protected a hole");
                    for p in pages(va, size) {
                        if let Some(entry) = model.get_mut(&p) {
                            entry.1 = attrs;
                        }
                    }
                } else if !all {
                    assert!(matches!(result, Err(MapError::NotMapped { .. })));
                }
                result
            }
        };
        match result {
            Ok(()) => succeeded[kind] += 1,
            Err(MapError::Table {
                error: TableError::Exhausted { .. },
                ..
            }) => {
                exhausted += 1;
                assert_eq!(model, before);
            }
            Err(MapError::AlreadyMapped { .. } | MapError::NotMapped { .. }) => {
                assert_eq!(model, before);
            }
            Err(other) => panic!("step {step}: unexpected {other}"),
        }
        assert_eq!(
            mappings(&space),
            expected_mappings(&model),
            "step {step}: tables differ from the model"
        );
        for _ in 0..4 {
            let va = WINDOW + rng.below(WINDOW_PAGES * PAGE_SIZE);
            let got = space.translate(va).map(|t| (t.pa, t.attrs));
            let want = model
                .get(&(va & !(PAGE_SIZE - 1)))
                .map(|&(pa, attrs)| (pa + va % PAGE_SIZE, attrs));
            assert_eq!(got, want, "step {step}: translate({va:#x})");
        }
        if step % 64 == 0 {
            assert_no_empty_tables(&space);
        }
        if step % 200 == 199 {
            // Start afresh now and then, so whole 2 MiB stretches are free for blocks again.
            unmap_all(&mut space, &mut model);
        }
    }
    assert_no_empty_tables(&space);
    unmap_all(&mut space, &mut model);
    assert_bbm(space.root_phys(), &log);
    (succeeded, exhausted, blocks_made)
}

#[test]
fn random_operations_match_the_model() {
    // Enough tables for anything in the window (root, 2 L2, 8 L3).
    let (ok, exhausted, blocks_made) = run::<11>(0x9E37_79B9_7F4A_7C15, 3000);
    assert_eq!(exhausted, 0);
    assert!(blocks_made > 10, "{blocks_made} maps used 2 MiB blocks");
    assert!(
        ok.iter().all(|&n| n > 50),
        "successful map, unmap, protect: {ok:?}"
    );
}

#[test]
fn random_operations_with_a_tiny_pool_fail_cleanly() {
    let (ok, exhausted, _) = run::<5>(0xD1B5_4A32_D192_ED03, 3000);
    assert!(exhausted > 10, "{exhausted} exhausted calls");
    assert!(
        ok.iter().all(|&n| n > 20),
        "successful map, unmap, protect: {ok:?}"
    );
}
