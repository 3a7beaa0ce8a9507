//! A checkpoint this project did not train: a `LlamaForCausalLM` with seeded random weights, a
//! width, depth, head layout, rotary base, norm epsilon and vocabulary unlike the Tumbler's, in
//! transformers' naming, layout and dtype (bf16), with a byte-level BPE `tokenizer.json` of its
//! own. The tests check the Tumbler's reading of it against an independent forward pass; the
//! CLI writes it (`tumbler foreign --out DIR`) for the page's tests to open.

use serde_json::json;

use super::read::{LlamaDtype, NamedTensor, llama_config_json, serialize};
use crate::gpt::config::TumblerConfig;
use crate::gpt::weights::WeightsError;
use crate::sampling::Rng;
use crate::tokenizer::hf::byte_to_char;
use crate::tokenizer::split::CL100K_JSON_PATTERN;

/// The name its config gives it.
pub const FOREIGN_NAME: &str = "foreign-llama-3L-48C";

/// Byte pairs merged into tokens of their own, in rank order: common English bigrams, so text
/// typed into the page splits into a few of them.
const MERGES: [&str; 40] = [
    " t", "th", "he", " a", "in", "er", "an", " s", "re", "on", " w", "at", "en", "nd", " o", "es",
    "ed", "is", "or", "it", " b", "ar", " c", "ou", "ng", "al", " h", "te", "st", " f", "le", " m",
    "ve", "as", " i", "se", "ll", " p", "me", " d",
];

/// Its end-of-text token, the one special token.
pub const FOREIGN_SPECIAL: &str = "<|endoftext|>";

/// Its sizes: every one unlike the shipped Tumbler's (vocabulary 4096, width 128, 4 layers of
/// 4 heads of 32, MLP 384, rotary base 10 000, epsilon 1e-5), with grouped-query attention (3
/// query heads per key/value head).
pub fn foreign_config() -> TumblerConfig {
    TumblerConfig {
        vocab_size: 256 + MERGES.len() + 1,
        d_model: 48,
        n_layers: 3,
        n_heads: 6,
        n_kv_heads: 2,
        d_ff: 80,
        context_length: 128,
        rope_theta: 5_000.0,
        norm_eps: 1e-6,
    }
}

/// The three files of the checkpoint: `config.json`, `tokenizer.json`, `model.safetensors`.
#[derive(Debug, Clone)]
pub struct ForeignFiles {
    /// transformers' config.
    pub config: String,
    /// The byte-level BPE tokenizer.
    pub tokenizer: String,
    /// The weights, bf16 unless asked otherwise.
    pub weights: Vec<u8>,
    /// The same weights as f32 (exactly the values the bf16 file rounds to), by Llama name,
    /// (name, values, shape): what the reference forward reads.
    pub tensors: Vec<NamedTensor>,
}

/// A larger model of the same family, to measure what the browser's engine loads: `layers`
/// blocks of width `width` (heads of 64, a quarter as many key/value heads where they divide,
/// an MLP of 8/3 the width as Llama's), the same tokenizer.
pub fn sized_config(width: usize, layers: usize) -> TumblerConfig {
    let n_heads = (width / 64).max(1);
    let n_kv_heads = if n_heads.is_multiple_of(4) { n_heads / 4 } else { n_heads };
    TumblerConfig {
        d_model: width,
        n_layers: layers,
        n_heads,
        n_kv_heads,
        d_ff: (width * 8 / 3).div_ceil(8) * 8,
        context_length: 512,
        ..foreign_config()
    }
}

/// Writes the checkpoint with weights drawn from `seed`, stored in `dtype`.
pub fn foreign_checkpoint(seed: u64, dtype: LlamaDtype) -> Result<ForeignFiles, WeightsError> {
    checkpoint_of(&foreign_config(), FOREIGN_NAME, seed, dtype)
}

/// A checkpoint of the family with `config`'s sizes (the vocabulary must be the tokenizer's).
pub fn checkpoint_of(
    config: &TumblerConfig,
    name: &str,
    seed: u64,
    dtype: LlamaDtype,
) -> Result<ForeignFiles, WeightsError> {
    let tensors = foreign_tensors(config, seed, dtype);
    Ok(ForeignFiles {
        config: llama_config_json(config, name),
        tokenizer: foreign_tokenizer_json(),
        weights: serialize(&tensors, dtype)?,
        tensors,
    })
}

