//! `tumbler moe`: the mixture-of-experts Tumbler. `--train` upcycles the shipped dense model into
//! E experts per layer and trains it on the pre-training tokens (resumable from `--dir`), then
//! writes `moe.safetensors` (f16) and its card `moe.json`; `--route TEXT --json` prints the
//! router's decisions over a text, the numbers the `moe` chapter's panel shows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use clap::Args;
use tumbler_model::gpt::{StorageDtype, weights as dense_weights};
use tumbler_model::inspect::resolve;
use tumbler_model::moe::train::{MoeTrainConfig, train};
use tumbler_model::moe::{AUX_WEIGHT, MoeConfig, MoeTumbler, weights};
use tumbler_model::tokenizer::Encoding;
use tumbler_model::train::schedule::Schedule;
use tumbler_model::train::{self as training};

use crate::train::{token_cache, tokens};

#[derive(Args)]
pub struct MoeArgs {
    /// Upcycle and train (resumes from the checkpoint in --dir).
    #[arg(long)]
    train: bool,
    /// Route this text through the shipped MoE model and print what every router chose.
    #[arg(long)]
    route: Option<String>,
    /// Print the routing as JSON (with --route).
    #[arg(long)]
    json: bool,
    /// The dense model to upcycle.
    #[arg(long, default_value = "public/model/base")]
    dense: PathBuf,
    /// Where moe.safetensors and moe.json are written and read.
    #[arg(long, default_value = "public/model")]
    out: PathBuf,
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
    #[arg(long, default_value = ".cache/corpus/train.txt")]
    train_text: PathBuf,
    #[arg(long, default_value = ".cache/corpus/val.txt")]
    val_text: PathBuf,
    /// Checkpoints.
    #[arg(long, default_value = ".cache/train/moe")]
    dir: PathBuf,
    /// Experts per layer, E (they split the dense FFN's hidden units evenly).
    #[arg(long, default_value_t = 8)]
    experts: usize,
    /// Experts per token, k.
    #[arg(long, default_value_t = 2)]
    top_k: usize,
    #[arg(long, default_value_t = 300)]
    steps: usize,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 256)]
    seq: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 50)]
    eval_every: usize,
    #[arg(long, default_value_t = 8)]
    eval_batches: usize,
    #[arg(long, default_value_t = 1234)]
    seed: u64,
    /// Stop this session after so many minutes (run the same command again to resume).
    #[arg(long)]
    minutes: Option<f64>,
}

const WEIGHTS: &str = "moe.safetensors";
const CARD: &str = "moe.json";

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The shipped MoE model and its tokenizer.
pub fn load(out: &Path, tokenizer: &Path, device: &Device) -> Result<(MoeTumbler, Encoding)> {
    let card = weights::card_from_json(&String::from_utf8_lossy(&read(&out.join(CARD))?))?;
    let model = weights::from_safetensors(&card.config, &read(&out.join(WEIGHTS))?, device)?;
    Ok((model, Encoding::from_tokenizer_json(&read(tokenizer)?)?))
}

fn route(args: &MoeArgs, text: &str) -> Result<()> {
    let (model, enc) = load(&args.out, &args.tokenizer, &Device::flex())?;
    let trace = resolve(model.route(&enc, text)).map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string(&trace)?);
        return Ok(());
    }
    let p = trace.params;
    println!(
        "{} tokens, {} experts, top-{}; {} parameters, {} active per token",
        trace.ids.len(),
        trace.n_experts,
        trace.top_k,
        p.total,
        p.active
    );
    for (l, layer) in trace.layers.iter().enumerate() {
        let chosen: Vec<String> = layer
            .tokens
            .iter()
            .zip(&trace.tokens)
            .map(|(r, tok)| format!("{tok:?}→{:?}", r.experts))
            .collect();
        println!("layer {l}: load {:?}; {}", layer.load, chosen.join(" "));
    }
    Ok(())
}

fn train_moe(args: &MoeArgs) -> Result<()> {
    let json = read(&args.tokenizer)?;
    let enc = Encoding::from_tokenizer_json(&json)?;
    let cache = token_cache(&args.dir, &json);
    let train_tokens = tokens(&enc, &args.train_text, &cache.join("train.u16"))?;
    let val_tokens = tokens(&enc, &args.val_text, &cache.join("val.u16"))?;
    let cpu = Device::flex();
    let dense = dense_weights::load(&args.dense, &cpu)?;
    let model = MoeConfig::split(&dense.config, args.experts, args.top_k);
    let cfg = MoeTrainConfig {
        model: model.clone(),
        batch_size: args.batch,
        seq_len: args.seq,
        schedule: Schedule {
            max_lr: args.lr,
            min_lr: args.lr / 10.0,
            warmup_steps: (args.steps / 15).max(1),
            total_steps: args.steps,
        },
        weight_decay: 0.1,
        grad_clip: 1.0,
        aux_weight: AUX_WEIGHT,
        eval_every: args.eval_every,
        eval_batches: args.eval_batches,
        seed: args.seed,
    };
    let (b, t) = (args.batch, args.seq);
    let dense_loss = || training::evaluate(&dense, &val_tokens, b, t, 0, &cpu);
    let start = |device: &Device| {
        let on = dense_weights::load(&args.dense, device)?;
        Ok(MoeTumbler::upcycle(&on, &model, args.seed, 0.01)?)
    };
    let stop = args.minutes.map(|m| Duration::from_secs_f64(m * 60.0));
    let (trained, card, finished) =
        train(&cfg, &train_tokens, &val_tokens, &args.dir, stop, dense_loss, start)?;
    if !finished {
        eprintln!(
            "stopped at step {} of {}: run the same command to resume",
            card.steps, args.steps
        );
        return Ok(());
    }
    std::fs::create_dir_all(&args.out)?;
    let bytes = weights::to_safetensors(&trained, StorageDtype::F16)?;
    std::fs::write(args.out.join(WEIGHTS), bytes)?;
    std::fs::write(args.out.join(CARD), serde_json::to_string_pretty(&card)? + "\n")?;
    eprintln!(
        "validation loss over {} tokens: dense {:.4}, MoE upcycled {:.4} → trained {:.4} ({} steps, {:.0} s); wrote {}",
        card.val_tokens,
        card.dense_val_loss,
        card.upcycled_val_loss,
        card.moe_val_loss,
        card.steps,
        card.seconds,
        args.out.join(WEIGHTS).display()
    );
    Ok(())
}

pub fn run(args: MoeArgs) -> Result<()> {
    match (&args.route, args.train) {
        (Some(text), false) => route(&args, text),
        (None, true) => train_moe(&args),
        _ => bail!("give one of --train or --route TEXT"),
    }
}
