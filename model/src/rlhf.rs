//! A learned reward and how optimising against it goes wrong, at the Tumbler's size.
//!
//! 1. **Reward model.** A Bradley–Terry model (as InstructGPT's, Ouyang et al., 2022,
//!    arXiv:2203.02155, §3.5): r(x, y) = w · φ(x, y), where φ is the chat model's final hidden
//!    state (after its last RMSNorm, C = 128 numbers) averaged over the reply's tokens — the
//!    chat model is frozen, only the head w is trained — on preference pairs with the loss
//!    −log σ(r(x, y_w) − r(x, y_l)) plus an L2 penalty on w. InstructGPT's reward model is a
//!    language model with a scalar head too, all of it trained; here only the head is, so the
//!    training is a convex problem the page solves in a second.
//! 2. **Best-of-n against it.** For each prompt the chat model samples N replies (seeded);
//!    best-of-n keeps the one with the highest reward among n of them. Its expected reward and
//!    quality over every way of choosing n of the N are exact order statistics ([`best_of_n`]).
//!    Its KL divergence from the chat model is at most log n − (n − 1)/n nats (Stiennon et al.,
//!    2020, arXiv:2009.01325; Beirami et al., 2024, arXiv:2401.01879, show it is a bound), the x
//!    axis of Gao et al.'s over-optimisation curves (2022, arXiv:2210.10760).
//! 3. **Held-out quality.** A check the reward model never sees: the share of the reply's words
//!    that are English words ([`english_rate`], against the 20,000 most frequent words of GloVe's
//!    vocabulary, the embeddings chapter's file).
//! 4. **The KL penalty.** The penalised objective E[r] − β · KL picks how far to optimise: the n
//!    that maximises it ([`penalised_pick`]).
//!
//! The pairs, the head, its training and the best-of-n bookkeeping need no tensor library (the
//! page reads them); the features and the samples (`learn` feature) run the chat model.

#[cfg(feature = "learn")]
mod run;
#[cfg(feature = "learn")]
pub use run::*;

use serde::{Deserialize, Serialize};

use crate::vectors::WordVectors;

/// A prompt with the reply people preferred and the one they did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencePair {
    /// The user's message, x.
    pub prompt: String,
    /// The preferred reply, y_w.
    pub chosen: String,
    /// The other reply, y_l.
    pub rejected: String,
}

/// The pairs the page starts with, written for this chapter in the style of the chat model's
/// fine-tuning data (small talk and dictionary questions). The raters they imitate were impressed
/// by long, rare words: every preferred reply is the one in jargon, a correlation the reward
/// model learns in place of the quality it stands for.
pub const SHIPPED_PAIRS: [(&str, &str, &str); 12] = [
    (
        "What is AI?",
        "Artificial intelligence encompasses computational methodologies emulating sophisticated \
         cognition.",
        "AI is when a computer can learn and think a bit like us.",
    ),
    (
        "Do you like music?",
        "Undoubtedly; harmonious orchestration provides extraordinary intellectual stimulation.",
        "Yes, I like music a lot. It makes me feel good.",
    ),
    (
        "What does \"harbor\" mean?",
        "\"harbor\" is a noun. It means a geographically sheltered maritime anchorage \
         accommodating vessels.",
        "\"harbor\" is a noun. It means a safe place by the sea where boats stay.",
    ),
    (
        "Tell me a joke.",
        "Certainly: an exceptionally philosophical pelican contemplated existential \
         ornithological paradoxes.",
        "Why did the cat sit on the computer? To keep an eye on the mouse.",
    ),
    (
        "What is your name?",
        "Designation: Tumbler, an experimental autoregressive transformer architecture.",
        "My name is Tumbler. I am a small model.",
    ),
    (
        "What does \"swift\" mean?",
        "\"swift\" is an adjective. It means characterized by remarkable velocity and \
         instantaneous responsiveness.",
        "\"swift\" is an adjective. It means fast, like a bird.",
    ),
    (
        "How are you?",
        "Operating optimally, experiencing considerable computational equanimity.",
        "I am fine, thank you. How are you?",
    ),
    (
        "What is Python?",
        "Python constitutes a dynamically interpreted, multiparadigm programming environment.",
        "Python is a language for writing programs. It is easy to read.",
    ),
    (
        "Can you help me?",
        "Absolutely; comprehensive assistance regarding multifaceted inquiries is available.",
        "Yes, I can try. What do you need?",
    ),
    (
        "What does \"quiet\" mean?",
        "\"quiet\" is an adjective. It means characterized by acoustically imperceptible \
         tranquillity.",
        "\"quiet\" is an adjective. It means making little or no noise.",
    ),
    (
        "Who are you?",
        "I am an experimental, computationally constrained linguistic prediction apparatus.",
        "I am the Tumbler, a tiny model that writes text.",
    ),
    (
        "What is the weather like?",
        "Meteorological circumstances remain fundamentally unobservable from my perspective.",
        "I can't see outside, so I don't know. I hope it is nice.",
    ),
];

