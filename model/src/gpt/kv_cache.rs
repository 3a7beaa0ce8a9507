//! The key/value cache for incremental decoding: each block keeps the keys and values of the
//! tokens it has already seen, so a new token costs one row of attention instead of a full pass.

use burn::tensor::Tensor;

/// Keys and values of one block, (B, n_kv_heads, T_cached, hs) each.
#[derive(Debug, Clone)]
pub struct LayerKv {
    /// Keys after RoPE.
    pub k: Tensor<4>,
    /// Values.
    pub v: Tensor<4>,
}

/// Cached keys and values for every block.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    layers: Vec<Option<LayerKv>>,
}

impl KvCache {
    /// An empty cache for a model with `n_layers` blocks.
    pub fn new(n_layers: usize) -> Self {
        Self { layers: vec![None; n_layers] }
    }

    /// Number of tokens cached (the position the next token will take).
    pub fn len(&self) -> usize {
        self.layers.first().and_then(|l| l.as_ref()).map_or(0, |kv| kv.k.dims()[2])
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cached token.
    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| *l = None);
    }

    /// Bytes held by the cached keys and values (4 per f32 element).
    pub fn size_bytes(&self) -> usize {
        self.layers
            .iter()
            .flatten()
            .map(|kv| {
                let k = kv.k.shape().num_elements() * kv.k.dtype().size();
                let v = kv.v.shape().num_elements() * kv.v.dtype().size();
                k + v
            })
            .sum()
    }

    /// Appends this step's keys and values to block `layer` and returns everything cached.
    ///
    /// # Shapes
    /// - k, v: (B, n_kv_heads, T_new, hs)
    /// - output: (B, n_kv_heads, T_cached + T_new, hs) each
    pub fn append(&mut self, layer: usize, k: Tensor<4>, v: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let slot = &mut self.layers[layer];
        let (k, v) = match slot.take() {
            Some(old) => (Tensor::cat(vec![old.k, k], 2), Tensor::cat(vec![old.v, v], 2)),
            None => (k, v),
        };
        *slot = Some(LayerKv { k: k.clone(), v: v.clone() });
        (k, v)
    }
}
