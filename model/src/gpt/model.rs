//! The Tumbler: a decoder-only transformer in the LLaMA style (Touvron et al. 2023) — token
//! embedding tied to the output head, RoPE, pre-norm RMSNorm blocks of grouped-query causal
//! attention and a SwiGLU MLP, a final norm, logits.

use burn::module::{Module, Param};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::attention::Attention;
use super::block::{Block, BlockRecord};
use super::config::{BLOCK_MATRICES, ConfigError, TumblerConfig};
use super::embedding::TokenEmbedding;
use super::kv_cache::KvCache;
use super::mlp::SwiGlu;
use super::rmsnorm::RmsNorm;
use super::rope::Rope;
use super::trace::{Array, LayerTrace, Trace};
use crate::sampling::Rng;

/// Standard deviation of the initial weights (GPT-2's choice).
const INIT_STD: f64 = 0.02;

/// The model.
#[derive(Module, Debug)]
pub struct Tumbler {
    /// Token embedding and tied output head, (V, C).
    pub embedding: TokenEmbedding,
    /// The transformer blocks, bottom first.
    pub blocks: Vec<Block>,
    /// Norm before the output head.
    pub norm: RmsNorm,
    /// The hyper-parameters the weights were built for.
    #[module(skip)]
    pub config: TumblerConfig,
}

/// Switches for one forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardOptions {
    /// Apply rotary position embeddings; off, attention cannot tell the order of the tokens
    /// (the permutation-invariance demonstration).
    pub positions: bool,
}

impl Default for ForwardOptions {
    fn default() -> Self {
        Self { positions: true }
    }
}

/// The output of a forward pass plus everything recorded on the way (for the trace).
#[derive(Debug, Clone)]
pub struct ForwardOutput {
    /// Next-token logits, (B, T, V).
    pub logits: Tensor<3>,
    /// Embedding rows, (B, T, C).
    pub embeddings: Tensor<3>,
    /// One record per block.
    pub blocks: Vec<BlockRecord>,
    /// The final RMSNorm's output, (B, T, C): what the tied head reads (the features the
    /// `rlhf` chapter's reward model pools).
    pub hidden: Tensor<3>,
}

