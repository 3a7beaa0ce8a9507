//! The Tumbler transformer, one file per piece, in the order data flows through it:
//! [`embedding`] → [`rope`] + [`attention`] (with the [`kv_cache`]) → [`mlp`] (SwiGLU), each
//! behind an [`rmsnorm`] inside a [`block`] → final norm → logits ([`model`]); [`trace`] is the
//! plain-data record of a pass, [`weights`] the safetensors files, [`checkpoint`] the checkpoints a
//! reader brings (ours, or transformers' Llama).
//!
//! [`config`] and [`trace`] need no tensor library, so the page can read a config and draw a
//! trace without burn; everything else sits behind the `gpt` feature.

pub mod checkpoint;
pub mod config;
pub mod trace;

#[cfg(feature = "gpt")]
pub mod attention;
#[cfg(feature = "gpt")]
pub mod block;
#[cfg(feature = "gpt")]
pub mod embedding;
#[cfg(feature = "gpt")]
pub mod kv_cache;
#[cfg(feature = "gpt")]
pub mod mlp;
#[cfg(feature = "gpt")]
pub mod model;
#[cfg(feature = "gpt")]
pub mod rmsnorm;
#[cfg(feature = "gpt")]
pub mod rope;
#[cfg(feature = "gpt")]
pub mod weights;

#[cfg(all(test, feature = "gpt"))]
mod tests;

pub use config::{BLOCK_MATRICES, ConfigError, ConfigJsonError, TumblerConfig};
pub use trace::{Array, LayerTrace, Trace};

#[cfg(feature = "gpt")]
pub use kv_cache::KvCache;
#[cfg(feature = "gpt")]
pub use model::{
    ForwardOptions, ForwardOutput, ReadbackError, TraceOptions, Tumbler, cross_entropy, ids_tensor,
    masked_cross_entropy, next_token_probs,
};
#[cfg(feature = "gpt")]
pub use weights::{StorageDtype, WeightsError};
