//! Turning logits into a token: temperature, top-k, top-p (nucleus, Holtzman et al. 2019,
//! "The Curious Case of Neural Text Degeneration") and a seeded RNG, so a run repeats exactly.
//!
//! Plain `&[f32]` in, plain data out: the page runs this on logits it already read back, with no
//! tensor library. The order is the one most libraries use: divide the logits by the temperature,
//! softmax, keep the `top_k` most likely tokens, renormalise, keep the smallest set whose mass
//! reaches `top_p`, renormalise again, draw. The [`Distribution`] left after filtering is public
//! so the page can draw the bars the sampler draws from.

use std::fmt;

/// A sampling setting the sampler cannot use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SamplingError {
    /// Temperature must be a finite number ≥ 0.
    #[error("temperature must be a finite number >= 0, got {0}")]
    Temperature(f32),
    /// top-p must lie in (0, 1].
    #[error("top-p must be in (0, 1], got {0}")]
    TopP(f32),
    /// top-k must keep at least one token.
    #[error("top-k must be at least 1 (omit it to keep every token)")]
    TopK,
    /// The logits were empty or not finite numbers.
    #[error("logits must be a non-empty list of finite numbers")]
    Logits,
}

/// How to turn logits into a token.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SamplingConfig {
    /// Divides the logits before the softmax; 0 means greedy (always the most likely token).
    pub temperature: f32,
    /// Keep only the k most likely tokens; `None` keeps all.
    pub top_k: Option<usize>,
    /// Keep the smallest set of most likely tokens whose probabilities sum to at least this; 1.0
    /// keeps all.
    pub top_p: f32,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Self { temperature: 1.0, top_k: None, top_p: 1.0 }
    }
}

impl SamplingConfig {
    /// Greedy decoding: the argmax every time.
    pub fn greedy() -> Self {
        Self { temperature: 0.0, ..Self::default() }
    }

    /// Checks the ranges; user input goes through here before it reaches the sampler.
    pub fn validated(self) -> Result<Self, SamplingError> {
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(SamplingError::Temperature(self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(SamplingError::TopP(self.top_p));
        }
        if self.top_k == Some(0) {
            return Err(SamplingError::TopK);
        }
        Ok(self)
    }
}

/// The distribution a token is drawn from after temperature, top-k and top-p: the kept token ids,
/// most likely first, with probabilities that sum to 1.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Distribution {
    /// Kept token ids, in order of decreasing probability (ties: smaller id first).
    pub ids: Vec<u32>,
    /// Probability of each kept id, renormalised to sum to 1.
    pub probs: Vec<f32>,
}

impl Distribution {
    /// The probability of `id` in this distribution (0 if it was filtered out).
    pub fn prob(&self, id: u32) -> f32 {
        self.ids.iter().position(|&i| i == id).map_or(0.0, |k| self.probs[k])
    }

    /// Draws one id. Inverse-CDF sampling: one uniform number per draw, so a seed fixes the run.
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        let u = rng.next_f64();
        let mut cumulative = 0.0f64;
        for (&id, &p) in self.ids.iter().zip(&self.probs) {
            cumulative += f64::from(p);
            if u < cumulative {
                return id;
            }
        }
        // Rounding can leave the total a hair under 1; the last kept token takes that sliver.
        *self.ids.last().expect("a distribution keeps at least one token")
    }
}

/// `softmax(logits / temperature)`, computed stably (max subtracted) in f64.
///
/// Temperature 0 is the limit: all mass on the first maximum.
pub fn softmax_with_temperature(logits: &[f32], temperature: f32) -> Vec<f32> {
    if temperature == 0.0 {
        let best = argmax(logits);
        return (0..logits.len()).map(|i| if i == best { 1.0 } else { 0.0 }).collect();
    }
    let t = f64::from(temperature);
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> =
        logits.iter().map(|&l| ((f64::from(l) - f64::from(max)) / t).exp()).collect();
    let total: f64 = exps.iter().sum();
    exps.iter().map(|&e| (e / total) as f32).collect()
}

