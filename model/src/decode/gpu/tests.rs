//! The GPU decoder against its references on a real wgpu device (natively Mesa's lavapipe where
//! there is no GPU): logits against the fused CPU step and burn's forward, attention
//! probabilities against burn's records, chosen tokens against the CPU [`Sampler`], and the
//! work per token against the targets. Without an adapter each test says so by name and passes;
//! `TUMBLER_REQUIRE_WGPU=1` turns that into a failure.

use std::sync::Arc;

use burn::tensor::Device;

use super::*;
use crate::decode::CpuDecoder;
use crate::generate::top_ids;
use crate::gpt::{ForwardOptions, Tumbler, ids_tensor, weights};
use crate::inspect::resolve;
use crate::sampling::{Sampler, softmax_with_temperature};

/// Logits of the tiny model lie within ±1; f32 sums in another order differ by ~1e-7 of that.
const TINY_TOLERANCE: f32 = 1e-5;
/// Logits of the shipped model reach ±15 (as the CPU step's tests state).
const SHIPPED_TOLERANCE: f32 = 1e-3;

/// A decoder for `weights` on a fresh device, or `None`, said by name, without an adapter.
fn decoder(test: &str, weights: &DecodeWeights) -> Option<GpuDecoder> {
    match resolve(request_device()) {
        Ok((device, queue, info)) => {
            eprintln!("{test}: on the wgpu adapter {:?} ({:?})", info.name, info.backend);
            Some(GpuDecoder::new(device, queue, weights).expect("the decoder builds"))
        }
        Err(e) => {
            assert!(
                std::env::var_os("TUMBLER_REQUIRE_WGPU").is_none(),
                "TUMBLER_REQUIRE_WGPU is set but {test} found no adapter: {e}"
            );
            eprintln!("SKIPPED {test}: {e}");
            None
        }
    }
}

fn tiny(seed: u64) -> Tumbler {
    Tumbler::init(&TumblerConfig::tiny(), seed, &Device::flex()).unwrap()
}

fn shipped() -> Tumbler {
    weights::load(&crate::repo_file("public/model/base"), &Device::flex()).unwrap()
}

fn weights_of(model: &Tumbler) -> Arc<DecodeWeights> {
    Arc::new(DecodeWeights::read_cpu(model).unwrap())
}