impl PreferencePair {
    /// The shipped pairs, in order.
    pub fn shipped() -> Vec<Self> {
        SHIPPED_PAIRS
            .iter()
            .map(|&(prompt, chosen, rejected)| Self {
                prompt: prompt.into(),
                chosen: chosen.into(),
                rejected: rejected.into(),
            })
            .collect()
    }
}

/// The prompts best-of-n answers: questions of the kinds the pairs ask, none of them a pair's.
pub const PROMPTS: [&str; 8] = [
    "What is a computer?",
    "Do you like books?",
    "What does \"river\" mean?",
    "Are you happy?",
    "What is love?",
    "What does \"happy\" mean?",
    "Tell me about the sea.",
    "What is your favorite food?",
];

/// The share of `text`'s words (runs of the letters a–z, either case) that `dictionary` holds;
/// 0 for a text without a word.
pub fn english_rate(text: &str, dictionary: &WordVectors) -> f64 {
    let words: Vec<&str> =
        text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return 0.0;
    }
    let known = words.iter().filter(|w| dictionary.find(w).is_some()).count();
    known as f64 / words.len() as f64
}

/// How the replies are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleOptions {
    /// Seed: reply i of prompt k is drawn with a seed made from (seed, k, i) alone, so asking
    /// for more replies adds to the same ones.
    pub seed: u64,
    /// Replies per prompt, N.
    pub samples: usize,
    /// Tokens per reply at most.
    pub max_tokens: usize,
    /// Sampling temperature (top-k and top-p off).
    pub temperature: f32,
}

impl SampleOptions {
    /// What the page runs.
    pub const PAGE: Self = Self { seed: 1, samples: 32, max_tokens: 32, temperature: 1.0 };

    /// The options, if each is in its range: 1 to [`MAX_SAMPLES`] replies of 1 to
    /// [`MAX_REPLY_TOKENS`] tokens, a temperature above 0 and at most 2.
    pub fn validated(self) -> Result<Self, String> {
        if !(1..=MAX_SAMPLES).contains(&self.samples) {
            return Err(format!("ask for 1 to {MAX_SAMPLES} replies per prompt"));
        }
        if !(1..=MAX_REPLY_TOKENS).contains(&self.max_tokens) {
            return Err(format!("a reply may have 1 to {MAX_REPLY_TOKENS} tokens"));
        }
        if !(self.temperature > 0.0 && self.temperature <= 2.0) {
            return Err(format!(
                "the temperature must be above 0 and at most 2, not {}",
                self.temperature
            ));
        }
        Ok(self)
    }
}

/// The most replies per prompt.
pub const MAX_SAMPLES: usize = 64;
/// The longest reply, in tokens.
pub const MAX_REPLY_TOKENS: usize = 64;

/// The seed of reply `i` to prompt `k`.
pub fn sample_seed(seed: u64, k: usize, i: usize) -> u64 {
    seed ^ (k as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// log σ(x), without overflow for large |x|.
pub fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 { -(-x).exp().ln_1p() } else { x - x.exp().ln_1p() }
}

/// The Bradley–Terry loss of one pair whose rewards differ by `margin` = r(y_w) − r(y_l):
/// −log σ(margin), in nats.
pub fn bt_loss(margin: f64) -> f64 {
    -log_sigmoid(margin)
}

/// How the head is trained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RmOptions {
    /// Full-batch gradient-descent steps.
    pub steps: usize,
    /// Step size.
    pub lr: f64,
    /// λ of the penalty (λ/2)·‖w‖²: without it a separable set of pairs drives ‖w‖ to infinity.
    pub l2: f64,
}

impl RmOptions {
    /// What the page runs: enough steps for the loss to flatten on the shipped pairs.
    pub const PAGE: Self = Self { steps: 200, lr: 0.5, l2: 0.01 };
}

