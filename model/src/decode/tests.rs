//! The fused CPU step against burn's forward pass, its reference: the logits after a prompt read
//! in one batch, then after every decoded token with the KV cache, equal the last row of a full
//! pass without a cache over the same text.

use std::sync::Arc;

use burn::tensor::Device;

use super::*;
use crate::gpt::{Tumbler, TumblerConfig, weights};

use check::burn_last_logits as reference;

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn ids(n: usize, vocab: usize) -> Vec<u32> {
    (0..n as u32).map(|i| (i * 7919 + 13) % vocab as u32).collect()
}

/// Prefill of `prompt` tokens, then `steps` single tokens, each compared with the reference
/// ([`check::check_fused`], which the browser runs on the wasm build too).
fn compare(model: &Tumbler, prompt: usize, steps: usize, tolerance: f32) {
    let weights = Arc::new(DecodeWeights::read_cpu(model).unwrap());
    let text = ids(prompt + steps, model.config.vocab_size);
    let check = check::check_fused(model, &weights, &text, prompt).unwrap();
    let expected: Vec<usize> = (prompt - 1..prompt + steps).collect();
    assert_eq!(check.positions, expected);
    for (&position, &d) in check.positions.iter().zip(&check.max_logit_diff) {
        assert!(d < tolerance, "prompt of {prompt}, position {position}: max |Δlogit| {d}");
    }
}

#[test]
fn the_fused_step_matches_burn_on_a_tiny_model_with_grouped_query_attention() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 7, &Device::flex()).unwrap();
    // Prompts that do and do not fill a tile of 8; the last steps reach the end of the context.
    compare(&model, 1, 3, 1e-5);
    compare(&model, 13, 5, 1e-5);
    compare(&model, 59, 5, 1e-5);
}

#[test]
fn the_fused_step_matches_burn_on_the_shipped_model() {
    let dir = crate::repo_file("public/model/base");
    let model = weights::load(&dir, &Device::flex()).unwrap();
    // Logits of the shipped model reach ±15; f32 sums in another order differ by ~1e-5 of that.
    compare(&model, 10, 3, 1e-3);
    compare(&model, 200, 3, 1e-3);
    compare(&model, 250, 6, 1e-3);
}

#[test]
fn one_token_at_a_time_equals_one_batch() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 3, &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    let text = ids(20, model.config.vocab_size);
    let batch = CpuDecoder::new(weights.clone()).forward(&text).unwrap().to_vec();
    let mut single = CpuDecoder::new(weights);
    let mut last = vec![];
    for id in &text {
        last = single.forward(std::slice::from_ref(id)).unwrap().to_vec();
    }
    let d = max_diff(&batch, &last);
    assert!(d < 1e-5, "max |Δlogit| {d}");
}

#[test]
fn a_truncated_cache_reads_again_from_where_the_texts_differ() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 5, &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    let mut decoder = CpuDecoder::new(weights);
    let a = ids(12, model.config.vocab_size);
    decoder.forward(&a).unwrap();
    let mut b = a[..8].to_vec();
    b.extend([1, 2, 3]);
    decoder.truncate(8);
    let fused = decoder.forward(&b[8..]).unwrap().to_vec();
    let d = max_diff(&fused, &reference(&model, &b));
    assert!(d < 1e-5, "max |Δlogit| {d}");
    assert_eq!(decoder.cache_bytes(), 2 * 4 * 2 * 11 * 2 * 8);
}

#[test]
fn next_logits_reads_only_what_is_not_cached() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 9, &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    let mut decoder = CpuDecoder::new(weights);
    let a = ids(30, model.config.vocab_size);
    let (_, read) = decoder.next_logits(&a[..20]).unwrap();
    assert_eq!(read, 20);
    let (logits, read) = decoder.next_logits(&a[..21]).unwrap();
    assert_eq!(read, 1);
    assert!(max_diff(logits, &reference(&model, &a[..21])) < 1e-5);
    // The same text again reads its last token again; a text that differs from token 10 on
    // reads from there.
    let (_, read) = decoder.next_logits(&a[..21]).unwrap();
    assert_eq!(read, 1);
    let mut b = a[..10].to_vec();
    b.extend([4, 5, 6, 7]);
    let (logits, read) = decoder.next_logits(&b).unwrap();
    assert_eq!(read, 4);
    assert!(max_diff(logits, &reference(&model, &b)) < 1e-5);
}

#[test]
fn weights_are_laid_out_side_by_side() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 2, &Device::flex()).unwrap();
    let awaited = DecodeWeights::read_cpu(&model).unwrap();
    // Q, K and V side by side: row 0 of W_k starts after row 0 of W_q.
    let wk = model.blocks[0].attn.wk.val().into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(awaited.layers[0].wqkv[32], wk[0]);
    assert_eq!(awaited.size_bytes(), 4 * model.config.param_count());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let model = Tumbler::init(&TumblerConfig::tiny(), 1, &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    let mut decoder = CpuDecoder::new(weights);
    assert_eq!(decoder.forward(&[]).unwrap_err(), DecodeError::Empty);
    assert_eq!(decoder.forward(&[300]).unwrap_err(), DecodeError::Id { id: 300, vocab: 300 });
    let too_long = ids(65, 300);
    assert!(matches!(decoder.forward(&too_long), Err(DecodeError::Context { new: 65, .. })));
    assert!(decoder.is_empty(), "a refused call caches nothing");
}
