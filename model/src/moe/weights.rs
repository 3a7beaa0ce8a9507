//! The MoE Tumbler's files: `moe.safetensors` (every tensor of
//! [`MoeTumbler::named_params`], f16 or f32) and its card `moe.json` ([`MoeCard`], which holds the
//! config). Loading checks every name and shape against the config; a damaged file is an error,
//! never a panic.

use std::collections::HashMap;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::model::{Experts, MoeBlock, MoeTumbler};
use super::{MoeCard, MoeConfig};
use crate::gpt::attention::Attention;
use crate::gpt::embedding::TokenEmbedding;
use crate::gpt::rmsnorm::RmsNorm;
use crate::gpt::weights::tensor_values;
use crate::gpt::{ConfigJsonError, StorageDtype, WeightsError};

/// Serialises the model's weights to safetensors bytes.
pub fn to_safetensors(model: &MoeTumbler, dtype: StorageDtype) -> Result<Vec<u8>, WeightsError> {
    let mut buffers = Vec::new();
    for (name, tensor, shape) in model.named_params() {
        let values = tensor
            .try_into_data()
            .map_err(|e| WeightsError::Readback(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| WeightsError::Readback(format!("{e:?}")))?;
        let bytes: Vec<u8> = match dtype {
            StorageDtype::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            StorageDtype::F16 => {
                values.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect()
            }
        };
        buffers.push((name, bytes, shape));
    }
    let st = if dtype == StorageDtype::F16 { Dtype::F16 } else { Dtype::F32 };
    let views = buffers
        .iter()
        .map(|(name, bytes, shape)| {
            TensorView::new(st, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| WeightsError::Format(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = HashMap::from([("format".to_string(), "tumbler-moe".to_string())]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Format(e.to_string()))
}

/// Reads the card `moe.json` (its config is the model's shape).
pub fn card_from_json(text: &str) -> Result<MoeCard, WeightsError> {
    let card: MoeCard =
        serde_json::from_str(text).map_err(|e| WeightsError::Format(format!("moe.json: {e}")))?;
    card.config.validate().map_err(ConfigJsonError::from)?;
    Ok(card)
}

struct Reader<'a> {
    file: SafeTensors<'a>,
    device: &'a Device,
    used: usize,
}

impl Reader<'_> {
    fn read<const D: usize>(
        &mut self,
        name: &str,
        shape: [usize; D],
    ) -> Result<Param<Tensor<D>>, WeightsError> {
        let values = tensor_values(&self.file, name, &shape)?;
        self.used += 1;
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), self.device)))
    }
}

/// Builds the model of `config` from safetensors bytes.
pub fn from_safetensors(
    config: &MoeConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<MoeTumbler, WeightsError> {
    config.validate().map_err(ConfigJsonError::from)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Format(e.to_string()))?;
    let mut r = Reader { file, device, used: 0 };
    let b = &config.base;
    let (c, v, hs) = (b.d_model, b.vocab_size, b.head_size());
    let (q, kv) = (b.n_heads * hs, b.n_kv_heads * hs);
    let (e, d) = (config.n_experts, config.d_expert);
    let embedding = TokenEmbedding { weight: r.read("embedding.weight", [v, c])? };
    let mut blocks = Vec::with_capacity(b.n_layers);
    for i in 0..b.n_layers {
        let name = |part: &str| format!("blocks.{i}.{part}");
        let norm = |w| RmsNorm { weight: w, eps: b.norm_eps };
        blocks.push(MoeBlock {
            attn_norm: norm(r.read(&name("attn_norm.weight"), [c])?),
            attn: Attention {
                wq: r.read(&name("attn.wq"), [c, q])?,
                wk: r.read(&name("attn.wk"), [c, kv])?,
                wv: r.read(&name("attn.wv"), [c, kv])?,
                wo: r.read(&name("attn.wo"), [q, c])?,
                n_heads: b.n_heads,
                n_kv_heads: b.n_kv_heads,
            },
            mlp_norm: norm(r.read(&name("mlp_norm.weight"), [c])?),
            experts: Experts {
                router: r.read(&name("moe.router"), [c, e])?,
                w_gate: r.read(&name("moe.w_gate"), [e, c, d])?,
                w_up: r.read(&name("moe.w_up"), [e, c, d])?,
                w_down: r.read(&name("moe.w_down"), [e, d, c])?,
                top_k: config.top_k,
            },
        });
    }
    let norm = RmsNorm { weight: r.read("norm.weight", [c])?, eps: b.norm_eps };
    if r.used != r.file.len() {
        let extra = r.file.names().len() - r.used;
        return Err(WeightsError::Unexpected(format!("{extra} tensors beyond the config's")));
    }
    Ok(MoeTumbler { embedding, blocks, norm, config: config.clone() })
}
