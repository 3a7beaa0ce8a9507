//! DPO on the real models: the replies' per-token log-probabilities under the policy and the
//! reference ([`score`]), and a few DPO steps on a copy of the policy ([`DpoRun`]).
//!
//! The replies are scored as supervised fine-tuning trained the chat model on them: the prompt is
//! the user's turn and the opening of the assistant's in the chat template, and a reply is its
//! text followed by `<|im_end|>` (the model's decision to stop is part of the reply).

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::activation::{log_sigmoid, log_softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{DpoOptions, DpoScore, DpoTerms, LogProbs, PairIds, ReplyLogps, terms};
use crate::generate::{GenerateOptions, Generation, Step};
use crate::gpt::Tumbler;
use crate::learn::{AdamW, adamw};
use crate::tokenizer::Encoding;

/// The log-probability of each token of `reply` after `prompt` under `model`: one forward pass
/// over prompt + reply (less its last token), log-softmax, the reply's ids picked.
///
/// # Shapes
/// - output: (R), R = `reply.len()`
pub fn reply_token_logps(
    model: &Tumbler,
    prompt: &[u32],
    reply: &[u32],
    device: &Device,
) -> Tensor<1> {
    let (p, r) = (prompt.len(), reply.len());
    assert!(p > 0 && r > 0, "a prompt and a reply to score");
    let input: Vec<i64> = prompt.iter().chain(&reply[..r - 1]).map(|&i| i64::from(i)).collect();
    let t = input.len();
    let ids: Tensor<2, Int> = Tensor::from_data(TensorData::new(input, [1, t]), device); // (1, T)
    let logits = model.forward(ids); // (1, T, V)
    let v = logits.dims()[2];
    // Position p − 1 + i predicts reply token i.
    let logits = logits.slice([0..1, p - 1..t, 0..v]).reshape([r, v]); // (R, V)
    let targets: Vec<i64> = reply.iter().map(|&i| i64::from(i)).collect();
    let targets: Tensor<2, Int> = Tensor::from_data(TensorData::new(targets, [r, 1]), device); // (R, 1)
    log_softmax(logits, 1).gather(1, targets).reshape([r]) // (R)
}

fn read(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("log-probabilities are f32")
}

impl ReplyLogps {
    /// Scores both replies of `pair` under `model` (on a device without autodiff).
    pub fn of(model: &Tumbler, pair: &PairIds) -> Self {
        let device = model.embedding.weight.val().device();
        Self {
            chosen: read(reply_token_logps(model, &pair.prompt, &pair.chosen, &device)),
            rejected: read(reply_token_logps(model, &pair.prompt, &pair.rejected, &device)),
        }
    }
}

/// Scores `pair` under `policy` and `reference` at `beta`.
pub fn score(policy: &Tumbler, reference: &Tumbler, pair: &PairIds, beta: f64) -> DpoScore {
    let policy = ReplyLogps::of(policy, pair);
    let reference = ReplyLogps::of(reference, pair);
    let terms = terms(log_probs(&policy, &reference), beta);
    DpoScore { policy, reference, terms }
}

fn log_probs(policy: &ReplyLogps, reference: &ReplyLogps) -> LogProbs {
    let (policy_chosen, policy_rejected) = policy.sums();
    let (ref_chosen, ref_rejected) = reference.sums();
    LogProbs { policy_chosen, ref_chosen, policy_rejected, ref_rejected }
}

/// A copy of the policy being trained with DPO on one pair against a frozen reference.
pub struct DpoRun {
    /// The copy, on the autodiff device; `None` only while a step moves it through the optimizer.
    policy: Option<Tumbler>,
    optim: AdamW,
    pair: PairIds,
    /// The reference's per-token log-probabilities: constants, computed once.
    reference: ReplyLogps,
    options: DpoOptions,
    device: Device,
    steps: usize,
}

impl DpoRun {
    /// A trainable copy of `policy` (its weights are not touched), with `reference` scored once.
    pub fn new(policy: &Tumbler, reference: &Tumbler, pair: PairIds, options: DpoOptions) -> Self {
        let device = Device::flex().autodiff();
        let copy = policy.clone().fork(&device).train();
        let reference = ReplyLogps::of(reference, &pair);
        // No weight decay: the only pull is the loss's, against the reference's numbers.
        Self {
            policy: Some(copy),
            optim: adamw(0.0, 1.0),
            pair,
            reference,
            options,
            device,
            steps: 0,
        }
    }

    fn policy(&self) -> &Tumbler {
        self.policy.as_ref().expect("the copy is back after every step")
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The pair's ids.
    pub fn pair(&self) -> &PairIds {
        &self.pair
    }

    /// The pair scored by the copy as it is now.
    pub fn score(&self) -> DpoScore {
        let policy = ReplyLogps::of(&self.policy().valid(), &self.pair);
        let terms = terms(log_probs(&policy, &self.reference), self.options.beta);
        DpoScore { policy, reference: self.reference.clone(), terms }
    }

    /// One DPO step: the loss of the copy as it is, backpropagation, and an AdamW update of the
    /// copy. Returns the loss's terms for the copy after the update (one more forward pass), so
    /// step k's numbers are those of the copy after k steps.
    pub fn step(&mut self) -> DpoTerms {
        let policy = self.policy.take().expect("the copy is back after every step");
        let pair = &self.pair;
        let chosen = reply_token_logps(&policy, &pair.prompt, &pair.chosen, &self.device).sum(); // (1)
        let rejected = reply_token_logps(&policy, &pair.prompt, &pair.rejected, &self.device).sum(); // (1)
        let (ref_chosen, ref_rejected) = self.reference.sums();
        // β · [(log π_θ(y_w) − log π_ref(y_w)) − (log π_θ(y_l) − log π_ref(y_l))]
        let margin =
            (chosen - rejected).sub_scalar(ref_chosen - ref_rejected).mul_scalar(self.options.beta); // (1)
        let loss = log_sigmoid(margin).neg(); // (1)
        let grads = GradientsParams::from_grads(loss.backward(), &policy);
        self.policy = Some(self.optim.step(self.options.lr, policy, grads));
        self.steps += 1;
        self.score().terms
    }

    /// The copy's greedy reply to the prompt, at most `max_tokens` tokens, ending at `<|im_end|>`.
    pub fn greedy(&self, encoding: &Encoding, max_tokens: usize) -> Vec<u32> {
        greedy_reply(&self.policy().valid(), encoding, &self.pair.prompt, max_tokens)
    }
}

/// `model`'s greedy reply after the chat prompt `prompt`: at most `max_tokens` tokens, ending at
/// `<|im_end|>` or end-of-text (the stop token is not part of the reply).
pub fn greedy_reply(
    model: &Tumbler,
    encoding: &Encoding,
    prompt: &[u32],
    max_tokens: usize,
) -> Vec<u32> {
    let stops = crate::generate::stop_tokens(encoding, true);
    let Ok(mut run) =
        Generation::new(model, prompt.to_vec(), &GenerateOptions::greedy(max_tokens), stops)
    else {
        return Vec::new();
    };
    while let Step::Token(_) = run.step(model).expect("the CPU backend reads logits back") {}
    run.generated().to_vec()
}

#[cfg(test)]
mod tests;
