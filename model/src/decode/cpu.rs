//! The CPU fast path: the forward pass over plain slices, one block in five fused loops (norm and
//! the Q/K/V projection with RoPE; attention; the output projection and residual; norm and the
//! gate/up projection with SiLU·mul; the down projection and residual), a KV cache of flat
//! arrays, and only the last token's logits.
//!
//! The inner loops are plain slices: projections as row updates `y += a·w_row` over the (in, out)
//! weights, four rows a pass, the output head as dot products with eight running sums. On x86-64
//! the compiler vectorises them; on wasm32 its backend leaves them scalar, so there they are
//! written with SIMD128 intrinsics by hand, doing the same operations in the same order. A prompt
//! goes through as one batch, each weight row applied to a tile of tokens while it sits in the
//! cache.

use std::sync::Arc;

use super::{DecodeError, DecodeWeights};

/// Tokens per tile of a batched projection: each weight row is read once per tile.
const TILE: usize = 8;

/// A model's fused forward pass with its KV cache.
#[derive(Debug, Clone)]
pub struct CpuDecoder {
    weights: Arc<DecodeWeights>,
    /// Keys after RoPE, (layers, context, nkv·hs).
    k: Vec<f32>,
    /// Values, (layers, context, nkv·hs).
    v: Vec<f32>,
    /// The tokens cached, in order: the next token takes position `ids.len()`.
    ids: Vec<u32>,
    /// The last token's logits, (V).
    logits: Vec<f32>,
    scratch: Scratch,
}

/// Buffers for one batch of T tokens, kept between calls.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// The residual stream, (T, C).
    x: Vec<f32>,
    /// Its normalised copy, (T, C).
    xn: Vec<f32>,
    /// Queries, keys and values, (T, nh·hs + 2·nkv·hs).
    qkv: Vec<f32>,
    /// Attention output, (T, nh·hs).
    att: Vec<f32>,
    /// Gate and up projections, (T, 2·d_ff).
    gate_up: Vec<f32>,
    /// silu(gate) ⊙ up, (T, d_ff).
    hidden: Vec<f32>,
    /// A block's update to the residual stream, (T, C).
    update: Vec<f32>,
    /// One query's attention scores, (context).
    scores: Vec<f32>,
}

impl CpuDecoder {
    /// A decoder with an empty cache.
    pub fn new(weights: Arc<DecodeWeights>) -> Self {
        let c = &weights.config;
        let cache = c.n_layers * c.context_length * c.n_kv_heads * c.head_size();
        Self {
            k: vec![0.0; cache],
            v: vec![0.0; cache],
            ids: Vec::new(),
            logits: vec![0.0; c.vocab_size],
            scratch: Scratch::default(),
            weights,
        }
    }

    /// The weights it reads.
    pub fn weights(&self) -> &Arc<DecodeWeights> {
        &self.weights
    }

    /// Tokens in the cache: the position the next token takes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Forgets the cached tokens after the first `len` (all of them with 0).
    pub fn truncate(&mut self, len: usize) {
        self.ids.truncate(len);
    }

    /// Bytes of keys and values cached.
    pub fn cache_bytes(&self) -> usize {
        let c = &self.weights.config;
        2 * 4 * c.n_layers * self.len() * c.n_kv_heads * c.head_size()
    }

    /// The next-token logits after `text`, (V), reading only the tokens after the longest prefix
    /// of `text` already cached (at least its last token, whose logits are not kept): a text that
    /// grows by one token reads one, a chat's next turn reads the new turn. Also returns how many
    /// tokens it read.
    pub fn next_logits(&mut self, text: &[u32]) -> Result<(&[f32], usize), DecodeError> {
        self.truncate(super::resume_point(&self.ids, text));
        let start = self.len();
        Ok((self.forward(&text[start..])?, text.len() - start))
    }

