//! Fibonacci by plain double recursion: a benchmark of calls and returns.

/// The `n`th Fibonacci number (fib(0) = 0, fib(1) = 1), wrapping past `u32::MAX`.
pub fn fib(n: u32) -> u32 {
    if n < 2 {
        n
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(fib(0), 0);
        assert_eq!(fib(1), 1);
        assert_eq!(fib(10), 55);
        assert_eq!(fib(25), 75_025);
    }
}
