//! A mixture-of-experts Tumbler: every block's SwiGLU feed-forward replaced by E smaller SwiGLU
//! experts and a linear router that sends each token to its top k of them (Shazeer et al. 2017,
//! "Outrageously Large Neural Networks: The Sparsely-Gated Mixture-of-Experts Layer",
//! arXiv:1701.06538; Fedus, Zoph & Shazeer 2021, "Switch Transformers", arXiv:2101.03961; top-2
//! of 8 with a softmax over the two chosen scores as in Jiang et al. 2024, "Mixtral of Experts",
//! arXiv:2401.04088).
//!
//! For a token x (C numbers after the block's norm), with router W_r (C, E):
//!
//! ```text
//! s = x W_r                    router scores, (E)
//! p = softmax(s)               router probabilities over all E experts (shown, and the aux loss)
//! K = the k largest s          the chosen experts
//! g_e = exp(s_e) / Σ_{j∈K} exp(s_j) for e ∈ K, 0 otherwise      (= p_e / Σ_{j∈K} p_j)
//! y = Σ_{e∈K} g_e · SwiGLU_e(x)
//! ```
//!
//! The load-balancing auxiliary loss of the Switch Transformer (its eq. 4), over the N tokens of a
//! batch: `L_aux = E · Σ_e f_e · P_e`, with f_e the fraction of the N·k routing assignments that
//! went to expert e and P_e the mean router probability of e. It is 1 when the load is even and
//! grows as the router favours a few experts; training adds α·L_aux (α = 0.01) to the
//! cross-entropy.
//!
//! **How the shipped weights were made: upcycling.** Komatsuzaki et al. 2022 ("Sparse Upcycling:
//! Training Mixture-of-Experts from Dense Checkpoints", arXiv:2212.05055) start every expert as a
//! copy of the dense model's feed-forward and train on. Eight full copies of the Tumbler's FFN
//! would make a 9 MB file; so, as in LLaMA-MoE (Zhu et al. 2024, arXiv:2406.16554), each expert
//! here is one slice of the dense FFN's hidden units (384 = 8 × 48): the eight experts together
//! hold exactly the dense FFN, a token runs two of them. The router starts from the mean gate
//! weights of each slice (a token goes where its slice's units would fire), the attention,
//! embedding and norms from the Tumbler, and then everything trains on the Tumbler's pre-training
//! tokens ([`train`], `tumbler moe --train`).
//!
//! At this size the forward computes every expert for every token and multiplies the unchosen by
//! a gate of exactly 0: the same output as running only the chosen ones, and faster here than
//! gathering tokens per expert. "Active parameters" counts what a token's output depends on.
//!
//! The config, the routing records and the plain reference functions ([`route_token`],
//! [`balance_loss`]) need no tensor library; the model ([`model`], [`weights`]) needs `gpt`.

use serde::{Deserialize, Serialize};

use crate::gpt::{ConfigError, TumblerConfig};

#[cfg(feature = "gpt")]
pub mod model;
#[cfg(all(test, feature = "gpt"))]
mod tests;
#[cfg(feature = "train")]
pub mod train;
#[cfg(feature = "gpt")]
pub mod weights;

#[cfg(feature = "gpt")]
pub use model::{Experts, MoeBlock, MoeOutput, MoeTumbler, Routing};

/// The weight given to the load-balancing loss in training (the Switch Transformer's α).
pub const AUX_WEIGHT: f32 = 0.01;

/// The longest text, in tokens, a routing trace covers (the model's context is 256).
pub const MAX_ROUTE_TOKENS: usize = 256;

/// A mixture-of-experts Tumbler's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoeConfig {
    /// The dense shape it shares: vocabulary, width, layers, heads, context. Its `d_ff` is unused.
    pub base: TumblerConfig,
    /// Experts per layer, E.
    pub n_experts: usize,
    /// Experts each token runs, k.
    pub top_k: usize,
    /// Hidden width of one expert's SwiGLU.
    pub d_expert: usize,
}

impl MoeConfig {
    /// E experts that split the dense FFN's hidden units evenly, k of them per token.
    pub fn split(base: &TumblerConfig, n_experts: usize, top_k: usize) -> Self {
        Self { base: base.clone(), n_experts, top_k, d_expert: base.d_ff / n_experts.max(1) }
    }

    /// Checks the sizes: the base's, k ≤ E, and an expert width that is not zero.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.base.validate()?;
        for (name, value) in
            [("n_experts", self.n_experts), ("top_k", self.top_k), ("d_expert", self.d_expert)]
        {
            if value == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if self.top_k > self.n_experts {
            return Err(ConfigError::Zero("n_experts − top_k + 1"));
        }
        Ok(())
    }
}

/// Parameters stored and parameters one token's output depends on, counted from tensor shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamCount {
    /// Every number in the weights (the tied embedding counted once).
    pub total: usize,
    /// Everything but the experts a token does not run: total − layers·(E − k)·(one expert).
    pub active: usize,
    /// Numbers in one expert of one layer (its three matrices).
    pub per_expert: usize,
}

