//! The Tumbler's hyper-parameters, their JSON form (saved beside the weights as `config.json`),
//! and the two numbers the compute chapter reads: parameters and FLOPs per token.
//!
//! Plain data with no burn dependency, so the page can show them before the model loads.

use serde::{Deserialize, Serialize};

/// The weight matrices of a block by their names in the weights file (`blocks.{layer}.{name}`),
/// in the order the file stores them and `Block::matrices` gives them: the one list of them.
pub const BLOCK_MATRICES: [&str; 7] =
    ["attn.wq", "attn.wk", "attn.wv", "attn.wo", "mlp.w_gate", "mlp.w_up", "mlp.w_down"];

/// A configuration the model cannot be built from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A size that must be positive is zero.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    /// `d_model` must split evenly into heads.
    #[error("d_model {d_model} is not divisible by n_heads {n_heads}")]
    HeadSplit {
        /// Model width.
        d_model: usize,
        /// Number of query heads.
        n_heads: usize,
    },
    /// Query heads must split evenly into key/value groups.
    #[error("n_heads {n_heads} is not divisible by n_kv_heads {n_kv_heads}")]
    KvGroups {
        /// Number of query heads.
        n_heads: usize,
        /// Number of key/value heads.
        n_kv_heads: usize,
    },
    /// Rotary embeddings rotate pairs of dimensions, so the head size must be even.
    #[error("head size {0} must be even for rotary embeddings")]
    OddHeadSize(usize),
}

/// The hyper-parameters of a Tumbler model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TumblerConfig {
    /// Vocabulary size V: rows of the token embedding, which is also the output head.
    pub vocab_size: usize,
    /// Model width C: the size of every token's vector between blocks.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Number of query heads nh; the head size is hs = C / nh.
    pub n_heads: usize,
    /// Number of key/value heads; fewer than `n_heads` is grouped-query attention.
    pub n_kv_heads: usize,
    /// Hidden width of the SwiGLU MLP.
    pub d_ff: usize,
    /// Longest sequence the model is trained on (and the rotary tables cover).
    pub context_length: usize,
    /// Base of the rotary frequencies (10 000 in RoFormer and LLaMA).
    pub rope_theta: f64,
    /// Added under the square root in RMSNorm.
    pub norm_eps: f64,
}

