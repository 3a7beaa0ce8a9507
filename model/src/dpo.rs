//! Direct Preference Optimization (Rafailov et al., 2023, "Direct Preference Optimization: Your
//! Language Model is Secretly a Reward Model", arXiv:2305.18290).
//!
//! For a prompt x with a chosen reply y_w and a rejected one y_l, the policy π_θ and a frozen
//! reference π_ref each give every reply a summed log-probability; the loss is
//!
//! ```text
//! margin = β · [(log π_θ(y_w|x) − log π_ref(y_w|x)) − (log π_θ(y_l|x) − log π_ref(y_l|x))]
//! loss   = −log σ(margin)
//! ```
//!
//! [`terms`] is that arithmetic on four numbers (no tensors: the page uses it too). With the
//! `learn` feature, [`score`] computes the log-probabilities with the real models and [`DpoRun`]
//! takes real DPO steps on a copy of the policy (AdamW on burn's autodiff backend), the
//! reference frozen.

use serde::{Deserialize, Serialize};

use crate::chat::{self, ChatError, IM_END, Piece, Role};
use crate::generate::Vocab;
use crate::tokenizer::Encoding;

/// The four summed log-probabilities (nats) the loss reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogProbs {
    /// log π_θ(y_w|x): the policy's log-probability of the chosen reply.
    pub policy_chosen: f64,
    /// log π_ref(y_w|x).
    pub ref_chosen: f64,
    /// log π_θ(y_l|x): the policy's log-probability of the rejected reply.
    pub policy_rejected: f64,
    /// log π_ref(y_l|x).
    pub ref_rejected: f64,
}

/// Every term of the DPO loss for one pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DpoTerms {
    /// The log-probabilities it was computed from.
    pub logps: LogProbs,
    /// β: how far the policy may move from the reference.
    pub beta: f64,
    /// log π_θ(y_w|x) − log π_ref(y_w|x).
    pub ratio_chosen: f64,
    /// log π_θ(y_l|x) − log π_ref(y_l|x).
    pub ratio_rejected: f64,
    /// β · ratio_chosen: the chosen reply's implicit reward.
    pub reward_chosen: f64,
    /// β · ratio_rejected.
    pub reward_rejected: f64,
    /// reward_chosen − reward_rejected.
    pub margin: f64,
    /// σ(margin): the implied probability that the chosen reply is preferred (Bradley–Terry).
    pub p_prefer: f64,
    /// −log σ(margin), in nats.
    pub loss: f64,
    /// β · σ(−margin): how strongly a gradient step pushes this pair (the loss's slope).
    pub weight: f64,
}

/// log σ(x), without overflow for large |x|.
fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 { -(-x).exp().ln_1p() } else { x - x.exp().ln_1p() }
}

/// The DPO loss and its terms for `logps` at `beta`.
pub fn terms(logps: LogProbs, beta: f64) -> DpoTerms {
    let ratio_chosen = logps.policy_chosen - logps.ref_chosen;
    let ratio_rejected = logps.policy_rejected - logps.ref_rejected;
    let reward_chosen = beta * ratio_chosen;
    let reward_rejected = beta * ratio_rejected;
    let margin = reward_chosen - reward_rejected;
    DpoTerms {
        logps,
        beta,
        ratio_chosen,
        ratio_rejected,
        reward_chosen,
        reward_rejected,
        margin,
        p_prefer: log_sigmoid(margin).exp(),
        loss: -log_sigmoid(margin),
        weight: beta * log_sigmoid(-margin).exp(),
    }
}

/// A prompt with its chosen and rejected replies, as token ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairIds {
    /// The user's turn and the opening of the assistant's, x.
    pub prompt: Vec<u32>,
    /// The chosen reply and its `<|im_end|>`, y_w.
    pub chosen: Vec<u32>,
    /// The rejected reply and its `<|im_end|>`, y_l.
    pub rejected: Vec<u32>,
}

/// A pair's tokens as text, for the page to label each log-probability with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairTokens {
    /// Tokens of the prompt in the template.
    pub prompt: Vec<String>,
    /// Tokens of the chosen reply, its `<|im_end|>` last.
    pub chosen: Vec<String>,
    /// Tokens of the rejected reply, its `<|im_end|>` last.
    pub rejected: Vec<String>,
}

impl PairTokens {
    /// `pair`'s tokens as `encoding` writes them.
    pub fn of(pair: &PairIds, encoding: &Encoding) -> Self {
        let text = |ids: &[u32]| ids.iter().map(|&id| encoding.text(id)).collect();
        Self {
            prompt: text(&pair.prompt),
            chosen: text(&pair.chosen),
            rejected: text(&pair.rejected),
        }
    }
}

