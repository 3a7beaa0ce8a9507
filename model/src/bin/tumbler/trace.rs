//! `tumbler trace`: one forward pass over a prompt, printed as the typed trace.

use clap::Args;
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::{ForwardOptions, TraceOptions};

use crate::engine::{Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Text to run through the model.
    #[arg(long)]
    prompt: String,
    /// Print the whole trace as one JSON object (tokens, embeddings, layers, logits).
    #[arg(long)]
    json: bool,
    /// Also record Q, K and V per layer.
    #[arg(long)]
    qkv: bool,
    /// Switch rotary position embeddings off.
    #[arg(long)]
    no_positions: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: TraceArgs) -> anyhow::Result<()> {
    let engine = Engine::load(&args.model)?;
    let ids = engine.encode_prompt(&args.prompt)?;
    let tokens: Vec<String> = ids.iter().map(|&id| engine.codec.text(id)).collect();
    let options =
        TraceOptions { forward: ForwardOptions { positions: !args.no_positions }, qkv: args.qkv };
    let trace = engine.model.trace(&ids, tokens, options)?;
    if args.json {
        println!("{}", serde_json::to_string(&trace)?);
        return Ok(());
    }
    // A summary a person can read: for the last token, where each head looks hardest.
    let last = ids.len() - 1;
    println!("{} tokens: {:?}", ids.len(), trace.tokens);
    for (l, layer) in trace.layers.iter().enumerate() {
        for h in 0..layer.attention.shape[0] {
            let row = layer.attention.slice(&[h, last]);
            let j = tumbler_model::sampling::argmax(row);
            println!(
                "layer {l} head {h}: last token attends most to {:?} ({:.3})",
                trace.tokens[j], row[j]
            );
        }
    }
    Ok(())
}
