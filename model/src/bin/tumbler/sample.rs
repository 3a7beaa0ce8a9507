//! `tumbler sample`: generate text, streaming each token as it is drawn.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use serde_json::json;
use tumbler_model::chat::{self, Role};
use tumbler_model::gpt::{ForwardOptions, ids_tensor, next_token_probs};
use tumbler_model::sampling::{self, Sampler, SamplingConfig, softmax_with_temperature};

use crate::engine::{Codec, Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct SampleArgs {
    /// Text to continue (with --chat: the user's message).
    #[arg(long, required_unless_present = "messages")]
    prompt: Option<String>,
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
    /// The conversation so far as JSON, `[{"role": "user", "text": "…"}, …]`, for the chat model
    /// to answer (implies --chat; replaces --prompt).
    #[arg(long, conflicts_with = "prompt")]
    messages: Option<String>,
    /// Print one JSON object (the prompt's token ids, each generated token with its probability,
    /// the text and why it ended) instead of streaming the text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArgs,
}

/// One turn of `--messages`.
#[derive(serde::Deserialize)]
struct Message {
    role: Role,
    text: String,
}

pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let config =
        SamplingConfig { temperature: args.temperature, top_k: args.top_k, top_p: args.top_p };
    let engine = Engine::load(&args.model)?;
    let (turns, chat) = match (&args.messages, &args.prompt) {
        (Some(json), _) => {
            let messages: Vec<Message> =
                serde_json::from_str(json).context("--messages: a JSON list of {role, text}")?;
            (messages.into_iter().map(|m| (m.role, m.text)).collect(), true)
        }
        (None, Some(prompt)) if args.chat => (vec![(Role::User, prompt.clone())], true),
        (None, Some(prompt)) => (vec![(Role::User, prompt.clone())], false),
        (None, None) => anyhow::bail!("give --prompt or --messages"),
    };
    let request = Request {
        turns: &turns,
        chat,
        max_tokens: args.max_tokens,
        config,
        seed: args.seed,
        kv_cache: !args.no_kv_cache,
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let mut tokens = Vec::new();
        let mut bytes = Vec::new();
        let done = generate(&engine, &request, |t| {
            bytes.extend_from_slice(&t.bytes);
            tokens.push(json!({ "id": t.id, "text": engine.codec.token_string(t.id), "p": t.p }));
            Ok(())
        })?;
        let out = json!({
            "prompt_ids": done.prompt_ids,
            "tokens": tokens,
            "text": String::from_utf8_lossy(&bytes),
            "reason": done.reason,
        });
        writeln!(stdout, "{out}")?;
        return Ok(());
    }
    if chat {
        for (role, text) in &turns {
            writeln!(stdout, "{}: {text}", role.as_str())?;
        }
        write!(stdout, "assistant: ")?;
    } else {
        stdout.write_all(turns[0].1.as_bytes())?;
    }
    let done = generate(&engine, &request, |t| {
        stdout.write_all(&t.bytes)?;
        stdout.flush()
    })?;
    writeln!(stdout)?;
    if let Some((tokens, bytes)) = done.cache {
        eprintln!("kv cache: {tokens} tokens, {bytes} bytes");
    }
    Ok(())
}

/// What to generate.
pub struct Request<'a> {
    /// The text to continue as its only turn's text, or with `chat` the conversation to answer.
    pub turns: &'a [(Role, String)],
    /// Answer `turns` in the chat template; stop at `<|im_end|>`.
    pub chat: bool,
    pub max_tokens: usize,
    pub config: SamplingConfig,
    pub seed: u64,
    pub kv_cache: bool,
}

/// One generated token.
pub struct Emitted {
    pub id: u32,
    /// The bytes it stands for.
    pub bytes: Vec<u8>,
    /// Its probability at the run's temperature (at 1 when greedy), before top-k and top-p: the
    /// number the page shows beside it.
    pub p: f32,
}

/// How a generation went.
pub struct Generated {
    /// The ids the model read first.
    pub prompt_ids: Vec<u32>,
    /// Why it ended, as the engine worker names it: `length`, `context` or `end_of_turn`.
    pub reason: &'static str,
    /// The KV cache's final (tokens, bytes), when one was used.
    pub cache: Option<(usize, usize)>,
}

/// Generates from `request`, handing each new token to `emit`.
pub fn generate(
    engine: &Engine,
    request: &Request<'_>,
    mut emit: impl FnMut(Emitted) -> std::io::Result<()>,
) -> anyhow::Result<Generated> {
    let mut sampler = Sampler::new(request.config, request.seed)?;
    let context = engine.model.config.context_length;
    let (mut ids, stop) = if request.chat {
        let Codec::Tumbler(encoding) = &engine.codec else {
            anyhow::bail!("the chat template needs the Tumbler tokenizer")
        };
        let turns: Vec<(Role, &str)> =
            request.turns.iter().map(|(r, t)| (*r, t.as_str())).collect();
        let (ids, _) = chat::prompt_ids(encoding, &turns, context - 1)?;
        (ids, Some(chat::special_id(encoding, chat::IM_END)?))
    } else {
        let prompt = request.turns.first().map_or("", |(_, t)| t.as_str());
        (engine.encode_prompt(prompt)?, None)
    };
    if ids.len() >= context {
        anyhow::bail!("the prompt fills the model's context of {context} tokens");
    }
    let prompt_ids = ids.clone();
    let room = context - ids.len();
    if request.max_tokens > room {
        eprintln!("note: the context holds {room} more tokens; generating {room}");
    }
    let steps = request.max_tokens.min(room);
    let temperature = request.config.temperature;
    let shown_temperature = if temperature > 0.0 { temperature } else { 1.0 };

    let mut cache = request.kv_cache.then(|| engine.model.new_cache());
    let mut pending = ids.clone(); // tokens the model has not seen yet
    let mut reason = if steps < request.max_tokens { "context" } else { "length" };
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
        let logits = last.clone().into_data().try_to_vec::<f32>().context("reading logits")?;
        let next = if temperature == 0.0 {
            sampling::argmax(&logits) as u32
        } else {
            let probs = next_token_probs(last, temperature);
            let probs = probs.into_data().try_to_vec::<f32>().context("reading probabilities")?;
            let distribution =
                sampling::filter_probabilities(&probs, request.config.top_k, request.config.top_p);
            sampler.sample_from(&distribution)
        };
        if Some(next) == stop {
            reason = "end_of_turn";
            break;
        }
        ids.push(next);
        pending = vec![next];
        let p = softmax_with_temperature(&logits, shown_temperature)[next as usize];
        emit(Emitted { id: next, bytes: engine.codec.token_bytes(next), p })?;
    }
    Ok(Generated { prompt_ids, reason, cache: cache.map(|c| (c.len(), c.size_bytes())) })
}