    /// Reads `ids` at the positions after the cached tokens, appends their keys and values to
    /// the cache, and returns the next-token logits after the last of them, (V).
    pub fn forward(&mut self, ids: &[u32]) -> Result<&[f32], DecodeError> {
        self.forward_probed(ids, &mut NoProbe)
    }

    /// [`forward`](Self::forward), showing `probe` each intermediate [`Site`] of the pass as it
    /// is computed (rows of the tokens read, from position `start`), which it may read or change:
    /// the `why` chapter's logit lens, attributions, ablations and patches run this pass.
    pub fn forward_probed<P: Probe>(
        &mut self,
        ids: &[u32],
        probe: &mut P,
    ) -> Result<&[f32], DecodeError> {
        let w = Arc::clone(&self.weights);
        let cfg = &w.config;
        if ids.is_empty() {
            return Err(DecodeError::Empty);
        }
        let start = self.len();
        if start + ids.len() > cfg.context_length {
            return Err(DecodeError::Context {
                cached: start,
                new: ids.len(),
                context: cfg.context_length,
            });
        }
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= cfg.vocab_size) {
            return Err(DecodeError::Id { id, vocab: cfg.vocab_size });
        }
        let (t, c) = (ids.len(), cfg.d_model);
        let (hs, nh, nkv) = (cfg.head_size(), cfg.n_heads, cfg.n_kv_heads);
        let (q_dim, kv_dim, ff) = (nh * hs, nkv * hs, cfg.d_ff);
        let qkv_dim = q_dim + 2 * kv_dim;
        let s = &mut self.scratch;
        resize(&mut s.x, t * c);
        resize(&mut s.xn, t * c);
        resize(&mut s.qkv, t * qkv_dim);
        resize(&mut s.att, t * q_dim);
        resize(&mut s.gate_up, t * 2 * ff);
        resize(&mut s.hidden, t * ff);
        resize(&mut s.update, t * c);
        resize(&mut s.scores, cfg.context_length);

        for (row, &id) in s.x.chunks_exact_mut(c).zip(ids) {
            row.copy_from_slice(&w.embedding[id as usize * c..(id as usize + 1) * c]);
        }
        probe.visit(Site::Embedded, start, &mut s.x);
        let eps = cfg.norm_eps as f32;
        let layer_cache = cfg.context_length * kv_dim;
        let scale = 1.0 / (hs as f32).sqrt();
        for (layer, lw) in w.layers.iter().enumerate() {
            // Norm, then Q, K and V in one projection; RoPE on Q and K; K and V into the cache.
            rms_norm(&mut s.xn, &s.x, &lw.attn_norm, eps);
            matmul(&mut s.qkv, &s.xn, &lw.wqkv, c, qkv_dim);
            let k_cache = &mut self.k[layer * layer_cache..(layer + 1) * layer_cache];
            let v_cache = &mut self.v[layer * layer_cache..(layer + 1) * layer_cache];
            for (i, row) in s.qkv.chunks_exact_mut(qkv_dim).enumerate() {
                let pos = start + i;
                let half = hs / 2;
                let cos = &w.rope_cos[pos * half..(pos + 1) * half];
                let sin = &w.rope_sin[pos * half..(pos + 1) * half];
                let (qk, v) = row.split_at_mut(q_dim + kv_dim);
                for head in qk.chunks_exact_mut(hs) {
                    rotate(head, cos, sin);
                }
                k_cache[pos * kv_dim..(pos + 1) * kv_dim].copy_from_slice(&qk[q_dim..]);
                v_cache[pos * kv_dim..(pos + 1) * kv_dim].copy_from_slice(v);
            }
            // Each query attends to its own position and every one before it.
            for (i, (row, out)) in
                s.qkv.chunks_exact(qkv_dim).zip(s.att.chunks_exact_mut(q_dim)).enumerate()
            {
                let seen = start + i + 1;
                for h in 0..nh {
                    let g = h / (nh / nkv);
                    let q = &row[h * hs..(h + 1) * hs];
                    let scores = &mut s.scores[..seen];
                    for (j, score) in scores.iter_mut().enumerate() {
                        let k = &k_cache[j * kv_dim + g * hs..j * kv_dim + (g + 1) * hs];
                        *score = dot(q, k) * scale;
                    }
                    softmax(scores);
                    let out = &mut out[h * hs..(h + 1) * hs];
                    out.fill(0.0);
                    for (j, &p) in scores.iter().enumerate() {
                        axpy(out, p, &v_cache[j * kv_dim + g * hs..j * kv_dim + (g + 1) * hs]);
                    }
                }
            }
            probe.visit(Site::Heads(layer), start, &mut s.att);
            matmul(&mut s.update, &s.att, &lw.wo, q_dim, c);
            add(&mut s.x, &s.update);
            // Norm, then gate and up in one projection, SiLU(gate)·up, down, residual.
            rms_norm(&mut s.xn, &s.x, &lw.mlp_norm, eps);
            matmul(&mut s.gate_up, &s.xn, &lw.w_gate_up, c, 2 * ff);
            for (gu, h) in s.gate_up.chunks_exact(2 * ff).zip(s.hidden.chunks_exact_mut(ff)) {
                let (gate, up) = gu.split_at(ff);
                for ((h, &g), &u) in h.iter_mut().zip(gate).zip(up) {
                    *h = g / (1.0 + (-g).exp()) * u;
                }
            }
            matmul(&mut s.update, &s.hidden, &lw.w_down, ff, c);
            probe.visit(Site::Mlp(layer), start, &mut s.update);
            add(&mut s.x, &s.update);
            probe.visit(Site::Block(layer), start, &mut s.x);
        }
        self.ids.extend_from_slice(ids);
        // The final norm and the tied head, for the last token only.
        unembed(&w, &s.x[(t - 1) * c..], &mut s.xn[..c], &mut self.logits);
        Ok(&self.logits)
    }
}

