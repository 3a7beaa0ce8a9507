//! The decode kernels (`shaders/decode_*.wgsl`), their buffers and their bind groups, all made
//! once per decoder: recording a step is a list of `set_pipeline`, `set_bind_group` and
//! `dispatch_workgroups` calls over the same objects every time.

use std::num::NonZeroU64;

use wgpu::util::{BufferInitDescriptor, DeviceExt};

use super::{GpuError, MAX_STEPS, RECORD_WORDS};
use crate::decode::DecodeWeights;
use crate::gpt::TumblerConfig;

/// Threads per workgroup of every kernel but the sampler (which runs one workgroup of 256).
const WG: u32 = 64;
/// The sampler's workgroup: the sorted logits are padded to at least this many slots.
const SAMPLE_WG: usize = 256;
/// Limits the kernels' workgroup memory sets (MAX_C, MAX_CTX and MAX_HS in the shaders).
const MAX_C: usize = 1024;
const MAX_CTX: usize = 1024;
const MAX_HS: usize = 256;
/// Words of `State` before its draws and ids (decode_embed.wgsl).
pub(super) const STATE_HEADER_WORDS: usize = 8;

/// One kernel with its arguments bound.
struct Bound {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

/// A block's five kernels, in the order they run.
struct Block {
    qkv: Bound,
    attention: Bound,
    output: Bound,
    gate_up: Bound,
    down: Bound,
}

/// Every buffer and bound kernel of a decoder.
pub(super) struct Kernels {
    /// Where decoding stands, `State` of the shaders: (header, draws, ids).
    pub state: wgpu::Buffer,
    /// The last row's logits, (V).
    pub logits: wgpu::Buffer,
    /// The sampler's records, (MAX_STEPS, RECORD_WORDS) u32.
    pub records: wgpu::Buffer,
    /// Attention probabilities of a traced call, (layers, nh, context, context), each layer's
    /// part starting at a multiple of `probs_stride` bytes.
    pub probs: wgpu::Buffer,
    pub probs_stride: u64,
    /// Where readbacks land, mapped by the host.
    pub staging: wgpu::Buffer,
    embed: Bound,
    blocks: Vec<Block>,
    head: Bound,
    sample: Bound,
    /// Workgroups along x of each kernel: C, Q/K/V pairs, d_ff and V columns over 64 threads.
    groups_c: u32,
    groups_qkv: u32,
    groups_ff: u32,
    groups_v: u32,
    nh: u32,
}

/// The shapes the kernels support, checked before anything is made.
pub(super) fn check(config: &TumblerConfig, limits: &wgpu::Limits) -> Result<(), GpuError> {
    let c = config;
    let hs = c.head_size();
    let widest =
        4 * (c.vocab_size * c.d_model).max(c.n_heads * c.context_length * c.context_length);
    let why = if c.d_model > MAX_C {
        format!("C = {} is over {MAX_C}", c.d_model)
    } else if c.context_length > MAX_CTX {
        format!("a context of {} is over {MAX_CTX}", c.context_length)
    } else if hs > MAX_HS || !hs.is_multiple_of(2) || hs * c.n_heads != c.d_model {
        format!("head size {hs} must be even, at most {MAX_HS} and divide C")
    } else if c.n_kv_heads == 0 || !c.n_heads.is_multiple_of(c.n_kv_heads) {
        format!("{} query heads do not share {} key/value heads", c.n_heads, c.n_kv_heads)
    } else if widest as u64 > limits.max_storage_buffer_binding_size {
        format!("a buffer of {widest} bytes is over the device's binding limit")
    } else if limits.max_storage_buffers_per_shader_stage < 8 {
        "the device binds fewer than 8 storage buffers per kernel".into()
    } else {
        return Ok(());
    };
    Err(GpuError::Unsupported(why))
}

/// The padded length of the sampler's sort.
fn v_pad(config: &TumblerConfig) -> usize {
    config.vocab_size.next_power_of_two().max(SAMPLE_WG)
}

/// Little-endian bytes of `f32`s.
fn bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Kernels {
    /// Uploads the weights, allocates every buffer and binds every kernel.
    pub fn new(device: &wgpu::Device, weights: &DecodeWeights) -> Self {
        let cfg = &weights.config;
        let (c, ctx, hs) = (cfg.d_model, cfg.context_length, cfg.head_size());
        let (q_dim, kv_dim, ff, v) =
            (cfg.n_heads * hs, cfg.n_kv_heads * hs, cfg.d_ff, cfg.vocab_size);
        let storage = wgpu::BufferUsages::STORAGE;
        let weight = |label: &str, values: &[f32]| {
            device.create_buffer_init(&BufferInitDescriptor {
                label: Some(label),
                contents: &bytes(values),
                usage: storage,
            })
        };
        let scratch = |label: &str, bytes: usize, usage: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes as u64,
                usage: storage | usage,
                mapped_at_creation: false,
            })
        };
        let none = wgpu::BufferUsages::empty();
        let copy_src = wgpu::BufferUsages::COPY_SRC;

        let sizes: [u32; 12] = [
            c as u32,
            cfg.n_heads as u32,
            cfg.n_kv_heads as u32,
            hs as u32,
            ff as u32,
            v as u32,
            ctx as u32,
            v_pad(cfg) as u32,
            (cfg.norm_eps as f32).to_bits(),
            cfg.n_layers as u32,
            0,
            0,
        ];
        let words: Vec<u8> = sizes.iter().flat_map(|w| w.to_le_bytes()).collect();
        let sizes = device.create_buffer_init(&BufferInitDescriptor {
            label: Some("decode cfg"),
            contents: &words,
            usage: storage,
        });
        let state = scratch(
            "decode state",
            4 * (STATE_HEADER_WORDS + MAX_STEPS + ctx),
            wgpu::BufferUsages::COPY_DST,
        );
        let embedding = weight("embedding", &weights.embedding);
        let norm = weight("final norm", &weights.norm);
        let rope = weight("rope", &[weights.rope_cos.as_slice(), &weights.rope_sin].concat());
        let x = scratch("x", 4 * ctx * c, none);
        let q = scratch("q", 4 * ctx * q_dim, none);
        let att = scratch("attention out", 4 * ctx * q_dim, none);
        let hidden = scratch("hidden", 4 * ctx * ff, none);
        let logits = scratch("logits", 4 * v, copy_src);
        let keys = scratch("sorted logits", 4 * v_pad(cfg), none);
        let order = scratch("sorted ids", 4 * v_pad(cfg), none);
        let records = scratch("records", 4 * MAX_STEPS * RECORD_WORDS, copy_src);
        let layer_probs = (4 * cfg.n_heads * ctx * ctx) as u64;
        let align = u64::from(device.limits().min_storage_buffer_offset_alignment);
        let probs_stride = layer_probs.div_ceil(align) * align;
        let probs = scratch(
            "attention probabilities",
            (probs_stride * cfg.n_layers as u64) as usize,
            copy_src,
        );
        let staging_bytes =
            (4 * (MAX_STEPS * RECORD_WORDS + v)) as u64 + layer_probs * cfg.n_layers as u64;
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("decode staging"),
            size: staging_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });

        let module = |label: &str, source: &'static str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            })
        };
        let pipeline = |label: &str, source: &'static str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module(label, source),
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let embed_p =
            pipeline("decode_embed", include_str!("../../../../shaders/decode_embed.wgsl"));
        let qkv_p = pipeline("decode_qkv", include_str!("../../../../shaders/decode_qkv.wgsl"));
        let attention_p =
            pipeline("decode_attention", include_str!("../../../../shaders/decode_attention.wgsl"));
        let residual_p =
            pipeline("decode_residual", include_str!("../../../../shaders/decode_residual.wgsl"));
        let gate_up_p =
            pipeline("decode_gate_up", include_str!("../../../../shaders/decode_gate_up.wgsl"));
        let head_p =
            pipeline("decode_logits", include_str!("../../../../shaders/decode_logits.wgsl"));
        let sample_p =
            pipeline("decode_sample", include_str!("../../../../shaders/decode_sample.wgsl"));

        // Binds `sizes` at 0, `state` at 1, then `rest` in order.
        let bind = |pipeline: &wgpu::ComputePipeline, rest: &[wgpu::BindingResource<'_>]| {
            let mut entries = vec![
                wgpu::BindGroupEntry { binding: 0, resource: sizes.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: state.as_entire_binding() },
            ];
            entries.extend(rest.iter().enumerate().map(|(i, resource)| wgpu::BindGroupEntry {
                binding: i as u32 + 2,
                resource: resource.clone(),
            }));
            Bound {
                bind_group: device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: None,
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &entries,
                }),
                pipeline: pipeline.clone(),
            }
        };
        let all = wgpu::Buffer::as_entire_binding;

        let blocks = weights
            .layers
            .iter()
            .enumerate()
            .map(|(layer, lw)| {
                let kv = scratch("kv cache", 4 * 2 * ctx * kv_dim, none);
                let attn_norm = weight("attn norm", &lw.attn_norm);
                let wqkv = weight("wqkv", &lw.wqkv);
                let wo = weight("wo", &lw.wo);
                let mlp_norm = weight("mlp norm", &lw.mlp_norm);
                let w_gate_up = weight("w_gate_up", &lw.w_gate_up);
                let w_down = weight("w_down", &lw.w_down);
                let layer_probs = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &probs,
                    offset: layer as u64 * probs_stride,
                    size: NonZeroU64::new(layer_probs),
                });
                Block {
                    qkv: bind(
                        &qkv_p,
                        &[all(&x), all(&attn_norm), all(&wqkv), all(&rope), all(&q), all(&kv)],
                    ),
                    attention: bind(&attention_p, &[all(&q), all(&kv), all(&att), layer_probs]),
                    output: bind(&residual_p, &[all(&att), all(&wo), all(&x)]),
                    gate_up: bind(
                        &gate_up_p,
                        &[all(&x), all(&mlp_norm), all(&w_gate_up), all(&hidden)],
                    ),
                    down: bind(&residual_p, &[all(&hidden), all(&w_down), all(&x)]),
                }
            })
            .collect();
        let groups = |n: usize| (n as u32).div_ceil(WG);
        Self {
            embed: bind(&embed_p, &[all(&embedding), all(&x)]),
            head: bind(&head_p, &[all(&x), all(&norm), all(&embedding), all(&logits)]),
            sample: bind(&sample_p, &[all(&logits), all(&keys), all(&order), all(&records)]),
            blocks,
            groups_c: groups(c),
            groups_qkv: groups((q_dim + 2 * kv_dim) / 2),
            groups_ff: groups(ff),
            groups_v: groups(v),
            nh: cfg.n_heads as u32,
            state,
            logits,
            records,
            probs,
            probs_stride,
            staging,
        }
    }

    /// Records one forward pass over `rows` tokens (then the logits of the last, then the draw
    /// when `sample`); returns the dispatches recorded.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, rows: u32, sample: bool) -> u64 {
        let mut dispatches = 0;
        let mut run = |kernel: &Bound, x: u32, y: u32| {
            pass.set_pipeline(&kernel.pipeline);
            pass.set_bind_group(0, &kernel.bind_group, &[]);
            pass.dispatch_workgroups(x, y, 1);
            dispatches += 1;
        };
        run(&self.embed, self.groups_c, rows);
        for block in &self.blocks {
            run(&block.qkv, self.groups_qkv, rows);
            run(&block.attention, self.nh, rows);
            run(&block.output, self.groups_c, rows);
            run(&block.gate_up, self.groups_ff, rows);
            run(&block.down, self.groups_c, rows);
        }
        run(&self.head, self.groups_v, 1);
        if sample {
            run(&self.sample, 1, 1);
        }
        dispatches
    }
}
