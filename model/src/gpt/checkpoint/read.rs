//! A checkpoint's weights read into a [`Tumbler`] (either naming, f32, f16 or bf16), and the
//! Tumbler written out in transformers' Llama naming: the round trip that proves the two agree.
//!
//! transformers' `nn.Linear` stores a projection (out, in) and computes `x Wᵀ`; the Tumbler
//! stores (in, out) and computes `x W`, so every projection is transposed on the way. Nothing
//! else moves: transformers' Llama rotates q and k in the rotate-half layout the Tumbler uses,
//! after splitting heads the same way (`view(B, T, nh, hs)`), so no row is permuted. (Meta's
//! original checkpoints and llama2.c's use the interleaved layout; transformers' conversion
//! script permutes q_proj and k_proj into rotate-half, which is what its files hold.)

use std::collections::{HashMap, HashSet};
use std::path::Path;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::{Checkpoint, CheckpointError, Naming, read_config};
use crate::gpt::BLOCK_MATRICES;
use crate::gpt::config::{ConfigJsonError, TumblerConfig};
use crate::gpt::model::{ParamSource, Tumbler};
use crate::gpt::weights::{WeightsError, tensor_values};

/// The Llama name of each of [`BLOCK_MATRICES`], in its order.
const LLAMA_MATRICES: [&str; 7] = [
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
];

/// Old transformers checkpoints also store each layer's rotary frequencies, which are computed,
/// not learned: read past them.
const ROTARY_BUFFER: &str = ".self_attn.rotary_emb.inv_freq";

/// How `file` names its tensors: Llama's if it has Llama's embedding, else ours.
pub fn naming(file: &SafeTensors<'_>) -> Naming {
    if file.names().contains(&"model.embed_tokens.weight") {
        Naming::Llama
    } else {
        Naming::Tumbler
    }
}

/// How the safetensors file `bytes` names its tensors (ours when it does not parse, which
/// [`from_safetensors`] then reports).
pub fn naming_of(bytes: &[u8]) -> Naming {
    SafeTensors::deserialize(bytes).map_or(Naming::Tumbler, |file| naming(&file))
}

/// The model of `checkpoint` from safetensors bytes in either naming, every tensor checked for
/// presence, shape and dtype, and every tensor of the file used.
pub fn from_safetensors(
    checkpoint: &Checkpoint,
    bytes: &[u8],
    device: &Device,
) -> Result<Tumbler, WeightsError> {
    checkpoint.config.validate().map_err(ConfigJsonError::from)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Format(e.to_string()))?;
    let naming = naming(&file);
    let mut source = Source { file: &file, device, naming, used: HashSet::new() };
    let model = Tumbler::build(&checkpoint.config, &mut source)?;
    if naming == Naming::Llama && file.names().contains(&"lm_head.weight") {
        check_tied_head(&file, &checkpoint.config)?;
        source.used.insert("lm_head.weight".into());
    }
    let extra = file
        .names()
        .into_iter()
        .filter(|n| !(naming == Naming::Llama && n.ends_with(ROTARY_BUFFER)))
        .find(|n| !source.used.contains(*n));
    if let Some(extra) = extra {
        return Err(WeightsError::Unexpected(extra.to_string()));
    }
    Ok(model)
}

/// Reads `config.json` and `model.safetensors` from `dir`, in either format (natively: the CLI);
/// the name is the config's, else the directory's.
pub fn load_dir(dir: &Path, device: &Device) -> Result<(Checkpoint, Tumbler), CheckpointError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| CheckpointError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let fallback = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let config = read("config.json")?;
    let checkpoint = read_config(&String::from_utf8_lossy(&config), &fallback)?;
    let model = from_safetensors(&checkpoint, &read("model.safetensors")?, device)?;
    Ok((checkpoint, model))
}

/// An `lm_head.weight` is only accepted as a copy of the embedding: the Tumbler, and every
/// chapter that reads logits through it (the logit lens, the attributions), ties the two.
fn check_tied_head(file: &SafeTensors<'_>, config: &TumblerConfig) -> Result<(), WeightsError> {
    let shape = [config.vocab_size, config.d_model];
    let head = tensor_values(file, "lm_head.weight", &shape)?;
    let embedding = tensor_values(file, "model.embed_tokens.weight", &shape)?;
    if head != embedding {
        return Err(WeightsError::Format(
            "lm_head.weight differs from model.embed_tokens.weight: an untied output head is \
             not supported (the Tumbler and its chapters read the logits through the \
             embedding); only checkpoints with tied embeddings load"
                .into(),
        ));
    }
    Ok(())
}

/// The file's name for the Tumbler's parameter `name`, and whether it is stored transposed.
fn file_name(naming: Naming, name: &str) -> (String, bool) {
    if naming == Naming::Tumbler {
        return (name.to_string(), false);
    }
    match name {
        "embedding.weight" => ("model.embed_tokens.weight".into(), false),
        "norm.weight" => ("model.norm.weight".into(), false),
        _ => {
            let rest = name.strip_prefix("blocks.").expect("block parameters start blocks.");
            let (layer, part) = rest.split_once('.').expect("blocks.{i}.{part}");
            let (part, transposed) = match part {
                "attn_norm.weight" => ("input_layernorm".to_string(), false),
                "mlp_norm.weight" => ("post_attention_layernorm".to_string(), false),
                _ => {
                    let i = BLOCK_MATRICES.iter().position(|m| part == *m).expect("a block matrix");
                    (LLAMA_MATRICES[i].to_string(), true)
                }
            };
            (format!("model.layers.{layer}.{part}.weight"), transposed)
        }
    }
}

