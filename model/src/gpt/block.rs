//! One pre-norm transformer block: `x + attn(norm(x))`, then `x + mlp(norm(x))`.

use burn::module::{Module, Param};
use burn::tensor::Tensor;

use super::attention::{Attention, AttentionRecord};
use super::kv_cache::KvCache;
use super::mlp::SwiGlu;
use super::rmsnorm::RmsNorm;
use super::rope::Rope;

/// Attention then MLP, each on a normalised copy of the residual stream.
#[derive(Module, Debug)]
pub struct Block {
    /// Norm before attention.
    pub attn_norm: RmsNorm,
    /// Causal self-attention.
    pub attn: Attention,
    /// Norm before the MLP.
    pub mlp_norm: RmsNorm,
    /// SwiGLU MLP.
    pub mlp: SwiGlu,
}

/// What a block computed, kept for the trace.
#[derive(Debug, Clone)]
pub struct BlockRecord {
    /// The attention sub-block's record.
    pub attention: AttentionRecord,
    /// SwiGLU gate values, (B, T, d_ff).
    pub gate: Tensor<3>,
}

impl Block {
    /// The block's weight matrices, in the order of [`BLOCK_MATRICES`](super::BLOCK_MATRICES).
    pub fn matrices(&self) -> [&Param<Tensor<2>>; 7] {
        let (a, m) = (&self.attn, &self.mlp);
        [&a.wq, &a.wk, &a.wv, &a.wo, &m.w_gate, &m.w_up, &m.w_down]
    }

    /// Updates the residual stream.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C)
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: Option<&Rope>,
        cache: Option<(&mut KvCache, usize)>,
    ) -> (Tensor<3>, BlockRecord) {
        let (a, attention) = self.attn.forward(self.attn_norm.forward(x.clone()), rope, cache);
        let x = x + a; // (B, T, C)
        let (m, gate) = self.mlp.forward(self.mlp_norm.forward(x.clone()));
        (x + m, BlockRecord { attention, gate })
    }
}
