//! The WebGPU fast path: the forward pass and the sampler as seven fused WGSL kernels
//! (`shaders/decode_*.wgsl`) driven through `wgpu` directly, without burn's graph of ~56
//! dispatches per block.
//!
//! A step records, in one compute pass of one command buffer: the embedding lookup; per block
//! norm+QKV+RoPE (writing the KV cache), attention, output projection+residual,
//! norm+gate/up+SiLU·mul and down projection+residual (5 dispatches); the final norm and the
//! tied head for the last row; and the draw (temperature, top-k, top-p and the seeded draw, with
//! the host's uniform number). Weights, the KV cache and every intermediate live in buffers made
//! once. Per call the host writes one buffer (the position, the sampling settings, one draw per
//! step and the ids read), submits once and maps once; the chosen id stays on the GPU and feeds
//! the next step's embedding, so [`GpuDecoder::step_many`] runs up to [`MAX_STEPS`] tokens
//! before one readback of 72 bytes per token (the id, its probability and the top
//! [`CANDIDATES`]).
//!
//! The reference of every kernel is the matching loop of [`CpuDecoder`](super::CpuDecoder) and
//! the burn ops it fuses; the tests compare logits with both and the chosen ids with
//! [`Sampler`](crate::sampling::Sampler).
//!
//! Errors are values: a shader the device rejects, a lost device or a failed map come back as
//! [`GpuError`] from the next call (the decoder installs the device's uncaptured-error and
//! device-lost handlers to catch them).

mod kernels;
mod readback;

/// The `wgpu` the decoder runs on, for callers that hold its device.
pub use wgpu;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use kernels::{Kernels, STATE_HEADER_WORDS};

use super::{DecodeError, DecodeWeights};
use crate::generate::CANDIDATES;
use crate::gpt::TumblerConfig;
use crate::sampling::{Rng, SamplingConfig, SamplingError};

/// The most tokens one call chooses before its readback (the draws `State` holds).
pub const MAX_STEPS: usize = 64;
/// Words of the sampler's record per step: id, p, then CANDIDATES (id, p) pairs.
const RECORD_WORDS: usize = 2 + 2 * CANDIDATES;
const _: () = assert!(CANDIDATES == 8, "decode_sample.wgsl writes 8 candidates");
/// The id the sampler writes where a vocabulary has fewer than CANDIDATES tokens.
const NONE: u32 = u32::MAX;

/// Why the GPU decoder could not start or answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuError {
    /// No adapter: no WebGPU in this browser, no Vulkan driver natively.
    #[error("no GPU adapter: {0}")]
    Adapter(String),
    /// The adapter would not open a device with the limits the kernels need.
    #[error("the GPU adapter refused a device: {0}")]
    Device(String),
    /// The model's shapes are beyond what the kernels handle.
    #[error("the GPU decoder does not support this model: {0}")]
    Unsupported(String),
    /// The device reported an error (a rejected shader, an out-of-memory, a lost device); the
    /// decoder cannot be used again.
    #[error("the GPU failed: {0}")]
    Gpu(String),
    /// Reading the results back failed (on WebGPU: usually a lost device).
    #[error("reading back from the GPU failed: {0}")]
    Readback(String),
    /// More tokens in one call than a batch holds, or none.
    #[error("{0} steps in one call; 1 to {MAX_STEPS} are possible")]
    Steps(usize),
    /// The tokens could not be read (empty, unknown, or past the context).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The sampling settings are out of range.
    #[error(transparent)]
    Sampling(#[from] SamplingError),
}

/// A token chosen on the GPU, as [`Generation::accept`](crate::generate::Generation::accept)
/// takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// The token's id.
    pub id: u32,
    /// Its probability at the run's temperature (at 1 when greedy), before top-k and top-p.
    pub p: f32,
    /// The [`CANDIDATES`] most likely tokens of that distribution, most likely first.
    pub top: Vec<(u32, f32)>,
}

