//! The Tumbler: everything in *Inside the Token Tumbler* that computes.
//!
//! No web dependencies: this crate runs natively (the `tumbler` CLI, tests, training) and in the
//! browser (the app and the engine worker). Modules that need burn sit behind the `gpt` feature so
//! the page can use the tokenizers and pipelines without pulling a tensor library into its wasm.

pub mod chat;
pub mod data;
pub mod decode;
pub mod distill;
pub mod dpo;
pub mod generate;
pub mod gpt;
pub mod inspect;
#[cfg(feature = "wgpu")]
pub mod kernels;
#[cfg(feature = "learn")]
pub mod learn;
pub mod mmoe;
pub mod moe;
pub mod own;
pub mod rl;
pub mod rlhf;
pub mod sampling;
pub mod scaling;
pub mod tokenizer;
#[cfg(feature = "train")]
pub mod train;
pub mod vectors;
pub mod why;
pub mod worked;

/// A file of this repository (`relative` to the workspace root, e.g. `"public/model/config.json"`),
/// for tests and tools that cargo runs.
///
/// From the `CARGO_MANIFEST_DIR` cargo sets when it runs a test or a binary (every crate of the
/// workspace sits one folder below its root), so that a test binary cargo reuses from a build in
/// another checkout (CI's build cache) reads this checkout's files; the compile-time one otherwise.
pub fn repo_file(relative: &str) -> std::path::PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")), Into::into);
    crate_dir.join("..").join(relative)
}
