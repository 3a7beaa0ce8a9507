//! Checkpoints the reader brings: a `config.json` in our own format or in Hugging Face's for
//! `LlamaForCausalLM` (Touvron et al. 2023), read into a [`TumblerConfig`] with everything the
//! Tumbler cannot run refused by name, and the memory a model needs in the browser's engine.
//!
//! The Tumbler is a Llama: RMSNorm before attention and MLP, rotary embeddings in the
//! rotate-half layout transformers uses (dimension i paired with i + hs/2), SwiGLU, no biases,
//! grouped-query attention. What it is not: an untied output head, rotary scaling, biases, a
//! head size other than C / nh. Those are refused here, before a weight is read.
//!
//! Plain data with no burn dependency, so the page checks a config (and the size of the weights
//! it names) before it sends a byte to the worker; the weights are read by [`read`] (with burn).

#[cfg(feature = "gpt")]
pub mod foreign;
#[cfg(feature = "gpt")]
pub mod read;

#[cfg(all(test, feature = "gpt"))]
mod tests;

use serde_json::Value;

use super::config::{ConfigJsonError, TumblerConfig};

/// The longest context an imported model is given: the GPU decoder's kernels hold at most 1024
/// positions (`MAX_CTX` in the shaders), and a model that lists more (Llama's 2048 to 131,072)
/// still runs every chapter, whose texts are shorter.
pub const MAX_IMPORTED_CONTEXT: usize = 1024;

/// The bytes of wasm memory the engine may spend on a model: wasm32 addresses 4 GiB at most
/// (Chromium grants all of it to a worker); a quarter is left for the worker's own code, the
/// tokenizer, the KV caches and the answers.
pub const BROWSER_MODEL_BUDGET: u64 = 3 << 30;

/// The largest single file the engine reads: wasm32 allocations stop short of 2 GiB
/// (`isize::MAX`), and the weights file is read into one.
pub const BROWSER_MAX_FILE: u64 = (2 << 30) - 1;

/// How a checkpoint's tensors are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Ours: `embedding.weight`, `blocks.{i}.attn.wq` stored (in, out), …
    Tumbler,
    /// transformers' `LlamaForCausalLM`: `model.embed_tokens.weight`,
    /// `model.layers.{i}.self_attn.q_proj.weight` stored (out, in), …
    Llama,
}

/// A checkpoint's config as the Tumbler reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The sizes, in our terms.
    pub config: TumblerConfig,
    /// What to call it: the config's `_name_or_path` or `name`, else `fallback`.
    pub name: String,
    /// Whether the config came in transformers' form (`model_type` "llama").
    pub llama_config: bool,
    /// A context cut to [`MAX_IMPORTED_CONTEXT`]: the length the config gave.
    pub context_cut_from: Option<usize>,
}

/// Why a checkpoint cannot be used. Every message says what was found and what would do.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// `config.json` is not JSON, or a field has the wrong type.
    #[error("config.json: {0}")]
    Json(String),
    /// Another architecture than Llama's.
    #[error(
        "config.json describes a {0} model; only Llama-architecture checkpoints \
         (LlamaForCausalLM, model_type \"llama\") or the Tumbler's own load here"
    )]
    Architecture(String),
    /// A Llama feature the Tumbler does not implement.
    #[error("config.json: {0}")]
    Unsupported(String),
    /// The sizes do not fit together (our format's own checks).
    #[error(transparent)]
    Config(#[from] ConfigJsonError),
    /// The tokenizer has ids the embedding has no row for.
    #[error(
        "tokenizer.json has {tokenizer} tokens but the model's vocabulary (config.json \
         vocab_size, the embedding's rows) is {model}: they belong to different models"
    )]
    Vocab {
        /// Tokens in tokenizer.json.
        tokenizer: usize,
        /// The config's vocabulary size.
        model: usize,
    },
    /// A file could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The weights do not match the config, or cannot be read.
    #[cfg(feature = "gpt")]
    #[error("model.safetensors: {0}")]
    Weights(#[from] crate::gpt::weights::WeightsError),
    /// The model would not fit in the engine's memory.
    #[error(
        "{name} is too large for the browser's engine: {params} parameters in a {file_mb:.0} MB \
         file need about {need_mb:.0} MB of wasm memory (the file, then every weight as f32 twice: \
         burn's copy and the decoder's, plus one readback), and the engine has {budget_mb:.0} MB \
         for a model; files over {max_file_mb:.0} MB cannot be read at all"
    )]
    TooLarge {
        /// The model's name.
        name: String,
        /// Its parameters.
        params: usize,
        /// Size of its weights file, MB.
        file_mb: f64,
        /// What it would need, MB.
        need_mb: f64,
        /// [`BROWSER_MODEL_BUDGET`], MB.
        budget_mb: f64,
        /// [`BROWSER_MAX_FILE`], MB.
        max_file_mb: f64,
    },
}

/// Reads a `config.json` in either format; `fallback` names a model whose config does not.
pub fn read_config(json: &str, fallback: &str) -> Result<Checkpoint, CheckpointError> {
    let root: Value =
        serde_json::from_str(json).map_err(|e| CheckpointError::Json(e.to_string()))?;
    let object = root.as_object().ok_or_else(|| CheckpointError::Json("not an object".into()))?;
    let name = ["_name_or_path", "name"]
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
        .map(|n| n.rsplit('/').next().unwrap_or(n).trim())
        .filter(|n| !n.is_empty())
        .unwrap_or(fallback)
        .to_string();
    if object.contains_key("d_model") {
        let mut config: TumblerConfig = serde_json::from_value(root.clone())
            .map_err(|e| CheckpointError::Config(ConfigJsonError::Json(e)))?;
        config.validate().map_err(ConfigJsonError::from)?;
        let context_cut_from = cut_context(&mut config);
        return Ok(Checkpoint { config, name, llama_config: false, context_cut_from });
    }
    let mut config = llama_config(object)?;
    let context_cut_from = cut_context(&mut config);
    Ok(Checkpoint { config, name, llama_config: true, context_cut_from })
}