/// The experts one token runs: their indices by falling probability (ties to the lower index)
/// and their gates, `p_e / Σ_{j∈K} p_j`, which sum to 1.
///
/// The plain reference of the routing the tensors do; `probs` is one token's softmax over the E
/// router scores.
pub fn route_token(probs: &[f32], k: usize) -> (Vec<usize>, Vec<f32>) {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    order.truncate(k.min(probs.len()));
    let sum: f32 = order.iter().map(|&e| probs[e]).sum();
    let gates = order.iter().map(|&e| probs[e] / sum).collect();
    (order, gates)
}

/// The Switch Transformer's load-balancing loss `E · Σ_e f_e · P_e` for N tokens, from their
/// router probabilities `probs` (N, E) row-major and each token's chosen experts.
pub fn balance_loss(probs: &[f32], chosen: &[Vec<usize>], n_experts: usize) -> f64 {
    let n = chosen.len().max(1) as f64;
    let assignments = chosen.iter().map(Vec::len).sum::<usize>().max(1) as f64;
    let mut f = vec![0.0f64; n_experts];
    for token in chosen {
        for &e in token {
            f[e] += 1.0 / assignments;
        }
    }
    let mut p = vec![0.0f64; n_experts];
    for row in probs.chunks_exact(n_experts) {
        for (pe, &v) in p.iter_mut().zip(row) {
            *pe += f64::from(v) / n;
        }
    }
    n_experts as f64 * f.iter().zip(&p).map(|(f, p)| f * p).sum::<f64>()
}

/// One token's routing in one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRoute {
    /// The router's probabilities over all E experts.
    pub probs: Vec<f32>,
    /// The k chosen experts, most probable first.
    pub experts: Vec<usize>,
    /// Their gate weights (sum to 1).
    pub gates: Vec<f32>,
}

/// One layer's routing over the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRoute {
    /// Per token.
    pub tokens: Vec<TokenRoute>,
    /// Tokens sent to each expert (sums to T·k).
    pub load: Vec<usize>,
    /// The load-balancing loss of this layer's routing over the text.
    pub balance: f64,
}

/// The router's decisions over a text: the `moe` chapter's panel and `tumbler moe --route`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTrace {
    /// The routed tokens' ids.
    pub ids: Vec<u32>,
    /// Their text.
    pub tokens: Vec<String>,
    /// Tokens in the whole text.
    pub total_tokens: usize,
    /// E.
    pub n_experts: usize,
    /// k.
    pub top_k: usize,
    /// Bottom layer first.
    pub layers: Vec<LayerRoute>,
    /// Total and active parameters of the model.
    pub params: ParamCount,
    /// Milliseconds the question took where it was answered (0 natively).
    pub millis: f64,
}

impl RouteTrace {
    /// Assembles the trace from each layer's router probabilities (T, E) row-major.
    pub fn from_probs(
        ids: Vec<u32>,
        tokens: Vec<String>,
        total_tokens: usize,
        config: &MoeConfig,
        layer_probs: &[Vec<f32>],
        params: ParamCount,
    ) -> Self {
        let (e, k) = (config.n_experts, config.top_k);
        let layers = layer_probs
            .iter()
            .map(|probs| {
                let mut load = vec![0usize; e];
                let tokens: Vec<TokenRoute> = probs
                    .chunks_exact(e)
                    .map(|row| {
                        let (experts, gates) = route_token(row, k);
                        for &x in &experts {
                            load[x] += 1;
                        }
                        TokenRoute { probs: row.to_vec(), experts, gates }
                    })
                    .collect();
                let chosen: Vec<Vec<usize>> = tokens.iter().map(|t| t.experts.clone()).collect();
                LayerRoute { balance: balance_loss(probs, &chosen, e), tokens, load }
            })
            .collect();
        Self { ids, tokens, total_tokens, n_experts: e, top_k: k, layers, params, millis: 0.0 }
    }
}

/// How the shipped MoE weights were trained, written beside them (`public/model/moe.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoeCard {
    /// The model's shape.
    pub config: MoeConfig,
    /// Total and active parameters.
    pub params: ParamCount,
    /// Where the weights started.
    pub init: String,
    /// Optimisation steps taken.
    pub steps: usize,
    /// Windows per step × tokens per window.
    pub batch_tokens: usize,
    /// Training tokens seen.
    pub tokens_seen: u64,
    /// Wall-clock seconds of training on this machine.
    pub seconds: f64,
    /// Peak learning rate.
    pub max_lr: f64,
    /// α of the load-balancing loss.
    pub aux_weight: f32,
    /// Validation tokens both models were measured on.
    pub val_tokens: usize,
    /// Validation loss (nats per token) of the dense Tumbler.
    pub dense_val_loss: f64,
    /// Validation loss of the MoE as upcycled, before training.
    pub upcycled_val_loss: f64,
    /// Validation loss of the MoE after training.
    pub moe_val_loss: f64,
    /// Validation loss along the run: (step, loss).
    pub curve: Vec<(usize, f64)>,
}
