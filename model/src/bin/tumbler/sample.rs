//! `tumbler sample`: generate text, streaming each token as it is drawn.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use tumbler_model::chat;
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
    /// Ask the prompt as a user's question in the chat template (for the chat model) and stop at
    /// the end of the assistant's turn.
    #[arg(long)]
    chat: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let config =
        SamplingConfig { temperature: args.temperature, top_k: args.top_k, top_p: args.top_p };
    let engine = Engine::load(&args.model)?;
    let mut stdout = std::io::stdout().lock();
    if args.chat {
        write!(stdout, "user: {}\nassistant: ", args.prompt)?;
    } else {
        stdout.write_all(args.prompt.as_bytes())?;
    }
    let request = Request {
        prompt: &args.prompt,
        chat: args.chat,
        max_tokens: args.max_tokens,
        config,
        seed: args.seed,
        kv_cache: !args.no_kv_cache,
    };
    let cache = generate(&engine, &request, |bytes| {
        stdout.write_all(bytes)?;
        stdout.flush()
    })?;
    writeln!(stdout)?;
    if let Some((tokens, bytes)) = cache {
        eprintln!("kv cache: {tokens} tokens, {bytes} bytes");
    }
    Ok(())
}

/// What to generate.
pub struct Request<'a> {
    pub prompt: &'a str,
    /// Ask `prompt` as a user's question in the chat template; stop at `<|im_end|>`.
    pub chat: bool,
    pub max_tokens: usize,
    pub config: SamplingConfig,
    pub seed: u64,
    pub kv_cache: bool,
}

/// Generates from `request`, handing each new token's bytes to `emit`; returns the KV cache's
/// final (tokens, bytes) when one was used.
pub fn generate(
    engine: &Engine,
    request: &Request<'_>,
    mut emit: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> anyhow::Result<Option<(usize, usize)>> {
    let mut sampler = Sampler::new(request.config, request.seed)?;
    let (mut ids, stop) = if request.chat {
        let ids = engine.codec.encode_with_special_tokens(&chat::prompt(request.prompt));
        (ids, engine.codec.special(chat::IM_END))
    } else {
        (engine.encode_prompt(request.prompt)?, None)
    };
    let context = engine.model.config.context_length;
    if ids.len() >= context {
        anyhow::bail!("the prompt fills the model's context of {context} tokens");
    }
    let room = context - ids.len();
    if request.max_tokens > room {
        eprintln!("note: the context holds {room} more tokens; generating {room}");
    }
    let steps = request.max_tokens.min(room);
    let temperature = request.config.temperature;

    let mut cache = request.kv_cache.then(|| engine.model.new_cache());
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
        let next = if temperature == 0.0 {
            let logits = last.into_data().try_to_vec::<f32>().context("reading logits")?;
            sampling::argmax(&logits) as u32
        } else {
            let probs = next_token_probs(last, temperature);
            let probs = probs.into_data().try_to_vec::<f32>().context("reading probabilities")?;
            let distribution =
                sampling::filter_probabilities(&probs, request.config.top_k, request.config.top_p);
            sampler.sample_from(&distribution)
        };
        if Some(next) == stop {
            break;
        }
        ids.push(next);
        pending = vec![next];
        emit(&engine.codec.token_bytes(next))?;
    }
    Ok(cache.map(|c| (c.len(), c.size_bytes())))
}
