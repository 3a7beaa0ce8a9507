//! Decoding fast paths: the Tumbler's forward pass written out by hand over plain `f32` slices,
//! for the one job that runs thousands of times per reader, producing the next token's logits.
//!
//! burn's forward ([`Tumbler::forward_with`](crate::gpt::Tumbler::forward_with)) stays the
//! reference: it builds a graph of ~30 tensor ops per block, which for a model this small costs
//! more in per-op overhead than in arithmetic (≈2.8 MFLOP per token). The fast paths fuse those
//! ops into a few loops (the CPU, [`cpu`]) or a few kernels (WebGPU, [`gpu`] with the `gpu` feature), as llama2.c does, reading
//! the same weights in one layout, [`DecodeWeights`]. Their tests compare them with the burn
//! forward within a stated tolerance, with and without the KV cache.

pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
mod weights;

#[cfg(test)]
mod tests;

pub use cpu::CpuDecoder;
#[cfg(feature = "gpu")]
pub use gpu::{GpuDecoder, GpuError};
pub use weights::{DecodeWeights, LayerWeights};

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
