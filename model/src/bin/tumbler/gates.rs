//! `tumbler gates`: the SwiGLU gate values `silu(x W_gate)` of one token in every layer — the
//! numbers the gates chapter draws, computed natively for the end-to-end test to compare with.

use anyhow::bail;
use clap::Args;
use serde_json::json;
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::{Array, TraceOptions};

use crate::engine::{Engine, ModelArgs};

/// How many tokens of the text are traced: the engine worker's `MAX_TRACE_TOKENS`, so that the
/// default position (the last token) is the page's.
const MAX_TRACE_TOKENS: usize = 64;

#[derive(Args, Debug)]
pub struct GatesArgs {
    /// Text to run through the model (its first 64 tokens, as the page traces).
    #[arg(long)]
    text: String,
    /// The token whose gates to print, counted from 0; the last traced token by default.
    #[arg(long)]
    position: Option<usize>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Prints `{"tokens": [...], "position": p, "gates": [[...], ...]}`, the gates (L, d_ff) as
/// nested arrays: the worker's answer, as JSON.
pub fn run(args: GatesArgs) -> anyhow::Result<()> {
    let engine = Engine::load(&args.model)?;
    let all = engine.codec.encode(&args.text);
    if all.is_empty() {
        bail!("there is no text to trace");
    }
    let keep = all.len().min(MAX_TRACE_TOKENS).min(engine.model.config.context_length);
    let ids = &all[..keep];
    let position = args.position.unwrap_or(keep - 1);
    if position >= keep {
        bail!("token {position} is past the end of the {keep} traced tokens");
    }
    let tokens: Vec<String> = ids.iter().map(|&id| engine.codec.text(id)).collect();
    let trace = engine.model.trace(ids, tokens, TraceOptions::default())?;
    let d_ff = engine.model.config.d_ff;
    let data: Vec<f32> =
        trace.layers.iter().flat_map(|layer| layer.gate.slice(&[position]).to_vec()).collect();
    let gates = Array::new(vec![trace.layers.len(), d_ff], data);
    println!("{}", json!({ "tokens": trace.tokens, "position": position, "gates": gates }));
    Ok(())
}