/// A point of the forward pass a [`Probe`] sees; its values are (T, width) for the T tokens read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The residual stream after the embedding, (T, C).
    Embedded,
    /// Block `layer`'s attention output per head before W_o, (T, nh·hs): head h in columns
    /// h·hs..(h+1)·hs.
    Heads(usize),
    /// Block `layer`'s MLP output, its update to the residual stream, (T, C).
    Mlp(usize),
    /// The residual stream after block `layer`, (T, C).
    Block(usize),
}

/// Sees (and may change) the intermediate values of a [`CpuDecoder::forward_probed`] pass.
pub trait Probe {
    /// `values` at `site`, rows for the tokens at positions `start`, `start + 1`, ….
    fn visit(&mut self, site: Site, start: usize, values: &mut [f32]);
}

/// The probe of a plain forward pass: it looks at nothing.
struct NoProbe;

impl Probe for NoProbe {
    #[inline(always)]
    fn visit(&mut self, _: Site, _: usize, _: &mut [f32]) {}
}

fn resize(buffer: &mut Vec<f32>, len: usize) {
    buffer.resize(len, 0.0);
}

/// The logits (V) that one residual-stream row `x` (C) gives: the final norm (into `xn`, C),
/// then the tied head.
pub(crate) fn unembed(w: &DecodeWeights, x: &[f32], xn: &mut [f32], logits: &mut [f32]) {
    let c = x.len();
    rms_norm(xn, x, &w.norm, w.config.norm_eps as f32);
    for (logit, row) in logits.iter_mut().zip(w.embedding.chunks_exact(c)) {
        *logit = dot(xn, row);
    }
}

/// The factor RMSNorm multiplies the row `x` by before its gain: 1 / sqrt(mean(x²) + eps).
pub(crate) fn rms_scale(x: &[f32], eps: f32) -> f32 {
    1.0 / (dot(x, x) / x.len() as f32 + eps).sqrt()
}

