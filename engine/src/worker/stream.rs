//! The streams: generation (by the base model, or a chat model's reply to a conversation in the
//! chat template), the KV-cache comparison and the forward-pass timings, one step per turn of the
//! event loop.

use std::rc::Rc;

use tumbler_engine::{
    ChatMessage, DecodeSpeed, DoneReason, ForwardTime, FusedCheck, GenerateOptions, GeneratedToken,
    GpuCheck, KvStep, MAX_KV_TOKENS, MAX_LENGTHS, MAX_REPEATS, MAX_TEXT_BYTES, Model, Reply, Role,
    Step as StepReply, head,
};
use tumbler_model::decode::check::check_fused;
#[cfg(feature = "webgpu")]
use tumbler_model::decode::check::{MAX_CHECK_TOKENS, check_gpu};
use tumbler_model::generate::{GenerateError, Generation, Step, chat_prompt, stop_tokens};

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

fn step(id: u32, step: impl Into<StepReply>) {
    post(&Reply::Step { id, step: step.into() });
}

impl Worker {
    /// `model`'s reply to `messages` in the chat template, streamed token by token; it ends at
    /// the model's `<|im_end|>` (or end-of-text), the length limit, or a stop.
    pub async fn chat(
        &self,
        id: u32,
        base: &Rc<Loaded>,
        model: Model,
        messages: &[ChatMessage],
        options: &GenerateOptions,
    ) -> Result<DoneReason, Failure> {
        if messages.is_empty() {
            return Err("there is no message to answer".into());
        }
        let l = match model {
            Model::Base => base.clone(),
            Model::Chat => self.chat.model(base, &self.gpu).await?,
        };
        let turns: Vec<(Role, &str)> =
            messages.iter().map(|m| (m.role, head(&m.text, MAX_TEXT_BYTES))).collect();
        let context = l.model.config.context_length;
        let ids = chat_prompt(&l.encoding, &turns, context, options.max_tokens)
            .map_err(|e| e.to_string())?;
        let stops = stop_tokens(&l.encoding, true);
        self.generate_ids(id, l, ids, stops, options).await
    }

    /// The base model's continuation of `prompt`.
    pub async fn generate(
        &self,
        id: u32,
        l: Rc<Loaded>,
        prompt: &str,
        options: &GenerateOptions,
    ) -> Result<DoneReason, Failure> {
        let ids = l.encoding.encode(prompt);
        if ids.is_empty() {
            return Err("there is no prompt to continue".into());
        }
        let stops = stop_tokens(&l.encoding, false);
        self.generate_ids(id, l, ids, stops, options).await
    }

    /// Generates after the token ids `ids`, one step each, until a token of `stops` (which ends
    /// the run with its reason), `options.max_tokens`, a full context or a stop. When the base
    /// model's GPU is lost on a step, the run goes on from the same tokens on the CPU.
    pub async fn generate_ids(
        &self,
        id: u32,
        mut l: Rc<Loaded>,
        ids: Vec<u32>,
        stops: Vec<(u32, DoneReason)>,
        options: &GenerateOptions,
    ) -> Result<DoneReason, Failure> {
        let base = self.loaded.borrow().as_ref().is_some_and(|b| Rc::ptr_eq(b, &l));
        let mut run = Generation::new(&l.model, ids, options, stops).map_err(|e| e.to_string())?;
        loop {
            if self.stopped(id) {
                run.stop();
            }
            let started = now();
            let next = loop {
                match step_on(&l, &mut run).await {
                    Err(GenerateError::Readback(e)) if base => {
                        let e = e.to_string();
                        let Some(cpu) = self.fallback(&l, &e) else {
                            return Err(Failure::Device(e));
                        };
                        l = cpu;
                        run.restart();
                    }
                    other => break other?,
                }
            };
            let token = match next {
                Step::Token(token) => token,
                Step::Done(reason) => return Ok(reason),
            };
            let generated = GeneratedToken {
                step: token.step,
                token: token.named(&*l.encoding),
                top: token.top_named(&*l.encoding),
                generated: run.text(&*l.encoding),
                millis: now() - started,
            };
            step(id, generated);
            yield_now().await;
        }
    }

