//! Cross-entropy for one prediction, and the quantities reported with it.

/// `−ln p`: the loss when the true next token got probability `p`. `p` is clamped to
/// `[1e-12, 1]` so a slider at zero shows a large finite number instead of infinity.
pub fn cross_entropy(p: f64) -> f64 {
    -p.clamp(1e-12, 1.0).ln()
}

/// Perplexity: `e^loss`, the number of equally likely choices that would be this surprising.
pub fn perplexity(loss: f64) -> f64 {
    loss.exp()
}

/// The same surprise in bits: `−log₂ p`.
pub fn bits(p: f64) -> f64 {
    cross_entropy(p) / std::f64::consts::LN_2
}

/// The loss, in nats, that gets the darkest shade in a loss heatmap (p = e^−8 ≈ 0.03%).
pub const DARKEST: f64 = 8.0;

/// The shade of a token with loss `nats` in a loss heatmap, 0..=1.
pub fn shade(nats: f64) -> f64 {
    (nats / DARKEST).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_grow_with_the_loss_and_stay_in_range() {
        assert_eq!(shade(0.0), 0.0);
        assert_eq!(shade(DARKEST / 2.0), 0.5);
        assert_eq!(shade(100.0), 1.0);
        assert_eq!(shade(-1.0), 0.0);
    }

    #[test]
    fn the_guides_confident_right_and_wrong_cases() {
        assert!((cross_entropy(0.95) - 0.051293).abs() < 1e-6);
        assert!((cross_entropy(0.001) - 6.907755).abs() < 1e-6);
        assert_eq!(cross_entropy(1.0), 0.0);
    }

    #[test]
    fn perplexity_of_a_uniform_guess_is_the_number_of_choices() {
        let loss = cross_entropy(1.0 / 100_000.0);
        assert!((perplexity(loss) - 100_000.0).abs() < 1e-6);
        assert!((bits(0.25) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn zero_probability_stays_finite() {
        let l = cross_entropy(0.0);
        assert!(l.is_finite() && (l - 27.631021).abs() < 1e-5);
    }
}