/// A forward pass read back with its attention probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Traced {
    /// The next-token logits after the last token read, (V).
    pub logits: Vec<f32>,
    /// Every block's attention probabilities for the tokens read, (layers, nh, T, T_total),
    /// T_total the tokens cached after the call; 0 where a row may not look (the future).
    pub attention: Vec<f32>,
}

/// Work the decoder has asked of the GPU since it was made: what the benchmark and the tests
/// divide by the tokens to get the per-token figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GpuCounters {
    /// Tokens chosen on the GPU.
    pub chosen: u64,
    /// Tokens run through the forward pass (prompts included).
    pub read: u64,
    /// Compute dispatches recorded.
    pub dispatches: u64,
    /// Queue submits.
    pub submits: u64,
    /// `queue.write_buffer` calls.
    pub writes: u64,
    /// Buffer maps (readbacks).
    pub maps: u64,
    /// Bytes read back.
    pub bytes_read: u64,
}

/// Opens the default adapter (the most capable one) with WebGPU's default limits, which the
/// kernels fit. Returns the device, its queue and what the adapter says it is.
pub async fn request_device() -> Result<(wgpu::Device, wgpu::Queue, wgpu::AdapterInfo), GpuError> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        })
        .await
        .map_err(|e| GpuError::Adapter(e.to_string()))?;
    let info = adapter.get_info();
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor {
            label: Some("tumbler decode"),
            required_limits: wgpu::Limits::default(),
            ..Default::default()
        })
        .await
        .map_err(|e| GpuError::Device(e.to_string()))?;
    Ok((device, queue, info))
}

/// The sampler's settings as `State` holds them, plus what to read back.
struct Settings {
    temperature: f32,
    shown_temperature: f32,
    top_k: u32,
    top_p: f32,
    draws: Vec<f32>,
    trace: bool,
}

impl Settings {
    /// For a call that only reads tokens.
    fn none() -> Self {
        let (temperature, shown_temperature, top_k, top_p) = (0.0, 1.0, 0, 1.0);
        Self { temperature, shown_temperature, top_k, top_p, draws: vec![], trace: false }
    }
}

/// A model's fused forward pass and sampler on a GPU, with its KV cache on the GPU.
pub struct GpuDecoder {
    device: wgpu::Device,
    queue: wgpu::Queue,
    config: TumblerConfig,
    kernels: Kernels,
    /// Tokens in the cache: the position the next token takes.
    len: usize,
    counters: GpuCounters,
    /// The first error the device reported, if any.
    fault: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for GpuDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuDecoder")
            .field("len", &self.len)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// Keeps the first error a device reports.
fn record_fault(fault: &Mutex<Option<String>>, message: String) {
    fault.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(message);
}

impl GpuDecoder {
    /// Uploads `weights` to `device` and builds every kernel. The device must offer WebGPU's
    /// default limits (as [`request_device`] asks); its uncaptured-error and device-lost
    /// handlers become the decoder's.
    pub fn new(
        device: wgpu::Device,
        queue: wgpu::Queue,
        weights: &DecodeWeights,
    ) -> Result<Self, GpuError> {
        kernels::check(&weights.config, &device.limits())?;
        let fault = Arc::new(Mutex::new(None));
        let errors = Arc::clone(&fault);
        device.on_uncaptured_error(Arc::new(move |e| record_fault(&errors, e.to_string())));
        let lost = Arc::clone(&fault);
        device.set_device_lost_callback(move |reason, message| {
            record_fault(&lost, format!("the device was lost ({reason:?}): {message}"));
        });
        let kernels = Kernels::new(&device, weights);
        let decoder = Self {
            device,
            queue,
            config: weights.config.clone(),
            kernels,
            len: 0,
            counters: GpuCounters::default(),
            fault,
        };
        decoder.healthy()?;
        Ok(decoder)
    }

    /// A decoder on the default adapter ([`request_device`]).
    pub async fn start(weights: &DecodeWeights) -> Result<Self, GpuError> {
        let (device, queue, _) = request_device().await?;
        Self::new(device, queue, weights)
    }