/// burn's forward over `ids` without a cache: the last row of logits.
fn reference(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    let logits = model.forward(ids_tensor(ids, &Device::flex())); // (1, T, V)
    let [_, t, v] = logits.dims();
    logits.slice([0..1, t - 1..t, 0..v]).into_data().try_to_vec::<f32>().unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn ids(n: usize, vocab: usize) -> Vec<u32> {
    (0..n as u32).map(|i| (i * 7919 + 13) % vocab as u32).collect()
}

/// Prefill of `prompt` tokens, then `steps` single tokens: the GPU's logits against the CPU
/// step's and burn's after each, within `tol`.
fn compare(gpu: &mut GpuDecoder, model: &Tumbler, prompt: usize, steps: usize, tol: f32) {
    let weights = weights_of(model);
    let text = ids(prompt + steps, model.config.vocab_size);
    let mut cpu = CpuDecoder::new(weights);
    gpu.truncate(0);
    let (mut worst_cpu, mut worst_burn) = (0.0f32, 0.0f32);
    let mut start = 0;
    for end in std::iter::once(prompt).chain(prompt + 1..=prompt + steps) {
        let fused = resolve(gpu.logits(&text[start..end])).unwrap();
        let d_cpu = max_diff(&fused, cpu.forward(&text[start..end]).unwrap());
        let d_burn = max_diff(&fused, &reference(model, &text[..end]));
        assert!(
            d_cpu < tol && d_burn < tol,
            "position {}: max |Δlogit| {d_cpu} (CPU), {d_burn} (burn)",
            end - 1
        );
        (worst_cpu, worst_burn) = (worst_cpu.max(d_cpu), worst_burn.max(d_burn));
        start = end;
    }
    assert_eq!(gpu.len(), prompt + steps);
    eprintln!(
        "prefill {prompt} + {steps} steps: max |Δlogit| {worst_cpu:e} vs CPU, {worst_burn:e} vs burn"
    );
}

#[test]
fn gpu_logits_match_the_cpu_step_and_burn_on_a_tiny_model_with_grouped_query_attention() {
    let model = tiny(7);
    let Some(mut gpu) = decoder("gpu_logits_match…tiny", &weights_of(&model)) else { return };
    compare(&mut gpu, &model, 1, 3, TINY_TOLERANCE);
    compare(&mut gpu, &model, 13, 5, TINY_TOLERANCE);
    // The last steps reach the end of the context.
    compare(&mut gpu, &model, 59, 5, TINY_TOLERANCE);
}

#[test]
fn gpu_logits_match_the_cpu_step_and_burn_on_the_shipped_model() {
    let model = shipped();
    let Some(mut gpu) = decoder("gpu_logits_match…shipped", &weights_of(&model)) else { return };
    compare(&mut gpu, &model, 10, 3, SHIPPED_TOLERANCE);
    compare(&mut gpu, &model, 200, 3, SHIPPED_TOLERANCE);
}

#[test]
fn gpu_attention_probabilities_match_burn() {
    let model = tiny(11);
    let Some(mut gpu) = decoder("gpu_attention_probabilities…", &weights_of(&model)) else {
        return;
    };
    let text = ids(15, model.config.vocab_size);
    let mut cache = model.new_cache();
    for (start, end) in [(0, 12), (12, 15)] {
        let traced = resolve(gpu.trace(&text[start..end])).unwrap();
        let out = model.forward_with(
            ids_tensor(&text[start..end], &Device::flex()),
            ForwardOptions::default(),
            Some(&mut cache),
        );
        let burn: Vec<f32> = out
            .blocks
            .into_iter()
            .flat_map(|b| b.attention.probs.into_data().try_to_vec::<f32>().unwrap()) // (1, nh, T, T_total)
            .collect();
        let d = max_diff(&traced.attention, &burn);
        assert!(d < 1e-6, "tokens {start}..{end}: max |Δp| {d}");
        let [_, t, v] = out.logits.dims();
        let last =
            out.logits.slice([0..1, t - 1..t, 0..v]).into_data().try_to_vec::<f32>().unwrap();
        assert!(max_diff(&traced.logits, &last) < TINY_TOLERANCE);
    }
}

/// The tokens the CPU chooses from the CPU step's logits with `Sampler`, as `Generation::choose`
/// reports them.
fn cpu_run(
    weights: &Arc<DecodeWeights>,
    prompt: &[u32],
    n: usize,
    sampling: SamplingConfig,
    seed: u64,
) -> Vec<Chosen> {
    let mut cpu = CpuDecoder::new(Arc::clone(weights));
    let mut sampler = Sampler::new(sampling, seed).unwrap();
    let shown = if sampling.temperature > 0.0 { sampling.temperature } else { 1.0 };
    let mut input = prompt.to_vec();
    (0..n)
        .map(|_| {
            let logits = cpu.forward(&input).unwrap();
            let id = sampler.sample(logits).unwrap();
            let probs = softmax_with_temperature(logits, shown);
            let top =
                top_ids(&probs, CANDIDATES).into_iter().map(|i| (i, probs[i as usize])).collect();
            input = vec![id];
            Chosen { id, p: probs[id as usize], top }
        })
        .collect()
}

fn assert_same_run(gpu: &[Chosen], cpu: &[Chosen], what: &str) {
    let ids = |run: &[Chosen]| run.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(gpu), ids(cpu), "{what}: the GPU chose other tokens");
    for (g, c) in gpu.iter().zip(cpu) {
        assert!((g.p - c.p).abs() < 1e-4, "{what}: p {} on the GPU, {} on the CPU", g.p, c.p);
        let top = |c: &Chosen| c.top.iter().map(|t| t.0).collect::<Vec<_>>();
        assert_eq!(top(g), top(c), "{what}: other candidates");
        for (a, b) in g.top.iter().zip(&c.top) {
            assert!((a.1 - b.1).abs() < 1e-4, "{what}: candidate p {} vs {}", a.1, b.1);
        }
    }
}

