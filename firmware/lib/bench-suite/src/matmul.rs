//! Square i32 matrix multiply, the textbook triple loop (wrapping arithmetic).

use crate::XorShift32;

/// `c = a × b`.
pub fn multiply<const N: usize>(a: &[[i32; N]; N], b: &[[i32; N]; N], c: &mut [[i32; N]; N]) {
    for (row, out) in a.iter().zip(c.iter_mut()) {
        for (j, cell) in out.iter_mut().enumerate() {
            let mut dot = 0i32;
            for (k, &x) in row.iter().enumerate() {
                dot = dot.wrapping_add(x.wrapping_mul(b[k][j]));
            }
            *cell = dot;
        }
    }
}

/// Fills `m` with small values (−8 ..= 7) from a generator seeded with `seed`.
pub fn fill<const N: usize>(m: &mut [[i32; N]; N], seed: u32) {
    let mut rng = XorShift32::new(seed);
    for cell in m.iter_mut().flatten() {
        *cell = (rng.next_u32() >> 28) as i32 - 8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_computed_case() {
        let a = [[1, 2], [3, 4]];
        let b = [[5, -6], [7, 8]];
        let mut c = [[0; 2]; 2];
        multiply(&a, &b, &mut c);
        // [1·5 + 2·7, 1·(−6) + 2·8; 3·5 + 4·7, 3·(−6) + 4·8]
        assert_eq!(c, [[19, 10], [43, 14]]);
    }

    #[test]
    fn identity() {
        let mut a = [[0; 3]; 3];
        fill(&mut a, 7);
        let id = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
        let mut c = [[0; 3]; 3];
        multiply(&a, &id, &mut c);
        assert_eq!(c, a);
        assert!(a.iter().flatten().all(|&x| (-8..=7).contains(&x)));
    }
}
