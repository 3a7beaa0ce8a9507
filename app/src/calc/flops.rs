//! Floating-point operations per generated token, counted from a model's shape.

/// A decoder-only transformer's shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Blocks (L).
    pub layers: u64,
    /// Width (C).
    pub d_model: u64,
    /// Vocabulary (V).
    pub vocab: u64,
    /// Feed-forward hidden width over C (4 for GPT-2's MLP).
    pub ff_mult: u64,
}

impl Shape {
    /// Weights in the blocks: 4C² for Q, K, V, O and 2·ff·C² for the MLP, per block.
    pub fn block_params(&self) -> u64 {
        self.layers * (4 + 2 * self.ff_mult) * self.d_model * self.d_model
    }

    /// Multiply-adds count as two FLOPs: 2 per block weight, 2 per output-layer weight, plus
    /// attention's scores and mix, 2·2·C per earlier token per block at position `t`.
    pub fn flops_per_token(&self, t: u64) -> u64 {
        2 * self.block_params() + 2 * self.vocab * self.d_model + 4 * self.layers * self.d_model * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_small_costs_about_a_third_of_a_gigaflop_per_token() {
        // GPT-2 small: 12 blocks, width 768, vocab 50,257.
        let s = Shape { layers: 12, d_model: 768, vocab: 50_257, ff_mult: 4 };
        assert_eq!(s.block_params(), 84_934_656);
        assert_eq!(s.flops_per_token(0), 2 * 84_934_656 + 2 * 50_257 * 768);
        assert_eq!(s.flops_per_token(1024) - s.flops_per_token(0), 4 * 12 * 768 * 1024);
    }
}
