//! Root-mean-square layer norm (Zhang & Sennrich 2019, "Root Mean Square Layer Normalization"):
//! LayerNorm without the mean subtraction or bias, as in LLaMA.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

/// `x / sqrt(mean(x²) + eps) * weight` over the last axis.
#[derive(Module, Debug)]
pub struct RmsNorm {
    /// Per-channel gain, (C), initialised to ones.
    pub weight: Param<Tensor<1>>,
    /// Added under the square root so an all-zero vector stays finite.
    pub eps: f64,
}

impl RmsNorm {
    /// A norm with unit gain over `d_model` channels.
    pub fn new(d_model: usize, eps: f64, device: &Device) -> Self {
        Self { weight: Param::from_tensor(Tensor::ones([d_model], device)), eps }
    }

    /// Normalises each token's vector.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C)
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let rms = (x.clone().square().mean_dim(2) + self.eps).sqrt(); // (B, T, 1)
        x / rms * self.weight.val().unsqueeze::<3>() // (B, T, C)
    }
}