impl Tumbler {
    /// A model with seeded random weights: the same numbers on every backend, because they are
    /// drawn on the host with our own generator and then uploaded.
    ///
    /// Weights are N(0, 0.02²); the projections that write into the residual stream (W_o,
    /// W_down) are scaled by 1/sqrt(2·n_layers) as in GPT-2, so the stream's variance does not
    /// grow with depth. Norm gains start at 1.
    pub fn init(config: &TumblerConfig, seed: u64, device: &Device) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut source = RandomInit { rng: Rng::new(seed), device };
        match Self::build(config, &mut source) {
            Ok(model) => Ok(model),
            Err(never) => match never {},
        }
    }

    /// Builds the model from named parameters, in one fixed order; [`Tumbler::init`] and the
    /// safetensors loader are the two sources.
    pub(crate) fn build<S: ParamSource>(
        config: &TumblerConfig,
        source: &mut S,
    ) -> Result<Self, S::Error> {
        let c = config.d_model;
        let hs = config.head_size();
        let residual_std = INIT_STD / (2.0 * config.n_layers as f64).sqrt();
        let embedding = TokenEmbedding {
            weight: source.matrix("embedding.weight", [config.vocab_size, c], INIT_STD)?,
        };
        let mut blocks = Vec::with_capacity(config.n_layers);
        let (q, kv) = (config.n_heads * hs, config.n_kv_heads * hs);
        // Shape and initial spread of each of BLOCK_MATRICES, in its order.
        let shapes = [
            ([c, q], INIT_STD),
            ([c, kv], INIT_STD),
            ([c, kv], INIT_STD),
            ([q, c], residual_std),
            ([c, config.d_ff], INIT_STD),
            ([c, config.d_ff], INIT_STD),
            ([config.d_ff, c], residual_std),
        ];
        for i in 0..config.n_layers {
            let name = |part: &str| format!("blocks.{i}.{part}");
            let attn_norm = source.vector(&name("attn_norm.weight"), c)?;
            let mlp_norm = source.vector(&name("mlp_norm.weight"), c)?;
            let mut matrices = Vec::with_capacity(BLOCK_MATRICES.len());
            for (part, (shape, std)) in BLOCK_MATRICES.iter().zip(shapes) {
                matrices.push(source.matrix(&name(part), shape, std)?);
            }
            let Ok([wq, wk, wv, wo, w_gate, w_up, w_down]) = <[_; 7]>::try_from(matrices) else {
                unreachable!("one matrix per name")
            };
            blocks.push(Block {
                attn_norm: RmsNorm { weight: attn_norm, eps: config.norm_eps },
                attn: Attention {
                    wq,
                    wk,
                    wv,
                    wo,
                    n_heads: config.n_heads,
                    n_kv_heads: config.n_kv_heads,
                },
                mlp_norm: RmsNorm { weight: mlp_norm, eps: config.norm_eps },
                mlp: SwiGlu { w_gate, w_up, w_down },
            });
        }
        let norm = RmsNorm { weight: source.vector("norm.weight", c)?, eps: config.norm_eps };
        Ok(Self { embedding, blocks, norm, config: config.clone() })
    }

    /// Every parameter with its name, in the order [`Tumbler::build`] creates them: what the
    /// safetensors file holds.
    pub fn named_params(&self) -> Vec<(String, Tensor<1>, Vec<usize>)> {
        let mut out = Vec::new();
        let mut matrix = |name: String, p: &Param<Tensor<2>>| {
            let t = p.val();
            let shape = t.dims().to_vec();
            out.push((name, t.flatten(0, 1), shape));
        };
        matrix("embedding.weight".into(), &self.embedding.weight);
        let mut vectors = vec![];
        for (i, b) in self.blocks.iter().enumerate() {
            for (part, p) in BLOCK_MATRICES.iter().zip(b.matrices()) {
                matrix(format!("blocks.{i}.{part}"), p);
            }
            vectors.push((format!("blocks.{i}.attn_norm.weight"), &b.attn_norm.weight));
            vectors.push((format!("blocks.{i}.mlp_norm.weight"), &b.mlp_norm.weight));
        }
        vectors.push(("norm.weight".into(), &self.norm.weight));
        for (name, p) in vectors {
            let t = p.val();
            let shape = t.dims().to_vec();
            out.push((name, t, shape));
        }
        out
    }

    /// Next-token logits for a batch of sequences.
    ///
    /// # Shapes
    /// - ids: (B, T)
    /// - output: (B, T, V)
    pub fn forward(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        self.forward_with(ids, ForwardOptions::default(), None).logits
    }

    /// The full forward pass: options, an optional KV cache, and the records the trace reads.
    ///
    /// With a cache, `ids` are the tokens after the cached ones; they take the next positions,
    /// attend to everything cached, and are appended to the cache.
    ///
    /// # Shapes
    /// - ids: (B, T)
    /// - output logits: (B, T, V)
    pub fn forward_with(
        &self,
        ids: Tensor<2, Int>,
        options: ForwardOptions,
        mut cache: Option<&mut KvCache>,
    ) -> ForwardOutput {
        let [_, t] = ids.dims();
        let start = cache.as_ref().map_or(0, |c| c.len());
        let device = ids.device();
        let rope = options
            .positions
            .then(|| Rope::new(self.config.head_size(), self.config.rope_theta, start, t, &device));

        let embeddings = self.embedding.forward(ids); // (B, T, C)
        let mut x = embeddings.clone();
        let mut records = Vec::with_capacity(self.blocks.len());
        for (layer, block) in self.blocks.iter().enumerate() {
            let layer_cache = cache.as_deref_mut().map(|c| (c, layer));
            let (next, record) = block.forward(x, rope.as_ref(), layer_cache);
            x = next; // (B, T, C)
            records.push(record);
        }
        let hidden = self.norm.forward(x); // (B, T, C)
        let logits = self.embedding.logits(hidden.clone()); // (B, T, V)
        ForwardOutput { logits, embeddings, blocks: records, hidden }
    }

    /// Mean next-token cross-entropy in nats: the training loss.
    ///
    /// # Shapes
    /// - ids, targets: (B, T); `targets[b, t]` is the token that follows `ids[b, t]`
    /// - output: (1)
    pub fn loss(&self, ids: Tensor<2, Int>, targets: Tensor<2, Int>) -> Tensor<1> {
        cross_entropy(self.forward(ids), targets)
    }

    /// Cross-entropy over the targets where `mask` is 1 (fine-tuning counts only the assistant's
    /// tokens), in nats per counted token.
    ///
    /// # Shapes
    /// - ids, targets, mask: (B, T)
    /// - output: (1)
    pub fn masked_loss(
        &self,
        ids: Tensor<2, Int>,
        targets: Tensor<2, Int>,
        mask: Tensor<2>,
    ) -> Tensor<1> {
        masked_cross_entropy(self.forward(ids), targets, mask)
    }

    /// An empty KV cache sized for this model.
    pub fn new_cache(&self) -> KvCache {
        KvCache::new(self.blocks.len())
    }
}

