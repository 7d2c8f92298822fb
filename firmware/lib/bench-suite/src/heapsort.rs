//! Heapsort: in place, no allocation, O(n log n) with data-dependent branches.

/// Sorts `values` ascending.
pub fn sort(values: &mut [u32]) {
    let n = values.len();
    // Build a max-heap, then move its root (the largest) behind the shrinking heap.
    for root in (0..n / 2).rev() {
        sift_down(values, root);
    }
    for end in (1..n).rev() {
        values.swap(0, end);
        sift_down(&mut values[..end], 0);
    }
}

/// Restores the heap property of `heap` below `root`.
fn sift_down(heap: &mut [u32], mut root: usize) {
    loop {
        let mut child = 2 * root + 1;
        let Some(&left) = heap.get(child) else {
            return;
        };
        if heap.get(child + 1).is_some_and(|&right| right > left) {
            child += 1;
        }
        if heap[root] >= heap[child] {
            return;
        }
        heap.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::XorShift32;

    #[test]
    fn sorts_and_keeps_every_value() {
        for len in [0, 1, 2, 3, 10, 257, 10_000] {
            let mut rng = XorShift32::new(len as u32 + 1);
            // Few distinct values, so duplicates are common too.
            let original: std::vec::Vec<u32> = (0..len).map(|_| rng.next_u32() % 1000).collect();
            let mut values = original.clone();
            sort(&mut values);
            assert!(values.windows(2).all(|w| w[0] <= w[1]), "len {len}");
            let mut expected = original;
            expected.sort_unstable();
            assert_eq!(values, expected, "len {len}: not a permutation");
        }
    }

    #[test]
    fn a_small_case() {
        let mut values = [5, 1, 4, 1, 5, 9, 2, 6];
        sort(&mut values);
        assert_eq!(values, [1, 1, 2, 4, 5, 5, 6, 9]);
    }
}
