//! Training the MoE Tumbler natively: AdamW on `cross-entropy + α·L_aux` over the pre-training
//! tokens, with the pre-training loop's schedule and batches, validation every few steps, and
//! checkpoints (weights f32, AdamW's moments, the run state) that a killed run resumes from.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::Device;

use super::model::MoeTumbler;
use super::weights;
use super::{MoeCard, MoeConfig};
use crate::gpt::StorageDtype;
use crate::learn::{AdamW, adamw, batches, schedule::Schedule, tensors};
use crate::train::TrainError;
use crate::train::checkpoint::{SetIds, param_ids};

/// Everything that defines a run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MoeTrainConfig {
    /// The model's shape.
    pub model: MoeConfig,
    /// Windows per step, B.
    pub batch_size: usize,
    /// Tokens per window, T.
    pub seq_len: usize,
    /// Warm-up and cosine decay over the run's steps.
    pub schedule: Schedule,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Largest L2 norm of a parameter's gradient.
    pub grad_clip: f32,
    /// α of the load-balancing loss.
    pub aux_weight: f32,
    /// Steps between validation measurements and checkpoints.
    pub eval_every: usize,
    /// Validation windows per measurement during the run (the final one reads them all).
    pub eval_batches: usize,
    /// Seed of the batches and the router noise.
    pub seed: u64,
}

/// What a resumed run needs besides tensors.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct MoeRunState {
    /// Steps done.
    pub step: usize,
    /// Training tokens seen.
    pub tokens_seen: u64,
    /// Seconds spent training, over all sessions.
    pub seconds: f64,
    /// Validation loss of the dense model and of the upcycled MoE before training.
    pub dense_val_loss: f64,
    /// See `dense_val_loss`.
    pub upcycled_val_loss: f64,
    /// (step, validation loss) along the run.
    pub curve: Vec<(usize, f64)>,
    /// Parameter ids in visiting order (AdamW's state is keyed by them).
    pub param_ids: Vec<u64>,
}

/// Mean validation cross-entropy (nats per token) of `model` over up to `max_batches` windows
/// (0: all) of `tokens`, B × T at a time.
pub fn evaluate_moe(
    model: &MoeTumbler,
    tokens: &[u32],
    b: usize,
    t: usize,
    max_batches: usize,
) -> f64 {
    let device = model.embedding.weight.val().device();
    let mut all = batches::sequential(tokens, b, t);
    if max_batches > 0 {
        all.truncate(max_batches);
    }
    let n = all.len().max(1) as f64;
    all.into_iter()
        .map(|(x, y)| {
            let (x, y) = tensors(x, y, b, t, &device);
            f64::from(model.losses(x, y).0.into_scalar::<f32>())
        })
        .sum::<f64>()
        / n
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io { path: path.to_path_buf(), source }
}

