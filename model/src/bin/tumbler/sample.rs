//! `tumbler sample`: generate text, streaming each token as it is drawn.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use tumbler_model::gpt::{ForwardOptions, ids_tensor, next_token_probs};
use tumbler_model::sampling::{self, Sampler, SamplingConfig};

use crate::engine::{Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Text to continue.
    #[arg(long)]
    prompt: String,
    /// Tokens to generate (fewer if the context fills up).
    #[arg(long, default_value_t = 50)]
    max_tokens: usize,
    /// Softmax temperature; 0 is greedy.
    #[arg(long, default_value_t = 1.0)]
    temperature: f32,
    /// Keep only the k most likely tokens.
    #[arg(long)]
    top_k: Option<usize>,
    /// Keep the smallest set of tokens with at least this much probability.
    #[arg(long, default_value_t = 1.0)]
    top_p: f32,
    /// Seed of the sampler: the same seed gives the same text.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Recompute the whole sequence every step instead of using the KV cache.
    #[arg(long)]
    no_kv_cache: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let config =
        SamplingConfig { temperature: args.temperature, top_k: args.top_k, top_p: args.top_p };
    let mut sampler = Sampler::new(config, args.seed)?;
    let engine = Engine::load(&args.model)?;
    let mut ids = engine.encode_prompt(&args.prompt)?;
    let room = engine.model.config.context_length - ids.len();
    if args.max_tokens > room {
        eprintln!("note: the context holds {room} more tokens; generating {room}");
    }
    let steps = args.max_tokens.min(room);

    let mut stdout = std::io::stdout().lock();
    stdout.write_all(args.prompt.as_bytes())?;
    let mut cache = (!args.no_kv_cache).then(|| engine.model.new_cache());
    let mut pending = ids.clone(); // tokens the model has not seen yet
    for _ in 0..steps {
        let input = match cache {
            Some(_) => pending.clone(),
            None => ids.clone(),
        };
        let out = engine.model.forward_with(
            ids_tensor(&input, &engine.device),
            ForwardOptions::default(),
            cache.as_mut(),
        );
        let [_, t, v] = out.logits.dims();
        let last = out.logits.slice([0..1, t - 1..t, 0..v]).reshape([1, v]); // (1, V)
        let next = if args.temperature == 0.0 {
            let logits = last.into_data().try_to_vec::<f32>().context("reading logits")?;
            sampling::argmax(&logits) as u32
        } else {
            let probs = next_token_probs(last, args.temperature);
            let probs = probs.into_data().try_to_vec::<f32>().context("reading probabilities")?;
            let distribution = sampling::filter_probabilities(&probs, args.top_k, args.top_p);
            sampler.sample_from(&distribution)
        };
        ids.push(next);
        pending = vec![next];
        stdout.write_all(&engine.codec.token_bytes(next))?;
        stdout.flush()?;
    }
    writeln!(stdout)?;
    if let Some(cache) = &cache {
        eprintln!("kv cache: {} tokens, {} bytes", cache.len(), cache.size_bytes());
    }
    Ok(())
}
