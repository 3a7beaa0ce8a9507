//! Training: the Tumbler's byte-level BPE tokenizer ([`bpe`]) and, on burn's autodiff backend,
//! the pre-training loop: the steps of [`crate::learn`] (AdamW with warm-up and cosine decay,
//! gradient clipping), periodic validation loss, checkpoints that survive a kill
//! ([`checkpoint`]), a progress line on stderr and the loss curve as SVG ([`curve`]).
//!
//! Native only (files, a clock, rayon threads); the step itself is in [`crate::learn`], which the
//! browser runs too.

pub mod bpe;
pub mod checkpoint;
pub mod curve;
pub mod sft;

pub use crate::learn::{Batch, batches, schedule};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;

use crate::gpt::weights::WeightsError;
use crate::gpt::{ConfigError, Tumbler, TumblerConfig};
use crate::learn::{AdamW, adamw, tensors};
use checkpoint::{LossPoint, RunState};
use schedule::Schedule;

/// Why training stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("run state: {0}")]
    Json(#[from] serde_json::Error),
    #[error("optimizer state: {0}")]
    Optimizer(String),
    #[error("plot: {0}")]
    Plot(String),
    #[error("the checkpoint in {0} is for another model configuration")]
    ConfigMismatch(PathBuf),
    #[error("not enough tokens: {0} for windows of {1}")]
    TooFewTokens(usize, usize),
}

impl TrainError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }
}

/// Everything that defines a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    pub model: TumblerConfig,
    /// Sequences per step, B.
    pub batch_size: usize,
    /// Tokens per sequence, T (at most the model's context length).
    pub seq_len: usize,
    pub schedule: Schedule,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Largest L2 norm a parameter's gradient may have (burn clips each tensor separately).
    pub grad_clip: f32,
    /// Steps between validation measurements and checkpoints.
    pub eval_every: usize,
    /// Validation batches per measurement (0: all of the validation split).
    pub eval_batches: usize,
    /// Steps between progress lines and loss-curve points.
    pub log_every: usize,
    pub seed: u64,
}

/// The optimizer a run uses; also what a checkpoint's optimizer state is loaded into.
fn optimizer(cfg: &TrainConfig) -> AdamW {
    adamw(cfg.weight_decay, cfg.grad_clip)
}

/// Mean validation loss in nats per token.
pub fn evaluate(
    model: &Tumbler,
    tokens: &[u32],
    b: usize,
    t: usize,
    max_batches: usize,
    device: &Device,
) -> f64 {
    let mut batches = batches::sequential(tokens, b, t);
    if max_batches > 0 {
        batches.truncate(max_batches);
    }
    let n = batches.len().max(1) as f64;
    batches
        .into_iter()
        .map(|(x, y)| {
            let (x, y) = tensors(x, y, b, t, device);
            f64::from(model.loss(x, y).into_scalar::<f32>())
        })
        .sum::<f64>()
        / n
}

/// Trains (or resumes training) until `cfg.schedule.total_steps`, checkpointing into `dir`;
/// returns the final model and run state. `stop_after` ends this session early (for timing runs
/// and for sharing the machine); the next call resumes.
pub fn pretrain(
    cfg: &TrainConfig,
    train_tokens: &[u32],
    val_tokens: &[u32],
    dir: &Path,
    stop_after: Option<std::time::Duration>,
) -> Result<(Tumbler, RunState), TrainError> {
    let (b, t) = (cfg.batch_size, cfg.seq_len.min(cfg.model.context_length));
    for n in [train_tokens.len(), val_tokens.len()] {
        if n < b * t + 1 {
            return Err(TrainError::TooFewTokens(n, b * t + 1));
        }
    }
    run(
        cfg,
        dir,
        stop_after,
        |device| Ok(Tumbler::init(&cfg.model, cfg.seed, device)?),
        |step| {
            let (inputs, targets) = batches::batch(train_tokens, b, t, cfg.seed, step);
            Batch { inputs, targets, mask: None, b, t }
        },
        |model, device| evaluate(model, val_tokens, b, t, cfg.eval_batches, device),
    )
}

