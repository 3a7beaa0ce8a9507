//! Autoregressive generation, written once: the loop of nanoGPT's `generate` and llama-burn's
//! `Llama::generate` — a forward pass over the tokens the model has not read yet (with the KV
//! cache, the prompt and then one token per step), a choice of the next token, its append — until
//! a length, a full context or a token that ends the text.
//!
//! The CLI (`tumbler sample`), the engine worker (generation, chat, the KV-cache comparison) and
//! the tiny model the training chapter trains all drive the one [`Generation`], so they stop at
//! the same tokens, fit a chat prompt to the same budget and draw through the same sampler. The
//! plain data it speaks — [`GenerateOptions`], [`DoneReason`], the [`TopToken`] candidates — needs
//! no tensor library: the page reads it too.

#[cfg(feature = "gpt")]
mod stepper;
#[cfg(all(test, feature = "gpt"))]
mod tests;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::chat::{self, ChatError, IM_END, Role};
use crate::sampling::SamplingConfig;
use crate::tokenizer::Encoding;

#[cfg(feature = "gpt")]
pub use stepper::{GenerateError, Generation, Step, Token};

/// The end-of-text token's text in the Tumbler's tokenizer: where a document, and so a base
/// model's continuation, ends.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// How many of the most likely tokens each step reports beside the one chosen.
pub const CANDIDATES: usize = 8;

/// How to pick each generated token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GenerateOptions {
    /// Tokens to generate at most (fewer if the context fills or the model ends the text).
    pub max_tokens: usize,
    /// Softmax temperature; 0 is greedy (always the most likely token).
    pub temperature: f32,
    /// Seed of the sampler: the same seed gives the same text.
    pub seed: u64,
    /// Keep only the k most likely tokens; `None` keeps all.
    #[serde(default)]
    pub top_k: Option<usize>,
    /// Keep the smallest set of most likely tokens whose probabilities reach this; 1 keeps all.
    #[serde(default = "keep_all")]
    pub top_p: f32,
}

fn keep_all() -> f32 {
    1.0
}

impl GenerateOptions {
    /// Greedy decoding of at most `max_tokens` tokens.
    pub fn greedy(max_tokens: usize) -> Self {
        Self { max_tokens, temperature: 0.0, seed: 0, top_k: None, top_p: 1.0 }
    }

    /// The sampler's part of the options.
    pub fn sampling(&self) -> SamplingConfig {
        SamplingConfig { temperature: self.temperature, top_k: self.top_k, top_p: self.top_p }
    }
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    /// It produced the number of tokens asked for.
    Length,
    /// The context window is full.
    Context,
    /// The model produced its end-of-text token.
    EndOfText,
    /// The model closed its turn in the chat template (`<|im_end|>`).
    EndOfTurn,
    /// Whoever drove it asked it to stop (the page's Stop button).
    Stopped,
}

/// The tokens that end a run in `encoding`, each with the reason it gives: end-of-text always,
/// and with `chat` the end of the assistant's turn too. Tokens the vocabulary lacks are left out.
pub fn stop_tokens(encoding: &Encoding, chat: bool) -> Vec<(u32, DoneReason)> {
    let mut stops = vec![(END_OF_TEXT, DoneReason::EndOfText)];
    if chat {
        stops.push((IM_END, DoneReason::EndOfTurn));
    }
    stops
        .into_iter()
        .filter_map(|(name, reason)| chat::special_id(encoding, name).ok().map(|id| (id, reason)))
        .collect()
}

/// The most tokens a chat prompt may take to leave room for `max_tokens` of reply in a context
/// of `context` — but never less than half the context, so a long reply cannot crowd out the
/// conversation it answers.
pub fn chat_prompt_budget(context: usize, max_tokens: usize) -> usize {
    context - max_tokens.min(context / 2)
}

/// The prompt for the assistant's reply to `turns` in the chat template, within
/// [`chat_prompt_budget`]: the oldest turns are left out until it fits.
pub fn chat_prompt(
    encoding: &Encoding,
    turns: &[(Role, &str)],
    context: usize,
    max_tokens: usize,
) -> Result<Vec<u32>, ChatError> {
    let budget = chat_prompt_budget(context, max_tokens);
    chat::prompt_ids(encoding, turns, budget).map(|(ids, _)| ids)
}

/// One candidate next token and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopToken {
    /// Token id.
    pub id: u32,
    /// The token as text (`<0xNN>` for bytes that are not UTF-8 on their own).
    pub text: String,
    /// Its probability.
    pub p: f32,
}

/// The ids of the `n` largest entries of `probs`, largest first (ties: smaller id first): what a
/// stable sort by decreasing value (`total_cmp`) would put first, found in one pass that keeps
/// the best `n` so far in order (a sort of the whole vocabulary cost ~0.2 ms a token in wasm).
pub fn top_ids(probs: &[f32], n: usize) -> Vec<u32> {
    let mut best: Vec<u32> = Vec::with_capacity(n + 1);
    if n == 0 {
        return best;
    }
    for (id, p) in probs.iter().enumerate() {
        let above = |&kept: &u32| probs[kept as usize].total_cmp(p).is_ge();
        if best.len() == n && best.last().is_some_and(above) {
            continue;
        }
        // After every kept id at least as large: a later id loses a tie.
        let at = best.partition_point(above);
        best.insert(at, id as u32);
        best.truncate(n);
    }
    best
}

/// The `n` most likely entries of `probs`, most likely first (ties: smaller id first), with the
/// token text `name` gives each id.
pub fn top_tokens(probs: &[f32], n: usize, name: impl Fn(u32) -> String) -> Vec<TopToken> {
    top_ids(probs, n)
        .into_iter()
        .map(|id| TopToken { id, text: name(id), p: probs[id as usize] })
        .collect()
}

/// What generation needs of a tokenizer: the bytes behind each id, and those bytes as text.
pub trait Vocab {
    /// The bytes `id` stands for; empty for an id with no text. A token may hold part of a UTF-8
    /// character.
    fn bytes(&self, id: u32) -> Cow<'_, [u8]>;

    /// `id` as display text: bytes that are not UTF-8 on their own are spelled `<0xNN>`.
    fn text(&self, id: u32) -> String {
        let bytes = self.bytes(id);
        match std::str::from_utf8(&bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|b| format!("<0x{b:02X}>")).collect(),
        }
    }

    /// The text of a run of ids, joined as bytes first (so characters split across tokens come
    /// out whole); invalid UTF-8 becomes U+FFFD.
    fn decode_lossy(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&id| self.bytes(id).into_owned()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Vocab for Encoding {
    fn bytes(&self, id: u32) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.token_bytes(id).unwrap_or_default())
    }
}
