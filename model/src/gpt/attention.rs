//! Causal multi-head self-attention (Vaswani et al. 2017) with optional grouped-query attention
//! (Ainslie et al. 2023, "GQA"): n_kv_heads key/value heads, each shared by a group of
//! nh / n_kv_heads query heads.

use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Tensor};

use super::kv_cache::KvCache;
use super::rope::Rope;

/// The four projections of one attention block; no biases, as in LLaMA.
#[derive(Module, Debug)]
pub struct Attention {
    /// Query projection, (C, nh·hs).
    pub wq: Param<Tensor<2>>,
    /// Key projection, (C, n_kv_heads·hs).
    pub wk: Param<Tensor<2>>,
    /// Value projection, (C, n_kv_heads·hs).
    pub wv: Param<Tensor<2>>,
    /// Output projection, (nh·hs, C).
    pub wo: Param<Tensor<2>>,
    /// Query heads nh.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
}

/// What attention computed, kept for the trace.
#[derive(Debug, Clone)]
pub struct AttentionRecord {
    /// Attention probabilities, (B, nh, T, T_total).
    pub probs: Tensor<4>,
    /// Queries after RoPE, (B, nh, T, hs).
    pub q: Tensor<4>,
    /// This step's keys after RoPE, (B, n_kv_heads, T, hs).
    pub k: Tensor<4>,
    /// This step's values, (B, n_kv_heads, T, hs).
    pub v: Tensor<4>,
}

impl Attention {
    /// Attends from each new token to itself and everything before it (cached or not).
    ///
    /// `rope` is `None` when positions are switched off. With a `cache`, the new tokens take the
    /// positions after the cached ones and their keys and values are appended to it.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C); record probs: (B, nh, T, T_cached + T)
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: Option<&Rope>,
        cache: Option<(&mut KvCache, usize)>,
    ) -> (Tensor<3>, AttentionRecord) {
        let [b, t, c] = x.dims();
        let nh = self.n_heads;
        let nkv = self.n_kv_heads;
        let hs = c / nh;

        let q = x.clone().matmul(self.wq.val().unsqueeze()); // (B, T, nh·hs)
        let k = x.clone().matmul(self.wk.val().unsqueeze()); // (B, T, nkv·hs)
        let v = x.matmul(self.wv.val().unsqueeze()); // (B, T, nkv·hs)
        let q = q.reshape([b, t, nh, hs]).swap_dims(1, 2); // (B, nh, T, hs)
        let k = k.reshape([b, t, nkv, hs]).swap_dims(1, 2); // (B, nkv, T, hs)
        let v = v.reshape([b, t, nkv, hs]).swap_dims(1, 2); // (B, nkv, T, hs)
        let (q, k) = match rope {
            Some(rope) => (rope.apply(q), rope.apply(k)),
            None => (q, k),
        };

        let (k_all, v_all) = match cache {
            Some((cache, layer)) => cache.append(layer, k.clone(), v.clone()),
            None => (k.clone(), v.clone()),
        }; // (B, nkv, T_total, hs)

        let (y, probs) = causal_attention(q.clone(), k_all, v_all); // (B, nh, T, hs)
        let y = y.swap_dims(1, 2).reshape([b, t, nh * hs]); // (B, T, nh·hs)
        let out = y.matmul(self.wo.val().unsqueeze()); // (B, T, C)
        (out, AttentionRecord { probs, q, k, v })
    }
}

/// Causal scaled dot-product attention for query heads grouped over shared key/value heads,
/// returning the weighted values and the probabilities. On a wgpu device this runs our WGSL
/// kernel; everywhere else (and under autodiff, which the kernel has no backward for) it runs
/// [`causal_attention_reference`].
///
/// The T queries are the last T of the T_total positions.
///
/// # Shapes
/// - q: (B, nh, T, hs), k and v: (B, n_kv_heads, T_total, hs)
/// - output: (B, nh, T, hs) and probabilities (B, nh, T, T_total)
pub fn causal_attention(q: Tensor<4>, k: Tensor<4>, v: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
    #[cfg(feature = "wgpu")]
    if let Some(out) = crate::kernels::attention::causal_attention(&q, &k, &v) {
        return out;
    }
    causal_attention_reference(q, k, v)
}

/// The same computation in burn tensor ops: the reference the kernel is tested against.
///
/// # Shapes
/// - q: (B, nh, T, hs), k and v: (B, n_kv_heads, T_total, hs)
/// - output: (B, nh, T, hs) and probabilities (B, nh, T, T_total)
pub fn causal_attention_reference(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
) -> (Tensor<4>, Tensor<4>) {
    let [b, nh, t, hs] = q.dims();
    let [_, nkv, t_total, _] = k.dims();
    assert!(nh.is_multiple_of(nkv), "n_heads {nh} must be a multiple of n_kv_heads {nkv}");
    assert!(t <= t_total, "{t} queries but only {t_total} keys");
    let k = repeat_kv(k, nh / nkv); // (B, nh, T_total, hs)
    let v = repeat_kv(v, nh / nkv); // (B, nh, T_total, hs)

    let scores = q.matmul(k.swap_dims(2, 3)) / (hs as f64).sqrt(); // (B, nh, T, T_total)
    // Query i sits at position offset + i and may see keys 0..=offset + i.
    let offset = (t_total - t) as i64;
    // tril_mask is true strictly above the shifted diagonal: the future keys.
    let future = Tensor::<2, Bool>::tril_mask([t, t_total], offset, &scores.device()); // (T, T_total)
    let future = future.unsqueeze::<4>().expand([b, nh, t, t_total]); // (B, nh, T, T_total)
    let scores = scores.mask_fill(future, f32::NEG_INFINITY);
    let probs = softmax(scores, 3); // (B, nh, T, T_total)
    let y = probs.clone().matmul(v); // (B, nh, T, hs)
    (y, probs)
}

/// Repeats each key/value head for the query heads of its group.
///
/// # Shapes
/// - x: (B, n_kv_heads, T, hs)
/// - output: (B, n_kv_heads·group, T, hs), head h reading kv head h / group
fn repeat_kv(x: Tensor<4>, group: usize) -> Tensor<4> {
    if group == 1 {
        return x;
    }
    let [b, nkv, t, hs] = x.dims();
    x.unsqueeze_dim::<5>(2) // (B, nkv, 1, T, hs)
        .expand([b, nkv, group, t, hs]) // (B, nkv, group, T, hs)
        .reshape([b, nkv * group, t, hs]) // (B, nh, T, hs)
}
