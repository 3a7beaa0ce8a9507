//! The SwiGLU feed-forward block (Shazeer 2020, "GLU Variants Improve Transformer"):
//! `W_down (silu(x W_gate) ⊙ x W_up)`, as in LLaMA.

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation::silu;

/// A gated MLP applied to every token independently.
#[derive(Module, Debug)]
pub struct SwiGlu {
    /// Gate projection, (C, d_ff).
    pub w_gate: Param<Tensor<2>>,
    /// Up projection, (C, d_ff).
    pub w_up: Param<Tensor<2>>,
    /// Down projection, (d_ff, C).
    pub w_down: Param<Tensor<2>>,
}

impl SwiGlu {
    /// Returns the output and the gate values `silu(x W_gate)` the trace shows.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C), gate: (B, T, d_ff)
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let gate = silu(x.clone().matmul(self.w_gate.val().unsqueeze())); // (B, T, d_ff)
        let up = x.matmul(self.w_up.val().unsqueeze()); // (B, T, d_ff)
        let out = (gate.clone() * up).matmul(self.w_down.val().unsqueeze()); // (B, T, C)
        (out, gate)
    }
}
