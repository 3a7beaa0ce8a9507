//! Pure calculators the chapters show: plain functions on plain data, tested natively.

pub mod attention;
pub mod bm25;
pub mod chunk;
pub mod coins;
pub mod context;
pub mod descent;
pub mod distill;
pub mod expr;
pub mod fft;
pub mod fib_programs;
pub mod flops;
pub mod gate;
pub mod kv_cache;
pub mod long_mult;
pub mod loss;
pub mod moe;
pub mod positional;
pub mod sampling;
pub mod scaling;
pub mod softmax;
pub mod spectrogram;
pub mod tinynet;
pub mod tool_call;
pub mod vit;
