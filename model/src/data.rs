//! The pre-training corpus pipeline, after FineWeb (Penedo et al., 2024): URL filtering, HTML →
//! text extraction, language identification, Gopher quality rules (Rae et al., 2021), MinHash
//! near-duplicate removal and PII scrubbing.
//!
//! Pure functions over strings: no file system, no clock, no threads, so the page can run the
//! same stages on sample documents in the browser. Reading the raw registry formats is the CLI's
//! job (`tumbler corpus`).

pub mod html;
pub mod lang;
pub mod minhash;
pub mod pii;
pub mod pipeline;
pub mod quality;
pub mod url_filter;

#[cfg(feature = "regex")]
pub use pipeline::Pipeline;
pub use pipeline::{Document, PipelineReport, StageReport, Verdict};
