//! Reinforcement learning with a verifiable reward, at toy size: a Tumbler of the training
//! chapter's toy shape with a 28-symbol character vocabulary ([`task`]) is first taught the
//! task's format by supervised fine-tuning, then improved by rounds of GRPO-style policy
//! gradient (Shao et al., 2024, "DeepSeekMath", §4.1):
//!
//! 1. sample a group of G attempts at each of P problems (seeded, temperature τ);
//! 2. grade each with a program: reward r_i ∈ [0, 1];
//! 3. group-relative advantages A_i = (r_i − mean(r)) / (std(r) + ε) within each group;
//! 4. one AdamW step on L = −(1/(P·G)) Σ_i A_i · (1/|o_i|) Σ_t log π(o_i,t | prompt, o_i,<t).
//!
//! One update per batch of samples keeps the policy on-policy, so GRPO's probability ratio is 1
//! and its clipping never acts; there is no KL penalty (as in Dr. GRPO and DAPO). Held-out
//! problems, never trained on, are answered greedily after each round: the true pass rate,
//! whatever the reward says.
//!
//! The task, the advantages and the records need no tensor library (the page reads them); the
//! run itself ([`RlRun`], the `learn` feature) reads no clock or file, so it runs natively
//! (`tumbler rl`) and in the engine worker alike.

#[cfg(feature = "learn")]
mod run;
pub mod task;

#[cfg(feature = "learn")]
pub use run::RlRun;

use crate::gpt::{ConfigError, TumblerConfig};
use task::{Reward, VOCAB, WORD_LEN};

/// ε in the advantage's denominator: a group whose rewards are all equal gets advantages of 0.
pub const ADVANTAGE_EPS: f32 = 1e-4;

/// How a run learns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RlOptions {
    /// Seed of the initial weights, the problems and the samples.
    pub seed: u64,
    /// What the policy is rewarded for.
    pub reward: Reward,
    /// Supervised steps on right answers before the first round.
    pub sft_steps: usize,
    /// Examples per supervised step.
    pub sft_batch: usize,
    /// AdamW's learning rate while fine-tuning.
    pub sft_lr: f64,
    /// Problems per round, P.
    pub problems: usize,
    /// Attempts per problem, G.
    pub group: usize,
    /// Sampling temperature τ of the attempts.
    pub temperature: f32,
    /// AdamW's learning rate for the policy-gradient steps.
    pub lr: f64,
    /// Held-out problems, answered greedily after every round.
    pub held_out: usize,
    /// Strings are drawn from the alphabet's first `letters` letters.
    pub letters: usize,
}

impl RlOptions {
    /// What the page runs: a short fine-tuning that teaches the format but not yet the task
    /// well (about a third of the held-out strings with seed 7), then rounds of 16 problems × 8
    /// attempts at a learning rate low enough not to wreck what fine-tuning taught.
    pub fn page(seed: u64, reward: Reward) -> Self {
        Self {
            seed,
            reward,
            sft_steps: 150,
            sft_batch: 16,
            sft_lr: 3e-3,
            problems: 16,
            group: 8,
            temperature: 1.0,
            lr: 1e-3,
            held_out: 100,
            letters: 26,
        }
    }

    /// Checks the sizes; the page's and the CLI's input go through here.
    pub fn validated(self) -> Result<Self, RlError> {
        let ok = (1..=MAX_SFT_STEPS).contains(&self.sft_steps)
            && (1..=64).contains(&self.sft_batch)
            && (1..=32).contains(&self.problems)
            && (2..=32).contains(&self.group)
            && (1..=500).contains(&self.held_out)
            && (6..=26).contains(&self.letters)
            && self.held_out * 2 <= self.letters.pow(WORD_LEN as u32)
            && self.temperature.is_finite()
            && self.temperature > 0.0
            && self.lr.is_finite()
            && self.lr > 0.0
            && self.sft_lr.is_finite()
            && self.sft_lr > 0.0;
        if ok { Ok(self) } else { Err(RlError::Options) }
    }
}

/// The most supervised steps a run takes.
pub const MAX_SFT_STEPS: usize = 2000;

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RlError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "options out of range: 1–{MAX_SFT_STEPS} fine-tuning steps of 1–64 examples, 1–32 \
         problems of 2–32 attempts, 1–500 held-out problems (at most half the strings), 6–26 \
         letters, positive temperature and rates"
    )]
    Options,
}

/// The policy: the training chapter's toy Tumbler over the task's vocabulary.
pub fn config() -> TumblerConfig {
    TumblerConfig::toy(VOCAB)
}

/// Group-relative advantages: each reward minus its group's mean, over the group's (population)
/// standard deviation plus [`ADVANTAGE_EPS`]. `rewards` holds consecutive groups of `group`.
pub fn advantages(rewards: &[f32], group: usize) -> Vec<f32> {
    assert!(group > 0 && rewards.len().is_multiple_of(group), "whole groups of {group}");
    rewards
        .chunks(group)
        .flat_map(|r| {
            let n = r.len() as f32;
            let mean = r.iter().sum::<f32>() / n;
            let std = (r.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n).sqrt();
            r.iter().map(move |x| (x - mean) / (std + ADVANTAGE_EPS))
        })
        .collect()
}

/// One graded attempt.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Graded {
    /// What it wrote, without the end mark.
    pub text: String,
    /// Whether it wrote the end mark.
    pub ended: bool,
    /// Whether the grader passes it (whatever the reward).
    pub passed: bool,
    /// Its reward under the run's choice.
    pub reward: f32,
    /// Its group-relative advantage.
    pub advantage: f32,
}

/// A problem's group of attempts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// The string to reverse.
    pub word: String,
    /// The G attempts, in sampling order.
    pub attempts: Vec<Graded>,
}

/// The held-out problems answered greedily.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeldOut {
    /// Problems passed.
    pub passed: usize,
    /// Problems asked.
    pub total: usize,
    /// The first few (string, greedy answer, passed).
    pub examples: Vec<(String, String, bool)>,
}

impl HeldOut {
    /// Passed over asked.
    pub fn pass_rate(&self) -> f32 {
        self.passed as f32 / self.total.max(1) as f32
    }
}

/// One round: the samples, their grades, the update and the held-out check after it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Round {
    /// 1 for the first round.
    pub round: usize,
    /// P groups of G graded attempts.
    pub groups: Vec<Group>,
    /// Mean reward of the attempts.
    pub mean_reward: f32,
    /// Share of the attempts the grader passes.
    pub sample_pass_rate: f32,
    /// The policy-gradient loss L before the update.
    pub loss: f32,
    /// The held-out problems after the update.
    pub held_out: HeldOut,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advantages_are_group_relative() {
        let a = advantages(&[1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5], 4);
        // Group 1: mean 0.25, std sqrt(3)/4 ≈ 0.433.
        let std = (3.0f32).sqrt() / 4.0;
        assert!((a[0] - 0.75 / (std + ADVANTAGE_EPS)).abs() < 1e-5, "{a:?}");
        assert!((a[1] + 0.25 / (std + ADVANTAGE_EPS)).abs() < 1e-5);
        assert!((a[..4].iter().sum::<f32>()).abs() < 1e-5, "zero mean in a group");
        assert_eq!(&a[4..], [0.0; 4], "all equal: nothing to learn");
    }
}
