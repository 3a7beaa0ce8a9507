//! The model's weights in the layout the fused paths read: row-major `f32`, every projection
//! stored (in, out) as burn stores it, the matrices that read the same input side by side.

use std::collections::HashMap;

use crate::gpt::{BLOCK_MATRICES, ReadbackError, Tumbler, TumblerConfig};

/// One block's weights.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerWeights {
    /// RMSNorm gain before attention, (C).
    pub attn_norm: Vec<f32>,
    /// W_q, W_k and W_v side by side, (C, nh·hs + 2·nkv·hs): row i is `[q_i | k_i | v_i]`.
    pub wqkv: Vec<f32>,
    /// W_o, (nh·hs, C).
    pub wo: Vec<f32>,
    /// RMSNorm gain before the MLP, (C).
    pub mlp_norm: Vec<f32>,
    /// W_gate and W_up side by side, (C, 2·d_ff): row i is `[gate_i | up_i]`.
    pub w_gate_up: Vec<f32>,
    /// W_down, (d_ff, C).
    pub w_down: Vec<f32>,
}

/// Every weight of a model, plus its rotary tables.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeWeights {
    /// The sizes.
    pub config: TumblerConfig,
    /// The token embedding and tied output head, (V, C).
    pub embedding: Vec<f32>,
    /// The blocks, bottom first.
    pub layers: Vec<LayerWeights>,
    /// The final RMSNorm gain, (C).
    pub norm: Vec<f32>,
    /// cos(position · θ_i) for every position of the context, (context, hs/2): the numbers
    /// [`Rope`](crate::gpt::rope::Rope) computes, in the same f64-then-f32 way.
    pub rope_cos: Vec<f32>,
    /// sin(position · θ_i), (context, hs/2).
    pub rope_sin: Vec<f32>,
}

impl DecodeWeights {
    /// Reads the weights of `model`, on the CPU (flex), where tensors read back at once.
    pub fn read_cpu(model: &Tumbler) -> Result<Self, ReadbackError> {
        let mut params = HashMap::new();
        for (name, tensor, _shape) in model.named_params() {
            let data = tensor.try_into_data().map_err(|e| ReadbackError::of(&e))?;
            params.insert(name, data.try_to_vec::<f32>().map_err(|e| ReadbackError::of(&e))?);
        }
        Ok(Self::from_params(&model.config, params))
    }

    /// The weights from their flat values by name (the names of the weights file), which must
    /// all be there with the config's shapes (as [`Tumbler::named_params`] gives them).
    fn from_params(config: &TumblerConfig, mut params: HashMap<String, Vec<f32>>) -> Self {
        let mut take = |name: &str| {
            params.remove(name).unwrap_or_else(|| panic!("the model has no parameter {name}"))
        };
        let c = config.d_model;
        let layers = (0..config.n_layers)
            .map(|i| {
                let mut m = BLOCK_MATRICES.map(|part| take(&format!("blocks.{i}.{part}")));
                let [wq, wk, wv, wo, w_gate, w_up, w_down] = &mut m;
                LayerWeights {
                    attn_norm: take(&format!("blocks.{i}.attn_norm.weight")),
                    wqkv: side_by_side(c, &[wq, wk, wv]),
                    wo: std::mem::take(wo),
                    mlp_norm: take(&format!("blocks.{i}.mlp_norm.weight")),
                    w_gate_up: side_by_side(c, &[w_gate, w_up]),
                    w_down: std::mem::take(w_down),
                }
            })
            .collect();
        let (rope_cos, rope_sin) = rope_tables(config);
        Self {
            embedding: take("embedding.weight"),
            layers,
            norm: take("norm.weight"),
            rope_cos,
            rope_sin,
            config: config.clone(),
        }
    }

    /// Bytes of weights held.
    pub fn size_bytes(&self) -> usize {
        let layer = |l: &LayerWeights| {
            l.attn_norm.len()
                + l.wqkv.len()
                + l.wo.len()
                + l.mlp_norm.len()
                + l.w_gate_up.len()
                + l.w_down.len()
        };
        4 * (self.embedding.len() + self.norm.len() + self.layers.iter().map(layer).sum::<usize>())
    }
}

/// Matrices of `rows` rows each, joined row by row: row i of the result is row i of each in turn.
fn side_by_side(rows: usize, matrices: &[&mut Vec<f32>]) -> Vec<f32> {
    let widths: Vec<usize> = matrices.iter().map(|m| m.len() / rows).collect();
    let mut out = Vec::with_capacity(matrices.iter().map(|m| m.len()).sum());
    for i in 0..rows {
        for (m, &w) in matrices.iter().zip(&widths) {
            out.extend_from_slice(&m[i * w..(i + 1) * w]);
        }
    }
    out
}

/// cos and sin of position · θ_i for every position of the context, (context, hs/2) each,
/// θ_i = theta^(-2i/hs), computed in f64 as [`Rope::new`](crate::gpt::rope::Rope::new) does.
fn rope_tables(config: &TumblerConfig) -> (Vec<f32>, Vec<f32>) {
    let hs = config.head_size();
    let half = hs / 2;
    let mut cos = Vec::with_capacity(config.context_length * half);
    let mut sin = Vec::with_capacity(config.context_length * half);
    for pos in 0..config.context_length {
        for i in 0..half {
            let freq = config.rope_theta.powf(-((2 * i) as f64) / hs as f64);
            let angle = pos as f64 * freq;
            cos.push(angle.cos() as f32);
            sin.push(angle.sin() as f32);
        }
    }
    (cos, sin)
}
