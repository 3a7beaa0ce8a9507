//! `tumbler eval`: how well the model predicts a text — loss, perplexity and bits per byte.
//!
//! Every token after the first is predicted exactly once, from windows of up to the context
//! length that follow each other without overlap. Bits per byte divides the total loss (in
//! bits) by the bytes of the predicted tokens, which makes models with different tokenizers
//! comparable.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::{Int, Tensor, TensorData};
use clap::Args;
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::cross_entropy;

use crate::engine::{Engine, ModelArgs, read_text};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The text file to evaluate on.
    #[arg(long)]
    text: PathBuf,
    /// Windows per forward pass.
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Print one JSON object (tokens, bytes, loss, perplexity, bits per byte) instead of lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let engine = Engine::load(&args.model)?;
    let text = read_text(&args.text)?;
    let score = measure(&engine, &text, args.batch)
        .with_context(|| format!("evaluating on {}", args.text.display()))?;
    if args.json {
        let out = serde_json::json!({
            "tokens": score.tokens,
            "bytes": score.bytes,
            "loss": score.loss,
            "perplexity": score.perplexity(),
            "bits_per_byte": score.bits_per_byte(),
        });
        println!("{out}");
        return Ok(());
    }
    println!("tokens predicted: {}", score.tokens);
    println!("bytes predicted: {}", score.bytes);
    println!("loss: {:.4} nats/token", score.loss);
    println!("perplexity: {:.2}", score.perplexity());
    println!("bits per byte: {:.4}", score.bits_per_byte());
    Ok(())
}

/// How well a model predicts a text.
#[derive(Debug, Clone, Copy)]
pub struct Score {
    /// Tokens predicted (all but the first).
    pub tokens: usize,
    /// Bytes those tokens stand for.
    pub bytes: usize,
    /// Mean cross-entropy, nats per token.
    pub loss: f64,
}

impl Score {
    pub fn perplexity(&self) -> f64 {
        self.loss.exp()
    }

    pub fn bits_per_byte(&self) -> f64 {
        self.loss * self.tokens as f64 / std::f64::consts::LN_2 / self.bytes.max(1) as f64
    }
}

/// Scores `engine`'s model on `text`, `batch` windows per forward pass.
pub fn measure(engine: &Engine, text: &str, batch: usize) -> anyhow::Result<Score> {
    let ids = engine.codec.encode(text);
    if ids.len() < 2 {
        bail!("fewer than two tokens; nothing to predict");
    }
    let context = engine.model.config.context_length;
    // Window w predicts tokens w·ctx + 1 ..= (w + 1)·ctx from the ctx tokens before them.
    let windows: Vec<(usize, usize)> = (0..ids.len() - 1)
        .step_by(context)
        .map(|start| (start, (start + context).min(ids.len() - 1)))
        .collect();

    let mut total_nats = 0.0f64;
    let mut predicted = 0usize;
    // Windows of equal length share a batch; only the last one can be shorter.
    for group in windows.chunk_by(|a, b| a.1 - a.0 == b.1 - b.0) {
        for batch in group.chunks(batch.max(1)) {
            let t = batch[0].1 - batch[0].0;
            let mut inputs = Vec::with_capacity(batch.len() * t);
            let mut targets = Vec::with_capacity(batch.len() * t);
            for &(start, end) in batch {
                inputs.extend(ids[start..end].iter().map(|&i| i64::from(i)));
                targets.extend(ids[start + 1..=end].iter().map(|&i| i64::from(i)));
            }
            let shape = [batch.len(), t];
            let inputs: Tensor<2, Int> =
                Tensor::from_data(TensorData::new(inputs, shape), &engine.device);
            let targets: Tensor<2, Int> =
                Tensor::from_data(TensorData::new(targets, shape), &engine.device);
            let loss = cross_entropy(engine.model.forward(inputs), targets);
            let loss = loss.into_data().try_to_vec::<f32>().context("reading the loss")?[0];
            let n = batch.len() * t;
            total_nats += f64::from(loss) * n as f64;
            predicted += n;
        }
    }

    let bytes: usize = ids[1..].iter().map(|&id| engine.codec.bytes(id).len()).sum();
    Ok(Score { tokens: predicted, bytes, loss: total_nats / predicted as f64 })
}
