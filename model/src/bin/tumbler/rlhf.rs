//! `tumbler rlhf`: the `rlhf` chapter's numbers computed natively by the functions the engine
//! worker calls ([`tumbler_model::rlhf`]): a reward head trained on preference pairs, then
//! best-of-n against it with each pick's held-out quality, and the KL-penalised pick.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::Args;
use serde_json::json;
use tumbler_model::gpt::weights;
use tumbler_model::rlhf::{
    PROMPTS, PreferencePair, RmOptions, RmTrainer, SampleOptions, Sampling, best_of_n,
    pair_features, penalised_pick,
};
use tumbler_model::tokenizer::{Encoding, EncodingName};
use tumbler_model::vectors::WordVectors;

#[derive(Args, Debug)]
pub struct RlhfArgs {
    /// Pairs added to the shipped ones: a JSON array of {"prompt", "chosen", "rejected"}.
    #[arg(long, default_value = "[]")]
    extra_pairs: String,
    /// The prompts best-of-n answers (repeat the flag); the chapter's four when absent.
    #[arg(long = "prompt")]
    prompts: Vec<String>,
    /// Seed of the sampled replies.
    #[arg(long, default_value_t = SampleOptions::PAGE.seed)]
    seed: u64,
    /// Replies sampled per prompt, N.
    #[arg(long, default_value_t = SampleOptions::PAGE.samples)]
    samples: usize,
    /// Tokens per reply at most.
    #[arg(long, default_value_t = SampleOptions::PAGE.max_tokens)]
    max_tokens: usize,
    /// Sampling temperature.
    #[arg(long, default_value_t = SampleOptions::PAGE.temperature)]
    temperature: f32,
    /// Gradient steps of the reward head.
    #[arg(long, default_value_t = RmOptions::PAGE.steps)]
    rm_steps: usize,
    /// β of the KL penalty.
    #[arg(long, default_value_t = 0.5)]
    beta: f64,
    /// The chat model's directory (the sampler, and the reward model's features).
    #[arg(long, default_value = "public/model/chat")]
    chat: PathBuf,
    /// The word list of the quality check: a TGV1 word-vector file.
    #[arg(long, default_value = "public/vectors/glove-20k-50d.tgv")]
    dictionary: PathBuf,
    /// The Tumbler's tokenizer.json.
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
}

/// Prints one JSON object: `rm` (the loss and accuracy after every step), `pair_rewards`
/// ([chosen, rejected] per pair), `candidates` (per prompt, every reply with its reward and
/// quality), `points` (best-of-n per n), `beta` and `penalised` (the index of the penalised pick).
pub fn run(args: RlhfArgs) -> anyhow::Result<()> {
    if !(args.beta >= 0.0 && args.beta.is_finite()) {
        bail!("β must be a number ≥ 0");
    }
    let chat = weights::load(&args.chat, &Device::flex())
        .with_context(|| format!("loading the model in {}", args.chat.display()))?;
    let dictionary = std::fs::read(&args.dictionary)
        .map_err(anyhow::Error::from)
        .and_then(|bytes| Ok(WordVectors::from_bytes(&bytes)?))
        .with_context(|| format!("reading {}", args.dictionary.display()))?;
    let encoding = Encoding::from_file(EncodingName::Tumbler, &args.tokenizer)
        .with_context(|| format!("loading {}", args.tokenizer.display()))?;
    let extra: Vec<PreferencePair> =
        serde_json::from_str(&args.extra_pairs).context("reading --extra-pairs")?;
    let pairs: Vec<PreferencePair> = PreferencePair::shipped().into_iter().chain(extra).collect();
    let features =
        pairs.iter().map(|p| pair_features(&chat, &encoding, p)).collect::<Result<Vec<_>, _>>()?;
    let options = RmOptions { steps: args.rm_steps, ..RmOptions::PAGE };
    let mut trainer = RmTrainer::new(&features, options);
    let mut rm = vec![trainer.measure()];
    while !trainer.done() {
        rm.push(trainer.step());
    }
    let head = trainer.head().clone();
    let pair_rewards: Vec<[f64; 2]> =
        features.iter().map(|(w, l)| [head.reward(w), head.reward(l)]).collect();
    let prompts: Vec<&str> = if args.prompts.is_empty() {
        PROMPTS.to_vec()
    } else {
        args.prompts.iter().map(String::as_str).collect()
    };
    let sample = SampleOptions {
        seed: args.seed,
        samples: args.samples,
        max_tokens: args.max_tokens,
        temperature: args.temperature,
    }
    .validated()
    .map_err(anyhow::Error::msg)?;
    let mut sampling = Sampling::new((&chat, &dictionary), &encoding, &head, &prompts, sample)?;
    let mut candidates = vec![Vec::new(); prompts.len()];
    while let Some(next) = sampling.next_candidate() {
        let (k, _, candidate) = next?;
        candidates[k].push(candidate);
    }
    let points = best_of_n(&candidates);
    let out = json!({
        "pairs": pairs.len(),
        "rm_options": options,
        "rm": rm,
        "head": head,
        "pair_rewards": pair_rewards,
        "prompts": prompts,
        "sample_options": sample,
        "candidates": candidates,
        "points": points,
        "beta": args.beta,
        "penalised": penalised_pick(&points, args.beta),
    });
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
