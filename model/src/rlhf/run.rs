//! The `rlhf` chapter on the real model: the reward model's features from the chat model, and the
//! replies best-of-n picks from, sampled from the chat model, rewarded and checked. Reads no
//! clock or file: the CLI and the engine worker run it alike.

use burn::tensor::Tensor;

use super::{
    Candidate, PairFeatures, PreferencePair, RewardHead, SampleOptions, english_rate, sample_seed,
};
use crate::chat::{self, IM_END, Role};
use crate::dpo::{DpoError, PairIds};
use crate::generate::{DoneReason, GenerateError, GenerateOptions, Generation, Step, Vocab};
use crate::gpt::{ForwardOptions, Tumbler, ids_tensor};
use crate::tokenizer::Encoding;
use crate::vectors::WordVectors;

/// The chat model's final hidden state averaged over the reply's tokens, each read at its own
/// position after the prompt and the reply so far: φ(x, y), C numbers.
///
/// # Shapes
/// - output: (C)
pub fn features(chat: &Tumbler, prompt: &[u32], reply: &[u32]) -> Vec<f32> {
    let (p, r) = (prompt.len(), reply.len());
    assert!(p > 0 && r > 0, "a prompt and a reply to read");
    let ids: Vec<u32> = prompt.iter().chain(reply).copied().collect();
    let device = chat.embedding.weight.val().device();
    let out = chat.forward_with(ids_tensor(&ids, &device), ForwardOptions::default(), None);
    let [_, t, c] = out.hidden.dims();
    let reply: Tensor<2> = out.hidden.slice([0..1, p..t, 0..c]).reshape([r, c]); // (R, C)
    let mean = reply.mean_dim(0).reshape([c]); // (C)
    mean.into_data().try_to_vec::<f32>().expect("hidden states are f32")
}

/// Both replies of `pair` as features under `chat`, tokenized as fine-tuning saw them (the reply,
/// then `<|im_end|>`); the pair must fit the model's context.
pub fn pair_features(
    chat: &Tumbler,
    encoding: &Encoding,
    pair: &PreferencePair,
) -> Result<PairFeatures, DpoError> {
    let context = chat.config.context_length;
    let ids = PairIds::new(encoding, &pair.prompt, &pair.chosen, &pair.rejected, context)?;
    Ok((features(chat, &ids.prompt, &ids.chosen), features(chat, &ids.prompt, &ids.rejected)))
}

/// Samples and scores best-of-n's replies one at a time, so a driver can report each and stop
/// between any two.
pub struct Sampling<'a> {
    chat: &'a Tumbler,
    dictionary: &'a WordVectors,
    encoding: &'a Encoding,
    head: &'a RewardHead,
    prompts: Vec<Vec<u32>>,
    options: SampleOptions,
    im_end: u32,
    /// The next (prompt, reply) to draw.
    next: (usize, usize),
}

impl<'a> Sampling<'a> {
    /// Replies to each of `prompts` from `chat`, rewarded by `head` on `chat`'s features, their
    /// quality checked against `dictionary`.
    pub fn new(
        (chat, dictionary): (&'a Tumbler, &'a WordVectors),
        encoding: &'a Encoding,
        head: &'a RewardHead,
        prompts: &[&str],
        options: SampleOptions,
    ) -> Result<Self, DpoError> {
        let prompts = prompts
            .iter()
            .map(|text| chat::encode(encoding, &chat::pieces(&[(Role::User, text)], true)))
            .collect::<Result<Vec<_>, _>>()?;
        let im_end = chat::special_id(encoding, IM_END)?;
        Ok(Self { chat, dictionary, encoding, head, prompts, options, im_end, next: (0, 0) })
    }

    /// Whether every reply has been drawn.
    pub fn done(&self) -> bool {
        self.next.0 >= self.prompts.len()
    }

    /// Draws, rewards and grades the next reply: `(prompt index, reply index, candidate)`.
    pub fn next_candidate(&mut self) -> Option<Result<(usize, usize, Candidate), GenerateError>> {
        if self.done() {
            return None;
        }
        let (k, i) = self.next;
        self.next = if i + 1 < self.options.samples { (k, i + 1) } else { (k + 1, 0) };
        Some(self.candidate(k, i).map(|c| (k, i, c)))
    }

    fn candidate(&self, k: usize, i: usize) -> Result<Candidate, GenerateError> {
        let prompt = &self.prompts[k];
        let options = GenerateOptions {
            max_tokens: self.options.max_tokens,
            temperature: self.options.temperature,
            seed: sample_seed(self.options.seed, k, i),
            top_k: None,
            top_p: 1.0,
        };
        let stops = crate::generate::stop_tokens(self.encoding, true);
        let mut run = Generation::new(self.chat, prompt.clone(), &options, stops)?;
        while let Step::Token(_) = run.step(self.chat)? {}
        let text_ids = run.generated().to_vec();
        // The reply as the pairs are read: its closing <|im_end|> included when it has one.
        let mut reply = text_ids.clone();
        if run.done() == Some(DoneReason::EndOfTurn) {
            reply.push(self.im_end);
        }
        // Never empty: at least one token is drawn, or <|im_end|> closes the turn at once.
        let reward = self.head.reward(&features(self.chat, prompt, &reply));
        let text = self.encoding.decode_lossy(&text_ids);
        let quality = english_rate(&text, self.dictionary);
        Ok(Candidate { text, tokens: reply.len(), reward, quality })
    }
}

#[cfg(test)]
mod tests;
