//! `tumbler bench`: milliseconds per token for prefill and for decoding, at two positions, with
//! and without the KV cache.
//!
//! - prefill at P: one forward pass over P tokens, divided by P.
//! - decode with the cache at P: one token on top of a cache of P tokens.
//! - decode without the cache at P: a full forward pass over P + 1 tokens for that one token.
//!
//! Each measurement includes reading the last logits back, as a real decoding step must, and is
//! the median of `--repeats` runs after one warm-up. Beside burn's forward pass (the reference)
//! the same three numbers for the fused CPU path ([`CpuDecoder`]), with the total prefill time,
//! and, built with the `gpu` feature, for the fused WGSL kernels on the default wgpu adapter
//! (where a decoded token is chosen on the GPU and only it comes back), with tokens decoded 16
//! per readback and the GPU work per token.

use std::time::Instant;

use anyhow::{Context, bail};
use burn::tensor::Tensor;
use clap::Args;
use tumbler_model::decode::{CpuDecoder, DecodeWeights};
use tumbler_model::gpt::{ForwardOptions, KvCache, Tumbler, ids_tensor};

use crate::engine::{Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Positions to measure at.
    #[arg(long, value_delimiter = ',', default_values_t = [10usize, 200])]
    positions: Vec<usize>,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 7)]
    repeats: usize,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let engine = Engine::load(&args.model)?;
    let model = &engine.model;
    let context = model.config.context_length;
    if let Some(&p) = args.positions.iter().find(|&&p| p == 0 || p >= context) {
        bail!("position {p} is outside 1..{context}");
    }
    let vocab = model.config.vocab_size as u32;
    // A fixed, arbitrary token stream: speed does not depend on which ids they are.
    let ids: Vec<u32> = (0..context as u32).map(|i| (i * 7919 + 13) % vocab).collect();
    let repeats = args.repeats.max(1);

    println!("backend: {:?}, model: {} parameters", args.model.backend, model.config.param_count());
    let header = || {
        println!(
            "{:>8} {:>22} {:>22} {:>22} {:>12}",
            "position",
            "prefill ms/token",
            "decode+cache ms/token",
            "decode no-cache ms/tok",
            "prefill ms"
        );
    };
    println!("burn's forward pass (the reference):");
    header();
    for &p in &args.positions {
        let prefill =
            median_ms(repeats, || last_logits(model, &ids[..p], None, &engine.device).map(|_| ()))?
                / p as f64;
        let mut warm_cache = model.new_cache();
        last_logits(model, &ids[..p], Some(&mut warm_cache), &engine.device)?;
        let cached = median_ms(repeats, || {
            let mut cache = warm_cache.clone();
            last_logits(model, &ids[p..=p], Some(&mut cache), &engine.device).map(|_| ())
        })?;
        let uncached = median_ms(repeats, || {
            last_logits(model, &ids[..=p], None, &engine.device).map(|_| ())
        })?;
        println!(
            "{p:>8} {prefill:>22.3} {cached:>22.3} {uncached:>22.3} {:>12.3}",
            prefill * p as f64
        );
    }

    let weights = std::sync::Arc::new(DecodeWeights::read_cpu(model).context("reading weights")?);
    println!("the fused CPU path (one thread):");
    header();
    let mut decoder = CpuDecoder::new(weights.clone());
    for &p in &args.positions {
        let mut forward = |from: usize, to: usize| {
            decoder.truncate(from);
            decoder.forward(&ids[from..to]).map(|_| ()).context("fused forward")
        };
        let prefill = median_ms(repeats, || forward(0, p))? / p as f64;
        let cached = median_ms(repeats, || forward(p, p + 1))?;
        let uncached = median_ms(repeats, || forward(0, p + 1))?;
        println!(
            "{p:>8} {prefill:>22.3} {cached:>22.3} {uncached:>22.3} {:>12.3}",
            prefill * p as f64
        );
    }
    #[cfg(feature = "gpu")]
    gpu(&weights, &ids, &args.positions, repeats)?;
    Ok(())
}

/// The fused WGSL kernels: the same columns (a decoded token is a greedy step, chosen on the
/// GPU), then tokens decoded 16 per readback, then the work one streamed token asks of the GPU.
#[cfg(feature = "gpu")]
fn gpu(
    weights: &DecodeWeights,
    ids: &[u32],
    positions: &[usize],
    repeats: usize,
) -> anyhow::Result<()> {
    use tumbler_model::decode::gpu::{GpuDecoder, request_device};
    use tumbler_model::inspect::resolve;
    use tumbler_model::sampling::{Rng, SamplingConfig};

    let (device, queue, adapter) = resolve(request_device())?;
    println!("the fused WGSL kernels on wgpu ({}, {:?}):", adapter.name, adapter.backend);
    let mut decoder = GpuDecoder::new(device, queue, weights)?;
    println!(
        "{:>8} {:>22} {:>22} {:>22} {:>12} {:>16}",
        "position",
        "prefill ms/token",
        "decode+cache ms/token",
        "decode no-cache ms/tok",
        "prefill ms",
        "16/readback ms/tok"
    );
    let greedy = SamplingConfig::greedy();
    let mut rng = Rng::new(0);
    let context = weights.config.context_length;
    for &p in positions {
        let mut logits = |from: usize, to: usize| -> anyhow::Result<()> {
            decoder.truncate(from);
            resolve(decoder.logits(&ids[from..to]))?;
            Ok(())
        };
        let prefill = median_ms(repeats, || logits(0, p))? / p as f64;
        let uncached = median_ms(repeats, || logits(0, p + 1))?;
        let batch = 16.min(context - p);
        let mut steps = |n: usize| -> anyhow::Result<()> {
            decoder.truncate(p);
            resolve(decoder.step_many(&ids[p..=p], n, &greedy, &mut rng))?;
            Ok(())
        };
        let cached = median_ms(repeats, || steps(1))?;
        let batched = median_ms(repeats, || steps(batch))? / batch as f64;
        println!(
            "{p:>8} {prefill:>22.3} {cached:>22.3} {uncached:>22.3} {:>12.3} {batched:>16.3}",
            prefill * p as f64
        );
    }
    decoder.truncate(positions[0]);
    let before = decoder.counters();
    resolve(decoder.step(&ids[positions[0]..=positions[0]], &greedy, &mut rng))?;
    let after = decoder.counters();
    println!(
        "per streamed token: {} dispatches, {} submit, {} buffer write, {} map, {} bytes read back",
        after.dispatches - before.dispatches,
        after.submits - before.submits,
        after.writes - before.writes,
        after.maps - before.maps,
        after.bytes_read - before.bytes_read
    );
    Ok(())
}

/// Runs `ids` through the model (appending to `cache` if given) and reads the last logits back.
fn last_logits(
    model: &Tumbler,
    ids: &[u32],
    cache: Option<&mut KvCache>,
    device: &burn::tensor::Device,
) -> anyhow::Result<Vec<f32>> {
    let out = model.forward_with(ids_tensor(ids, device), ForwardOptions::default(), cache);
    let [_, t, v] = out.logits.dims();
    let last: Tensor<3> = out.logits.slice([0..1, t - 1..t, 0..v]);
    last.into_data().try_to_vec::<f32>().context("reading logits")
}

/// Median wall time of `f` over `repeats` runs after one warm-up, in milliseconds.
fn median_ms(repeats: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    f()?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}