fn cut_context(config: &mut TumblerConfig) -> Option<usize> {
    let given = config.context_length;
    (given > MAX_IMPORTED_CONTEXT).then(|| {
        config.context_length = MAX_IMPORTED_CONTEXT;
        given
    })
}

/// transformers' `LlamaConfig`, with its defaults for the fields it may leave out.
fn llama_config(c: &serde_json::Map<String, Value>) -> Result<TumblerConfig, CheckpointError> {
    let model_type = c.get("model_type").and_then(Value::as_str);
    let architectures: Vec<&str> = c
        .get("architectures")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match (model_type, architectures.first()) {
        (Some("llama"), _) | (None, Some(&"LlamaForCausalLM")) => {}
        (Some(other), _) => return Err(CheckpointError::Architecture(format!("\"{other}\""))),
        (None, Some(other)) => return Err(CheckpointError::Architecture((*other).to_string())),
        (None, None) => {
            return Err(CheckpointError::Architecture(
                "model of unknown type (no model_type, no architectures, no d_model)".into(),
            ));
        }
    }
    if let Some(other) = architectures.iter().find(|a| **a != "LlamaForCausalLM") {
        return Err(CheckpointError::Architecture((*other).to_string()));
    }
    let size = |key: &str| -> Result<Option<usize>, CheckpointError> {
        match c.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                v.as_u64().and_then(|n| usize::try_from(n).ok()).map(Some).ok_or_else(|| {
                    CheckpointError::Json(format!("{key} is not a whole number: {v}"))
                })
            }
        }
    };
    let required =
        |key: &str| size(key)?.ok_or_else(|| CheckpointError::Json(format!("{key} is missing")));
    let number = |key: &str, default: f64| match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => {
            v.as_f64().ok_or_else(|| CheckpointError::Json(format!("{key} is not a number: {v}")))
        }
    };
    let flag = |key: &str| c.get(key).and_then(Value::as_bool).unwrap_or(false);
    let unsupported = |what: String| Err(CheckpointError::Unsupported(what));

    let act = c.get("hidden_act").and_then(Value::as_str).unwrap_or("silu");
    if act != "silu" {
        return unsupported(format!(
            "hidden_act \"{act}\": the Tumbler's MLP is SwiGLU (silu), as Llama's"
        ));
    }
    if flag("attention_bias") || flag("mlp_bias") {
        return unsupported(
            "biases in attention or MLP projections: Llama and the Tumbler have none".into(),
        );
    }
    if c.get("rope_scaling").is_some_and(|v| !v.is_null()) {
        return unsupported(
            "rope_scaling (Llama 3.1's long-context rotary scaling) is not implemented; only \
             plain rotary embeddings"
                .into(),
        );
    }
    let d_model = required("hidden_size")?;
    let n_heads = required("num_attention_heads")?;
    if let Some(head_dim) = size("head_dim")?
        && n_heads > 0
        && head_dim * n_heads != d_model
    {
        return unsupported(format!(
            "head_dim {head_dim} × {n_heads} heads is not hidden_size {d_model}: the Tumbler's \
             heads split the model width"
        ));
    }
    let config = TumblerConfig {
        vocab_size: required("vocab_size")?,
        d_model,
        n_layers: required("num_hidden_layers")?,
        n_heads,
        n_kv_heads: size("num_key_value_heads")?.unwrap_or(n_heads),
        d_ff: required("intermediate_size")?,
        context_length: size("max_position_embeddings")?.unwrap_or(2048),
        rope_theta: number("rope_theta", 10_000.0)?,
        // LlamaConfig's default.
        norm_eps: number("rms_norm_eps", 1e-6)?,
    };
    config.validate().map_err(ConfigJsonError::from)?;
    Ok(config)
}

/// Checks the tokenizer against the model: every id it can produce needs an embedding row (a
/// vocabulary padded beyond the tokenizer, as many checkpoints are, is fine).
pub fn check_vocab(config: &TumblerConfig, tokenizer_size: usize) -> Result<(), CheckpointError> {
    if tokenizer_size > config.vocab_size {
        return Err(CheckpointError::Vocab { tokenizer: tokenizer_size, model: config.vocab_size });
    }
    Ok(())
}

/// Bytes of wasm memory the engine needs to load a model of `params` parameters from a weights
/// file of `file_bytes`: the file, burn's f32 copy, the CPU decoder's f32 copy, and the f32
/// readback the decoder's copy is made from (freed after).
pub fn browser_memory_needed(params: usize, file_bytes: u64) -> u64 {
    file_bytes + 3 * 4 * params as u64
}

/// Refuses a model the browser's engine cannot hold, before any of it is read.
pub fn check_browser_size(
    name: &str,
    config: &TumblerConfig,
    file_bytes: u64,
) -> Result<(), CheckpointError> {
    let params = config.param_count();
    let need = browser_memory_needed(params, file_bytes);
    if need > BROWSER_MODEL_BUDGET || file_bytes > BROWSER_MAX_FILE {
        let mb = |b: u64| b as f64 / 1e6;
        return Err(CheckpointError::TooLarge {
            name: name.to_string(),
            params,
            file_mb: mb(file_bytes),
            need_mb: mb(need),
            budget_mb: mb(BROWSER_MODEL_BUDGET),
            max_file_mb: mb(BROWSER_MAX_FILE),
        });
    }
    Ok(())
}
