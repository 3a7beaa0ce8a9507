//! `tumbler sample`: generate text, streaming each token as it is drawn.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use serde_json::json;
use tumbler_model::chat::Role;
use tumbler_model::generate::{
    DoneReason, GenerateOptions, Generation, Step, Token, Vocab, chat_prompt, stop_tokens,
};

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
    let options = GenerateOptions {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        seed: args.seed,
        top_k: args.top_k,
        top_p: args.top_p,
    };
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
    let request = Request { turns: &turns, chat, options, kv_cache: !args.no_kv_cache };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let mut tokens = Vec::new();
        let (run, reason) = generate(&engine, &request, |token| {
            tokens.push(token.named(&engine.codec));
            Ok(())
        })?;
        let out = json!({
            "prompt_ids": run.prompt(),
            "tokens": tokens,
            "text": run.text(&engine.codec),
            "reason": reason,
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
    let (run, _) = generate(&engine, &request, |token| {
        stdout.write_all(&engine.codec.bytes(token.id))?;
        stdout.flush()
    })?;
    writeln!(stdout)?;
    if let Some(cache) = run.cache() {
        eprintln!("kv cache: {} tokens, {} bytes", cache.len(), cache.size_bytes());
    }
    Ok(())
}

/// What to generate.
pub struct Request<'a> {
    /// The text to continue as its only turn's text, or with `chat` the conversation to answer.
    pub turns: &'a [(Role, String)],
    /// Answer `turns` in the chat template; stop at `<|im_end|>` as well as at end-of-text.
    pub chat: bool,
    pub options: GenerateOptions,
    pub kv_cache: bool,
}

/// Generates from `request`, handing each new token to `emit`; returns the finished run and why
/// it ended.
pub fn generate(
    engine: &Engine,
    request: &Request<'_>,
    mut emit: impl FnMut(&Token) -> std::io::Result<()>,
) -> anyhow::Result<(Generation, DoneReason)> {
    let context = engine.model.config.context_length;
    let max_tokens = request.options.max_tokens;
    let (prompt, stops) = match (&engine.codec, request.chat) {
        (Codec::Tumbler(encoding), true) => {
            let turns: Vec<(Role, &str)> =
                request.turns.iter().map(|(r, t)| (*r, t.as_str())).collect();
            (chat_prompt(encoding, &turns, context, max_tokens)?, stop_tokens(encoding, true))
        }
        (Codec::Bytes, true) => anyhow::bail!("the chat template needs the Tumbler tokenizer"),
        (codec, false) => {
            let prompt = request.turns.first().map_or("", |(_, t)| t.as_str());
            let stops = match codec {
                Codec::Tumbler(encoding) => stop_tokens(encoding, false),
                Codec::Bytes => Vec::new(),
            };
            (engine.encode_prompt(prompt)?, stops)
        }
    };
    let mut run = Generation::new(&engine.model, prompt, &request.options, stops)?;
    if !request.kv_cache {
        run = run.without_cache();
    }
    let room = context - run.prompt().len();
    if max_tokens > room {
        eprintln!("note: the context holds {room} more tokens; generating {room} at most");
    }
    let reason = loop {
        match run.step(&engine.model)? {
            Step::Token(token) => emit(&token)?,
            Step::Done(reason) => break reason,
        }
    };
    Ok((run, reason))
}
