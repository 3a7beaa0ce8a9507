//! Total versus active parameters of a mixture-of-experts transformer, counted from its shape.

/// The shape of a (possibly sparse) decoder-only transformer. Biases are absent in both presets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MoeShape {
    /// Vocabulary size (V).
    pub vocab: u64,
    /// Model width (C).
    pub d_model: u64,
    /// Attention parameters in one block (projections and their norms).
    pub attn_per_layer: u64,
    /// Blocks with a plain (dense) SwiGLU feed-forward layer.
    pub dense_layers: u64,
    /// Hidden width of the dense feed-forward layers.
    pub dense_ff: u64,
    /// Blocks whose feed-forward layer is a mixture of experts.
    pub moe_layers: u64,
    /// Hidden width of one expert.
    pub expert_ff: u64,
    /// Routed experts per MoE block.
    pub experts: u64,
    /// Routed experts each token is sent to.
    pub top_k: u64,
    /// Experts every token always goes through (DeepSeek's shared expert).
    pub shared: u64,
    /// Whether the output layer reuses the embedding matrix.
    pub tied: bool,
}

/// Attention with grouped-query heads: Q and O are C×C, K and V are C×(kv_heads·hs), plus the
/// two RMSNorm weight vectors of the block.
pub fn gqa_attention(d_model: u64, kv_heads: u64, head_dim: u64) -> u64 {
    2 * d_model * d_model + 2 * d_model * kv_heads * head_dim + 2 * d_model
}

/// DeepSeek-V3's multi-head latent attention (q rank 1536, kv rank 512, 128 heads, no-RoPE head
/// size 128 + RoPE 64, value size 128), with its norms.
pub fn deepseek_v3_attention() -> u64 {
    let (c, heads, q_rank, kv_rank, nope, rope, v) = (7168, 128, 1536, 512, 128, 64, 128);
    let q = c * q_rank + q_rank * heads * (nope + rope);
    let kv = c * (kv_rank + rope) + kv_rank * heads * (nope + v);
    let o = heads * v * c;
    q + kv + o + q_rank + kv_rank + 2 * c
}

impl MoeShape {
    /// Mistral's Mixtral 8×7B (its published config): 32 blocks, width 4096, 8 experts of width
    /// 14,336, top-2, GQA with 8 KV heads.
    pub fn mixtral_8x7b() -> MoeShape {
        MoeShape {
            vocab: 32_000,
            d_model: 4096,
            attn_per_layer: gqa_attention(4096, 8, 128),
            dense_layers: 0,
            dense_ff: 0,
            moe_layers: 32,
            expert_ff: 14_336,
            experts: 8,
            top_k: 2,
            shared: 0,
            tied: false,
        }
    }

    /// DeepSeek-V3 (its published config, without the multi-token-prediction module): 61 blocks,
    /// the first 3 dense, 256 routed experts of width 2048 with top-8 plus one shared expert.
    pub fn deepseek_v3() -> MoeShape {
        MoeShape {
            vocab: 129_280,
            d_model: 7168,
            attn_per_layer: deepseek_v3_attention(),
            dense_layers: 3,
            dense_ff: 18_432,
            moe_layers: 58,
            expert_ff: 2048,
            experts: 256,
            top_k: 8,
            shared: 1,
            tied: false,
        }
    }

    /// A SwiGLU feed-forward block of hidden width `ff`: gate, up and down matrices.
    fn ffn(&self, ff: u64) -> u64 {
        3 * self.d_model * ff
    }

    /// Everything but the routed experts: embeddings, attention, dense and shared FFNs, routers.
    fn always_used(&self) -> u64 {
        let layers = self.dense_layers + self.moe_layers;
        let embed = self.vocab * self.d_model * if self.tied { 1 } else { 2 };
        let router = self.moe_layers * self.d_model * self.experts;
        let shared = self.moe_layers * self.shared * self.ffn(self.expert_ff);
        embed
            + layers * self.attn_per_layer
            + self.dense_layers * self.ffn(self.dense_ff)
            + shared
            + router
            + self.d_model
    }

    /// Every parameter the model stores.
    pub fn total(&self) -> u64 {
        self.always_used() + self.moe_layers * self.experts * self.ffn(self.expert_ff)
    }

    /// The parameters one token passes through (top-k of the routed experts).
    pub fn active(&self) -> u64 {
        let k = self.top_k.min(self.experts);
        self.always_used() + self.moe_layers * k * self.ffn(self.expert_ff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixtral_has_46_7b_total_and_12_9b_active() {
        let m = MoeShape::mixtral_8x7b();
        // By hand: experts 3·4096·14336·8·32 = 45,097,156,608; attention 41,951,232·32;
        // router 4096·8·32; embeddings 2·32000·4096; final norm 4096.
        assert_eq!(m.total(), 46_702_792_704);
        assert_eq!(m.active(), 12_879_925_248);
    }

    #[test]
    fn deepseek_v3_has_671b_total_and_37b_active() {
        let d = MoeShape::deepseek_v3();
        let (total, active) = (d.total() as f64 / 1e9, d.active() as f64 / 1e9);
        assert!((total - 671.0).abs() < 1.0, "total {total}");
        assert!((active - 37.5).abs() < 0.6, "active {active}");
    }

    #[test]
    fn a_dense_model_is_all_active_and_top_k_caps_at_the_expert_count() {
        let dense = MoeShape { experts: 1, top_k: 1, ..MoeShape::mixtral_8x7b() };
        assert_eq!(dense.total(), dense.active());
        let over = MoeShape { top_k: 20, ..MoeShape::mixtral_8x7b() };
        assert_eq!(over.active(), over.total());
    }
}
