//! The paper's synthetic two-task data (Ma et al. 2018, §4.2), step by step:
//!
//! 1. two orthogonal unit vectors u₁, u₂ ∈ ℝᵈ;
//! 2. for a scale c and a correlation p ∈ [−1, 1], the task vectors
//!    w₁ = c·u₁ and w₂ = c·(p·u₁ + √(1 − p²)·u₂), so cos(w₁, w₂) = p;
//! 3. an input x with each element drawn from N(0, 1);
//! 4. the labels y_k = w_kᵀx + Σᵢ sin(αᵢ·w_kᵀx + βᵢ) + ε_k, i = 1…m, ε_k ~ N(0, 0.01);
//! 5. 3 and 4 again until there are enough examples.
//!
//! The paper leaves the αᵢ and βᵢ open ("given parameters"); here they are drawn from N(0, 1)
//! with the seed. It writes the noise as N(0, 0.01); we read 0.01 as its standard deviation.

use crate::sampling::Rng;

use super::MmoeOptions;

/// Examples of both tasks on the same inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// n inputs of d numbers, row after row.
    pub inputs: Vec<f64>,
    /// Task A's labels, one per input.
    pub labels_a: Vec<f64>,
    /// Task B's labels.
    pub labels_b: Vec<f64>,
}

impl Examples {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels_a.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels_a.is_empty()
    }
}

/// The two tasks: their weight vectors and the sinusoids' parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Tasks {
    /// w₁.
    pub w_a: Vec<f64>,
    /// w₂.
    pub w_b: Vec<f64>,
    /// α₁…α_m.
    pub alphas: Vec<f64>,
    /// β₁…β_m.
    pub betas: Vec<f64>,
    /// The labels' noise, a standard deviation.
    pub noise_std: f64,
}

impl Tasks {
    /// Steps 1 and 2 for `options`, with the αᵢ and βᵢ, all from `rng`.
    pub fn draw(options: &MmoeOptions, rng: &mut Rng) -> Self {
        let d = options.dim;
        let (u1, u2) = orthonormal_pair(d, rng);
        let (p, c) = (options.correlation, options.scale);
        let q = (1.0 - p * p).max(0.0).sqrt();
        let w_a = u1.iter().map(|a| c * a).collect();
        let w_b = u1.iter().zip(&u2).map(|(a, b)| c * (p * a + q * b)).collect();
        let m = options.sinusoids;
        let alphas = (0..m).map(|_| rng.next_normal()).collect();
        let betas = (0..m).map(|_| rng.next_normal()).collect();
        Self { w_a, w_b, alphas, betas, noise_std: options.noise_std }
    }

    /// Steps 3 to 5: `n` examples drawn from `rng`.
    pub fn examples(&self, n: usize, rng: &mut Rng) -> Examples {
        let d = self.w_a.len();
        let mut inputs = Vec::with_capacity(n * d);
        let (mut labels_a, mut labels_b) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let x: Vec<f64> = (0..d).map(|_| rng.next_normal()).collect();
            labels_a.push(self.label(&self.w_a, &x) + self.noise_std * rng.next_normal());
            labels_b.push(self.label(&self.w_b, &x) + self.noise_std * rng.next_normal());
            inputs.extend(x);
        }
        Examples { inputs, labels_a, labels_b }
    }

    /// wᵀx + Σᵢ sin(αᵢ·wᵀx + βᵢ), without the noise.
    fn label(&self, w: &[f64], x: &[f64]) -> f64 {
        let wx = dot(w, x);
        wx + self.alphas.iter().zip(&self.betas).map(|(a, b)| (a * wx + b).sin()).sum::<f64>()
    }
}

/// Two orthogonal unit vectors in ℝᵈ: Gaussian draws, Gram–Schmidt.
fn orthonormal_pair(d: usize, rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let unit = |v: Vec<f64>| {
        let norm = dot(&v, &v).sqrt();
        v.into_iter().map(|x| x / norm).collect::<Vec<f64>>()
    };
    let u1 = unit((0..d).map(|_| rng.next_normal()).collect());
    let v: Vec<f64> = (0..d).map(|_| rng.next_normal()).collect();
    let along = dot(&v, &u1);
    let u2 = unit(v.iter().zip(&u1).map(|(a, b)| a - along * b).collect());
    (u1, u2)
}

/// aᵀb.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// cos(a, b).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}

/// The Pearson correlation of two equally long samples.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// The population variance of a sample.
pub fn variance(a: &[f64]) -> f64 {
    let n = a.len() as f64;
    let mean = a.iter().sum::<f64>() / n;
    a.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}