fn save(
    dir: &Path,
    model: &MoeTumbler,
    optim: &AdamW,
    state: &MoeRunState,
) -> Result<(), TrainError> {
    let tmp = dir.join("writing");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let mut state = state.clone();
    state.param_ids = param_ids(model);
    let files: [(&str, Vec<u8>); 4] = [
        ("model.safetensors", weights::to_safetensors(model, StorageDtype::F32)?),
        ("config.json", serde_json::to_vec_pretty(&model.config)?),
        ("state.json", serde_json::to_vec_pretty(&state)?),
        ("optimizer.bin", optim.to_bytes().map_err(|e| TrainError::Optimizer(e.to_string()))?),
    ];
    for (name, bytes) in files {
        let path = tmp.join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    let latest = dir.join("latest");
    if latest.exists() {
        std::fs::remove_dir_all(&latest).map_err(io(&latest))?;
    }
    std::fs::rename(&tmp, &latest).map_err(io(&tmp))
}

fn load(
    dir: &Path,
    config: &MoeConfig,
    optim: AdamW,
    device: &Device,
) -> Result<Option<(MoeTumbler, AdamW, MoeRunState)>, TrainError> {
    let src = dir.join("latest");
    let read = |name: &str| -> Result<Vec<u8>, TrainError> {
        let path: PathBuf = src.join(name);
        std::fs::read(&path).map_err(io(&path))
    };
    if !src.join("state.json").exists() {
        return Ok(None);
    }
    let saved: MoeConfig = serde_json::from_slice(&read("config.json")?)?;
    if &saved != config {
        return Err(TrainError::ConfigMismatch(dir.to_path_buf()));
    }
    let state: MoeRunState = serde_json::from_slice(&read("state.json")?)?;
    let model = weights::from_safetensors(config, &read("model.safetensors")?, device)?;
    let model = model.map(&mut SetIds::new(&state.param_ids));
    let optim = optim
        .with_state(&read("optimizer.bin")?, device)
        .map_err(|e| TrainError::Optimizer(e.to_string()))?;
    Ok(Some((model, optim, state)))
}

/// Trains (or resumes) until the schedule's last step, checkpointing into `dir`; `start` gives
/// the model when `dir` holds no checkpoint (on the autodiff device it is given). `stop_after`
/// ends this session early; the next call resumes. Returns the model and the run's card.
pub fn train(
    cfg: &MoeTrainConfig,
    train_tokens: &[u32],
    val_tokens: &[u32],
    dir: &Path,
    stop_after: Option<std::time::Duration>,
    dense_val_loss: impl FnOnce() -> f64,
    start: impl FnOnce(&Device) -> Result<MoeTumbler, TrainError>,
) -> Result<(MoeTumbler, MoeCard, bool), TrainError> {
    let (b, t) = (cfg.batch_size, cfg.seq_len.min(cfg.model.base.context_length));
    for n in [train_tokens.len(), val_tokens.len()] {
        if n < b * t + 1 {
            return Err(TrainError::TooFewTokens(n, b * t + 1));
        }
    }
    let device = Device::flex().autodiff();
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let optimizer = || adamw(cfg.weight_decay, cfg.grad_clip);
    let (mut model, mut optim, mut state) = match load(dir, &cfg.model, optimizer(), &device)? {
        Some(found) => {
            eprintln!("resuming at step {}", found.2.step);
            found
        }
        None => {
            let model = start(&device)?;
            let state = MoeRunState {
                dense_val_loss: dense_val_loss(),
                upcycled_val_loss: evaluate_moe(&model.valid(), val_tokens, b, t, 0),
                ..MoeRunState::default()
            };
            eprintln!(
                "validation loss: dense {:.4}, upcycled MoE before training {:.4}",
                state.dense_val_loss, state.upcycled_val_loss
            );
            (model, optimizer(), state)
        }
    };
    let session = Instant::now();
    // The validation loss over all the validation tokens at the last step, once measured.
    let mut full = None;
    let mut window = Instant::now();
    let total = cfg.schedule.total_steps;
    while state.step < total {
        let lr = cfg.schedule.lr(state.step);
        let (x, y) = batches::batch(train_tokens, b, t, cfg.seed, state.step as u64);
        let (x, y) = tensors(x, y, b, t, &device);
        let (ce, aux) = model.losses(x, y);
        let loss = ce.clone() + aux.clone() * cfg.aux_weight;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
        state.step += 1;
        state.tokens_seen += (b * t) as u64;
        let eval_now = state.step.is_multiple_of(cfg.eval_every) || state.step == total;
        if state.step.is_multiple_of(10) || eval_now {
            let secs = window.elapsed().as_secs_f64();
            state.seconds += secs;
            window = Instant::now();
            eprintln!(
                "step {}/{total} ce {:.3} aux {:.3} lr {lr:.2e} {:.0} s",
                state.step,
                ce.into_scalar::<f32>(),
                aux.into_scalar::<f32>(),
                state.seconds
            );
        }
        let out_of_time = stop_after.is_some_and(|d| session.elapsed() >= d);
        if eval_now {
            let batches = if state.step == total { 0 } else { cfg.eval_batches };
            let val = evaluate_moe(&model.valid(), val_tokens, b, t, batches);
            eprintln!("step {} validation loss {val:.4}", state.step);
            state.curve.push((state.step, val));
            if batches == 0 {
                full = Some(val);
            }
        }
        if eval_now || out_of_time {
            save(dir, &model, &optim, &state)?;
        }
        if out_of_time {
            break;
        }
    }
    let finished = state.step >= total;
    let model = model.valid();
    let final_loss = full.unwrap_or_else(|| evaluate_moe(&model, val_tokens, b, t, 0));
    let card = MoeCard {
        config: cfg.model.clone(),
        params: model.param_count(),
        init: "sparse upcycling of public/model/base: expert e = hidden units e·d..e·d+d of each \
               dense SwiGLU; router = mean gate weights per expert + N(0, 0.01²); attention, \
               embedding and norms copied"
            .into(),
        steps: state.step,
        batch_tokens: b * t,
        tokens_seen: state.tokens_seen,
        seconds: state.seconds,
        max_lr: cfg.schedule.max_lr,
        aux_weight: cfg.aux_weight,
        val_tokens: batches::sequential(val_tokens, b, t).len() * b * t,
        dense_val_loss: state.dense_val_loss,
        upcycled_val_loss: state.upcycled_val_loss,
        moe_val_loss: final_loss,
        curve: state.curve.clone(),
    };
    Ok((model, card, finished))
}