/// Where [`Tumbler::build`] gets each parameter.
pub(crate) trait ParamSource {
    /// Why a parameter could not be produced.
    type Error;
    /// A weight matrix; `std` is the scale a random initialiser uses.
    fn matrix(
        &mut self,
        name: &str,
        shape: [usize; 2],
        std: f64,
    ) -> Result<Param<Tensor<2>>, Self::Error>;
    /// A norm gain vector (ones when random).
    fn vector(&mut self, name: &str, len: usize) -> Result<Param<Tensor<1>>, Self::Error>;
}

/// Seeded N(0, std²) matrices and unit gains.
struct RandomInit<'a> {
    rng: Rng,
    device: &'a Device,
}

impl ParamSource for RandomInit<'_> {
    type Error = std::convert::Infallible;

    fn matrix(
        &mut self,
        _: &str,
        shape: [usize; 2],
        std: f64,
    ) -> Result<Param<Tensor<2>>, Self::Error> {
        let n = shape[0] * shape[1];
        let data: Vec<f32> = (0..n).map(|_| (self.rng.next_normal() * std) as f32).collect();
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), self.device)))
    }

    fn vector(&mut self, _: &str, len: usize) -> Result<Param<Tensor<1>>, Self::Error> {
        Ok(Param::from_tensor(Tensor::ones([len], self.device)))
    }
}

/// Mean cross-entropy of `logits` against integer `targets`, in nats.
///
/// # Shapes
/// - logits: (B, T, V), targets: (B, T)
/// - output: (1)
pub fn cross_entropy(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    let log_probs = log_softmax(logits.reshape([b * t, v]), 1); // (B·T, V)
    let picked = log_probs.gather(1, targets.reshape([b * t, 1])); // (B·T, 1)
    picked.mean().neg()
}

/// Mean cross-entropy over the positions where `mask` is 1, in nats.
///
/// # Shapes
/// - logits: (B, T, V), targets and mask: (B, T)
/// - output: (1)
pub fn masked_cross_entropy(
    logits: Tensor<3>,
    targets: Tensor<2, Int>,
    mask: Tensor<2>,
) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    let log_probs = log_softmax(logits.reshape([b * t, v]), 1); // (B·T, V)
    let picked = log_probs.gather(1, targets.reshape([b * t, 1])).reshape([b * t]); // (B·T)
    let mask = mask.reshape([b * t]); // (B·T)
    let counted = mask.clone().sum().clamp_min(1.0); // (1)
    (picked * mask).sum().neg() / counted
}

/// Token ids as a (1, T) tensor.
pub fn ids_tensor(ids: &[u32], device: &Device) -> Tensor<2, Int> {
    let data: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
    Tensor::from_data(TensorData::new(data, [1, ids.len()]), device)
}

/// What to record in a [`Trace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TraceOptions {
    /// Forward-pass switches (positions on or off).
    pub forward: ForwardOptions,
    /// Also record Q, K and V per layer (they are large; off by default).
    pub qkv: bool,
}

/// Reading results back from the device failed.
#[derive(Debug, thiserror::Error)]
#[error("reading a tensor back from the device failed: {0}")]
pub struct ReadbackError(pub(crate) String);

impl ReadbackError {
    /// The error of a failed readback, from burn's.
    pub(crate) fn of(error: &impl std::fmt::Debug) -> Self {
        Self(format!("{error:?}"))
    }
}

/// A tensor's values as f32, read back synchronously (natively, or from a CPU device in the
/// browser; on WebGPU there a synchronous read fails: use [`read_f32_async`]).
pub(crate) fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadbackError> {
    f32_values(tensor.try_into_data().map_err(|e| ReadbackError::of(&e))?)
}

/// A tensor's values as f32, read back asynchronously: what a GPU backend in the browser needs.
pub(crate) async fn read_f32_async<const D: usize>(
    tensor: Tensor<D>,
) -> Result<Vec<f32>, ReadbackError> {
    f32_values(tensor.into_data_async().await.map_err(|e| ReadbackError::of(&e))?)
}

/// Read-back data as f32 values (every tensor here is f32).
pub(crate) fn f32_values(data: TensorData) -> Result<Vec<f32>, ReadbackError> {
    data.try_to_vec::<f32>().map_err(|e| ReadbackError::of(&e))
}

