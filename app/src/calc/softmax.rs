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

/// Softmax over a whole vocabulary, spelled out for a few of its tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct VocabSteps {
    /// `e^z` for each chosen token.
    pub exps: Vec<f64>,
    /// `Σ e^z` over every other token of the vocabulary.
    pub rest: f64,
    /// `Σ e^z` over the whole vocabulary.
    pub sum: f64,
    /// `e^z / Σ` for each chosen token.
    pub probs: Vec<f64>,
}

/// The steps for the tokens `ids` of a full vector of `logits`, in f64 and unshifted as a reader
/// would compute them (a trained model's logits are tens at most, far from overflow).
pub fn vocab_steps(logits: &[f32], ids: &[u32]) -> VocabSteps {
    let all: Vec<f64> = logits.iter().map(|&z| f64::from(z).exp()).collect();
    let sum: f64 = all.iter().sum();
    let exps: Vec<f64> = ids.iter().map(|&i| all[i as usize]).collect();
    let rest = sum - exps.iter().sum::<f64>();
    let probs = exps.iter().map(|e| e / sum).collect();
    VocabSteps { exps, rest, sum, probs }
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
    fn vocabulary_steps_add_up() {
        let logits = [2.0f32, -1.0, 0.5, 3.0];
        let v = vocab_steps(&logits, &[3, 0]);
        let by_hand: f64 = logits.iter().map(|&z| f64::from(z).exp()).sum();
        assert!((v.sum - by_hand).abs() < 1e-12);
        assert!((v.exps[0] - 3f64.exp()).abs() < 1e-12);
        assert!((v.rest - ((-1f64).exp() + 0.5f64.exp())).abs() < 1e-12);
        let p = softmax(&logits.map(f64::from));
        assert!((v.probs[0] - p[3]).abs() < 1e-12 && (v.probs[1] - p[0]).abs() < 1e-12);
    }

    #[test]
    fn equal_logits_give_a_uniform_distribution() {
        let p = softmax(&[0.3; 5]);
        assert!(p.iter().all(|x| (x - 0.2).abs() < 1e-12));
    }
}
