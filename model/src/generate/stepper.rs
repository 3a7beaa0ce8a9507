//! [`Generation`]: one run of decoding, stepped by its driver so each driver keeps its own clock,
//! its own way of reading tensors back (blocking natively, awaited in the browser) and its own
//! way of being stopped.

use burn::tensor::Tensor;

use super::{CANDIDATES, DoneReason, GenerateOptions, TopToken, Vocab, top_ids};
use crate::decode::{CpuDecoder, DecodeError};
use crate::gpt::model::{read_f32, read_f32_async};
use crate::gpt::{ForwardOptions, KvCache, ReadbackError, Tumbler, ids_tensor};
use crate::sampling::{Sampler, SamplingError, softmax_with_temperature};

/// Why a generation cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// There is nothing to continue.
    #[error("there is no prompt to continue")]
    EmptyPrompt,
    /// The prompt leaves no room for a single generated token.
    #[error("the prompt is {tokens} tokens; the context holds {context}")]
    PromptFillsContext {
        /// Tokens of the prompt.
        tokens: usize,
        /// The model's context length.
        context: usize,
    },
    /// The sampling settings are out of range, or the logits are not numbers.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    /// The logits could not be read back from the device (on WebGPU: the GPU was lost).
    #[error(transparent)]
    Readback(#[from] ReadbackError),
    /// The fused path refused the tokens.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// One generated token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// 0 for the first generated token.
    pub step: usize,
    /// The token's id.
    pub id: u32,
    /// Its probability at the run's temperature (at 1 when greedy), before top-k and top-p: the
    /// number shown beside it.
    pub p: f32,
    /// The [`CANDIDATES`] most likely tokens of that same distribution, most likely first, with
    /// their probabilities.
    pub top: Vec<(u32, f32)>,
    /// Tokens the step's forward pass read: with the cache the prompt, then 1 each step; without
    /// it the whole text so far.
    pub read: usize,
}

impl Token {
    /// The token as a candidate: its id, text and probability.
    pub fn named(&self, vocab: &impl Vocab) -> TopToken {
        TopToken { id: self.id, text: vocab.text(self.id), p: self.p }
    }

    /// The most likely candidates, named.
    pub fn top_named(&self, vocab: &impl Vocab) -> Vec<TopToken> {
        self.top.iter().map(|&(id, p)| TopToken { id, text: vocab.text(id), p }).collect()
    }
}

/// What one step produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A new token, now part of the text.
    Token(Token),
    /// The run is over; the chosen token, if it was a stop token, is not part of the text.
    Done(DoneReason),
}

/// One run of autoregressive decoding after a prompt: the tokens so far, the KV cache, the
/// sampler and the limits.
///
/// A step is a forward pass ([`Generation::forward`]), a choice of the next token from the logits
/// read back to the host ([`Generation::choose`]; a token already chosen on the device goes to
/// [`Generation::accept`] instead) and its append. [`Generation::step`] and
/// [`Generation::step_async`] do all three, reading the logits back blocking or awaited.
#[derive(Debug)]
pub struct Generation {
    /// The prompt, then every generated token.
    ids: Vec<u32>,
    prompt_len: usize,
    /// `None` decodes without a cache, reading the whole text every step.
    cache: Option<KvCache>,
    sampler: Sampler,
    /// The temperature of the reported probabilities: the run's, or 1 when greedy.
    shown_temperature: f32,
    /// Tokens that end the run when chosen, with the reason each gives.
    stops: Vec<(u32, DoneReason)>,
    max_tokens: usize,
    context: usize,
    /// Why the run ended, when a stop token or its driver ended it.
    ended: Option<DoneReason>,
    /// Tokens the last forward pass read.
    read: usize,
}

impl Generation {
    /// A run of `model` after `prompt` with the KV cache, ended by `options.max_tokens`, a full
    /// context, or a token of `stops` (see [`super::stop_tokens`]).
    pub fn new(
        model: &Tumbler,
        prompt: Vec<u32>,
        options: &GenerateOptions,
        stops: Vec<(u32, DoneReason)>,
    ) -> Result<Self, GenerateError> {
        let context = model.config.context_length;
        if prompt.is_empty() {
            return Err(GenerateError::EmptyPrompt);
        }
        if prompt.len() >= context {
            return Err(GenerateError::PromptFillsContext { tokens: prompt.len(), context });
        }
        let temperature = options.temperature;
        Ok(Self {
            prompt_len: prompt.len(),
            ids: prompt,
            cache: Some(model.new_cache()),
            sampler: Sampler::new(options.sampling(), options.seed)?,
            shown_temperature: if temperature > 0.0 { temperature } else { 1.0 },
            stops,
            max_tokens: options.max_tokens,
            context,
            ended: None,
            read: 0,
        })
    }

    /// The same run without the KV cache: every step reads the whole text again (the slow way
    /// the KV-cache chapter compares against).
    pub fn without_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// The prompt's ids.
    pub fn prompt(&self) -> &[u32] {
        &self.ids[..self.prompt_len]
    }

    /// The ids generated so far.
    pub fn generated(&self) -> &[u32] {
        &self.ids[self.prompt_len..]
    }

    /// The text generated so far.
    pub fn text(&self, vocab: &impl Vocab) -> String {
        vocab.decode_lossy(self.generated())
    }

    /// The KV cache, when the run uses one.
    pub fn cache(&self) -> Option<&KvCache> {
        self.cache.as_ref()
    }