impl Tumbler {
    /// One forward pass over one sequence, returned as plain data (native: reads back
    /// synchronously; the browser uses [`Tumbler::trace_async`]).
    ///
    /// `tokens` are the token strings as the caller's tokenizer spells them, one per id.
    #[cfg(not(target_family = "wasm"))]
    pub fn trace(
        &self,
        ids: &[u32],
        tokens: Vec<String>,
        options: TraceOptions,
    ) -> Result<Trace, ReadbackError> {
        let (tensors, shapes) = self.trace_tensors(ids, options);
        let mut arrays = Vec::with_capacity(tensors.len());
        for (tensor, shape) in tensors.into_iter().zip(shapes) {
            arrays.push(Array::new(shape, read_f32(tensor)?));
        }
        Ok(assemble_trace(ids, tokens, options, arrays))
    }

    /// [`Tumbler::trace`] with asynchronous readback, for WebGPU in the browser.
    pub async fn trace_async(
        &self,
        ids: &[u32],
        tokens: Vec<String>,
        options: TraceOptions,
    ) -> Result<Trace, ReadbackError> {
        let (tensors, shapes) = self.trace_tensors(ids, options);
        let mut arrays = Vec::with_capacity(tensors.len());
        for (tensor, shape) in tensors.into_iter().zip(shapes) {
            arrays.push(Array::new(shape, read_f32_async(tensor).await?));
        }
        Ok(assemble_trace(ids, tokens, options, arrays))
    }

    /// The tensors a trace reads, flattened, with the shape each becomes (batch axis dropped):
    /// embeddings, then per layer attention, gate and (optionally) q, k, v, then logits.
    fn trace_tensors(
        &self,
        ids: &[u32],
        options: TraceOptions,
    ) -> (Vec<Tensor<1>>, Vec<Vec<usize>>) {
        let device = self.embedding.weight.val().device();
        let out = self.forward_with(ids_tensor(ids, &device), options.forward, None);
        let mut tensors = Vec::new();
        let mut shapes = Vec::new();
        let mut push = |t: Tensor<1>, shape: Vec<usize>| {
            tensors.push(t);
            shapes.push(shape);
        };
        let drop_batch = |dims: &[usize]| dims[1..].to_vec();
        push(out.embeddings.clone().flatten(0, 2), drop_batch(&out.embeddings.dims()));
        for record in &out.blocks {
            let a = &record.attention;
            push(a.probs.clone().flatten(0, 3), drop_batch(&a.probs.dims()));
            push(record.gate.clone().flatten(0, 2), drop_batch(&record.gate.dims()));
            if options.qkv {
                for t in [&a.q, &a.k, &a.v] {
                    push(t.clone().flatten(0, 3), drop_batch(&t.dims()));
                }
            }
        }
        push(out.logits.clone().flatten(0, 2), drop_batch(&out.logits.dims()));
        (tensors, shapes)
    }
}

/// Puts the arrays read by [`Tumbler::trace_tensors`] back into their places.
fn assemble_trace(
    ids: &[u32],
    tokens: Vec<String>,
    options: TraceOptions,
    mut arrays: Vec<Array>,
) -> Trace {
    let logits = arrays.pop().expect("logits are the last array");
    let mut arrays = arrays.into_iter();
    let embeddings = arrays.next().expect("embeddings are the first array");
    let rest: Vec<Array> = arrays.collect();
    let per_layer = if options.qkv { 5 } else { 2 };
    let layers = rest
        .chunks(per_layer)
        .map(|chunk| {
            let mut chunk = chunk.iter().cloned();
            let attention = chunk.next().expect("attention");
            let gate = chunk.next().expect("gate");
            let (q, k, v) = (chunk.next(), chunk.next(), chunk.next());
            LayerTrace { attention, q, k, v, gate }
        })
        .collect();
    Trace {
        ids: ids.to_vec(),
        tokens,
        positions: options.forward.positions,
        embeddings,
        layers,
        logits,
    }
}

/// Next-token probabilities `softmax(logits / temperature)` on the device: our WGSL kernel on
/// wgpu, burn ops elsewhere.
///
/// # Shapes
/// - logits: (R, V)
/// - output: (R, V)
pub fn next_token_probs(logits: Tensor<2>, temperature: f32) -> Tensor<2> {
    #[cfg(feature = "wgpu")]
    {
        crate::kernels::softmax::softmax_with_temperature(logits, temperature)
    }
    #[cfg(not(feature = "wgpu"))]
    {
        burn::tensor::activation::softmax(logits / temperature, 1)
    }
}