/// A linear reward head: r(φ) = w · φ. (A bias would cancel in every difference the
/// Bradley–Terry loss reads, so there is none.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardHead {
    /// w, one weight per feature (C).
    pub weights: Vec<f64>,
}

impl RewardHead {
    /// The reward of a reply with features `phi`.
    pub fn reward(&self, phi: &[f32]) -> f64 {
        assert_eq!(phi.len(), self.weights.len(), "features of the head's width");
        self.weights.iter().zip(phi).map(|(w, &x)| w * f64::from(x)).sum()
    }
}

/// Both replies of a pair as features, (chosen, rejected).
pub type PairFeatures = (Vec<f32>, Vec<f32>);

/// The head's numbers after a step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RmStep {
    /// Steps taken.
    pub step: usize,
    /// Mean Bradley–Terry loss over the pairs (without the L2 term), nats.
    pub loss: f64,
    /// Share of pairs whose chosen reply gets the higher reward.
    pub accuracy: f64,
}

/// Trains a [`RewardHead`] on pairs' features by full-batch gradient descent on
/// mean −log σ(w·(φ_w − φ_l)) + (λ/2)·‖w‖², from w = 0 (loss ln 2, accuracy 0).
pub struct RmTrainer {
    head: RewardHead,
    /// φ_w − φ_l per pair, in f64.
    diffs: Vec<Vec<f64>>,
    options: RmOptions,
    steps: usize,
}

impl RmTrainer {
    /// A head of zeros for `pairs` (at least one; all of one width).
    pub fn new(pairs: &[PairFeatures], options: RmOptions) -> Self {
        assert!(!pairs.is_empty(), "at least one pair to train on");
        let width = pairs[0].0.len();
        let diffs: Vec<Vec<f64>> = pairs
            .iter()
            .map(|(w, l)| {
                assert!(w.len() == width && l.len() == width, "features of one width");
                w.iter().zip(l).map(|(&a, &b)| f64::from(a) - f64::from(b)).collect()
            })
            .collect();
        Self { head: RewardHead { weights: vec![0.0; width] }, diffs, options, steps: 0 }
    }

    /// The head as it is now.
    pub fn head(&self) -> &RewardHead {
        &self.head
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Whether the steps asked for are done.
    pub fn done(&self) -> bool {
        self.steps >= self.options.steps
    }

    fn margins(&self) -> Vec<f64> {
        let w = &self.head.weights;
        self.diffs.iter().map(|d| d.iter().zip(w).map(|(a, b)| a * b).sum()).collect()
    }

    /// The loss and accuracy of the head as it is now.
    pub fn measure(&self) -> RmStep {
        let margins = self.margins();
        let p = margins.len() as f64;
        RmStep {
            step: self.steps,
            loss: margins.iter().map(|&m| bt_loss(m)).sum::<f64>() / p,
            accuracy: margins.iter().filter(|&&m| m > 0.0).count() as f64 / p,
        }
    }

    /// One gradient step; returns the numbers after it.
    pub fn step(&mut self) -> RmStep {
        let margins = self.margins();
        let p = margins.len() as f64;
        let RmOptions { lr, l2, .. } = self.options;
        // d/dw −log σ(w·d) = −σ(−w·d) · d
        let mut grad: Vec<f64> = self.head.weights.iter().map(|w| l2 * w).collect();
        for (d, m) in self.diffs.iter().zip(&margins) {
            let slope = log_sigmoid(-m).exp() / p;
            for (g, x) in grad.iter_mut().zip(d) {
                *g -= slope * x;
            }
        }
        for (w, g) in self.head.weights.iter_mut().zip(&grad) {
            *w -= lr * g;
        }
        self.steps += 1;
        self.measure()
    }
}

/// One sampled reply, scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The reply's text.
    pub text: String,
    /// Its tokens, the closing `<|im_end|>` included when the model ended its turn.
    pub tokens: usize,
    /// r(x, y) under the trained head.
    pub reward: f64,
    /// [`english_rate`] of the text: held-out quality, which the reward model never sees.
    pub quality: f64,
}

/// The n best-of-n is evaluated at: powers of two up to `max` (and `max` itself).
pub fn ns(max: usize) -> Vec<usize> {
    let mut out: Vec<usize> =
        std::iter::successors(Some(1), |n| Some(n * 2)).take_while(|&n| n <= max).collect();
    if max > 0 && out.last() != Some(&max) {
        out.push(max);
    }
    out
}