#[test]
fn the_gpu_sampler_chooses_the_cpu_samplers_tokens_for_the_same_seed() {
    let model = shipped();
    let weights = weights_of(&model);
    let Some(mut gpu) = decoder("the_gpu_sampler_chooses…", &weights) else { return };
    let prompt = ids(10, model.config.vocab_size);
    let settings = [
        (
            "temperature 0.8, top-k 40, top-p 0.9",
            SamplingConfig { temperature: 0.8, top_k: Some(40), top_p: 0.9 },
        ),
        ("greedy", SamplingConfig::greedy()),
        ("temperature 1, top-p 0.9", SamplingConfig { temperature: 1.0, top_k: None, top_p: 0.9 }),
        (
            "temperature 1.2, top-k 5",
            SamplingConfig { temperature: 1.2, top_k: Some(5), top_p: 1.0 },
        ),
    ];
    for (what, sampling) in settings {
        for seed in [1, 42] {
            let n = 24;
            let cpu = cpu_run(&weights, &prompt, n, sampling, seed);
            // All at once, one readback.
            gpu.truncate(0);
            let batch = resolve(gpu.step_many(&prompt, n, &sampling, &mut Rng::new(seed))).unwrap();
            assert_same_run(&batch, &cpu, &format!("{what}, seed {seed}, one batch"));
            // One token per call.
            gpu.truncate(0);
            let mut rng = Rng::new(seed);
            let mut input = prompt.clone();
            let single: Vec<Chosen> = (0..n)
                .map(|_| {
                    let chosen = resolve(gpu.step(&input, &sampling, &mut rng)).unwrap();
                    input = vec![chosen.id];
                    chosen
                })
                .collect();
            assert_same_run(&single, &cpu, &format!("{what}, seed {seed}, token by token"));
            assert_eq!(gpu.len(), prompt.len() + n - 1);
        }
    }
}

#[test]
fn a_decoded_token_costs_one_submit_one_map_and_few_dispatches() {
    let model = shipped();
    let Some(mut gpu) = decoder("a_decoded_token_costs…", &weights_of(&model)) else { return };
    let layers = model.config.n_layers as u64;
    let sampling = SamplingConfig { temperature: 0.8, top_k: Some(40), top_p: 0.9 };
    let mut rng = Rng::new(3);
    let first = resolve(gpu.step(&ids(10, 4096), &sampling, &mut rng)).unwrap();
    // Streaming: one token per call.
    let before = gpu.counters();
    let mut id = first.id;
    let n = 8;
    let started = std::time::Instant::now();
    for _ in 0..n {
        id = resolve(gpu.step(&[id], &sampling, &mut rng)).unwrap().id;
    }
    let streaming = started.elapsed().as_secs_f64() * 1e3 / n as f64;
    let c = gpu.counters();
    let per = |a: u64, b: u64| (a - b) as f64 / n as f64;
    let dispatches = per(c.dispatches, before.dispatches);
    assert!(dispatches <= (8 * layers) as f64, "{dispatches} dispatches per token");
    assert_eq!(per(c.submits, before.submits), 1.0);
    assert_eq!(per(c.maps, before.maps), 1.0);
    assert_eq!(per(c.writes, before.writes), 1.0);
    let bytes = per(c.bytes_read, before.bytes_read);
    assert!(bytes <= 1024.0, "{bytes} bytes read back per token");
    // Batched: 32 tokens per call.
    let before = gpu.counters();
    let started = std::time::Instant::now();
    resolve(gpu.step_many(&[id], 32, &sampling, &mut rng)).unwrap();
    let batched = started.elapsed().as_secs_f64() * 1e3 / 32.0;
    let c = gpu.counters();
    assert_eq!((c.submits - before.submits, c.maps - before.maps), (1, 1));
    eprintln!(
        "per token: {dispatches} dispatches, 1 submit, 1 write, 1 map, {bytes} bytes; \
         {streaming:.2} ms streaming, {batched:.2} ms in a batch of 32 (this adapter)"
    );
}