/// Index of the largest logit; the first one on ties.
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    best
}

/// Applies temperature, top-k and top-p to `logits` and returns what is left to draw from.
pub fn filtered_distribution(
    logits: &[f32],
    config: &SamplingConfig,
) -> Result<Distribution, SamplingError> {
    let config = config.validated()?;
    if logits.is_empty() || logits.iter().any(|l| !l.is_finite()) {
        return Err(SamplingError::Logits);
    }
    if config.temperature == 0.0 {
        return Ok(Distribution { ids: vec![argmax(logits) as u32], probs: vec![1.0] });
    }
    let probs = softmax_with_temperature(logits, config.temperature);
    Ok(filter_probabilities(&probs, config.top_k, config.top_p))
}

/// top-k then top-p over a probability vector (as a softmax kernel on the GPU produces it).
///
/// `probs` must be non-negative and sum to about 1; the result is renormalised.
pub fn filter_probabilities(probs: &[f32], top_k: Option<usize>, top_p: f32) -> Distribution {
    let mut order: Vec<u32> = (0..probs.len() as u32).collect();
    // Stable sort by decreasing probability keeps smaller ids first on ties, so the kept set is
    // a function of the probabilities alone.
    order.sort_by(|&a, &b| probs[b as usize].total_cmp(&probs[a as usize]));
    if let Some(k) = top_k {
        order.truncate(k.max(1));
    }

    let kept_mass: f64 = order.iter().map(|&i| f64::from(probs[i as usize])).sum();
    if top_p < 1.0 && kept_mass > 0.0 {
        let target = f64::from(top_p) * kept_mass;
        let mut cumulative = 0.0f64;
        let mut keep = order.len();
        for (n, &i) in order.iter().enumerate() {
            cumulative += f64::from(probs[i as usize]);
            if cumulative >= target {
                keep = n + 1;
                break;
            }
        }
        order.truncate(keep);
    }

    let mass: f64 = order.iter().map(|&i| f64::from(probs[i as usize])).sum();
    let probs = if mass > 0.0 {
        order.iter().map(|&i| (f64::from(probs[i as usize]) / mass) as f32).collect()
    } else {
        // Every kept probability underflowed to 0: fall back to uniform over the kept ids.
        vec![1.0 / order.len() as f32; order.len()]
    };
    Distribution { ids: order, probs }
}

/// A sampler: a config plus the RNG its draws come from.
#[derive(Debug, Clone)]
pub struct Sampler {
    config: SamplingConfig,
    rng: Rng,
}

impl Sampler {
    /// A sampler whose draws are fixed by `seed`.
    pub fn new(config: SamplingConfig, seed: u64) -> Result<Self, SamplingError> {
        Ok(Self { config: config.validated()?, rng: Rng::new(seed) })
    }

    /// The settings this sampler uses.
    pub fn config(&self) -> &SamplingConfig {
        &self.config
    }

    /// The settings and the generator, for a sampler that draws elsewhere (on the GPU) with this
    /// one's numbers.
    pub fn parts(&mut self) -> (&SamplingConfig, &mut Rng) {
        (&self.config, &mut self.rng)
    }

    /// The distribution the next draw would come from.
    pub fn distribution(&self, logits: &[f32]) -> Result<Distribution, SamplingError> {
        filtered_distribution(logits, &self.config)
    }

    /// Draws the next token id from `logits`.
    pub fn sample(&mut self, logits: &[f32]) -> Result<u32, SamplingError> {
        Ok(self.distribution(logits)?.sample(&mut self.rng))
    }