/// The optimisation loop shared by pre-training and fine-tuning: `init` gives the starting model
/// when `dir` holds no checkpoint, `batch(step)` the data of each step (a pure function of the
/// step, so a resumed run sees the same batches), `validate` the validation loss.
pub fn run(
    cfg: &TrainConfig,
    dir: &Path,
    stop_after: Option<std::time::Duration>,
    init: impl FnOnce(&Device) -> Result<Tumbler, TrainError>,
    batch: impl Fn(u64) -> Batch,
    validate: impl Fn(&Tumbler, &Device) -> f64,
) -> Result<(Tumbler, RunState), TrainError> {
    let device = Device::flex().autodiff();
    std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
    let config_path = dir.join("train_config.json");
    std::fs::write(&config_path, serde_json::to_string_pretty(cfg)?)
        .map_err(|e| TrainError::io(&config_path, e))?;

    let (mut model, mut optim, mut state) = match checkpoint::load(dir, optimizer(cfg), &device)? {
        Some((m, o, s)) => {
            if m.config != cfg.model {
                return Err(TrainError::ConfigMismatch(dir.to_path_buf()));
            }
            eprintln!("resuming at step {} ({} tokens seen)", s.step, s.tokens_seen);
            (m, o, s)
        }
        None => (init(&device)?, optimizer(cfg), RunState::default()),
    };

    let session = Instant::now();
    let mut last_save = Instant::now();
    let mut window_start = Instant::now();
    let (mut loss_sum, mut loss_n, mut window_tokens) = (0.0f64, 0usize, 0usize);
    while state.step < cfg.schedule.total_steps {
        let lr = cfg.schedule.lr(state.step);
        let data = batch(state.step as u64);
        let tokens = data.b * data.t;
        let loss;
        (model, loss) = crate::learn::step(model, &mut optim, data, lr, &device);
        loss_sum += f64::from(loss);
        loss_n += 1;
        window_tokens += tokens;
        state.step += 1;
        state.tokens_seen += tokens as u64;

        let log_now = state.step % cfg.log_every == 0;
        let eval_now = state.step % cfg.eval_every == 0 || state.step == cfg.schedule.total_steps;
        if log_now || eval_now {
            let secs = window_start.elapsed().as_secs_f64();
            state.seconds += secs;
            let tok_s = window_tokens as f64 / secs.max(1e-9);
            window_start = Instant::now();
            let val_loss = eval_now.then(|| validate(&model.valid(), &device.clone().inner()));
            let train_loss = loss_sum / loss_n.max(1) as f64;
            state.history.push(LossPoint {
                step: state.step,
                tokens: state.tokens_seen,
                lr,
                train_loss,
                val_loss,
            });
            progress(&state, cfg.schedule.total_steps, train_loss, val_loss, tok_s);
            (loss_sum, loss_n, window_tokens) = (0.0, 0, 0);
        }
        let out_of_time = stop_after.is_some_and(|d| session.elapsed() >= d);
        // Checkpoint at each validation, and at least every ten minutes of a long run.
        if eval_now || out_of_time || last_save.elapsed().as_secs() >= 600 {
            checkpoint::save(dir, &model, &optim, &state)?;
            last_save = Instant::now();
        }
        if out_of_time {
            break;
        }
    }
    eprintln!();
    Ok((model.valid(), state))
}

/// One progress line on stderr, rewritten in place.
fn progress(state: &RunState, total: usize, train_loss: f64, val_loss: Option<f64>, tok_s: f64) {
    const WIDTH: usize = 30;
    let done = (state.step * WIDTH / total.max(1)).min(WIDTH);
    let val = val_loss.map_or(String::new(), |v| format!(" val {v:.3}"));
    let eta = (total - state.step.min(total)) as f64 * state.seconds / state.step.max(1) as f64;
    let mut err = std::io::stderr().lock();
    // A failed write to stderr must not stop a training run.
    let _ = write!(
        err,
        "\r[{}{}] {}/{} loss {train_loss:.3}{val} {tok_s:.0} tok/s eta {:.0} min   ",
        "#".repeat(done),
        "-".repeat(WIDTH - done),
        state.step,
        total,
        eta / 60.0
    );
    if val_loss.is_some() {
        let _ = writeln!(err);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_run(steps: usize) -> TrainConfig {
        TrainConfig {
            model: TumblerConfig::tiny(),
            batch_size: 2,
            seq_len: 16,
            schedule: Schedule { max_lr: 3e-3, min_lr: 3e-4, warmup_steps: 2, total_steps: steps },
            weight_decay: 0.1,
            grad_clip: 1.0,
            eval_every: 4,
            eval_batches: 2,
            log_every: 1,
            seed: 5,
        }
    }

    fn corpus() -> Vec<u32> {
        (0..4000u32).map(|i| (i * 7 + i / 13) % 300).collect()
    }

    #[test]
    fn loss_falls_and_a_resumed_run_matches_an_uninterrupted_one() {
        let tokens = corpus();
        let base = std::env::temp_dir().join(format!("tumbler-train-test-{}", std::process::id()));
        let (one, two) = (base.join("one"), base.join("two"));
        let cfg = tiny_run(8);

        let (_, straight) = pretrain(&cfg, &tokens, &tokens, &one, None).unwrap();
        let first = straight.history.first().unwrap().train_loss;
        let last = straight.history.last().unwrap().train_loss;
        assert!(last < first, "loss should fall: {first} → {last}");

        // Stop after the first step (a zero time budget), then resume to the end.
        let (_, stopped) =
            pretrain(&cfg, &tokens, &tokens, &two, Some(std::time::Duration::ZERO)).unwrap();
        assert_eq!(stopped.step, 1);
        let (_, resumed) = pretrain(&cfg, &tokens, &tokens, &two, None).unwrap();
        assert_eq!(resumed.step, 8);
        let (a, b) = (straight.history.last().unwrap(), resumed.history.last().unwrap());
        assert!((a.train_loss - b.train_loss).abs() < 1e-4, "{} vs {}", a.train_loss, b.train_loss);
        assert!((a.val_loss.unwrap() - b.val_loss.unwrap()).abs() < 1e-4);
        std::fs::remove_dir_all(&base).ok();
    }
}
