//! `tumbler dpo`: the DPO loss of a chosen/rejected pair under the chat model (the policy) and
//! the base model (the reference), then a few DPO steps on a copy of the policy — the numbers the
//! `dpo` chapter shows, computed natively by the functions the engine worker calls
//! ([`tumbler_model::dpo`]), for the end-to-end test to compare with.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::Args;
use serde_json::json;
use tumbler_model::dpo::{DpoOptions, DpoRun, PairIds, PairTokens, greedy_reply, score};
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::weights;
use tumbler_model::tokenizer::{Encoding, EncodingName};

#[derive(Args, Debug)]
pub struct DpoArgs {
    /// The user's message, x.
    #[arg(long)]
    prompt: String,
    /// The chosen reply, y_w.
    #[arg(long)]
    chosen: String,
    /// The rejected reply, y_l.
    #[arg(long)]
    rejected: String,
    /// β of the loss.
    #[arg(long, default_value_t = DpoOptions::PAGE.beta)]
    beta: f64,
    /// AdamW's learning rate.
    #[arg(long, default_value_t = DpoOptions::PAGE.lr)]
    lr: f64,
    /// DPO steps on the copy of the policy.
    #[arg(long, default_value_t = 8)]
    steps: usize,
    /// Tokens of the greedy reply before and after (0: none).
    #[arg(long, default_value_t = 32)]
    reply_tokens: usize,
    /// The policy π_θ: the chat model's directory.
    #[arg(long, default_value = "public/model/chat")]
    policy: PathBuf,
    /// The reference π_ref: the base model's directory.
    #[arg(long, default_value = "public/model/base")]
    reference: PathBuf,
    /// The Tumbler's tokenizer.json.
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
}

/// Prints one JSON object: `pair` (the tokens), `before` (per-token log-probabilities under both
/// models and every term of the loss), `steps` (the terms after each step), `after`,
/// and the policy's greedy reply `greedy_before` and `greedy_after`.
pub fn run(args: DpoArgs) -> anyhow::Result<()> {
    if !(args.beta > 0.0 && args.lr > 0.0) {
        bail!("β and the learning rate must be positive");
    }
    let device = Device::flex();
    let load = |dir: &PathBuf| {
        weights::load(dir, &device)
            .with_context(|| format!("loading the model in {}", dir.display()))
    };
    let (policy, reference) = (load(&args.policy)?, load(&args.reference)?);
    let encoding = Encoding::from_file(EncodingName::Tumbler, &args.tokenizer)
        .with_context(|| format!("loading {}", args.tokenizer.display()))?;
    let context = policy.config.context_length;
    let pair = PairIds::new(&encoding, &args.prompt, &args.chosen, &args.rejected, context)?;
    let before = score(&policy, &reference, &pair, args.beta);
    let reply = |ids: Vec<u32>| encoding.decode_lossy(&ids);
    let greedy_before = reply(greedy_reply(&policy, &encoding, &pair.prompt, args.reply_tokens));
    let tokens = PairTokens::of(&pair, &encoding);
    let options = DpoOptions { beta: args.beta, lr: args.lr };
    let mut run = DpoRun::new(&policy, &reference, pair, options);
    let steps: Vec<_> = (0..args.steps).map(|_| run.step()).collect();
    let after = run.score();
    let greedy_after = reply(run.greedy(&encoding, args.reply_tokens));
    let out = json!({
        "pair": tokens,
        "options": options,
        "before": before,
        "steps": steps,
        "after": after,
        "greedy_before": greedy_before,
        "greedy_after": greedy_after,
    });
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