    /// Draws from a distribution already filtered (e.g. one the page has drawn as bars).
    pub fn sample_from(&mut self, distribution: &Distribution) -> u32 {
        distribution.sample(&mut self.rng)
    }
}

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: small, fast, and the same stream
/// on every platform, which `rand`'s default generators do not promise across versions.
#[derive(Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl fmt::Debug for Rng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rng { .. }")
    }
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut split_mix = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self { s: [split_mix(), split_mix(), split_mix(), split_mix()] }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller); used to initialise weights reproducibly on any backend.
    pub fn next_normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the log is finite.
        let u1 = 1.0 - self.next_f64();
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGITS: [f32; 6] = [1.0, 3.0, -2.0, 2.5, 0.0, 3.0];

    #[test]
    fn temperature_zero_is_argmax() {
        let d = filtered_distribution(&LOGITS, &SamplingConfig::greedy()).unwrap();
        // 3.0 appears at ids 1 and 5: the first wins.
        assert_eq!(d, Distribution { ids: vec![1], probs: vec![1.0] });
        let mut sampler = Sampler::new(SamplingConfig::greedy(), 7).unwrap();
        for _ in 0..20 {
            assert_eq!(sampler.sample(&LOGITS).unwrap(), 1);
        }
    }

    #[test]
    fn temperature_towards_zero_concentrates_on_the_maxima() {
        let logits = [1.0, 3.0, -2.0, 2.5, 0.0];
        let p = softmax_with_temperature(&logits, 0.01);
        assert!(p[1] > 1.0 - 1e-6, "p = {p:?}");
        let hot = softmax_with_temperature(&logits, 100.0);
        let spread =
            hot.iter().copied().fold(0.0f32, f32::max) - hot.iter().copied().fold(1.0f32, f32::min);
        assert!(spread < 0.02, "a high temperature flattens the distribution: {hot:?}");
    }

    #[test]
    fn softmax_matches_the_formula() {
        let logits = [0.5f32, -1.0, 2.0];
        let t = 0.7f32;
        let exps: Vec<f64> = logits.iter().map(|&l| (f64::from(l) / f64::from(t)).exp()).collect();
        let total: f64 = exps.iter().sum();
        for (p, e) in softmax_with_temperature(&logits, t).iter().zip(&exps) {
            assert!((f64::from(*p) - e / total).abs() < 1e-7);
        }
    }

    #[test]
    fn top_k_keeps_the_k_most_likely() {
        let config = SamplingConfig { temperature: 1.0, top_k: Some(3), top_p: 1.0 };
        let d = filtered_distribution(&LOGITS, &config).unwrap();
        assert_eq!(d.ids, vec![1, 5, 3]);
        let sum: f32 = d.probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        assert_eq!(d.prob(0), 0.0);
    }

    #[test]
    fn top_p_keeps_the_minimal_set() {
        let probs = [0.05f32, 0.5, 0.15, 0.3];
        // 0.5 < 0.75 <= 0.5 + 0.3: exactly two tokens are needed.
        let d = filter_probabilities(&probs, None, 0.75);
        assert_eq!(d.ids, vec![1, 3]);
        assert!((d.probs[0] - 0.5 / 0.8).abs() < 1e-6);
        // One more hundredth of mass needs the third token.
        assert_eq!(filter_probabilities(&probs, None, 0.81).ids, vec![1, 3, 2]);
        // A p below the top probability keeps the top token alone.
        assert_eq!(filter_probabilities(&probs, None, 0.3).ids, vec![1]);
        // p = 1 keeps everything, in order.
        assert_eq!(filter_probabilities(&probs, None, 1.0).ids, vec![1, 3, 2, 0]);
    }

    #[test]
    fn top_p_applies_after_top_k() {
        let probs = [0.4f32, 0.3, 0.2, 0.1];
        // After top-2 the mass is 0.7; 0.5 of it (0.35) needs only the first token.
        assert_eq!(filter_probabilities(&probs, Some(2), 0.5).ids, vec![0]);
        assert_eq!(filter_probabilities(&probs, Some(2), 0.6).ids, vec![0, 1]);
    }

    #[test]
    fn bad_settings_are_errors() {
        let bad = |temperature, top_k, top_p| {
            filtered_distribution(&LOGITS, &SamplingConfig { temperature, top_k, top_p })
        };
        assert_eq!(bad(-1.0, None, 1.0), Err(SamplingError::Temperature(-1.0)));
        assert!(matches!(bad(f32::NAN, None, 1.0), Err(SamplingError::Temperature(_))));
        assert_eq!(bad(1.0, None, 0.0), Err(SamplingError::TopP(0.0)));
        assert_eq!(bad(1.0, None, 1.5), Err(SamplingError::TopP(1.5)));
        assert_eq!(bad(1.0, Some(0), 1.0), Err(SamplingError::TopK));
        let config = SamplingConfig::default();
        assert_eq!(filtered_distribution(&[], &config), Err(SamplingError::Logits));
        assert_eq!(filtered_distribution(&[1.0, f32::NAN], &config), Err(SamplingError::Logits));
    }

    #[test]
    fn a_seed_repeats_a_run() {
        let config = SamplingConfig { temperature: 0.9, top_k: Some(4), top_p: 0.95 };
        let run = |seed| {
            let mut s = Sampler::new(config, seed).unwrap();
            (0..50).map(|_| s.sample(&LOGITS).unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    /// Pearson's chi-square statistic of `counts` against `expected` probabilities.
    fn chi_square(counts: &[u64], expected: &[f64]) -> f64 {
        let n: u64 = counts.iter().sum();
        counts
            .iter()
            .zip(expected)
            .map(|(&c, &p)| {
                let e = p * n as f64;
                (c as f64 - e).powi(2) / e
            })
            .sum()
    }

    fn draw_counts(d: &Distribution, draws: usize, seed: u64) -> Vec<u64> {
        let mut rng = Rng::new(seed);
        let mut counts = vec![0u64; d.ids.len()];
        for _ in 0..draws {
            let id = d.sample(&mut rng);
            counts[d.ids.iter().position(|&i| i == id).unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn empirical_frequencies_match_the_filtered_distribution() {
        let config = SamplingConfig { temperature: 0.8, top_k: Some(5), top_p: 0.97 };
        let d = filtered_distribution(&LOGITS, &config).unwrap();
        assert!(d.ids.len() >= 3, "the test needs several kept tokens: {d:?}");
        let expected: Vec<f64> = d.probs.iter().map(|&p| f64::from(p)).collect();
        let counts = draw_counts(&d, 200_000, 1234);
        let stat = chi_square(&counts, &expected);
        // The 0.999 quantile of chi-square with up to 4 degrees of freedom is 18.47; with a fixed
        // seed the statistic is one fixed number, so this cannot flake, but a biased sampler
        // (see the next test) lands far above it.
        assert!(stat < 18.47, "chi-square {stat} for counts {counts:?} vs {expected:?}");
        // Tokens outside the filtered set are never drawn.
        let mut rng = Rng::new(99);
        for _ in 0..10_000 {
            assert!(d.ids.contains(&d.sample(&mut rng)));
        }
    }

    #[test]
    fn the_frequency_test_detects_a_wrong_distribution() {
        let d = Distribution { ids: vec![0, 1, 2], probs: vec![0.5, 0.3, 0.2] };
        let counts = draw_counts(&d, 200_000, 1234);
        // Frequencies drawn from (0.5, 0.3, 0.2) tested against (0.48, 0.32, 0.2): a 2-point
        // shift must be rejected, or the test above proves nothing.
        let stat = chi_square(&counts, &[0.48, 0.32, 0.2]);
        assert!(stat > 13.82, "chi-square {stat} should exceed the 0.999 quantile for 2 dof");
    }

    #[test]
    fn rng_streams_are_uniform_and_normal() {
        let mut rng = Rng::new(5);
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| rng.next_f64()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "uniform mean {mean}");
        let xs: Vec<f64> = (0..n).map(|_| rng.next_normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.02 && (var - 1.0).abs() < 0.02, "normal mean {m} var {var}");
    }
}
