//! Knowledge distillation (Hinton, Vinyals & Dean, 2015, "Distilling the Knowledge in a Neural
//! Network", arXiv:1503.02531) at toy size: two students of the same shape, from the same initial
//! weights, trained side by side on the same windows of real text.
//!
//! - the **hard** student learns the text's next tokens: cross-entropy with one-hot labels;
//! - the **soft** student learns the teacher's whole distribution at temperature T:
//!
//! ```text
//! L_soft = (1 − α) · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + α · CE(z_s, next token)
//! ```
//!
//! z_t the teacher's logits, z_s the student's; T² keeps the gradient's size as T changes (the
//! gradient of the KL term in z_s is (q − p) / T). α = 0, pure soft, by default.
//!
//! Every few steps both students are measured on held-out windows: cross-entropy against the real
//! next tokens, and KL(teacher ‖ student) at T = 1, how far each is from the teacher it imitates.
//!
//! The options and records need no tensor library (the page reads them); the run ([`DistillRun`],
//! the `learn` feature) reads no clock or file, so it runs natively (`tumbler distill`) and in the
//! engine worker alike.

use serde::{Deserialize, Serialize};

use crate::gpt::{ConfigError, TumblerConfig};

/// How a distillation run learns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillOptions {
    /// T: the temperature both distributions are softened by in the soft student's loss.
    pub temperature: f32,
    /// α: the weight of the hard loss in the soft student's loss (0: pure soft).
    pub alpha: f32,
    /// Optimisation steps; the learning rate's cosine reaches its floor at the last.
    pub steps: usize,
    /// Both students are measured on the held-out windows every this many steps (and at the end).
    pub eval_every: usize,
    /// Windows per step, B.
    pub batch_size: usize,
    /// Tokens per window (at most the students' context length).
    pub seq_len: usize,
    /// Windows of the text the students train on (the first ones).
    pub train_windows: usize,
    /// Windows of the text that follow them, never trained on.
    pub heldout_windows: usize,
    /// Peak learning rate, after warm-up.
    pub max_lr: f64,
    /// The cosine's floor.
    pub min_lr: f64,
    /// Steps of linear warm-up.
    pub warmup_steps: usize,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Seed of the students' (shared) initial weights and of the batches.
    pub seed: u64,
}

impl DistillOptions {
    /// What the page runs: 32 training windows of 32 tokens (1,024 tokens: little enough that the
    /// hard labels alone overfit), 16 held-out windows, batches of 8, the training chapter's
    /// learning rates.
    pub fn page(temperature: f32, steps: usize, seed: u64) -> Self {
        Self {
            temperature,
            alpha: 0.0,
            steps,
            eval_every: 10,
            batch_size: 8,
            seq_len: 32,
            train_windows: 32,
            heldout_windows: 16,
            max_lr: 1e-2,
            min_lr: 1e-3,
            warmup_steps: 10,
            weight_decay: 0.01,
            seed,
        }
    }

    /// Checks the settings a reader (or the CLI) can change.
    pub fn validated(self) -> Result<Self, DistillError> {
        let bad = |what: String| Err(DistillError::Options(what));
        if !(self.temperature.is_finite() && (0.5..=20.0).contains(&self.temperature)) {
            return bad(format!("T must be between 0.5 and 20, not {}", self.temperature));
        }
        if !(self.alpha.is_finite() && (0.0..=1.0).contains(&self.alpha)) {
            return bad(format!("α must be between 0 and 1, not {}", self.alpha));
        }
        if self.steps == 0 || self.eval_every == 0 || self.batch_size == 0 || self.seq_len == 0 {
            return bad("steps, eval_every, batch_size and seq_len must be at least 1".into());
        }
        if self.train_windows == 0 || self.heldout_windows == 0 {
            return bad("there must be training and held-out windows".into());
        }
        Ok(self)
    }

    /// Tokens of text a run needs: the training windows, then the held-out ones, each window
    /// T + 1 tokens overlapping the next by one.
    pub fn tokens_needed(&self) -> usize {
        (self.train_windows + self.heldout_windows) * self.seq_len + 1
    }
}

/// The students' shape: the training chapter's toy Tumbler over the teacher's vocabulary.
pub fn student_config(teacher: &TumblerConfig) -> TumblerConfig {
    TumblerConfig::toy(teacher.vocab_size)
}

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistillError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Options(String),
    #[error("the text is {0} tokens; the run needs at least {1}")]
    TooFewTokens(usize, usize),
    #[error("token {0} is outside the teacher's vocabulary of {1}")]
    OutOfVocabulary(u32, usize),
}

/// One student measured on the held-out windows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StudentEval {
    /// Cross-entropy against the text's next tokens, nats per token.
    pub loss: f32,
    /// KL(teacher ‖ student) at T = 1, nats per token.
    pub kl: f32,
}

/// Both students on the held-out windows after `step` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DistillEval {
    /// Steps taken when measured (0: the shared initial weights).
    pub step: usize,
    /// The student trained on hard labels.
    pub hard: StudentEval,
    /// The student trained on the teacher's soft distribution.
    pub soft: StudentEval,
}

/// One step of both students.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// The hard student's loss on the batch before its update: cross-entropy, nats per token.
    pub hard_loss: f32,
    /// The soft student's loss on the batch before its update: (1 − α)·T²·KL + α·CE, nats.
    pub soft_loss: f32,
    /// The held-out measurement after this step, every `eval_every` steps and at the last.
    pub eval: Option<DistillEval>,
}

/// What a run is, once the teacher has read its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillSetup {
    /// The options, as checked.
    pub options: DistillOptions,
    /// The students' shape.
    pub student: TumblerConfig,
    /// Parameters of one student.
    pub student_params: usize,
    /// Parameters of the teacher.
    pub teacher_params: usize,
    /// Tokens the students train on.
    pub train_tokens: usize,
    /// Held-out tokens they are measured on.
    pub heldout_tokens: usize,
    /// The teacher's own cross-entropy on the held-out tokens (same windows), nats per token.
    pub teacher_loss: f32,
    /// Both students before training (the same weights, so the same numbers).
    pub initial: DistillEval,
}

#[cfg(feature = "learn")]
mod run;
#[cfg(feature = "learn")]
pub use run::{DistillRun, soft_loss};
