//! `shaders/attention.wgsl`: causal attention for every head group at once, writing the
//! probabilities too. Replaces [`crate::gpt::attention::causal_attention_reference`].

use burn::backend::Wgpu;
use burn::tensor::Tensor;

use super::{empty_like, launch, wgpu_f32};

/// Threads per workgroup; must match `WG` in the shader.
const WORKGROUP: u32 = 64;

/// Marker type naming this kernel in burn's cache.
struct AttentionKernel;

/// Runs the attention kernel, or returns `None` off wgpu.
///
/// # Shapes
/// - q: (B, nh, T, hs), k and v: (B, n_kv_heads, T_total, hs)
/// - output: (B, nh, T, hs) and probabilities (B, nh, T, T_total)
pub fn causal_attention(
    q: &Tensor<4>,
    k: &Tensor<4>,
    v: &Tensor<4>,
) -> Option<(Tensor<4>, Tensor<4>)> {
    let [b, nh, t, hs] = q.dims();
    let [_, nkv, t_total, _] = k.dims();
    assert!(nh.is_multiple_of(nkv), "n_heads {nh} must be a multiple of n_kv_heads {nkv}");
    assert!(t <= t_total, "{t} queries but only {t_total} keys");
    let (q, k, v) = (wgpu_f32(q)?, wgpu_f32(k)?, wgpu_f32(v)?);
    let y = empty_like(&q, vec![b, nh, t, hs]); // (B, nh, T, hs)
    let probs = empty_like(&q, vec![b, nh, t, t_total]); // (B, nh, T, T_total)
    let info = [b, nh, nkv, t, t_total, hs].map(|n| n as u32);
    launch::<AttentionKernel>(
        include_str!("../../../shaders/attention.wgsl"),
        WORKGROUP,
        (t as u32, nh as u32, b as u32),
        &[&q, &k, &v, &y, &probs],
        &info,
    );
    Some((Tensor::from_primitive::<Wgpu>(y), Tensor::from_primitive::<Wgpu>(probs)))
}
