//! The Tumbler: everything in *Inside the Token Tumbler* that computes.
//!
//! No web dependencies: this crate runs natively (the `tumbler` CLI, tests, training) and in the
//! browser (the app and the engine worker). Modules that need burn sit behind the `gpt` feature so
//! the page can use the tokenizers and pipelines without pulling a tensor library into its wasm.

pub mod chat;
pub mod data;
pub mod generate;
pub mod gpt;
#[cfg(feature = "wgpu")]
pub mod kernels;
#[cfg(feature = "learn")]
pub mod learn;
pub mod sampling;
pub mod tokenizer;
#[cfg(feature = "train")]
pub mod train;
pub mod vectors;