    /// The sizes of the model it runs.
    pub fn config(&self) -> &TumblerConfig {
        &self.config
    }

    /// Tokens in the cache: the position the next token takes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets the cached tokens after the first `len` (all of them with 0).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// What it has asked of the GPU so far.
    pub fn counters(&self) -> GpuCounters {
        self.counters
    }

    /// Reads `ids` after the cached tokens and chooses the next token as
    /// [`Sampler::sample`](crate::sampling::Sampler::sample) would with `rng` (one draw).
    pub async fn step(
        &mut self,
        ids: &[u32],
        sampling: &SamplingConfig,
        rng: &mut Rng,
    ) -> Result<Chosen, GpuError> {
        let mut chosen = self.step_many(ids, 1, sampling, rng).await?;
        Ok(chosen.remove(0))
    }

    /// Reads `ids` after the cached tokens, then chooses `n` tokens in a row on the GPU, each
    /// read as the next step's input, with one submit and one readback for all of them. The
    /// cache grows by `ids.len() + n - 1`: the last chosen token is not read yet (pass it to the
    /// next call). Takes `n` draws from `rng`, one per token, as the CPU sampler does.
    pub async fn step_many(
        &mut self,
        ids: &[u32],
        n: usize,
        sampling: &SamplingConfig,
        rng: &mut Rng,
    ) -> Result<Vec<Chosen>, GpuError> {
        let sampling = sampling.validated()?;
        if n == 0 || n > MAX_STEPS {
            return Err(GpuError::Steps(n));
        }
        self.check(ids, n - 1)?;
        let temperature = sampling.temperature;
        let settings = Settings {
            temperature,
            shown_temperature: if temperature > 0.0 { temperature } else { 1.0 },
            top_k: sampling.top_k.map_or(0, |k| k.min(u32::MAX as usize) as u32),
            top_p: sampling.top_p,
            draws: (0..n).map(|_| rng.next_f64() as f32).collect(),
            trace: false,
        };
        self.write_state(ids, &settings);
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            for step in 0..n {
                let rows = if step == 0 { ids.len() } else { 1 };
                self.counters.dispatches += self.kernels.record(&mut pass, rows as u32, true);
            }
        }
        let len = (4 * n * RECORD_WORDS) as u64;
        encoder.copy_buffer_to_buffer(&self.kernels.records, 0, &self.kernels.staging, 0, len);
        let words = self.submit_and_read(encoder, len).await?;
        self.len += ids.len() + n - 1;
        self.counters.read += (ids.len() + n - 1) as u64;
        self.counters.chosen += n as u64;
        Ok(words
            .chunks_exact(RECORD_WORDS)
            .map(|r| Chosen {
                id: r[0],
                p: f32::from_bits(r[1]),
                top: r[2..]
                    .chunks_exact(2)
                    .filter(|pair| pair[0] != NONE)
                    .map(|pair| (pair[0], f32::from_bits(pair[1])))
                    .collect(),
            })
            .collect())
    }

    /// Reads `ids` after the cached tokens and returns the next-token logits after the last of
    /// them, (V): 16 KB for the shipped model, for tests and the chapters that draw them.
    pub async fn logits(&mut self, ids: &[u32]) -> Result<Vec<f32>, GpuError> {
        self.check(ids, 0)?;
        self.write_state(ids, &Settings::none());
        let encoder = self.forward(ids.len());
        let v = self.config.vocab_size;
        let words = self.submit_and_read(encoder, (4 * v) as u64).await?;
        self.len += ids.len();
        self.counters.read += ids.len() as u64;
        Ok(words.into_iter().map(f32::from_bits).collect())
    }

