//! The fast paths checked against their references on one text, where they run (natively, and in
//! the browser's wasm and WebGPU):
//! - the fused CPU path against burn's forward pass ([`check_fused`], the engine's `FusedCheck`
//!   question): the wasm build runs its own SIMD128 loops, which only a check in the browser
//!   reaches;
//! - the GPU decoder against the fused CPU path ([`check_gpu`], `GpuCheck`), with what it asked
//!   of the GPU per token, which the browser tests and the benchmark read.

use serde::{Deserialize, Serialize};

#[cfg(feature = "gpt")]
use super::{CpuDecoder, DecodeError, DecodeWeights};
#[cfg(feature = "gpu")]
use super::{GpuCounters, GpuError, GpuText};
#[cfg(feature = "gpu")]
use crate::generate::{GenerateOptions, Generation, Step};
#[cfg(feature = "gpt")]
use crate::gpt::Tumbler;

/// The most tokens a check decodes.
pub const MAX_CHECK_TOKENS: usize = 32;

/// The fused CPU path against burn's forward pass: the prompt read in one batch, then each
/// further token with the KV cache, its logits compared with the last row of burn's full forward
/// pass, without a cache, over the same tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusedCheck {
    /// The positions compared: the prompt's last, then each token read with the cache.
    pub positions: Vec<usize>,
    /// The largest |Δlogit| at each of them.
    pub max_logit_diff: Vec<f32>,
}

impl FusedCheck {
    /// The largest difference at any position.
    pub fn worst(&self) -> f32 {
        self.max_logit_diff.iter().copied().fold(0.0, f32::max)
    }
}

/// Runs the check on `text`: its first `prompt` tokens in one batch, the rest one at a time.
#[cfg(feature = "gpt")]
pub fn check_fused(
    model: &Tumbler,
    weights: &std::sync::Arc<DecodeWeights>,
    text: &[u32],
    prompt: usize,
) -> Result<FusedCheck, DecodeError> {
    let reference = |ids: &[u32]| burn_last_logits(model, ids);
    let diff = |a: &[f32], b: &[f32]| {
        assert_eq!(a.len(), b.len(), "logits of one vocabulary");
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    };
    let prompt = prompt.clamp(1, text.len().max(1));
    let mut decoder = CpuDecoder::new(weights.clone());
    let mut check = FusedCheck { positions: vec![], max_logit_diff: vec![] };
    let fused = decoder.forward(&text[..prompt])?.to_vec();
    check.positions.push(prompt - 1);
    check.max_logit_diff.push(diff(&fused, &reference(&text[..prompt])));
    for n in prompt + 1..=text.len() {
        let fused = decoder.forward(&text[n - 1..n])?.to_vec();
        check.positions.push(n - 1);
        check.max_logit_diff.push(diff(&fused, &reference(&text[..n])));
    }
    Ok(check)
}

/// The reference: burn's full forward pass over `ids` without a cache; the last row of logits.
#[cfg(feature = "gpt")]
pub fn burn_last_logits(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    let device = burn::tensor::Device::flex();
    let logits = model.forward(crate::gpt::ids_tensor(ids, &device)); // (1, T, V)
    let [_, t, v] = logits.dims();
    logits.slice([0..1, t - 1..t, 0..v]).into_data().try_to_vec::<f32>().expect("f32 logits")
}

/// What the GPU asked per call, averaged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerCall {
    /// Compute dispatches.
    pub dispatches: f64,
    /// Queue submits.
    pub submits: f64,
    /// `queue.write_buffer` calls.
    pub writes: f64,
    /// Buffer maps.
    pub maps: f64,
    /// Bytes read back.
    pub bytes_read: f64,
}

#[cfg(feature = "gpu")]
impl PerCall {
    fn between(before: GpuCounters, after: GpuCounters, calls: u64) -> Self {
        let per = |a: u64, b: u64| (a - b) as f64 / calls.max(1) as f64;
        Self {
            dispatches: per(after.dispatches, before.dispatches),
            submits: per(after.submits, before.submits),
            writes: per(after.writes, before.writes),
            maps: per(after.maps, before.maps),
            bytes_read: per(after.bytes_read, before.bytes_read),
        }
    }
}

/// The GPU decoder against the CPU path on one prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuCheck {
    /// Tokens of the prompt.
    pub prompt_tokens: usize,
    /// The largest difference between the GPU's and the CPU path's next-token logits after the
    /// prompt.
    pub max_logit_diff: f32,
    /// Greedy tokens chosen on the GPU after the prompt.
    pub gpu_ids: Vec<u32>,
    /// Greedy tokens of the CPU path.
    pub cpu_ids: Vec<u32>,
    /// What reading the prompt and choosing the first token asked of the GPU.
    pub prefill: PerCall,
    /// What each further decoded token asked, on average.
    pub per_token: PerCall,
    /// Model blocks, to read dispatches per block.
    pub layers: usize,
}

#[cfg(feature = "gpu")]
/// Runs the check: the prompt's logits on both paths, then `tokens` greedy tokens on each.
pub async fn check_gpu(
    gpu: &mut GpuText,
    model: &Tumbler,
    weights: &std::sync::Arc<DecodeWeights>,
    prompt: &[u32],
    tokens: usize,
) -> Result<GpuCheck, GpuError> {
    let tokens = tokens.clamp(2, MAX_CHECK_TOKENS);
    gpu.forget();
    let gpu_logits = gpu.decoder.logits(prompt).await?;
    gpu.forget();
    let mut cpu = CpuDecoder::new(weights.clone());
    let cpu_logits = cpu.forward(prompt)?.to_vec();
    let max_logit_diff =
        gpu_logits.iter().zip(&cpu_logits).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);

    let options = GenerateOptions::greedy(tokens);
    let new = || Generation::new(model, prompt.to_vec(), &options, vec![]);
    let mut run = new().map_err(|e| GpuError::Gpu(e.to_string()))?;
    let start = gpu.decoder.counters();
    let mut after_first = start;
    let mut gpu_ids = Vec::new();
    while let Step::Token(t) = run.step_gpu(gpu).await.map_err(|e| GpuError::Gpu(e.to_string()))? {
        gpu_ids.push(t.id);
        if gpu_ids.len() == 1 {
            after_first = gpu.decoder.counters();
        }
    }
    let end = gpu.decoder.counters();
    let mut run = new().map_err(|e| GpuError::Gpu(e.to_string()))?;
    cpu.truncate(0);
    let mut cpu_ids = Vec::new();
    while let Step::Token(t) = run.step_fused(&mut cpu).map_err(|e| GpuError::Gpu(e.to_string()))? {
        cpu_ids.push(t.id);
    }
    Ok(GpuCheck {
        prompt_tokens: prompt.len(),
        max_logit_diff,
        prefill: PerCall::between(start, after_first, 1),
        per_token: PerCall::between(after_first, end, gpu_ids.len() as u64 - 1),
        gpu_ids,
        cpu_ids,
        layers: model.config.n_layers,
    })
}
