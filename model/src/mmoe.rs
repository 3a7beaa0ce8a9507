//! Multi-gate Mixture-of-Experts (Ma, Zhao, Yi, Chen, Hong & Chi, KDD 2018, "Modeling Task
//! Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
//! doi:10.1145/3219819.3220007) at toy size, on the paper's synthetic data (its §4.2), where the
//! two tasks' relatedness is a dial.
//!
//! The model: E shared experts (one ReLU layer each), one softmax gate per task over the experts,
//! one tower per task on its gate's mixture of the experts' outputs:
//!
//! ```text
//! f_e(x) = relu(x W_e + b_e)              g_k(x) = softmax(x G_k + c_k)      (E weights)
//! y_k(x) = tower_k( Σ_e g_k,e(x) · f_e(x) )
//! ```
//!
//! Both tasks train together on the sum of their mean squared errors. Every few steps the run
//! measures, on held-out inputs, each task's loss, each gate's mixture averaged over the inputs,
//! and how much the two gates agree: the **overlap** Σ_e min(g_A,e(x), g_B,e(x)) (one minus
//! their total-variation distance; 1 = the same mixture, 0 = disjoint experts), averaged over
//! the held-out inputs x.
//!
//! The data ([`data`]) needs no tensor library; the run ([`MmoeRun`], the `learn` feature) reads
//! no clock or file, so it runs natively (`tumbler mmoe`) and in the engine worker alike.

pub mod data;

use serde::{Deserialize, Serialize};

/// How an MMoE run is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeOptions {
    /// The cosine between the two tasks' weight vectors, in [−1, 1]: the paper's correlation.
    pub correlation: f64,
    /// d: the input's dimension.
    pub dim: usize,
    /// m: sinusoids in each label (the paper's non-linear part).
    pub sinusoids: usize,
    /// c: the weight vectors' length.
    pub scale: f64,
    /// Standard deviation of the labels' noise.
    pub noise_std: f64,
    /// E: shared experts.
    pub experts: usize,
    /// Width of each expert's output.
    pub expert_width: usize,
    /// Width of each tower's hidden layer.
    pub tower_width: usize,
    /// Training examples (drawn once).
    pub train_examples: usize,
    /// Held-out examples, never trained on.
    pub heldout_examples: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Optimisation steps.
    pub steps: usize,
    /// The held-out measurement every this many steps (and at the last).
    pub eval_every: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seed of the data (task vectors, sinusoids, inputs, noise), the initial weights and the
    /// batches.
    pub seed: u64,
}

impl MmoeOptions {
    /// What the page runs: d = 16, m = 10 sinusoids, c = 1, eight experts of width 8, towers of
    /// width 8, 2,048 training and 512 held-out examples, batches of 64, Adam at 0.01.
    pub fn page(correlation: f64, steps: usize, seed: u64) -> Self {
        Self {
            correlation,
            dim: 16,
            sinusoids: 10,
            scale: 1.0,
            noise_std: 0.01,
            experts: 8,
            expert_width: 8,
            tower_width: 8,
            train_examples: 2048,
            heldout_examples: 512,
            batch_size: 64,
            steps,
            eval_every: 10,
            lr: 1e-2,
            seed,
        }
    }

    /// Checks the settings a reader (or the CLI) can change.
    pub fn validated(self) -> Result<Self, MmoeError> {
        let bad = |what: String| Err(MmoeError(what));
        if !(self.correlation.is_finite() && (-1.0..=1.0).contains(&self.correlation)) {
            return bad(format!(
                "the correlation must be between −1 and 1, not {}",
                self.correlation
            ));
        }
        if self.dim < 2 {
            return bad(
                "the input needs at least two dimensions (two orthogonal task vectors)".into()
            );
        }
        let sizes = [
            self.experts,
            self.expert_width,
            self.tower_width,
            self.train_examples,
            self.heldout_examples,
            self.batch_size,
            self.steps,
            self.eval_every,
        ];
        if sizes.contains(&0) {
            return bad(
                "experts, widths, examples, batch size, steps and eval_every must be at least 1"
                    .into(),
            );
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad(format!("the learning rate must be positive, not {}", self.lr));
        }
        Ok(self)
    }

    /// Parameters of the model these options build.
    pub fn param_count(&self) -> usize {
        let (d, e, h, t) = (self.dim, self.experts, self.expert_width, self.tower_width);
        let experts = e * (d * h + h);
        let gate = d * e + e;
        let tower = h * t + t + t + 1;
        experts + 2 * (gate + tower)
    }
}

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MmoeError(pub String);

/// The two tasks measured on the held-out examples after `step` steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeEval {
    /// Steps taken when measured (0: the initial weights).
    pub step: usize,
    /// Task A's mean squared error.
    pub loss_a: f32,
    /// Task B's mean squared error.
    pub loss_b: f32,
    /// Task A's gate: its weight on each expert, averaged over the held-out inputs (sums to 1).
    pub mixture_a: Vec<f32>,
    /// Task B's gate, likewise.
    pub mixture_b: Vec<f32>,
    /// Σ_e min(g_A,e(x), g_B,e(x)) averaged over the held-out inputs x, in [0, 1].
    pub overlap: f32,
}

/// One step of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// Task A's mean squared error on the batch, before the update.
    pub loss_a: f32,
    /// Task B's, likewise.
    pub loss_b: f32,
    /// The held-out measurement after this step, every `eval_every` steps and at the last.
    pub eval: Option<MmoeEval>,
}

/// What a run is, once its data is drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeSetup {
    /// The options, as checked.
    pub options: MmoeOptions,
    /// Parameters of the model.
    pub params: usize,
    /// The cosine of the two task vectors as drawn (the requested correlation, up to rounding).
    pub cosine: f64,
    /// The Pearson correlation of the two tasks' labels over the training examples (the paper
    /// notes it is not the cosine, because of the sinusoids, but moves with it).
    pub label_correlation: f64,
    /// The variance of each task's labels over the held-out examples: the loss of always
    /// answering the mean, for scale.
    pub label_variance: [f64; 2],
    /// The model before training.
    pub initial: MmoeEval,
}

/// Σ_e min(p_e, q_e): the share of weight two mixtures put on the same experts.
pub fn overlap(p: &[f32], q: &[f32]) -> f32 {
    p.iter().zip(q).map(|(a, b)| a.min(*b)).sum()
}

#[cfg(feature = "learn")]
mod run;
#[cfg(feature = "learn")]
pub use run::MmoeRun;

#[cfg(test)]
mod tests;