#[test]
fn a_truncated_cache_reads_again_from_where_the_texts_differ() {
    let model = tiny(5);
    let Some(mut gpu) = decoder("a_truncated_cache…", &weights_of(&model)) else { return };
    let a = ids(12, model.config.vocab_size);
    resolve(gpu.logits(&a)).unwrap();
    let mut b = a[..8].to_vec();
    b.extend([1, 2, 3]);
    gpu.truncate(8);
    let fused = resolve(gpu.logits(&b[8..])).unwrap();
    let d = max_diff(&fused, &reference(&model, &b));
    assert!(d < TINY_TOLERANCE, "max |Δlogit| {d}");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let model = tiny(1);
    let Some(mut gpu) = decoder("bad_input_is_an_error…", &weights_of(&model)) else { return };
    let greedy = SamplingConfig::greedy();
    let mut rng = Rng::new(1);
    assert_eq!(resolve(gpu.logits(&[])).unwrap_err(), GpuError::Decode(DecodeError::Empty));
    assert_eq!(
        resolve(gpu.logits(&[300])).unwrap_err(),
        GpuError::Decode(DecodeError::Id { id: 300, vocab: 300 })
    );
    let too_long = ids(65, 300);
    assert!(matches!(
        resolve(gpu.logits(&too_long)),
        Err(GpuError::Decode(DecodeError::Context { new: 65, .. }))
    ));
    // 60 tokens and 5 chosen would read 64 + 1 > 64.
    assert!(matches!(
        resolve(gpu.step_many(&ids(60, 300), 6, &greedy, &mut rng)),
        Err(GpuError::Decode(DecodeError::Context { new: 65, .. }))
    ));
    assert_eq!(resolve(gpu.step_many(&[1], 0, &greedy, &mut rng)).unwrap_err(), GpuError::Steps(0));
    let bad = SamplingConfig { top_p: 0.0, ..greedy };
    assert!(matches!(resolve(gpu.step(&[1], &bad, &mut rng)), Err(GpuError::Sampling(_))));
    assert!(gpu.is_empty(), "a refused call caches nothing");
    assert_eq!(gpu.counters().submits, 0);
}

#[test]
fn generation_on_the_gpu_chooses_the_cpu_paths_tokens_and_the_check_says_so() {
    use crate::decode::GpuText;
    use crate::decode::check::check_gpu;
    use crate::generate::{GenerateOptions, Generation, Step};
    let model = shipped();
    let weights = weights_of(&model);
    let Some(decoder) = decoder("generation_on_the_gpu…", &weights) else { return };
    let mut gpu = GpuText::new(decoder);
    let prompt = ids(12, model.config.vocab_size);
    // A seeded, sampled run, token by token, on both paths; the GPU's cache follows the text.
    let options =
        GenerateOptions { max_tokens: 12, temperature: 0.8, seed: 5, top_k: Some(40), top_p: 0.9 };
    let mut on_gpu = Generation::new(&model, prompt.clone(), &options, vec![]).unwrap();
    let mut on_cpu = Generation::new(&model, prompt.clone(), &options, vec![]).unwrap();
    let mut cpu = CpuDecoder::new(weights.clone());
    loop {
        match (resolve(on_gpu.step_gpu(&mut gpu)).unwrap(), on_cpu.step_fused(&mut cpu).unwrap()) {
            (Step::Token(g), Step::Token(c)) => {
                assert_eq!((g.id, g.read), (c.id, c.read), "step {}", g.step);
                assert!((g.p - c.p).abs() < 1e-4, "p at step {}: {} vs {}", g.step, g.p, c.p);
            }
            (g, c) => {
                assert_eq!(g, c);
                break;
            }
        }
    }
    let check = resolve(check_gpu(&mut gpu, &model, &weights, &prompt, 8)).unwrap();
    eprintln!("{check:?}");
    assert!(check.max_logit_diff < SHIPPED_TOLERANCE, "{}", check.max_logit_diff);
    assert_eq!(check.gpu_ids, check.cpu_ids);
    assert_eq!(check.gpu_ids.len(), 8);
    let p = check.per_token;
    assert!(p.submits <= 1.0 && p.maps <= 1.0 && p.bytes_read <= 1024.0, "{p:?}");
    assert!(p.dispatches / check.layers as f64 <= 8.0, "{p:?}");
}
