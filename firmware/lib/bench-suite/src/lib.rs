//! The compute suite: five small kernels written once, compiled natively into the test kernel
//! (the `compute` scenario) and to wasm in the `bench-compute` component, so `just bench` can
//! say how much slower the same code runs as a component than natively, in the same boot.
//!
//! Each kernel fills its input deterministically ([`Kernel::prepare`], not timed), then runs
//! ([`Kernel::run`], timed) and returns a 32-bit checksum of its result: both builds must
//! return the same one. No allocator: the caller provides the [`Scratch`] the kernels work in.

#![no_std]
#![forbid(unsafe_code)]

use core::hint::black_box;

pub mod crc32;
pub mod fib;
pub mod heapsort;
pub mod matmul;
pub mod parse;

/// Bytes of CRC-32 input.
pub const CRC_BYTES: usize = 64 * 1024;
/// The matrices are `MATRIX_N` × `MATRIX_N`.
pub const MATRIX_N: usize = 64;
/// Values sorted by the heapsort kernel.
pub const SORT_LEN: usize = 10_000;
/// Bytes of key=value text the parse kernel reads (it fills what whole lines fit).
pub const TEXT_BYTES: usize = 4 * 1024;
/// The Fibonacci number computed (recursively).
pub const FIB_N: u32 = 25;

type Matrix = [[i32; MATRIX_N]; MATRIX_N];

/// Everything the kernels work in (about 116 KiB): on the stack or in a static, the caller's
/// choice. The heapsort kernel reuses the CRC input's words.
pub struct Scratch {
    words: [u32; CRC_BYTES / 4],
    a: Matrix,
    b: Matrix,
    c: Matrix,
    text: [u8; TEXT_BYTES],
    text_len: usize,
}

impl Scratch {
    pub const fn new() -> Self {
        Self {
            words: [0; CRC_BYTES / 4],
            a: [[0; MATRIX_N]; MATRIX_N],
            b: [[0; MATRIX_N]; MATRIX_N],
            c: [[0; MATRIX_N]; MATRIX_N],
            text: [0; TEXT_BYTES],
            text_len: 0,
        }
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

/// One kernel of the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Crc32,
    Matmul,
    Fib,
    Heapsort,
    Parse,
}

/// What one timed run gave: the clock's difference across [`Kernel::run`] and the checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measurement {
    pub elapsed: u64,
    pub checksum: u32,
}

impl Kernel {
    /// The suite, in the order both builds run it.
    pub const ALL: [Kernel; 5] = [
        Kernel::Crc32,
        Kernel::Matmul,
        Kernel::Fib,
        Kernel::Heapsort,
        Kernel::Parse,
    ];

    /// The name both builds log it under.
    pub const fn name(self) -> &'static str {
        match self {
            Kernel::Crc32 => "crc32",
            Kernel::Matmul => "matmul",
            Kernel::Fib => "fib",
            Kernel::Heapsort => "heapsort",
            Kernel::Parse => "parse",
        }
    }

    /// Fills this kernel's input in `scratch` (the same bytes in every build).
    pub fn prepare(self, scratch: &mut Scratch) {
        match self {
            Kernel::Crc32 => fill(&mut scratch.words, 0x0c2c_3200),
            Kernel::Matmul => {
                matmul::fill(&mut scratch.a, 0x0a0a_0a0a);
                matmul::fill(&mut scratch.b, 0x0b0b_0b0b);
            }
            Kernel::Fib => {}
            Kernel::Heapsort => fill(&mut scratch.words[..SORT_LEN], 0x5047_2000),
            Kernel::Parse => scratch.text_len = parse::generate(&mut scratch.text, 0x7e47).len,
        }
    }

    /// Runs the kernel on the input [`Kernel::prepare`] left in `scratch`; returns the
    /// checksum of its result.
    pub fn run(self, scratch: &mut Scratch) -> u32 {
        // The optimiser must not see what `prepare` wrote (it could fold work away natively).
        let scratch = black_box(scratch);
        let checksum = match self {
            Kernel::Crc32 => crc32::of_words(&scratch.words),
            Kernel::Matmul => {
                matmul::multiply(&scratch.a, &scratch.b, &mut scratch.c);
                fold(scratch.c.iter().flatten().map(|&x| x as u32))
            }
            Kernel::Fib => fib::fib(black_box(FIB_N)),
            Kernel::Heapsort => {
                let values = &mut scratch.words[..SORT_LEN];
                heapsort::sort(values);
                fold(values.iter().copied())
            }
            Kernel::Parse => {
                let text = scratch.text.get(..scratch.text_len).unwrap_or(&[]);
                parse::parse(text).checksum()
            }
        };
        black_box(checksum)
    }

    /// Prepares, then runs the kernel between two readings of `clock`.
    pub fn measure(self, scratch: &mut Scratch, mut clock: impl FnMut() -> u64) -> Measurement {
        self.prepare(scratch);
        let started = clock();
        let checksum = self.run(scratch);
        let elapsed = clock().saturating_sub(started);
        Measurement { elapsed, checksum }
    }
}

