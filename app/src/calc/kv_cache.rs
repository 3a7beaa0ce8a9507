//! The size of a transformer's key/value cache.

/// A model shape, as far as its KV cache is concerned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KvShape {
    /// Transformer blocks.
    pub layers: u64,
    /// Key/value heads per layer (query heads share them under GQA; one under MQA).
    pub kv_heads: u64,
    /// Width of one head (hs).
    pub head_dim: u64,
    /// Bytes per stored number: 2 for fp16/bf16, 1 for fp8.
    pub bytes: u64,
}

impl KvShape {
    /// Llama-2-70B: 80 layers, 64 query heads sharing 8 KV heads (GQA), head size 128, fp16.
    pub const LLAMA2_70B: KvShape = KvShape { layers: 80, kv_heads: 8, head_dim: 128, bytes: 2 };

    /// Bytes one token adds: a key and a value (the ×2) per KV head per layer.
    pub fn bytes_per_token(self) -> u64 {
        self.layers * self.kv_heads * self.head_dim * 2 * self.bytes
    }

    /// Bytes for a context of `tokens` tokens (one sequence).
    pub fn bytes_for(self, tokens: u64) -> u64 {
        self.bytes_per_token() * tokens
    }
}

/// Bytes as a short decimal string: "32.8 GB", "320 KB".
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 || v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama2_70b_at_100k_tokens_needs_about_33_gb() {
        let s = KvShape::LLAMA2_70B;
        // 80 × 8 × 128 × 2 × 2 = 327,680 bytes per token, by hand.
        assert_eq!(s.bytes_per_token(), 327_680);
        assert_eq!(s.bytes_for(100_000), 32_768_000_000);
        assert_eq!(human_bytes(s.bytes_for(100_000) as f64), "32.8 GB");
    }

    #[test]
    fn gqa_and_mqa_shrink_the_cache_by_the_head_ratio() {
        let mha = KvShape { kv_heads: 64, ..KvShape::LLAMA2_70B };
        let mqa = KvShape { kv_heads: 1, ..KvShape::LLAMA2_70B };
        assert_eq!(mha.bytes_for(100_000), 262_144_000_000);
        assert_eq!(mqa.bytes_for(100_000), 4_096_000_000);
        assert_eq!(mha.bytes_for(1) / KvShape::LLAMA2_70B.bytes_for(1), 8);
    }

    #[test]
    fn bytes_print_with_decimal_units() {
        assert_eq!(human_bytes(999.0), "999 B");
        assert_eq!(human_bytes(327_680.0), "328 KB");
        assert_eq!(human_bytes(4_096_000_000.0), "4.1 GB");
    }
}