    /// [`GpuDecoder::logits`] with every block's attention probabilities, in one readback.
    pub async fn trace(&mut self, ids: &[u32]) -> Result<Traced, GpuError> {
        self.check(ids, 0)?;
        let settings = Settings { trace: true, ..Settings::none() };
        self.write_state(ids, &settings);
        let mut encoder = self.forward(ids.len());
        let cfg = &self.config;
        let (v, nh, ctx, layers) = (cfg.vocab_size, cfg.n_heads, cfg.context_length, cfg.n_layers);
        let layer_bytes = (4 * nh * ctx * ctx) as u64;
        for layer in 0..layers as u64 {
            encoder.copy_buffer_to_buffer(
                &self.kernels.probs,
                layer * self.kernels.probs_stride,
                &self.kernels.staging,
                4 * v as u64 + layer * layer_bytes,
                layer_bytes,
            );
        }
        let words =
            self.submit_and_read(encoder, 4 * v as u64 + layers as u64 * layer_bytes).await?;
        let (pos0, t) = (self.len, ids.len());
        self.len += t;
        self.counters.read += t as u64;
        let total = self.len;
        let mut attention = Vec::with_capacity(layers * nh * t * total);
        for lh in 0..layers * nh {
            for r in 0..t {
                let row = v + (lh * ctx + r) * ctx;
                attention.extend(
                    (0..total)
                        .map(|j| if j <= pos0 + r { f32::from_bits(words[row + j]) } else { 0.0 }),
                );
            }
        }
        Ok(Traced { logits: words[..v].iter().map(|&w| f32::from_bits(w)).collect(), attention })
    }

    /// The error the device reported, if any.
    fn healthy(&self) -> Result<(), GpuError> {
        match self.fault.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(message) => Err(GpuError::Gpu(message.clone())),
            None => Ok(()),
        }
    }

    /// Whether `ids`, and `extra` tokens chosen after them, can be read now.
    fn check(&self, ids: &[u32], extra: usize) -> Result<(), GpuError> {
        self.healthy()?;
        let (context, vocab) = (self.config.context_length, self.config.vocab_size);
        if ids.is_empty() {
            return Err(DecodeError::Empty.into());
        }
        if self.len + ids.len() + extra > context {
            let new = ids.len() + extra;
            return Err(DecodeError::Context { cached: self.len, new, context }.into());
        }
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= vocab) {
            return Err(DecodeError::Id { id, vocab }.into());
        }
        Ok(())
    }

    /// Writes `State`: the position, the rows, the settings, the draws and the ids.
    fn write_state(&mut self, ids: &[u32], settings: &Settings) {
        let mut draws = [0.0f32; MAX_STEPS];
        draws[..settings.draws.len()].copy_from_slice(&settings.draws);
        let header: [u32; STATE_HEADER_WORDS] = [
            self.len as u32,
            ids.len() as u32,
            0,
            u32::from(settings.trace),
            settings.temperature.to_bits(),
            settings.shown_temperature.to_bits(),
            settings.top_k,
            settings.top_p.to_bits(),
        ];
        let words = header.into_iter().chain(draws.map(f32::to_bits)).chain(ids.iter().copied());
        let bytes: Vec<u8> = words.flat_map(u32::to_le_bytes).collect();
        self.queue.write_buffer(&self.kernels.state, 0, &bytes);
        self.counters.writes += 1;
    }

    /// A command buffer with the forward pass over `rows` tokens and its logits copied out.
    fn forward(&mut self, rows: usize) -> wgpu::CommandEncoder {
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            self.counters.dispatches += self.kernels.record(&mut pass, rows as u32, false);
        }
        let len = (4 * self.config.vocab_size) as u64;
        encoder.copy_buffer_to_buffer(&self.kernels.logits, 0, &self.kernels.staging, 0, len);
        encoder
    }

    /// Submits `encoder` and reads the first `len` bytes of the staging buffer as words.
    async fn submit_and_read(
        &mut self,
        encoder: wgpu::CommandEncoder,
        len: u64,
    ) -> Result<Vec<u32>, GpuError> {
        self.queue.submit([encoder.finish()]);
        self.counters.submits += 1;
        self.healthy()?;
        let bytes = readback::read(&self.device, &self.kernels.staging, len).await?;
        self.counters.maps += 1;
        self.counters.bytes_read += len;
        self.healthy()?;
        Ok(bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect())
    }
}