/// A (rows, cols) row-major matrix as (cols, rows).
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

struct Source<'a> {
    file: &'a SafeTensors<'a>,
    device: &'a Device,
    naming: Naming,
    used: HashSet<String>,
}

impl ParamSource for Source<'_> {
    type Error = WeightsError;

    fn matrix(
        &mut self,
        name: &str,
        shape: [usize; 2],
        _: f64,
    ) -> Result<Param<Tensor<2>>, WeightsError> {
        let (stored, transposed) = file_name(self.naming, name);
        let values = if transposed {
            // (out, in) in the file; (in, out) here.
            let values = tensor_values(self.file, &stored, &[shape[1], shape[0]])?;
            transpose(&values, shape[1], shape[0])
        } else {
            tensor_values(self.file, &stored, &shape)?
        };
        self.used.insert(stored);
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), self.device)))
    }

    fn vector(&mut self, name: &str, len: usize) -> Result<Param<Tensor<1>>, WeightsError> {
        let (stored, _) = file_name(self.naming, name);
        let values = tensor_values(self.file, &stored, &[len])?;
        self.used.insert(stored);
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(values, [len]), self.device)))
    }
}

/// A tensor by name: its values (row-major f32) and shape.
pub type NamedTensor = (String, Vec<f32>, Vec<usize>);

/// How [`serialize`] stores the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlamaDtype {
    /// 4 bytes, exact.
    F32,
    /// IEEE half.
    F16,
    /// bfloat16: f32's exponent, 8 bits of mantissa (what most Llama checkpoints ship).
    Bf16,
}

/// Little-endian bytes of `values` in `dtype` (bf16 rounded to nearest even).
pub fn encode(values: &[f32], dtype: LlamaDtype) -> Vec<u8> {
    match dtype {
        LlamaDtype::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        LlamaDtype::F16 => {
            values.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect()
        }
        LlamaDtype::Bf16 => {
            values.iter().flat_map(|&v| half::bf16::from_f32(v).to_le_bytes()).collect()
        }
    }
}

/// A safetensors file of named tensors, (name, values, shape), in `dtype`.
pub fn serialize(tensors: &[NamedTensor], dtype: LlamaDtype) -> Result<Vec<u8>, WeightsError> {
    let st = match dtype {
        LlamaDtype::F32 => Dtype::F32,
        LlamaDtype::F16 => Dtype::F16,
        LlamaDtype::Bf16 => Dtype::BF16,
    };
    let buffers: Vec<(&String, Vec<u8>, &Vec<usize>)> =
        tensors.iter().map(|(n, v, s)| (n, encode(v, dtype), s)).collect();
    let views = buffers
        .iter()
        .map(|(name, bytes, shape)| {
            TensorView::new(st, (*shape).clone(), bytes)
                .map(|view| ((*name).clone(), view))
                .map_err(|e| WeightsError::Format(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Format(e.to_string()))
}

/// transformers' `config.json` for a `LlamaForCausalLM` of `config`'s sizes, named `name`.
pub fn llama_config_json(config: &TumblerConfig, name: &str) -> String {
    let json = serde_json::json!({
        "_name_or_path": name,
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": config.vocab_size,
        "hidden_size": config.d_model,
        "intermediate_size": config.d_ff,
        "num_hidden_layers": config.n_layers,
        "num_attention_heads": config.n_heads,
        "num_key_value_heads": config.n_kv_heads,
        "max_position_embeddings": config.context_length,
        "rope_theta": config.rope_theta,
        "rms_norm_eps": config.norm_eps,
        "hidden_act": "silu",
        "attention_bias": false,
        "mlp_bias": false,
        "rope_scaling": null,
        "tie_word_embeddings": true,
        "torch_dtype": "float32",
    });
    serde_json::to_string_pretty(&json).expect("a config of numbers always serialises")
}

/// The model's tensors in Llama naming and layout (projections (out, in)), read back from the
/// device: what `model.safetensors` of a `LlamaForCausalLM` holds.
pub fn llama_tensors(model: &Tumbler) -> Result<Vec<NamedTensor>, WeightsError> {
    let mut out = Vec::new();
    for (name, tensor, shape) in model.named_params() {
        let values = tensor
            .try_into_data()
            .map_err(|e| WeightsError::Readback(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| WeightsError::Readback(format!("{e:?}")))?;
        let (stored, transposed) = file_name(Naming::Llama, &name);
        if transposed {
            out.push((stored, transpose(&values, shape[0], shape[1]), vec![shape[1], shape[0]]));
        } else {
            out.push((stored, values, shape));
        }
    }
    Ok(out)
}
