//! `tumbler history`: the loss history the training chapter draws (`history.json` beside the
//! weights). `tumbler train` writes it itself; for a run that finished before it did, this reads
//! the history back from the curve the run drew, with the run's schedule from its `run.json`.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use tumbler_model::train::{TrainConfig, curve};

#[derive(Args)]
pub struct HistoryArgs {
    /// The curve `tumbler train` drew.
    #[arg(long, default_value = "public/model/loss_base.svg")]
    curve: PathBuf,
    /// The run's record (its `train_config` gives the schedule).
    #[arg(long, default_value = "public/model/base/run.json")]
    run: PathBuf,
    #[arg(long, default_value = "public/model/base/history.json")]
    out: PathBuf,
}

pub fn run(args: HistoryArgs) -> Result<()> {
    let svg = std::fs::read_to_string(&args.curve)
        .with_context(|| format!("reading {}", args.curve.display()))?;
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&args.run)
            .with_context(|| format!("reading {}", args.run.display()))?,
    )?;
    let cfg: TrainConfig = serde_json::from_value(record["train_config"].clone())
        .with_context(|| format!("{} has no usable train_config", args.run.display()))?;
    let history = curve::read_back(&svg, &cfg)?;
    std::fs::write(&args.out, serde_json::to_string(&history)?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "{}: {} points ({} with validation), losses to within {:.4} nats",
        args.out.display(),
        history.points.len(),
        history.points.iter().filter(|p| p.val_loss.is_some()).count(),
        history.precision_nats
    );
    Ok(())
}