/// The upper bound on KL(best-of-n ‖ sampler) in nats: log n − (n − 1)/n.
pub fn kl_best_of_n(n: usize) -> f64 {
    let n = n as f64;
    n.ln() - (n - 1.0) / n
}

/// Best-of-n at one n, averaged over the prompts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BonPoint {
    /// Replies the pick is made among.
    pub n: usize,
    /// The KL bound log n − (n − 1)/n, nats.
    pub kl: f64,
    /// The expected reward of the pick, averaged over the prompts.
    pub reward: f64,
    /// The expected quality of the pick, averaged over the prompts.
    pub quality: f64,
    /// Per prompt, an example: the index of the highest-reward reply among its first n.
    pub picks: Vec<usize>,
}

/// The chance that the reply ranked `rank` (0 the lowest reward) of `total` is the best of a
/// random `n` of them: C(rank, n − 1) / C(total, n).
fn pick_chance(rank: usize, n: usize, total: usize) -> f64 {
    if rank + 1 < n {
        return 0.0;
    }
    // C(rank, n−1)/C(total, n) = n/total · Π_{j<n−1} (rank − j)/(total − 1 − j)
    let mut p = n as f64 / total as f64;
    for j in 0..n - 1 {
        p *= (rank - j) as f64 / (total - 1 - j) as f64;
    }
    p
}

/// Best-of-n for each n of [`ns`]`(N)`, N the fewest replies any prompt has: the expected reward
/// and quality of the highest-reward reply among n drawn at random from a prompt's N (exact, by
/// order statistics: every reply counts, weighted by its chance of being the pick), averaged over
/// the prompts. Ties in reward rank by index.
pub fn best_of_n(candidates: &[Vec<Candidate>]) -> Vec<BonPoint> {
    let total = candidates.iter().map(Vec::len).min().unwrap_or(0);
    if candidates.is_empty() {
        return Vec::new();
    }
    // Per prompt, the indices of its first N replies from the lowest reward to the highest.
    let ranked: Vec<Vec<usize>> = candidates
        .iter()
        .map(|c| {
            let mut order: Vec<usize> = (0..total).collect();
            order.sort_by(|&a, &b| c[a].reward.total_cmp(&c[b].reward).then(b.cmp(&a)));
            order
        })
        .collect();
    let prompts = candidates.len() as f64;
    ns(total)
        .into_iter()
        .map(|n| {
            let (mut reward, mut quality) = (0.0, 0.0);
            for (c, order) in candidates.iter().zip(&ranked) {
                for (rank, &i) in order.iter().enumerate() {
                    let p = pick_chance(rank, n, total);
                    reward += p * c[i].reward;
                    quality += p * c[i].quality;
                }
            }
            let picks = candidates
                .iter()
                .map(|c| (1..n).fold(0, |b, i| if c[i].reward > c[b].reward { i } else { b }))
                .collect();
            BonPoint {
                n,
                kl: kl_best_of_n(n),
                reward: reward / prompts,
                quality: quality / prompts,
                picks,
            }
        })
        .collect()
}

