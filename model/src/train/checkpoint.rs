//! Checkpoints that survive a kill: the weights (safetensors, f32), AdamW's moments, and the run
//! state (step, tokens seen, loss history) are written into a fresh folder that then replaces
//! `latest` by rename, so a run stopped mid-write resumes from the previous checkpoint.
//!
//! AdamW keys its state by parameter id, and loading weights mints new ids; the ids are saved in
//! the order the model visits its parameters and given back to the loaded model, so the moments
//! find their parameters again.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;

use super::TrainError;
use crate::gpt::Tumbler;
use crate::gpt::weights::{self, StorageDtype};
use crate::learn::AdamW;
pub(crate) use crate::learn::{SetIds, param_ids};

/// One point of the loss curve.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LossPoint {
    pub step: usize,
    pub tokens: u64,
    pub lr: f64,
    /// Mean training loss (nats/token) since the previous point.
    pub train_loss: f64,
    /// Validation loss (nats/token), at the steps where it was measured.
    pub val_loss: Option<f64>,
}

/// Everything besides tensors that a resumed run needs.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RunState {
    /// Steps completed.
    pub step: usize,
    pub tokens_seen: u64,
    /// Wall-clock seconds spent training, over all sessions.
    pub seconds: f64,
    pub history: Vec<LossPoint>,
    /// Parameter ids in visiting order (see the module docs).
    pub param_ids: Vec<u64>,
}

const STATE_FILE: &str = "state.json";
const OPTIMIZER_FILE: &str = "optimizer.bin";

/// The folder holding the newest complete checkpoint.
pub fn latest(dir: &Path) -> PathBuf {
    dir.join("latest")
}

/// Writes a checkpoint of `model`, `optim` and `state` under `dir`.
pub fn save(
    dir: &Path,
    model: &Tumbler,
    optim: &AdamW,
    state: &RunState,
) -> Result<(), TrainError> {
    let tmp = dir.join("writing");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    weights::save(model, &tmp, StorageDtype::F32)?;
    let mut state = state.clone();
    state.param_ids = param_ids(model);
    let state_path = tmp.join(STATE_FILE);
    std::fs::write(&state_path, serde_json::to_string_pretty(&state)?)
        .map_err(|e| TrainError::io(&state_path, e))?;
    let bytes = optim.to_bytes().map_err(|e| TrainError::Optimizer(e.to_string()))?;
    let optim_path = tmp.join(OPTIMIZER_FILE);
    std::fs::write(&optim_path, &bytes[..]).map_err(|e| TrainError::io(&optim_path, e))?;
    let dest = latest(dir);
    let old = dir.join("previous");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))?;
    }
    if dest.exists() {
        std::fs::rename(&dest, &old).map_err(|e| TrainError::io(&dest, e))?;
    }
    std::fs::rename(&tmp, &dest).map_err(|e| TrainError::io(&tmp, e))
}

/// Loads the newest checkpoint under `dir`, if there is one.
pub fn load(
    dir: &Path,
    optim: AdamW,
    device: &Device,
) -> Result<Option<(Tumbler, AdamW, RunState)>, TrainError> {
    let mut src = latest(dir);
    if !src.join(STATE_FILE).exists() {
        // Killed between the two renames: the previous checkpoint is whole.
        src = dir.join("previous");
        if !src.join(STATE_FILE).exists() {
            return Ok(None);
        }
    }
    let model = weights::load(&src, device)?;
    let state_path = src.join(STATE_FILE);
    let text = std::fs::read_to_string(&state_path).map_err(|e| TrainError::io(&state_path, e))?;
    let state: RunState = serde_json::from_str(&text)?;
    let model = model.map(&mut SetIds::new(&state.param_ids));
    let optim_path = src.join(OPTIMIZER_FILE);
    let bytes = std::fs::read(&optim_path).map_err(|e| TrainError::io(&optim_path, e))?;
    let optim =
        optim.with_state(&bytes, device).map_err(|e| TrainError::Optimizer(e.to_string()))?;
    Ok(Some((model, optim, state)))
}