    /// Greedy generation with the cache, then without it, one [`KvStep`] per step.
    pub async fn kv_compare(
        &self,
        id: u32,
        l: &Loaded,
        prompt: &str,
        max_tokens: usize,
    ) -> Result<DoneReason, Failure> {
        let prompt_ids = l.encoding.encode(prompt);
        if prompt_ids.is_empty() {
            return Err("there is no text to continue".into());
        }
        let options = GenerateOptions::greedy(max_tokens.min(MAX_KV_TOKENS));
        let mut reason = DoneReason::Length;
        for cached in [true, false] {
            // Each run starts from an empty cache, so the first step reads the whole prompt.
            l.fused.borrow_mut().truncate(0);
            let stops = stop_tokens(&l.encoding, false);
            let run = Generation::new(&l.model, prompt_ids.clone(), &options, stops)
                .map_err(|e| e.to_string())?;
            let mut run = if cached { run } else { run.without_cache() };
            reason = loop {
                if self.stopped(id) {
                    run.stop();
                }
                let started = now();
                // On the fused CPU path, whose cache this chapter's numbers describe.
                let token = match run.step_fused(&mut l.fused.borrow_mut())? {
                    Step::Token(token) => token,
                    Step::Done(reason) => break reason,
                };
                let cache_bytes = if cached { l.fused.borrow().cache_bytes() } else { 0 };
                let kv = KvStep {
                    cached,
                    step: token.step,
                    token: token.named(&*l.encoding),
                    processed: token.read,
                    cache_bytes: cache_bytes as u64,
                    millis: now() - started,
                };
                step(id, kv);
                yield_now().await;
            };
            if reason == DoneReason::Stopped {
                break;
            }
        }
        Ok(reason)
    }

    /// Times the forward pass at each length, one [`ForwardTime`] per length.
    pub async fn forward_times(
        &self,
        id: u32,
        l: &Loaded,
        lengths: &[usize],
        repeats: usize,
    ) -> Result<DoneReason, Failure> {
        let context = l.model.config.context_length;
        if let Some(&n) = lengths.iter().find(|&&n| n == 0 || n > context) {
            return Err(format!("a length of {n} tokens is outside 1…{context}").into());
        }
        if lengths.len() > MAX_LENGTHS || !(1..=MAX_REPEATS).contains(&repeats) {
            return Err(format!(
                "ask for at most {MAX_LENGTHS} lengths and 1 to {MAX_REPEATS} repeats"
            )
            .into());
        }
        let vocab = l.encoding.vocab_size() as u32;
        // A fixed, arbitrary token stream: the time does not depend on which ids they are.
        let ids: Vec<u32> = (0..context as u32).map(|i| (i * 7919 + 13) % vocab).collect();
        for &n in lengths {
            last_logits(l, &ids[..n])?;
            let mut millis = Vec::with_capacity(repeats);
            for _ in 0..repeats {
                let started = now();
                last_logits(l, &ids[..n])?;
                millis.push(now() - started);
                yield_now().await;
                if self.stopped(id) {
                    return Ok(DoneReason::Stopped);
                }
            }
            step(id, ForwardTime { length: n, millis });
        }
        Ok(DoneReason::Length)
    }
}

/// Times `tokens` (1 to [`MAX_SPEED_TOKENS`]) decoded tokens after a prompt of
/// [`SPEED_PROMPT`] tokens, each step's choice included, after as many untimed ones (the browser
/// compiles hot wasm again after its first runs): on the GPU decoder where `l` decodes on WebGPU,
/// else on the fused CPU path (the page's measurement of which backend is faster).
pub async fn decode_speed(l: &Loaded, tokens: usize) -> Result<DecodeSpeed, Failure> {
    if !(1..=MAX_SPEED_TOKENS).contains(&tokens) {
        return Err(format!("time 1 to {MAX_SPEED_TOKENS} tokens").into());
    }
    let vocab = l.encoding.vocab_size() as u32;
    // A fixed, arbitrary token stream: the time does not depend on which ids they are.
    let prompt: Vec<u32> = (0..SPEED_PROMPT as u32).map(|i| (i * 7919 + 13) % vocab).collect();
    let options = GenerateOptions::greedy(2 * tokens);
    let mut run = Generation::new(&l.model, prompt, &options, vec![]).map_err(|e| e.to_string())?;
    let mut millis = Vec::with_capacity(2 * tokens);
    loop {
        let started = now();
        let step = step_on(l, &mut run).await?;
        millis.push(now() - started);
        if matches!(step, Step::Done(_)) {
            break;
        }
    }
    // The first step reads the prompt; the first half warms up.
    let mut timed = millis.split_off(millis.len().saturating_sub(tokens + 1));
    timed.pop(); // the step that only said the run was over
    timed.sort_by(f64::total_cmp);
    let ms_per_token = timed.get(timed.len() / 2).copied().unwrap_or(f64::NAN);
    Ok(DecodeSpeed { ms_per_token, tokens: timed.len(), position: SPEED_PROMPT + tokens })
}