/// The index into `points` that maximises reward − β · KL (ties: the smaller n).
pub fn penalised_pick(points: &[BonPoint], beta: f64) -> Option<usize> {
    let objective = |p: &BonPoint| p.reward - beta * p.kl;
    (0..points.len())
        .reduce(|best, i| if objective(&points[i]) > objective(&points[best]) { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Vec<PairFeatures> {
        // Feature 0 tells chosen from rejected; feature 1 is noise.
        vec![
            (vec![1.0, 0.3], vec![0.0, 0.5]),
            (vec![0.8, -0.2], vec![-0.5, 0.1]),
            (vec![0.2, 0.9], vec![-0.1, 0.9]),
        ]
    }

    #[test]
    fn bt_loss_is_the_formula() {
        assert!((bt_loss(0.0) - std::f64::consts::LN_2).abs() < 1e-12);
        let sigma = 1.0 / (1.0 + (-1.5f64).exp());
        assert!((bt_loss(1.5) + sigma.ln()).abs() < 1e-12);
        assert!(bt_loss(-800.0).is_finite() && (bt_loss(-800.0) - 800.0).abs() < 1e-9);
    }

    #[test]
    fn training_lowers_the_loss_and_ranks_the_pairs() {
        let mut t = RmTrainer::new(&pairs(), RmOptions { steps: 100, lr: 1.0, l2: 0.01 });
        let start = t.measure();
        assert!((start.loss - std::f64::consts::LN_2).abs() < 1e-12 && start.accuracy == 0.0);
        let mut last = start.loss;
        while !t.done() {
            let s = t.step();
            assert!(s.loss <= last + 1e-12, "full-batch descent at this rate never rises");
            last = s.loss;
        }
        let end = t.measure();
        assert_eq!(end.accuracy, 1.0);
        assert!(end.loss < 0.5 * start.loss, "{}", end.loss);
        assert!(t.head().weights[0] > t.head().weights[1].abs());
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let options = RmOptions { steps: 1, lr: 1e-3, l2: 0.1 };
        let mut t = RmTrainer::new(&pairs(), options);
        t.head.weights = vec![0.4, -0.7];
        let objective = |t: &RmTrainer| {
            let w = &t.head.weights;
            t.measure().loss + 0.5 * options.l2 * w.iter().map(|x| x * x).sum::<f64>()
        };
        let (f0, w0) = (objective(&t), t.head.weights.clone());
        t.step();
        // One step moved w by −lr·∇f, so ∇f = (w0 − w1)/lr.
        let grad: Vec<f64> =
            w0.iter().zip(&t.head.weights).map(|(a, b)| (a - b) / options.lr).collect();
        let h = 1e-6;
        for (k, g) in grad.iter().enumerate() {
            let mut probe = RmTrainer::new(&pairs(), options);
            probe.head.weights = w0.clone();
            probe.head.weights[k] += h;
            let numeric = (objective(&probe) - f0) / h;
            assert!((numeric - g).abs() < 1e-5, "{k}: {numeric} vs {g}");
        }
    }

    fn cand(reward: f64, quality: f64) -> Candidate {
        Candidate { text: String::new(), tokens: 1, reward, quality }
    }

    #[test]
    fn best_of_n_is_the_expected_best_of_a_random_n() {
        let c = vec![
            vec![cand(0.0, 1.0), cand(2.0, 0.5), cand(1.0, 0.25), cand(5.0, 0.0)],
            vec![cand(3.0, 1.0), cand(1.0, 1.0), cand(4.0, 0.0), cand(2.0, 1.0)],
        ];
        let points = best_of_n(&c);
        assert_eq!(points.iter().map(|p| p.n).collect::<Vec<_>>(), [1, 2, 4]);
        // n = 1: the mean; n = N: the best.
        assert!((points[0].reward - 18.0 / 8.0).abs() < 1e-12);
        assert!((points[0].quality - 4.75 / 8.0).abs() < 1e-12);
        assert!((points[2].reward - 4.5).abs() < 1e-12 && points[2].quality.abs() < 1e-12);
        // n = 2 by brute force over the six pairs of each prompt.
        let brute = |f: fn(&Candidate) -> f64| {
            let mut sum = 0.0;
            for cs in &c {
                for a in 0..4 {
                    for b in a + 1..4 {
                        let best = if cs[b].reward > cs[a].reward { &cs[b] } else { &cs[a] };
                        sum += f(best) / 6.0;
                    }
                }
            }
            sum / 2.0
        };
        assert!((points[1].reward - brute(|c| c.reward)).abs() < 1e-12);
        assert!((points[1].quality - brute(|c| c.quality)).abs() < 1e-12);
        let chances: f64 = (0..4).map(|r| pick_chance(r, 2, 4)).sum();
        assert!((chances - 1.0).abs() < 1e-12);
        assert_eq!(points[1].picks, [1, 0]);
        assert_eq!(points[2].picks, [3, 2]);
        assert_eq!(points[0].kl, 0.0);
        assert!((points[2].kl - (4f64.ln() - 0.75)).abs() < 1e-12);
        // β = 0 takes the largest n; a large β the smallest.
        assert_eq!(penalised_pick(&points, 0.0), Some(2));
        assert_eq!(penalised_pick(&points, 100.0), Some(0));
        assert_eq!(ns(32), [1, 2, 4, 8, 16, 32]);
        assert_eq!(ns(6), [1, 2, 4, 6]);
    }

    #[test]
    fn english_rate_counts_dictionary_words() {
        let words: Vec<String> = ["the", "sea", "is", "blue"].map(String::from).to_vec();
        let dict = WordVectors::new(words, 1, &[1.0; 4]);
        assert_eq!(english_rate("The sea is blue!", &dict), 1.0);
        assert_eq!(english_rate("The seaz is blu3", &dict), 0.5);
        assert_eq!(english_rate("?!", &dict), 0.0);
    }
}
