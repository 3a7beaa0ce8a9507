//! `tumbler train`: pre-trains the Tumbler on the corpus (`tumbler corpus`) with the Tumbler
//! tokenizer, resuming from the checkpoint in `--dir` if there is one; `--bench` measures
//! training tokens per second for a few model sizes instead.

use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::gpt::weights::{self, StorageDtype};
use tumbler_model::tokenizer::Encoding;
use tumbler_model::train::schedule::Schedule;
use tumbler_model::train::{self as training, TrainConfig, curve};

#[derive(Args)]
pub struct TrainArgs {
    #[arg(long, default_value = ".cache/corpus/train.txt")]
    train: PathBuf,
    #[arg(long, default_value = ".cache/corpus/val.txt")]
    val: PathBuf,
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
    /// Checkpoints and the token cache.
    #[arg(long, default_value = ".cache/train/base")]
    dir: PathBuf,
    /// Where the finished model (f16 safetensors + config.json) and its loss curve go.
    #[arg(long, default_value = "public/model/base")]
    export: PathBuf,
    #[arg(long, default_value = "public/model/loss_base.svg")]
    curve: PathBuf,
    /// Model width C, layers, heads (the rest follows TumblerConfig::small()).
    #[arg(long, default_value_t = 192)]
    d_model: usize,
    #[arg(long, default_value_t = 4)]
    layers: usize,
    #[arg(long, default_value_t = 6)]
    heads: usize,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 256)]
    seq: usize,
    #[arg(long, default_value_t = 20_000)]
    steps: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 200)]
    eval_every: usize,
    /// Stop this session after so many minutes (resume later with the same command).
    #[arg(long)]
    minutes: Option<f64>,
    /// Measure tokens/s for three model sizes and exit.
    #[arg(long)]
    bench: bool,
}

fn model_config(
    args: &TrainArgs,
    vocab: usize,
    d_model: usize,
    layers: usize,
    heads: usize,
) -> TumblerConfig {
    TumblerConfig {
        vocab_size: vocab,
        d_model,
        n_layers: layers,
        n_heads: heads,
        n_kv_heads: heads,
        d_ff: d_model * 8 / 3 / 64 * 64 + 64,
        context_length: args.seq,
        ..TumblerConfig::small()
    }
}

/// Token ids of a corpus file, cached as little-endian u16 beside the checkpoints.
pub(crate) fn tokens(enc: &Encoding, text_path: &Path, cache: &Path) -> Result<Vec<u32>> {
    if let Ok(bytes) = std::fs::read(cache) {
        return Ok(bytes
            .chunks_exact(2)
            .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
            .collect());
    }
    let text = std::fs::read_to_string(text_path)
        .with_context(|| format!("reading {} (run `tumbler corpus`)", text_path.display()))?;
    let t0 = Instant::now();
    let ids = enc.encode_with_special_tokens(&text);
    eprintln!(
        "{}: {} bytes → {} tokens in {:.0} s",
        text_path.display(),
        text.len(),
        ids.len(),
        t0.elapsed().as_secs_f64()
    );
    let mut bytes = Vec::with_capacity(ids.len() * 2);
    for &id in &ids {
        bytes.extend_from_slice(&u16::try_from(id).context("token id above 65535")?.to_le_bytes());
    }
    if let Some(dir) = cache.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(cache, bytes)?;
    Ok(ids)
}

/// Where the token ids of the corpus are cached for a tokenizer (`json`, its file's bytes): keyed
/// by those bytes, so a retrained tokenizer never reads stale ids.
pub(crate) fn token_cache(dir: &Path, json: &[u8]) -> PathBuf {
    let key = json
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    dir.join(format!("../tokens/{key:016x}"))
}

pub fn run(args: TrainArgs) -> Result<()> {
    let json = std::fs::read(&args.tokenizer)
        .with_context(|| format!("reading {}", args.tokenizer.display()))?;
    let enc = Encoding::from_tokenizer_json(&json)?;
    let cache = token_cache(&args.dir, &json);
    let train = tokens(&enc, &args.train, &cache.join("train.u16"))?;
    let val = tokens(&enc, &args.val, &cache.join("val.u16"))?;
    let vocab = enc.vocab_size();

    if args.bench {
        for (c, l, h) in [(128, 4, 4), (192, 4, 6), (256, 6, 8)] {
            let cfg = train_config(&args, model_config(&args, vocab, c, l, h), 8, 4);
            let dir =
                std::env::temp_dir().join(format!("tumbler-bench-{c}-{l}-{}", std::process::id()));
            let t0 = Instant::now();
            training::pretrain(&cfg, &train, &val, &dir, None)?;
            let secs = t0.elapsed().as_secs_f64();
            let _ = std::fs::remove_dir_all(&dir);
            let toks = (8 * args.batch * args.seq) as f64;
            eprintln!(
                "C={c} L={l}: {} params, {:.0} tokens/s ({} steps of {}×{} in {secs:.1} s, incl. one validation)",
                cfg.model.param_count(),
                toks / secs,
                8,
                args.batch,
                args.seq
            );
        }
        return Ok(());
    }

    let cfg = train_config(
        &args,
        model_config(&args, vocab, args.d_model, args.layers, args.heads),
        args.steps,
        args.eval_every,
    );
    eprintln!(
        "model: {} parameters; {} training tokens, {} validation tokens",
        cfg.model.param_count(),
        train.len(),
        val.len()
    );
    let stop = args.minutes.map(|m| Duration::from_secs_f64(m * 60.0));
    let (model, state) = training::pretrain(&cfg, &train, &val, &args.dir, stop)?;
    curve::draw(&state.history, "Tumbler pre-training", &args.curve)?;
    if state.step >= cfg.schedule.total_steps {
        weights::save(&model, &args.export, StorageDtype::F16)?;
        std::fs::write(
            args.export.join("history.json"),
            serde_json::to_string(&curve::History::exact(&state.history))?,
        )?;
        let last_val = state.history.iter().rev().find_map(|p| p.val_loss);
        std::fs::write(
            args.export.join("run.json"),
            serde_json::to_string_pretty(&serde_json::json!({
                "steps": state.step,
                "tokens_seen": state.tokens_seen,
                "seconds": state.seconds,
                "final_val_loss_nats_per_token": last_val,
                "train_config": cfg,
            }))?,
        )?;
        eprintln!(
            "done: {} steps, {} tokens, exported to {}",
            state.step,
            state.tokens_seen,
            args.export.display()
        );
    } else {
        eprintln!(
            "stopped at step {}/{}; run the same command to resume",
            state.step, cfg.schedule.total_steps
        );
    }
    Ok(())
}

fn train_config(
    args: &TrainArgs,
    model: TumblerConfig,
    steps: usize,
    eval_every: usize,
) -> TrainConfig {
    TrainConfig {
        model,
        batch_size: args.batch,
        seq_len: args.seq,
        schedule: Schedule {
            max_lr: args.lr,
            min_lr: args.lr / 10.0,
            warmup_steps: (steps / 50).clamp(1, 500),
            total_steps: steps,
        },
        weight_decay: 0.1,
        grad_clip: 1.0,
        eval_every,
        eval_batches: 20,
        log_every: 10.min(steps),
        seed: 1234,
    }
}