/// The GPU decoder against the CPU path on `text` (see [`GpuCheck`]).
#[cfg(feature = "webgpu")]
pub async fn gpu_check(l: &Loaded, text: &str, tokens: usize) -> Result<GpuCheck, Failure> {
    let ids = l.encoding.encode(head(text, MAX_TEXT_BYTES));
    let context = l.model.config.context_length;
    if ids.is_empty() || ids.len() + MAX_CHECK_TOKENS > context {
        return Err(format!("check a text of 1 to {} tokens", context - MAX_CHECK_TOKENS).into());
    }
    let Some(mut gpu) = l.gpu.borrow_mut().take() else {
        return Err(
            "the model does not decode on WebGPU here (or another question holds the GPU)".into()
        );
    };
    let weights = l.fused.borrow().weights().clone();
    let result = check_gpu(&mut gpu, &l.model, &weights, &ids, tokens).await;
    *l.gpu.borrow_mut() = Some(gpu);
    result.map_err(|e| Failure::Device(e.to_string()))
}

/// This build decodes on the CPU only.
#[cfg(not(feature = "webgpu"))]
pub async fn gpu_check(_: &Loaded, _: &str, _: usize) -> Result<GpuCheck, Failure> {
    Err("this build of the engine has no WebGPU decoder".into())
}

/// The most tokens a [`fused_check`] reads one at a time: each costs burn a full forward pass.
pub const MAX_FUSED_CHECK_STEPS: usize = 16;

/// The fused CPU path against burn's forward pass on `text` (see [`FusedCheck`]).
pub fn fused_check(l: &Loaded, text: &str, steps: usize) -> Result<FusedCheck, Failure> {
    let ids = l.encoding.encode(head(text, MAX_TEXT_BYTES));
    let context = l.model.config.context_length;
    let steps = steps.min(MAX_FUSED_CHECK_STEPS);
    if ids.len() <= steps || ids.len() > context {
        return Err(format!("check a text of {} to {context} tokens", steps + 1).into());
    }
    let weights = l.fused.borrow().weights().clone();
    check_fused(&l.model, &weights, &ids, ids.len() - steps).map_err(|e| e.to_string().into())
}

/// The prompt [`decode_speed`] times after.
const SPEED_PROMPT: usize = 10;
/// The most tokens [`decode_speed`] times.
pub const MAX_SPEED_TOKENS: usize = 64;

/// One step of `run` on `l`: on WebGPU the GPU decoder, else (or while another stream's step holds
/// the GPU decoder) the fused CPU path.
async fn step_on(l: &Loaded, run: &mut Generation) -> Result<Step, GenerateError> {
    #[cfg(feature = "webgpu")]
    {
        // Out of its slot while the step awaits the GPU; put back whatever the step did.
        let taken = l.gpu.borrow_mut().take();
        if let Some(mut gpu) = taken {
            let step = run.step_gpu(&mut gpu).await;
            *l.gpu.borrow_mut() = Some(gpu);
            return step;
        }
    }
    run.step_fused(&mut l.fused.borrow_mut())
}

/// Runs `ids` through the fused CPU path without a cache and returns the last position's logits
/// (what one step of generation without a cache costs).
fn last_logits(l: &Loaded, ids: &[u32]) -> Result<Vec<f32>, Failure> {
    let mut fused = l.fused.borrow_mut();
    fused.truncate(0);
    Ok(fused.forward(ids).map_err(|e| e.to_string())?.to_vec())
}
