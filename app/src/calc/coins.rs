//! Biased coins and dice: a seeded random generator and repeated draws from a distribution, so
//! the page can show that sampled frequencies approach the probabilities, and a seed repeats a run.

/// SplitMix64: tiny, fast, and well mixed; the same seed gives the same sequence everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Index drawn with probability proportional to `weights` (non-negative, not all zero).
pub fn draw(weights: &[f64], rng: &mut Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.next_f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    // Rounding can leave u a hair above the last weight; the last positive weight takes it.
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// How often each outcome came up in `n` draws from `weights` with `seed`.
pub fn counts(weights: &[f64], n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    let mut c = vec![0; weights.len()];
    for _ in 0..n {
        c[draw(weights, &mut rng)] += 1;
    }
    c
}

/// The first `n` outcomes themselves, to show a run as a sequence.
pub fn sequence(weights: &[f64], n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| draw(weights, &mut rng)).collect()
}

/// `n` draws from a model's distribution with the sampler's own generator (the one `tumbler
/// sample` and the engine use): how often each of `d.ids` came up, and the first `first` draws.
pub fn sampler_draws(
    d: &tumbler_model::sampling::Distribution,
    n: usize,
    seed: u64,
    first: usize,
) -> (Vec<usize>, Vec<u32>) {
    let mut rng = tumbler_model::sampling::Rng::new(seed);
    let index: std::collections::HashMap<u32, usize> =
        d.ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut counts = vec![0; d.ids.len()];
    let mut run = Vec::with_capacity(first.min(n));
    for k in 0..n {
        let id = d.sample(&mut rng);
        counts[index[&id]] += 1;
        if k < first {
            run.push(id);
        }
    }
    (counts, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_model::sampling::{Distribution, Rng as SamplerRng};

    #[test]
    fn sampler_draws_follow_the_distribution_and_repeat_with_the_seed() {
        let d = Distribution { ids: vec![4, 1, 9], probs: vec![0.6, 0.3, 0.1] };
        let n = 50_000;
        let (counts, run) = sampler_draws(&d, n, 3, 10);
        assert_eq!(counts.iter().sum::<usize>(), n);
        for (c, p) in counts.iter().zip(&d.probs) {
            let p = f64::from(*p);
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((*c as f64 / n as f64 - p).abs() < 5.0 * sd, "{counts:?}");
        }
        // The first draws are the sampler's: the same generator, the same ids.
        let mut rng = SamplerRng::new(3);
        let expected: Vec<u32> = (0..10).map(|_| d.sample(&mut rng)).collect();
        assert_eq!(run, expected);
        assert_eq!(sampler_draws(&d, 100, 3, 5), sampler_draws(&d, 100, 3, 5));
        assert_ne!(sampler_draws(&d, 100, 3, 0).0, sampler_draws(&d, 100, 4, 0).0);
    }

    #[test]
    fn same_seed_same_run_other_seed_other_run() {
        let w = [0.97, 0.015, 0.005, 0.01];
        assert_eq!(sequence(&w, 50, 7), sequence(&w, 50, 7));
        assert_ne!(sequence(&[0.5, 0.5], 64, 7), sequence(&[0.5, 0.5], 64, 8));
    }

    #[test]
    fn frequencies_approach_probabilities() {
        let w = [0.7, 0.2, 0.1];
        let n = 100_000;
        let c = counts(&w, n, 42);
        assert_eq!(c.iter().sum::<usize>(), n);
        for (ci, pi) in c.iter().zip(w) {
            let sd = (pi * (1.0 - pi) / n as f64).sqrt();
            assert!((*ci as f64 / n as f64 - pi).abs() < 5.0 * sd, "{c:?}");
        }
    }

    #[test]
    fn zero_weight_is_never_drawn() {
        let c = counts(&[0.0, 1.0, 0.0], 1000, 1);
        assert_eq!(c, vec![0, 1000, 0]);
    }

    #[test]
    fn splitmix_reference_value() {
        // First output of SplitMix64 seeded with 0 (the published reference sequence).
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }
}
