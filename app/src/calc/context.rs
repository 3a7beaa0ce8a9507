//! The quadratic cost of attention in the context length.

/// Attention's cost at `n` tokens relative to `base` tokens: `(n / base)²`.
pub fn relative_cost(n: f64, base: f64) -> f64 {
    (n / base).powi(2)
}

/// The context lengths the chapter charts, in tokens (powers of two, as models count them).
pub const LENGTHS: [(&str, f64); 5] =
    [("2K", 2048.0), ("8K", 8192.0), ("32K", 32_768.0), ("128K", 131_072.0), ("1M", 1_048_576.0)];

/// Query–key pairs a causal mask scores at `n` tokens: `n(n+1)/2`.
pub fn causal_pairs(n: u64) -> u64 {
    n * (n + 1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_from_2k() {
        let r: Vec<f64> = LENGTHS.iter().map(|&(_, n)| relative_cost(n, 2048.0)).collect();
        assert_eq!(r, vec![1.0, 16.0, 256.0, 4096.0, 262_144.0]);
        // The guide's 250K× is the decimal reading, 1,000,000 / 2,000 = 500, squared.
        assert_eq!(relative_cost(1e6, 2e3), 250_000.0);
    }

    #[test]
    fn causal_pairs_by_hand() {
        assert_eq!(causal_pairs(4), 10);
        assert_eq!(causal_pairs(2048), 2_098_176);
    }
}
