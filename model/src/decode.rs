//! Decoding fast paths: the Tumbler's forward pass written out by hand over plain `f32` slices,
//! for the one job that runs thousands of times per reader, producing the next token's logits.
//!
//! burn's forward ([`Tumbler::forward_with`](crate::gpt::Tumbler::forward_with)) stays the
//! reference: it builds a graph of ~30 tensor ops per block, which for a model this small costs
//! more in per-op overhead than in arithmetic (≈2.8 MFLOP per token). The fast paths fuse those
//! ops into a few loops (the CPU, `cpu`) or a few kernels (WebGPU, `gpu`), as llama2.c does,
//! reading the same weights in one layout, `DecodeWeights`. Their tests compare them with the
//! burn forward within a stated tolerance, with and without the KV cache.
//!
//! The answer types of [`check`] need no tensor library (the page reads them); everything else
//! sits behind the `gpt` feature, the GPU decoder behind `gpu`.

pub mod check;
#[cfg(feature = "gpt")]
pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
#[cfg(feature = "gpt")]
mod weights;

#[cfg(all(test, feature = "gpt"))]
mod tests;

#[cfg(feature = "gpt")]
pub use cpu::{CpuDecoder, Probe, Site};
#[cfg(feature = "gpu")]
pub use gpu::{GpuCounters, GpuDecoder, GpuError};

/// A GPU decoder and the tokens its cache holds, so that texts sharing a prefix (a growing
/// generation, a chat's next turn, two streams taking turns) read only what differs.
#[cfg(feature = "gpu")]
#[derive(Debug)]
pub struct GpuText {
    /// The decoder.
    pub decoder: GpuDecoder,
    /// The tokens in its cache, in order.
    ids: Vec<u32>,
}

#[cfg(feature = "gpu")]
impl GpuText {
    /// A decoder whose cache is empty.
    pub fn new(mut decoder: GpuDecoder) -> Self {
        decoder.truncate(0);
        Self { decoder, ids: Vec::new() }
    }

    /// Readies the cache for `text`: keeps the longest prefix of `text` it holds, leaving at
    /// least the last token to read, and records `text` as what it will hold once the caller has
    /// read the returned position onwards. Returns where reading starts.
    pub fn resume(&mut self, text: &[u32]) -> usize {
        let start = resume_point(&self.ids, text);
        self.decoder.truncate(start);
        self.ids.clear();
        self.ids.extend_from_slice(text);
        start
    }

    /// Forgets what the cache holds (after a failed call, whose cache is unknown).
    pub fn forget(&mut self) {
        self.decoder.truncate(0);
        self.ids.clear();
    }
}
#[cfg(feature = "gpt")]
pub use weights::{DecodeWeights, LayerWeights};

/// Where reading `text` starts for a cache holding `cached`: after the longest prefix the two
/// share, but at its last token at the latest, whose logits a cache does not keep.
pub fn resume_point(cached: &[u32], text: &[u32]) -> usize {
    let shared = cached.iter().zip(text).take_while(|(a, b)| a == b).count();
    shared.min(text.len().saturating_sub(1))
}

/// Why a decoder could not read the tokens it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The tokens would run past the context the model (and its rotary tables) covers.
    #[error("{cached} cached tokens and {new} new ones exceed the context of {context}")]
    Context {
        /// Tokens already in the cache.
        cached: usize,
        /// Tokens asked for.
        new: usize,
        /// The model's context length.
        context: usize,
    },
    /// A token id outside the vocabulary.
    #[error("token id {id} is outside the vocabulary of {vocab}")]
    Id {
        /// The id.
        id: u32,
        /// The vocabulary size.
        vocab: usize,
    },
    /// There was no token to read.
    #[error("there are no tokens to read")]
    Empty,
}
