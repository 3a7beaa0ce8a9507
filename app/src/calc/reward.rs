//! A tiny reward model and the optimizer that games it, for the RLHF chapter.
//!
//! The reward model is a Bradley–Terry model (as in InstructGPT's reward training) over word
//! counts: r(x) = Σ θ_w · count_w(x), trained so that σ(r(chosen) − r(rejected)) is high on
//! preference pairs. The "policy" is a greedy search for the reply with the highest reward.
//! Because the features are counts, nothing stops a word the judge likes from being repeated,
//! which is exactly the kind of blind spot RL finds.

use std::collections::BTreeMap;

use super::bm25::terms;

/// A linear reward model over words.
#[derive(Clone, Debug, PartialEq)]
pub struct RewardModel {
    pub weights: BTreeMap<String, f64>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn counts(text: &str) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for w in terms(text) {
        *m.entry(w).or_insert(0.0) += 1.0;
    }
    m
}

impl RewardModel {
    /// The raw reward r(x).
    pub fn raw(&self, text: &str) -> f64 {
        counts(text).iter().map(|(w, c)| c * self.weights.get(w).copied().unwrap_or(0.0)).sum()
    }

    /// The reward squashed to 0–1, as the chapter shows it.
    pub fn score(&self, text: &str) -> f64 {
        sigmoid(self.raw(text))
    }

    /// Share of pairs where the chosen reply scores higher.
    pub fn accuracy(&self, pairs: &[(&str, &str)]) -> f64 {
        let right = pairs.iter().filter(|(c, r)| self.raw(c) > self.raw(r)).count();
        right as f64 / pairs.len().max(1) as f64
    }
}

/// Trains by full-batch gradient descent on −log σ(r(chosen) − r(rejected)) + λ‖θ‖².
pub fn train(pairs: &[(&str, &str)], epochs: usize, lr: f64, l2: f64) -> RewardModel {
    let feats: Vec<(BTreeMap<String, f64>, BTreeMap<String, f64>)> =
        pairs.iter().map(|(c, r)| (counts(c), counts(r))).collect();
    let mut m = RewardModel { weights: BTreeMap::new() };
    for (c, r) in &feats {
        for w in c.keys().chain(r.keys()) {
            m.weights.entry(w.clone()).or_insert(0.0);
        }
    }
    let dot = |w: &BTreeMap<String, f64>, f: &BTreeMap<String, f64>| -> f64 {
        f.iter().map(|(k, v)| v * w.get(k).copied().unwrap_or(0.0)).sum()
    };
    for _ in 0..epochs {
        let mut grad: BTreeMap<String, f64> = m.weights.keys().map(|k| (k.clone(), 0.0)).collect();
        for (c, r) in &feats {
            let margin = dot(&m.weights, c) - dot(&m.weights, r);
            // d/dθ of −log σ(margin) is −(1 − σ(margin)) · (f_chosen − f_rejected).
            let g = -(1.0 - sigmoid(margin)) / feats.len() as f64;
            for (k, v) in c {
                *grad.entry(k.clone()).or_insert(0.0) += g * v;
            }
            for (k, v) in r {
                *grad.entry(k.clone()).or_insert(0.0) -= g * v;
            }
        }
        for (k, w) in m.weights.iter_mut() {
            *w -= lr * (grad[k] + 2.0 * l2 * *w);
        }
    }
    m
}

/// Greedy search: builds a reply of `len` words, each time appending the vocabulary word that
/// raises the reward most. Returns the words chosen.
pub fn greedy_attack(m: &RewardModel, len: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for _ in 0..len {
        let best = m
            .weights
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(w, _)| w.clone());
        match best {
            Some(w) => out.push(w),
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: [(&str, &str); 4] = [
        ("great joke, funny and clever", "boring joke"),
        ("clever pun, funny", "rude and boring"),
        ("funny story", "long boring story"),
        ("clever", "rude"),
    ];

    #[test]
    fn training_learns_the_preferences() {
        let m = train(&PAIRS, 300, 0.5, 0.001);
        assert_eq!(m.accuracy(&PAIRS), 1.0);
        assert!(m.weights["funny"] > 0.0 && m.weights["boring"] < 0.0);
    }

    #[test]
    fn the_untrained_model_is_indifferent() {
        let m = train(&PAIRS, 0, 0.5, 0.0);
        assert_eq!(m.score("anything at all"), 0.5);
    }

    #[test]
    fn greedy_search_finds_repetitive_nonsense_that_beats_every_real_reply() {
        let m = train(&PAIRS, 300, 0.5, 0.001);
        let attack = greedy_attack(&m, 8).join(" ");
        let words: Vec<&str> = attack.split(' ').collect();
        assert!(words.iter().all(|w| *w == words[0]), "{attack}");
        let best_real = PAIRS.iter().map(|(c, _)| m.score(c)).fold(0.0, f64::max);
        assert!(m.score(&attack) > best_real);
        assert!(m.score(&attack) > 0.99);
    }
}
