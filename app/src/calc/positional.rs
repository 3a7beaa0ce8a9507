//! Position signals: the 2017 sinusoidal encoding and RoPE's rotation.

/// `PE(pos, 2i) = sin(pos / 10000^(2i/d))`, `PE(pos, 2i+1) = cos(pos / 10000^(2i/d))`.
pub fn sinusoidal(pos: usize, dim: usize, d: usize) -> f64 {
    let i = dim / 2;
    let angle = pos as f64 / 10_000f64.powf(2.0 * i as f64 / d as f64);
    if dim.is_multiple_of(2) { angle.sin() } else { angle.cos() }
}

/// The whole `(positions, d)` table, row-major.
pub fn sinusoidal_table(positions: usize, d: usize) -> Vec<f64> {
    (0..positions).flat_map(|p| (0..d).map(move |k| sinusoidal(p, k, d))).collect()
}

/// RoPE on one pair of coordinates: rotate `(a, b)` by `pos · θ`.
pub fn rope_pair(a: f64, b: f64, pos: usize, theta: f64) -> (f64, f64) {
    let (s, c) = (pos as f64 * theta).sin_cos();
    (a * c - b * s, a * s + b * c)
}

/// RoPE's frequency for pair `i` of a head of size `hs`: `10000^(−2i/hs)`.
pub fn rope_theta(i: usize, hs: usize) -> f64 {
    10_000f64.powf(-2.0 * i as f64 / hs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_zero_is_sin_zero_cos_one() {
        for k in 0..8 {
            assert_eq!(sinusoidal(0, k, 8), if k % 2 == 0 { 0.0 } else { 1.0 });
        }
        assert!((sinusoidal(1, 0, 64) - 1f64.sin()).abs() < 1e-15);
        // dim 2 of d = 4: sin(pos / 100).
        assert!((sinusoidal(50, 2, 4) - 0.5f64.sin()).abs() < 1e-15);
        assert_eq!(sinusoidal_table(3, 4).len(), 12);
    }

    #[test]
    fn rope_keeps_length_and_depends_only_on_relative_offset() {
        let (a, b) = rope_pair(3.0, 4.0, 7, 0.3);
        assert!((a.hypot(b) - 5.0).abs() < 1e-12);
        // q at position 5, k at 2, versus q at 13, k at 10: same dot product.
        let t = 0.4;
        let dot = |p: usize, q: usize| {
            let (q0, q1) = rope_pair(1.0, 0.5, p, t);
            let (k0, k1) = rope_pair(-0.3, 2.0, q, t);
            q0 * k0 + q1 * k1
        };
        assert!((dot(5, 2) - dot(13, 10)).abs() < 1e-12);
        assert_eq!(rope_theta(0, 64), 1.0);
    }
}