    /// Why the run is over, or `None` while it goes on. A stop token (or [`Generation::stop`])
    /// ends it first; then the length asked for; then a full context.
    pub fn done(&self) -> Option<DoneReason> {
        if self.ended.is_some() {
            self.ended
        } else if self.generated().len() >= self.max_tokens {
            Some(DoneReason::Length)
        } else if self.ids.len() >= self.context {
            Some(DoneReason::Context)
        } else {
            None
        }
    }

    /// Ends the run as [`DoneReason::Stopped`], unless it is over already.
    pub fn stop(&mut self) {
        if self.done().is_none() {
            self.ended = Some(DoneReason::Stopped);
        }
    }

    /// Empties the cache, so the next step reads every token again: how a run goes on with the
    /// model rebuilt on another device (the worker's fall-back from a lost GPU).
    pub fn restart(&mut self) {
        if let Some(cache) = &mut self.cache {
            cache.clear();
        }
    }

    /// The forward pass of the next step over the tokens `model` has not read yet (all of them
    /// without the cache, which it extends): the next-token logits, on the device. Call it only
    /// while [`Generation::done`] is `None`.
    ///
    /// # Shapes
    /// - output: (1, V)
    pub fn forward(&mut self, model: &Tumbler) -> Tensor<2> {
        let start = self.cache.as_ref().map_or(0, KvCache::len);
        let input = &self.ids[start..]; // (T)
        self.read = input.len();
        let device = model.embedding.weight.val().device();
        let ids = ids_tensor(input, &device); // (1, T)
        let logits = model.forward_with(ids, ForwardOptions::default(), self.cache.as_mut()).logits;
        let [_, t, v] = logits.dims(); // (1, T, V)
        logits.slice([0..1, t - 1..t, 0..v]).reshape([1, v]) // (1, V)
    }

    /// Chooses the next token from the logits of [`Generation::forward`], read back (V), with the
    /// run's sampler, and records it.
    pub fn choose(&mut self, logits: &[f32]) -> Result<Step, SamplingError> {
        let id = self.sampler.sample(logits)?;
        let probs = softmax_with_temperature(logits, self.shown_temperature); // (V)
        let top = top_ids(&probs, CANDIDATES).into_iter().map(|i| (i, probs[i as usize])).collect();
        Ok(self.accept(id, probs[id as usize], top))
    }

    /// Records `id` as the next token, chosen elsewhere (on the device), with its probability `p`
    /// and the most likely candidates `top` as [`Token`] reports them. A stop token ends the run
    /// instead of joining the text.
    pub fn accept(&mut self, id: u32, p: f32, top: Vec<(u32, f32)>) -> Step {
        if let Some(reason) = self.done() {
            return Step::Done(reason);
        }
        if let Some(&(_, reason)) = self.stops.iter().find(|(stop, _)| *stop == id) {
            self.ended = Some(reason);
            return Step::Done(reason);
        }
        let step = self.generated().len();
        self.ids.push(id);
        Step::Token(Token { step, id, p, top, read: self.read })
    }

    /// One whole step, reading the logits back blocking: natively, or on a CPU device (WebGPU in
    /// the browser reads back with [`Generation::step_async`]).
    pub fn step(&mut self, model: &Tumbler) -> Result<Step, GenerateError> {
        if let Some(reason) = self.done() {
            return Ok(Step::Done(reason));
        }
        let logits = read_f32(self.forward(model))?;
        Ok(self.choose(&logits)?)
    }

    /// One whole step on the fused CPU path: `decoder` reads the tokens of the text it has not
    /// cached (with the cache one per step, without it the whole text again), and the next token
    /// is chosen from its logits. The same tokens as [`Generation::step`] within float rounding.
    pub fn step_fused(&mut self, decoder: &mut CpuDecoder) -> Result<Step, GenerateError> {
        if let Some(reason) = self.done() {
            return Ok(Step::Done(reason));
        }
        if self.cache.is_none() {
            decoder.truncate(0);
        }
        let (logits, read) = decoder.next_logits(&self.ids)?;
        self.read = read;
        Ok(self.choose(logits)?)
    }

    /// One whole step on the GPU: `gpu` reads the tokens its cache lacks and chooses the next
    /// token itself with this run's sampler settings and draws (the same token as
    /// [`Generation::step`] within float rounding); only the choice and its candidates are read
    /// back. A device failure is a [`GenerateError::Readback`].
    #[cfg(feature = "gpu")]
    pub async fn step_gpu(
        &mut self,
        gpu: &mut crate::decode::GpuText,
    ) -> Result<Step, GenerateError> {
        use crate::decode::GpuError;
        if let Some(reason) = self.done() {
            return Ok(Step::Done(reason));
        }
        if self.cache.is_none() {
            gpu.forget();
        }
        let start = gpu.resume(&self.ids);
        self.read = self.ids.len() - start;
        let (config, rng) = self.sampler.parts();
        match gpu.decoder.step(&self.ids[start..], config, rng).await {
            Ok(chosen) => Ok(self.accept(chosen.id, chosen.p, chosen.top)),
            Err(e) => {
                gpu.forget();
                Err(match e {
                    GpuError::Decode(e) => e.into(),
                    GpuError::Sampling(e) => e.into(),
                    other => ReadbackError(other.to_string()).into(),
                })
            }
        }
    }

    /// One whole step, awaiting the logits' readback.
    pub async fn step_async(&mut self, model: &Tumbler) -> Result<Step, GenerateError> {
        if let Some(reason) = self.done() {
            return Ok(Step::Done(reason));
        }
        let logits = read_f32_async(self.forward(model)).await?;
        Ok(self.choose(&logits)?)
    }
}
