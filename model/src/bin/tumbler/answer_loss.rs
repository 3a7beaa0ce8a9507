//! `tumbler answer-loss`: the loss of each token of an answer read after each of several
//! contexts — the numbers the memory chapter draws, computed natively by the same function the
//! engine worker calls ([`Inspector::answer_losses`]), for the end-to-end test to compare with.

use anyhow::bail;
use clap::Args;
use tumbler_model::inspect::{Inspector, resolve};

use crate::engine::{Backend, Codec, Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct AnswerLossArgs {
    /// A context to read before the answer; repeat for several (in order).
    #[arg(long = "context", required = true)]
    contexts: Vec<String>,
    /// The text whose tokens are scored after each context.
    #[arg(long)]
    answer: String,
    #[command(flatten)]
    model: ModelArgs,
}

/// Prints the worker's answer as JSON: `{"tokens": [...], "contexts": [{"context_tokens",
/// "dropped", "losses"}, ...], "millis"}`.
pub fn run(args: AnswerLossArgs) -> anyhow::Result<()> {
    if args.model.backend != Backend::Flex {
        bail!("answer-loss runs on the CPU backend (flex), whose readbacks finish at once");
    }
    let engine = Engine::load(&args.model)?;
    let Codec::Tumbler(encoding) = &engine.codec else {
        bail!("answer-loss needs the model's tokenizer.json (the page reads with it)");
    };
    let inspect = Inspector::new(&engine.model, encoding);
    let losses = resolve(inspect.answer_losses(&args.contexts, &args.answer))?;
    println!("{}", serde_json::to_string(&losses)?);
    Ok(())
}
