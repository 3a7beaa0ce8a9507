//! Softmax: scores (logits) to probabilities.

/// `e^zᵢ / Σ e^zⱼ`, computed after subtracting the largest score so no exponential overflows.
/// An empty input gives an empty output.
pub fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = logits.iter().map(|z| (z - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// The steps the chapter prints: each `e^z` (unshifted, as a reader would compute it), their
/// sum, and the probabilities.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps {
    /// `e^zᵢ` for each logit.
    pub exps: Vec<f64>,
    /// `Σ e^zⱼ`.
    pub sum: f64,
    /// `e^zᵢ / Σ e^zⱼ`.
    pub probs: Vec<f64>,
}

/// The worked steps for small logits (the sliders stay within ±10, far from overflow).
pub fn steps(logits: &[f64]) -> Steps {
    let exps: Vec<f64> = logits.iter().map(|z| z.exp()).collect();
    let sum = exps.iter().sum();
    Steps { probs: softmax(logits), exps, sum }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_three_logits_give_77_15_8_percent() {
        // e^2.8 = 16.4446, e^1.2 = 3.3201, e^0.5 = 1.6487, sum 21.4134 (by hand).
        let s = steps(&[2.8, 1.2, 0.5]);
        assert!((s.exps[0] - 16.4446).abs() < 1e-4);
        assert!((s.exps[1] - 3.3201).abs() < 1e-4);
        assert!((s.exps[2] - 1.6487).abs() < 1e-4);
        assert!((s.sum - 21.4134).abs() < 1e-4);
        assert!((s.probs[0] - 0.76797).abs() < 1e-4);
        assert!((s.probs[1] - 0.15505).abs() < 1e-4);
        assert!((s.probs[2] - 0.07699).abs() < 1e-4);
    }

    #[test]
    fn probabilities_sum_to_one_and_survive_huge_logits() {
        let p = softmax(&[1000.0, 999.0, -1000.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // e^1 / (e^1 + e^0) for the top two.
        assert!((p[0] - 0.7310585786).abs() < 1e-9);
        assert!(softmax(&[]).is_empty());
    }

    #[test]
    fn equal_logits_give_a_uniform_distribution() {
        let p = softmax(&[0.3; 5]);
        assert!(p.iter().all(|x| (x - 0.2).abs() < 1e-12));
    }
}