impl TumblerConfig {
    /// The model the guide trains and ships: small enough to train on a CPU and to run in a
    /// browser, big enough to learn words.
    pub fn small() -> Self {
        Self {
            vocab_size: 4096,
            d_model: 192,
            n_layers: 4,
            n_heads: 6,
            n_kv_heads: 6,
            d_ff: 512,
            context_length: 256,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    /// A toy for tests: every code path (including grouped-query attention) in milliseconds.
    pub fn tiny() -> Self {
        Self {
            vocab_size: 300,
            d_model: 32,
            n_layers: 2,
            n_heads: 4,
            n_kv_heads: 2,
            d_ff: 64,
            context_length: 64,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    /// The model the training chapter trains in the page, from scratch, while the reader watches:
    /// the Tumbler's vocabulary (its tokenizer's ids) and two thin layers, so a step on a CPU in
    /// the browser takes a fraction of a second.
    pub fn toy(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            d_model: 64,
            n_layers: 2,
            n_heads: 4,
            n_kv_heads: 4,
            d_ff: 128,
            context_length: 64,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    /// Head size hs = C / nh.
    pub fn head_size(&self) -> usize {
        self.d_model / self.n_heads
    }

    /// Query heads per key/value head.
    pub fn kv_group_size(&self) -> usize {
        self.n_heads / self.n_kv_heads
    }

    /// Checks that the sizes fit together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, value) in [
            ("vocab_size", self.vocab_size),
            ("d_model", self.d_model),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("n_kv_heads", self.n_kv_heads),
            ("d_ff", self.d_ff),
            ("context_length", self.context_length),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if !self.d_model.is_multiple_of(self.n_heads) {
            return Err(ConfigError::HeadSplit { d_model: self.d_model, n_heads: self.n_heads });
        }
        if !self.n_heads.is_multiple_of(self.n_kv_heads) {
            return Err(ConfigError::KvGroups {
                n_heads: self.n_heads,
                n_kv_heads: self.n_kv_heads,
            });
        }
        if !self.head_size().is_multiple_of(2) {
            return Err(ConfigError::OddHeadSize(self.head_size()));
        }
        Ok(())
    }

    /// Parameters in one block: four attention projections, three MLP matrices, two norms.
    pub fn params_per_layer(&self) -> usize {
        let c = self.d_model;
        let hs = self.head_size();
        let attention = c * self.n_heads * hs // W_q
            + 2 * c * self.n_kv_heads * hs // W_k, W_v
            + self.n_heads * hs * c; // W_o
        let mlp = 3 * c * self.d_ff; // W_gate, W_up, W_down
        attention + mlp + 2 * c
    }

    /// Every parameter, counting the tied embedding/output matrix once.
    pub fn param_count(&self) -> usize {
        self.vocab_size * self.d_model + self.n_layers * self.params_per_layer() + self.d_model
    }

    /// Forward-pass FLOPs (a multiply-add counts 2) to process one token that attends to `t`
    /// positions: every matrix multiply, the attention scores and weighted sum, and the output
    /// head. Norms, softmax and RoPE are a few FLOPs per number and left out, as in Kaplan et al.
    /// (2020); training costs about three times this (forward plus a backward twice as dear).
    pub fn flops_per_token(&self, t: usize) -> u64 {
        let c = self.d_model as u64;
        let hs = self.head_size() as u64;
        let nh = self.n_heads as u64;
        let nkv = self.n_kv_heads as u64;
        let projections = 2 * (c * nh * hs + 2 * c * nkv * hs + nh * hs * c);
        let attention = 2 * 2 * nh * hs * t as u64; // q·k for t keys, then Σ p·v over t values
        let mlp = 2 * 3 * c * self.d_ff as u64;
        let head = 2 * c * self.vocab_size as u64;
        self.n_layers as u64 * (projections + attention + mlp) + head
    }

    /// The JSON saved beside the weights.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a config of numbers always serialises")
    }

    /// Reads and validates a config from its JSON form.
    pub fn from_json(json: &str) -> Result<Self, ConfigJsonError> {
        let config: Self = serde_json::from_str(json)?;
        config.validate()?;
        Ok(config)
    }
}

/// A `config.json` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigJsonError {
    /// Not JSON, or a field missing or of the wrong type.
    #[error("config.json is not a valid Tumbler config: {0}")]
    Json(#[from] serde_json::Error),
    /// Parsed, but the sizes do not fit together.
    #[error("config.json describes an impossible model: {0}")]
    Invalid(#[from] ConfigError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        TumblerConfig::small().validate().unwrap();
        TumblerConfig::tiny().validate().unwrap();
        TumblerConfig::toy(4096).validate().unwrap();
    }

    #[test]
    fn param_count_of_small_by_hand() {
        let c = TumblerConfig::small();
        // Per layer: 4 * 192² attention + 3 * 192 * 512 MLP + 2 * 192 norms.
        let per_layer = 4 * 192 * 192 + 3 * 192 * 512 + 2 * 192;
        assert_eq!(c.params_per_layer(), per_layer);
        assert_eq!(c.param_count(), 4096 * 192 + 4 * per_layer + 192);
    }

    #[test]
    fn grouped_query_attention_shrinks_k_and_v() {
        let mha = TumblerConfig::tiny();
        let gqa = TumblerConfig { n_kv_heads: 1, ..mha.clone() };
        // With n_kv_heads 2 -> 1, W_k and W_v each lose 32 * 8 weights per layer.
        assert_eq!(mha.param_count() - gqa.param_count(), 2 * 2 * 32 * 8);
    }

    #[test]
    fn flops_grow_linearly_with_context() {
        let c = TumblerConfig::small();
        let step = c.flops_per_token(11) - c.flops_per_token(10);
        assert_eq!(step, 4 * 2 * 2 * 6 * 32);
        // At short context the count is close to 2 × parameters (Kaplan's rule of thumb).
        let ratio = c.flops_per_token(1) as f64 / (2 * c.param_count()) as f64;
        assert!((0.95..1.05).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn json_round_trip_and_validation() {
        let c = TumblerConfig::small();
        assert_eq!(TumblerConfig::from_json(&c.to_json()).unwrap(), c);
        let bad = TumblerConfig { n_heads: 5, ..c.clone() }.to_json();
        assert!(matches!(
            TumblerConfig::from_json(&bad),
            Err(ConfigJsonError::Invalid(ConfigError::HeadSplit { .. }))
        ));
        assert!(matches!(
            TumblerConfig::from_json("{\"vocab_size\": 3}"),
            Err(ConfigJsonError::Json(_))
        ));
    }
}