/// Seeded weights in Llama naming, rounded to what `dtype` stores.
fn foreign_tensors(config: &TumblerConfig, seed: u64, dtype: LlamaDtype) -> Vec<NamedTensor> {
    let mut rng = Rng::new(seed);
    let round = |v: f64| match dtype {
        LlamaDtype::F32 => v as f32,
        LlamaDtype::F16 => half::f16::from_f64(v).to_f32(),
        LlamaDtype::Bf16 => half::bf16::from_f64(v).to_f32(),
    };
    let mut tensor = |name: String, shape: Vec<usize>, mean: f64, std: f64| {
        let n: usize = shape.iter().product();
        let values = (0..n).map(|_| round(mean + std * rng.next_normal())).collect();
        (name, values, shape)
    };
    let (c, hs) = (config.d_model, config.head_size());
    // The spreads below are for width 48; wider models get narrower ones, so their activations
    // stay in range.
    let narrow = (48.0 / c as f64).sqrt();
    let (q, kv, ff) = (config.n_heads * hs, config.n_kv_heads * hs, config.d_ff);
    let mut out =
        vec![tensor("model.embed_tokens.weight".into(), vec![config.vocab_size, c], 0.0, 0.5)];
    for i in 0..config.n_layers {
        let name = |part: &str| format!("model.layers.{i}.{part}.weight");
        // Norm gains away from 1, so a mistake in where they apply shows in the logits.
        out.push(tensor(name("input_layernorm"), vec![c], 1.0, 0.2));
        // (out, in), as nn.Linear stores them.
        for (part, shape, std) in [
            ("self_attn.q_proj", vec![q, c], 0.25),
            ("self_attn.k_proj", vec![kv, c], 0.25),
            ("self_attn.v_proj", vec![kv, c], 0.2),
            ("self_attn.o_proj", vec![c, q], 0.15),
        ] {
            out.push(tensor(name(part), shape, 0.0, std * narrow));
        }
        out.push(tensor(name("post_attention_layernorm"), vec![c], 1.0, 0.2));
        for (part, shape, std) in [
            ("mlp.gate_proj", vec![ff, c], 0.2),
            ("mlp.up_proj", vec![ff, c], 0.2),
            ("mlp.down_proj", vec![c, ff], 0.15),
        ] {
            out.push(tensor(name(part), shape, 0.0, std * narrow));
        }
    }
    out.push(tensor("model.norm.weight".into(), vec![c], 1.0, 0.2));
    out
}

/// A byte-level BPE `tokenizer.json` as `tokenizers` writes it, split as Llama 3's (and the
/// Tumbler's, and GPT-4's) are, which the engine worker splits without a regex engine: the 256
/// bytes (ids 0–255 in byte order), then one token per merge, then the special token.
pub fn foreign_tokenizer_json() -> String {
    let chars = byte_to_char();
    let spell = |s: &str| s.bytes().map(|b| chars[b as usize]).collect::<String>();
    let mut vocab = serde_json::Map::new();
    for (b, c) in chars.iter().enumerate() {
        vocab.insert(c.to_string(), json!(b));
    }
    let mut merges = Vec::new();
    for (i, pair) in MERGES.iter().enumerate() {
        let (a, b) = pair.split_at(1);
        merges.push(json!([spell(a), spell(b)]));
        vocab.insert(spell(pair), json!(256 + i));
    }
    let special_id = 256 + MERGES.len();
    let root = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [{
            "id": special_id, "content": FOREIGN_SPECIAL, "single_word": false,
            "lstrip": false, "rstrip": false, "normalized": false, "special": true
        }],
        "normalizer": null,
        // Llama 3's pre-tokenizer: cl100k_base's split, then bytes to characters.
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split", "pattern": { "Regex": CL100K_JSON_PATTERN },
                    "behavior": "Isolated", "invert": false
                },
                {
                    "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                    "use_regex": false
                }
            ]
        },
        "post_processor": null,
        "decoder": {
            "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true
        },
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab, "merges": merges
        }
    });
    serde_json::to_string_pretty(&root).expect("JSON values serialise")
}