/// `out = x / sqrt(mean(x²) + eps) * gain` for every row of `x` (rows of `gain.len()`).
fn rms_norm(out: &mut [f32], x: &[f32], gain: &[f32], eps: f32) {
    let c = gain.len();
    for (out, x) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        let inv = rms_scale(x, eps);
        for ((o, &x), &g) in out.iter_mut().zip(x).zip(gain) {
            *o = x * inv * g;
        }
    }
}

/// Rotates one head's vector by its position: dimension i with i + hs/2 ("rotate half").
fn rotate(head: &mut [f32], cos: &[f32], sin: &[f32]) {
    let (x1, x2) = head.split_at_mut(cos.len());
    for (((a, b), &c), &s) in x1.iter_mut().zip(x2.iter_mut()).zip(cos).zip(sin) {
        let (x1, x2) = (*a, *b);
        *a = x1 * c - x2 * s;
        *b = x2 * c + x1 * s;
    }
}

/// Softmax in place, shifted by the maximum.
fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    x.iter_mut().for_each(|v| *v *= inv);
}

/// `y += x`.
fn add(y: &mut [f32], x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += x;
    }
}

/// `y += a · x`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// `y += a · x` four lanes at a time by hand (attention's weighted sum of values, rows of one
/// head's size: left scalar by the compiler on wasm32, 2.6× slower in V8). The same operations
/// on each element as the portable version.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    use simd128::{load, store};
    use std::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat};
    let x = &x[..y.len()];
    let (y4, y_rest) = y.as_chunks_mut::<4>();
    let (x4, x_rest) = x.as_chunks::<4>();
    let a4 = f32x4_splat(a);
    for (y, x) in y4.iter_mut().zip(x4) {
        store(y, f32x4_add(load(y), f32x4_mul(a4, load(x))));
    }
    for (y, &x) in y_rest.iter_mut().zip(x_rest) {
        *y += a * x;
    }
}

/// `y += a0·r0 + a1·r1 + a2·r2 + a3·r3`: four weight rows per pass over `y` (every projection).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn axpy4(y: &mut [f32], a: [f32; 4], r: [&[f32]; 4]) {
    let n = y.len();
    let (r0, r1, r2, r3) = (&r[0][..n], &r[1][..n], &r[2][..n], &r[3][..n]);
    for j in 0..n {
        y[j] += a[0] * r0[j] + a[1] * r1[j] + a[2] * r2[j] + a[3] * r3[j];
    }
}

/// `axpy4` four lanes at a time by hand: the compiler leaves the loop above scalar on wasm32
/// (checked in the worker's disassembly: `f32.mul` on one lane), and the projections are 60% of
/// a token's arithmetic. The same operations, in the same order, on each element.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn axpy4(y: &mut [f32], a: [f32; 4], r: [&[f32]; 4]) {
    use simd128::{load, store};
    use std::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat};
    let n = y.len();
    let (r0, r0_rest) = r[0][..n].as_chunks::<4>();
    let (r1, r1_rest) = r[1][..n].as_chunks::<4>();
    let (r2, r2_rest) = r[2][..n].as_chunks::<4>();
    let (r3, r3_rest) = r[3][..n].as_chunks::<4>();
    let (y4, y_rest) = y.as_chunks_mut::<4>();
    let [a0, a1, a2, a3] = a.map(|a| f32x4_splat(a));
    for (j, y) in y4.iter_mut().enumerate() {
        let sum = f32x4_add(
            f32x4_add(
                f32x4_add(f32x4_mul(a0, load(&r0[j])), f32x4_mul(a1, load(&r1[j]))),
                f32x4_mul(a2, load(&r2[j])),
            ),
            f32x4_mul(a3, load(&r3[j])),
        );
        store(y, f32x4_add(load(y), sum));
    }
    for (j, y) in y_rest.iter_mut().enumerate() {
        *y += a[0] * r0_rest[j] + a[1] * r1_rest[j] + a[2] * r2_rest[j] + a[3] * r3_rest[j];
    }
}

