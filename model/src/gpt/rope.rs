//! Rotary position embeddings (Su et al. 2021, "RoFormer"): each pair of query/key dimensions is
//! rotated by an angle proportional to the token's position, so q·k depends on the distance
//! between two tokens rather than on where they sit.
//!
//! The pairing is the "rotate half" one used by GPT-NeoX and LLaMA implementations: dimension i
//! goes with dimension i + hs/2.

use burn::tensor::{Device, Tensor, TensorData};

/// Rotation angles for a run of positions.
#[derive(Debug, Clone)]
pub struct Rope {
    /// cos(position · θ_i), (T, hs/2).
    cos: Tensor<2>,
    /// sin(position · θ_i), (T, hs/2).
    sin: Tensor<2>,
}

impl Rope {
    /// Tables for positions `start..start + len`, θ_i = theta^(-2i/hs).
    ///
    /// Computed on the host in f64: a few thousand numbers per forward pass, and exactly the same
    /// on every backend, which keeps cached and uncached decoding bit-compatible.
    pub fn new(head_size: usize, theta: f64, start: usize, len: usize, device: &Device) -> Self {
        let half = head_size / 2;
        let mut cos = Vec::with_capacity(len * half);
        let mut sin = Vec::with_capacity(len * half);
        for pos in start..start + len {
            for i in 0..half {
                let freq = theta.powf(-((2 * i) as f64) / head_size as f64);
                let angle = pos as f64 * freq;
                cos.push(angle.cos() as f32);
                sin.push(angle.sin() as f32);
            }
        }
        Self {
            cos: Tensor::from_data(TensorData::new(cos, [len, half]), device),
            sin: Tensor::from_data(TensorData::new(sin, [len, half]), device),
        }
    }

    /// Rotates every head's vectors by their positions.
    ///
    /// # Shapes
    /// - x: (B, nh, T, hs)
    /// - output: (B, nh, T, hs)
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, nh, t, hs] = x.dims();
        let half = hs / 2;
        let cos = self.cos.clone().unsqueeze::<4>(); // (1, 1, T, hs/2)
        let sin = self.sin.clone().unsqueeze::<4>(); // (1, 1, T, hs/2)
        let x1 = x.clone().slice([0..b, 0..nh, 0..t, 0..half]); // (B, nh, T, hs/2)
        let x2 = x.slice([0..b, 0..nh, 0..t, half..hs]); // (B, nh, T, hs/2)
        let rotated1 = x1.clone() * cos.clone() - x2.clone() * sin.clone();
        let rotated2 = x2 * cos + x1 * sin;
        Tensor::cat(vec![rotated1, rotated2], 3) // (B, nh, T, hs)
    }
}