/// xorshift32: a deterministic 32-bit sequence (32-bit arithmetic, natural on wasm32 too).
#[derive(Clone, Debug)]
pub struct XorShift32(u32);

impl XorShift32 {
    /// A generator from `seed` (0 would stay 0, so it is replaced).
    pub const fn new(seed: u32) -> Self {
        Self(if seed == 0 { 0x9e37_79b9 } else { seed })
    }

    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Fills `words` from a generator seeded with `seed`.
fn fill(words: &mut [u32], seed: u32) {
    let mut rng = XorShift32::new(seed);
    for word in words {
        *word = rng.next_u32();
    }
}

/// FNV-1a over 32-bit words: an order-dependent checksum of a result.
pub fn fold(words: impl IntoIterator<Item = u32>) -> u32 {
    words.into_iter().fold(0x811c_9dc5, |hash, word| {
        (hash ^ word).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::boxed::Box;

    #[test]
    fn every_kernel_is_deterministic() {
        let mut scratch = Box::new(Scratch::new());
        for kernel in Kernel::ALL {
            let first = kernel.measure(&mut scratch, || 0).checksum;
            let second = kernel.measure(&mut scratch, || 0).checksum;
            assert_eq!(first, second, "{}", kernel.name());
        }
    }

    #[test]
    fn the_run_kernels_compute_what_their_parts_do() {
        let mut scratch = Box::new(Scratch::new());
        Kernel::Crc32.prepare(&mut scratch);
        let bytes: std::vec::Vec<u8> = scratch.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(bytes.len(), CRC_BYTES);
        assert_eq!(Kernel::Crc32.run(&mut scratch), crc32::of_bytes(&bytes));

        assert_eq!(Kernel::Fib.run(&mut scratch), 75_025);

        Kernel::Heapsort.prepare(&mut scratch);
        let mut expected = scratch.words[..SORT_LEN].to_vec();
        expected.sort_unstable();
        assert_eq!(
            Kernel::Heapsort.run(&mut scratch),
            fold(expected.iter().copied())
        );
        assert_eq!(&scratch.words[..SORT_LEN], &expected[..]);
    }

    #[test]
    fn the_matrix_kernel_matches_a_naive_product() {
        let mut scratch = Box::new(Scratch::new());
        Kernel::Matmul.prepare(&mut scratch);
        let (a, b) = (scratch.a, scratch.b);
        let checksum = Kernel::Matmul.run(&mut scratch);
        let mut expected = std::vec::Vec::new();
        for row in &a {
            for j in 0..MATRIX_N {
                let dot: i64 = row
                    .iter()
                    .zip(&b)
                    .map(|(&x, b_row)| i64::from(x) * i64::from(b_row[j]))
                    .sum();
                // Small inputs: the i32 products cannot overflow, so the wide sum agrees.
                expected.push(i32::try_from(dot).unwrap() as u32);
            }
        }
        assert_eq!(checksum, fold(expected));
    }

    #[test]
    fn the_parse_kernel_finds_what_the_generator_wrote() {
        let mut scratch = Box::new(Scratch::new());
        let written = parse::generate(&mut scratch.text, 0x7e47);
        assert!(written.len > TEXT_BYTES - 64 && written.len <= TEXT_BYTES);
        let found = parse::parse(&scratch.text[..written.len]);
        assert_eq!(found.pairs, written.pairs);
        assert_eq!(found.sum, written.sum);
        assert_eq!(found.comments, written.comments);
        assert_eq!(found.malformed, 0);
        assert!(found.pairs > 100);
    }
}
