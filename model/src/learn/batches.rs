//! Training batches: random windows of T + 1 tokens from the token stream; inputs are the first
//! T, targets the last T. A batch depends only on (seed, step), so a resumed run sees exactly the
//! batches the interrupted one would have.

use crate::sampling::Rng;

/// `b` windows of `t + 1` tokens as (inputs, targets), each row-major (B, T).
pub fn batch(tokens: &[u32], b: usize, t: usize, seed: u64, step: u64) -> (Vec<i64>, Vec<i64>) {
    let mut rng = Rng::new(seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let span = tokens.len().saturating_sub(t + 1).max(1) as u64;
    let mut inputs = Vec::with_capacity(b * t);
    let mut targets = Vec::with_capacity(b * t);
    for _ in 0..b {
        let start = (rng.next_u64() % span) as usize;
        let window = &tokens[start..(start + t + 1).min(tokens.len())];
        inputs.extend(window[..window.len() - 1].iter().map(|&x| i64::from(x)));
        targets.extend(window[1..].iter().map(|&x| i64::from(x)));
    }
    (inputs, targets)
}

/// Consecutive, non-overlapping (B, T) windows covering `tokens` once: the validation batches.
pub fn sequential(tokens: &[u32], b: usize, t: usize) -> Vec<(Vec<i64>, Vec<i64>)> {
    let windows: Vec<&[u32]> = tokens.windows(t + 1).step_by(t).collect();
    windows
        .chunks(b)
        .filter(|c| c.len() == b)
        .map(|rows| {
            let inputs = rows.iter().flat_map(|w| w[..t].iter().map(|&x| i64::from(x))).collect();
            let targets = rows.iter().flat_map(|w| w[1..].iter().map(|&x| i64::from(x))).collect();
            (inputs, targets)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_inputs_shifted_and_batches_repeat() {
        let tokens: Vec<u32> = (0..1000).collect();
        let (x, y) = batch(&tokens, 4, 16, 7, 3);
        assert_eq!(x.len(), 64);
        for (a, b) in x.iter().zip(&y) {
            assert_eq!(a + 1, *b);
        }
        assert_eq!(batch(&tokens, 4, 16, 7, 3), (x.clone(), y));
        assert_ne!(batch(&tokens, 4, 16, 7, 4).0, x);
        let val = sequential(&tokens, 2, 10);
        assert_eq!(val.len(), 49);
        assert_eq!(val[0].0[..3], [0, 1, 2]);
        assert_eq!(val[0].1[..3], [1, 2, 3]);
        assert_eq!(val[0].0[10], 10);
    }
}