/// Why a pair cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpoError {
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error(
        "the prompt and the {which} reply are {tokens} tokens; the model reads at most {context}"
    )]
    TooLong { which: &'static str, tokens: usize, context: usize },
    #[error("the chosen and the rejected reply are the same text")]
    Same,
}

impl PairIds {
    /// Tokenizes `prompt`, `chosen` and `rejected` in the chat template; each reply with the
    /// prompt must fit a context of `context` tokens.
    pub fn new(
        encoding: &Encoding,
        prompt: &str,
        chosen: &str,
        rejected: &str,
        context: usize,
    ) -> Result<Self, DpoError> {
        for (text, what) in
            [(prompt, "prompt"), (chosen, "chosen reply"), (rejected, "rejected reply")]
        {
            if text.trim().is_empty() {
                return Err(DpoError::Empty(what));
            }
        }
        if chosen == rejected {
            return Err(DpoError::Same);
        }
        let prompt = chat::encode(encoding, &chat::pieces(&[(Role::User, prompt)], true))?;
        let reply = |text| chat::encode(encoding, &[Piece::Text(text), Piece::Special(IM_END)]);
        let pair = Self { prompt, chosen: reply(chosen)?, rejected: reply(rejected)? };
        for (which, reply) in [("chosen", &pair.chosen), ("rejected", &pair.rejected)] {
            let tokens = pair.prompt.len() + reply.len();
            if tokens > context {
                return Err(DpoError::TooLong { which, tokens, context });
            }
        }
        Ok(pair)
    }
}

/// Both replies' per-token log-probabilities under one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyLogps {
    /// One per token of the chosen reply, nats.
    pub chosen: Vec<f32>,
    /// One per token of the rejected reply, nats.
    pub rejected: Vec<f32>,
}

impl ReplyLogps {
    /// The summed log-probabilities (chosen, rejected), added in f64.
    pub fn sums(&self) -> (f64, f64) {
        let sum = |xs: &[f32]| xs.iter().map(|&x| f64::from(x)).sum::<f64>();
        (sum(&self.chosen), sum(&self.rejected))
    }
}

/// A pair scored by the policy and the reference: every token's log-probability, and the loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpoScore {
    /// Under π_θ.
    pub policy: ReplyLogps,
    /// Under π_ref.
    pub reference: ReplyLogps,
    /// The loss's terms at the β asked for.
    pub terms: DpoTerms,
}

/// The hyper-parameters of a DPO run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DpoOptions {
    /// β of the loss.
    pub beta: f64,
    /// AdamW's learning rate, constant over the run.
    pub lr: f64,
}

impl DpoOptions {
    /// What the page starts with: β = 0.1 as in the paper's experiments, and a learning rate at
    /// which a handful of steps on one pair move the margin visibly.
    pub const PAGE: Self = Self { beta: 0.1, lr: 3e-5 };
}

#[cfg(feature = "learn")]
mod run;
#[cfg(feature = "learn")]
pub use run::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn logps(pc: f64, rc: f64, pr: f64, rr: f64) -> LogProbs {
        LogProbs { policy_chosen: pc, ref_chosen: rc, policy_rejected: pr, ref_rejected: rr }
    }

    #[test]
    fn the_loss_is_the_formula_on_known_numbers() {
        // Chosen 2 nats likelier than under the reference, rejected 1 nat less likely.
        let t = terms(logps(-10.0, -12.0, -14.0, -13.0), 0.1);
        assert!((t.ratio_chosen - 2.0).abs() < 1e-12);
        assert!((t.ratio_rejected + 1.0).abs() < 1e-12);
        assert!((t.margin - 0.3).abs() < 1e-12);
        let sigma = 1.0 / (1.0 + (-0.3f64).exp());
        assert!((t.p_prefer - sigma).abs() < 1e-12);
        assert!((t.loss + sigma.ln()).abs() < 1e-12);
        assert!((t.loss - 0.554_355_244_468_1).abs() < 1e-12, "{}", t.loss);
        assert!((t.weight - 0.1 * (1.0 - sigma)).abs() < 1e-12);
    }

    #[test]
    fn equal_models_give_ln_2_and_extremes_stay_finite() {
        let t = terms(logps(-7.0, -7.0, -9.0, -9.0), 0.5);
        assert_eq!(t.margin, 0.0);
        assert!((t.loss - std::f64::consts::LN_2).abs() < 1e-12);
        // A huge margin either way: no overflow, loss ≈ 0 or ≈ −margin.
        let good = terms(logps(0.0, -4000.0, 0.0, 0.0), 1.0);
        assert!(good.loss >= 0.0 && good.loss < 1e-300 && good.p_prefer == 1.0);
        let bad = terms(logps(-4000.0, 0.0, 0.0, 0.0), 1.0);
        assert!((bad.loss - 4000.0).abs() < 1e-9 && bad.weight == 1.0);
    }
}
