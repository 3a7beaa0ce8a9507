//! `shaders/softmax.wgsl`: softmax(logits / temperature) over the vocabulary, one workgroup per
//! row. Replaces [`softmax_with_temperature_reference`].

use burn::backend::Wgpu;
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

use super::{empty_like, launch, wgpu_f32};

/// Threads per workgroup; must match `WG` in the shader.
const WORKGROUP: u32 = 256;

/// Marker type naming this kernel in burn's cache.
struct SoftmaxKernel;

/// Next-token probabilities at `temperature` (> 0): the kernel on wgpu, burn ops elsewhere.
///
/// # Shapes
/// - logits: (R, V)
/// - output: (R, V)
pub fn softmax_with_temperature(logits: Tensor<2>, temperature: f32) -> Tensor<2> {
    assert!(temperature > 0.0, "temperature must be positive; 0 is argmax, not a softmax");
    let Some(input) = wgpu_f32(&logits) else {
        return softmax_with_temperature_reference(logits, temperature);
    };
    let [r, v] = logits.dims();
    let probs = empty_like(&input, vec![r, v]); // (R, V)
    launch::<SoftmaxKernel>(
        include_str!("../../../shaders/softmax.wgsl"),
        WORKGROUP,
        (r as u32, 1, 1),
        &[&input, &probs],
        &[r as u32, v as u32, temperature.to_bits()],
    );
    Tensor::from_primitive::<Wgpu>(probs)
}

/// The burn ops the kernel replaces.
///
/// # Shapes
/// - logits: (R, V)
/// - output: (R, V)
pub fn softmax_with_temperature_reference(logits: Tensor<2>, temperature: f32) -> Tensor<2> {
    softmax(logits / temperature, 1)
}
