//! `tumbler scaling`: trains several sizes of the Tumbler with one recipe on the same batches of
//! the corpus (each resumable from its checkpoint in `--dir`/<size>), and writes their records —
//! sizes, compute, validation loss every `--eval-every` steps — to `public/model/scaling.json`,
//! which the scaling-laws chapter fits power laws to. The smallest size trains first, and the
//! records are rewritten after each, so an interrupted sweep ships what it has (marked unfinished).

use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::scaling::{self, CurvePoint, Recipe, SizeRun, Sweep};
use tumbler_model::tokenizer::Encoding;
use tumbler_model::train::schedule::Schedule;
use tumbler_model::train::{self as training, TrainConfig};

use crate::train::{token_cache, tokens};

#[derive(Args)]
pub struct ScalingArgs {
    #[arg(long, default_value = ".cache/corpus/train.txt")]
    train: PathBuf,
    #[arg(long, default_value = ".cache/corpus/val.txt")]
    val: PathBuf,
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
    /// Checkpoints, one folder per size.
    #[arg(long, default_value = ".cache/train/scaling")]
    dir: PathBuf,
    #[arg(long, default_value = "public/model/scaling.json")]
    out: PathBuf,
    /// Sizes as width×layers×heads, smallest first.
    #[arg(long, value_delimiter = ',', default_value = "32x2x1,48x2x2,64x3x2,96x4x3,128x4x4")]
    sizes: Vec<String>,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 256)]
    seq: usize,
    #[arg(long, default_value_t = 600)]
    steps: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    #[arg(long, default_value_t = 50)]
    eval_every: usize,
    #[arg(long, default_value_t = 20)]
    eval_batches: usize,
    #[arg(long, default_value_t = 1234)]
    seed: u64,
    /// Stop after so many minutes in all (run the same command again to resume).
    #[arg(long)]
    minutes: Option<f64>,
    /// Train nothing: print, as JSON, the power laws fitted to the records in `--out` (what the
    /// scaling-laws chapter computes in the page).
    #[arg(long)]
    fit: bool,
}

/// The fits of the records in `path`, as the page computes them.
fn print_fits(path: &std::path::Path) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let sweep: Sweep =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let fits = scaling::fits(&sweep);
    let finished = sweep.runs.iter().filter(|r| r.finished()).count();
    let json = serde_json::json!({
        "sizes": finished,
        "by_params": fits.by_params.ok(),
        "by_compute": fits.by_compute.ok(),
        "frontier": fits.frontier,
        "final_losses": sweep.runs.iter().map(|r| (r.name.clone(), r.last().map(|p| p.val_loss))).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

/// `"64x3x2"` → (64, 3, 2).
fn parse_size(s: &str) -> Result<(usize, usize, usize)> {
    let parts: Vec<usize> = s
        .split('x')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("size {s:?} is not width×layers×heads, e.g. 64x3x2"))?;
    match parts[..] {
        [d, l, h] => Ok((d, l, h)),
        _ => bail!("size {s:?} is not width×layers×heads, e.g. 64x3x2"),
    }
}

pub fn run(args: ScalingArgs) -> Result<()> {
    if args.fit {
        return print_fits(&args.out);
    }
    let json = std::fs::read(&args.tokenizer)
        .with_context(|| format!("reading {}", args.tokenizer.display()))?;
    let enc = Encoding::from_tokenizer_json(&json)?;
    let cache = token_cache(&args.dir, &json);
    let train = tokens(&enc, &args.train, &cache.join("train.u16"))?;
    let val = tokens(&enc, &args.val, &cache.join("val.u16"))?;
    let sizes = args.sizes.iter().map(|s| parse_size(s)).collect::<Result<Vec<_>>>()?;

    let schedule = Schedule {
        max_lr: args.lr,
        min_lr: args.lr / 10.0,
        warmup_steps: (args.steps / 50).clamp(1, 500),
        total_steps: args.steps,
    };
    let recipe = Recipe {
        batch_size: args.batch,
        seq_len: args.seq,
        steps: args.steps,
        max_lr: schedule.max_lr,
        min_lr: schedule.min_lr,
        warmup_steps: schedule.warmup_steps,
        weight_decay: 0.1,
        eval_every: args.eval_every,
        eval_tokens: args.eval_batches * args.batch * args.seq,
        seed: args.seed,
    };
    let mut sweep = Sweep { recipe, train_tokens: train.len(), runs: Vec::new() };
    let started = Instant::now();
    for (d_model, layers, heads) in sizes {
        let config = TumblerConfig {
            vocab_size: enc.vocab_size(),
            d_model,
            n_layers: layers,
            n_heads: heads,
            n_kv_heads: heads,
            d_ff: d_model * 8 / 3 / 64 * 64 + 64,
            context_length: args.seq,
            ..TumblerConfig::small()
        };
        config.validate().with_context(|| format!("size {d_model}x{layers}x{heads}"))?;
        let name = format!("d{d_model}-l{layers}");
        let cfg = TrainConfig {
            model: config.clone(),
            batch_size: args.batch,
            seq_len: args.seq,
            schedule: schedule.clone(),
            weight_decay: sweep.recipe.weight_decay,
            grad_clip: 1.0,
            eval_every: args.eval_every,
            eval_batches: args.eval_batches,
            log_every: 10.min(args.steps),
            seed: args.seed,
        };
        let left = args
            .minutes
            .map(|m| Duration::from_secs_f64(m * 60.0).saturating_sub(started.elapsed()));
        if left.is_some_and(|d| d.is_zero()) {
            eprintln!("{name}: out of time; run the same command to resume");
            break;
        }
        eprintln!(
            "{name}: {} parameters ({} outside the embedding)",
            config.param_count(),
            SizeRun::new(name.clone(), config.clone(), args.seq).non_embedding_params
        );
        let (_, state) = training::pretrain(&cfg, &train, &val, &args.dir.join(&name), left)?;
        let mut run = SizeRun::new(name.clone(), config, args.seq);
        run.steps = state.step;
        run.total_steps = args.steps;
        run.seconds = state.seconds;
        run.curve = state
            .history
            .iter()
            .filter_map(|p| Some(CurvePoint { tokens: p.tokens, val_loss: p.val_loss? }))
            .collect();
        if let Some(last) = run.last() {
            eprintln!(
                "{name}: step {}/{}, {} tokens, validation loss {:.3}, {:.0} s",
                run.steps, run.total_steps, last.tokens, last.val_loss, run.seconds
            );
        }
        let finished = run.finished();
        sweep.runs.push(run);
        if let Some(dir) = args.out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&args.out, serde_json::to_string_pretty(&sweep)? + "\n")
            .with_context(|| format!("writing {}", args.out.display()))?;
        if !finished {
            eprintln!("stopped in {name}; run the same command to resume");
            break;
        }
    }
    eprintln!("wrote {} ({} sizes)", args.out.display(), sweep.runs.len());
    Ok(())
}
