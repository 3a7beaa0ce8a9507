//! `tumbler gates`: the SwiGLU gate values `silu(x W_gate)` of one token in every layer — the
//! numbers the gates chapter draws, computed natively by the same function the engine worker
//! calls ([`Inspector::gates`]), for the end-to-end test to compare with.

use anyhow::bail;
use clap::Args;
use tumbler_model::inspect::{Inspector, resolve};

use crate::engine::{Backend, Codec, Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct GatesArgs {
    /// Text to run through the model (its first `MAX_TRACE_TOKENS` tokens, as the page traces).
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
    if args.model.backend != Backend::Flex {
        bail!("gates runs on the CPU backend (flex), whose readbacks finish at once");
    }
    let engine = Engine::load(&args.model)?;
    let Codec::Tumbler(encoding) = &engine.codec else {
        bail!("gates needs the model's tokenizer.json (the page traces with it)");
    };
    let inspect = Inspector::new(&engine.model, encoding);
    let gates = resolve(inspect.gates(&args.text, args.position))?;
    println!("{}", serde_json::to_string(&gates)?);
    Ok(())
}