/// The dot product, with eight running sums the compiler keeps in vector registers.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (a8, a_rest) = a.as_chunks::<8>();
    let (b8, b_rest) = b[..a.len()].as_chunks::<8>();
    for (x, y) in a8.iter().zip(b8) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]) + tail
}

/// The dot product as above, its eight running sums held in two SIMD128 vectors by hand: for
/// this form LLVM's wasm backend leaves the loop scalar, 3.7× slower in V8 (the output head is
/// 4096 of these a token). Lanes 0–3 hold sums 0–3, lanes 4–7 sums 4–7, added in the same order
/// as the portable version, so both give the same bits.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    use simd128::load;
    use std::arch::wasm32::{f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat};
    let b = &b[..a.len()];
    // Pairs of four-lane groups: eight elements a step, as the portable version.
    let a8 = a.as_chunks::<4>().0.as_chunks::<2>().0;
    let b8 = b.as_chunks::<4>().0.as_chunks::<2>().0;
    let (mut lo, mut hi) = (f32x4_splat(0.0), f32x4_splat(0.0));
    for ([x_lo, x_hi], [y_lo, y_hi]) in a8.iter().zip(b8) {
        lo = f32x4_add(lo, f32x4_mul(load(x_lo), load(y_lo)));
        hi = f32x4_add(hi, f32x4_mul(load(x_hi), load(y_hi)));
    }
    let done = 8 * a8.len();
    let tail: f32 = a[done..].iter().zip(&b[done..]).map(|(x, y)| x * y).sum();
    let sum = f32x4_add(lo, hi);
    f32x4_extract_lane::<0>(sum)
        + f32x4_extract_lane::<1>(sum)
        + f32x4_extract_lane::<2>(sum)
        + f32x4_extract_lane::<3>(sum)
        + tail
}

/// Whole-vector loads and stores of four `f32`s: one `v128.load`/`v128.store` each, where
/// building a vector from four elements compiles to four lane loads. The crate's only `unsafe`:
/// std offers no safe load of a `v128` from memory.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
mod simd128 {
    use std::arch::wasm32::{v128, v128_load, v128_store};

    #[inline(always)]
    pub fn load(x: &[f32; 4]) -> v128 {
        // SAFETY: `x` is 16 readable bytes; `v128_load` reads them unaligned.
        unsafe { v128_load(x.as_ptr().cast()) }
    }

    #[inline(always)]
    pub fn store(y: &mut [f32; 4], v: v128) {
        // SAFETY: `y` is 16 writable bytes; `v128_store` writes them unaligned.
        unsafe { v128_store(y.as_mut_ptr().cast(), v) }
    }
}

/// `y = x · w` for a batch: x (T, n_in), w (n_in, n_out) row-major, y (T, n_out). Each tile of
/// [`TILE`] tokens takes the weight rows four at a time while they are in the cache.
fn matmul(y: &mut [f32], x: &[f32], w: &[f32], n_in: usize, n_out: usize) {
    y.fill(0.0);
    let rows = n_in - n_in % 4;
    for (x_tile, y_tile) in x.chunks(TILE * n_in).zip(y.chunks_mut(TILE * n_out)) {
        for i in (0..rows).step_by(4) {
            let r = [0, 1, 2, 3].map(|k| &w[(i + k) * n_out..(i + k + 1) * n_out]);
            for (xt, yt) in x_tile.chunks_exact(n_in).zip(y_tile.chunks_exact_mut(n_out)) {
                axpy4(yt, [xt[i], xt[i + 1], xt[i + 2], xt[i + 3]], r);
            }
        }
        for i in rows..n_in {
            let row = &w[i * n_out..(i + 1) * n_out];
            for (xt, yt) in x_tile.chunks_exact(n_in).zip(y_tile.chunks_exact_mut(n_out)) {
                axpy(yt, xt[i], row);
            }
        }
    }
}
