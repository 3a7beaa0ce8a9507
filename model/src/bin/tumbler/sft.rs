//! `tumbler sft`: fine-tunes the pre-trained Tumbler into a chat model on question/answer pairs
//! built from the registry packages (`scripts/fetch-data.sh`): the chatterbot-corpus English
//! conversations, WordNet glosses asked as "What does X mean?", and the Python FAQ.

use anyhow::{Context, Result, bail};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tumbler_model::chat;
use tumbler_model::data::html::{decode_entities, extract_text};
use tumbler_model::generate::END_OF_TEXT;
use tumbler_model::gpt::weights::{self, StorageDtype};
use tumbler_model::tokenizer::Encoding;
use tumbler_model::train::schedule::Schedule;
use tumbler_model::train::sft::{self, Example, Pair};
use tumbler_model::train::{self as training, TrainConfig, curve};

#[derive(Args)]
pub struct SftArgs {
    /// The unpacked registry packages.
    #[arg(long, default_value = ".cache/data/raw")]
    raw: PathBuf,
    /// The pre-trained model to start from.
    #[arg(long, default_value = "public/model/base")]
    base: PathBuf,
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
    #[arg(long, default_value = ".cache/train/chat")]
    dir: PathBuf,
    #[arg(long, default_value = "public/model/chat")]
    export: PathBuf,
    #[arg(long, default_value = "public/model/loss_chat.svg")]
    curve: PathBuf,
    /// Counts per source and a few pairs, for the model card and the `sft` chapter.
    #[arg(long, default_value = "public/model/sft_data.json")]
    report: PathBuf,
    /// WordNet questions to include (one per word, the first sense).
    #[arg(long, default_value_t = 2500)]
    wordnet: usize,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 1500)]
    steps: usize,
    #[arg(long, default_value_t = 3e-4)]
    lr: f64,
    #[arg(long, default_value_t = 250)]
    eval_every: usize,
    /// Stop this session after so many minutes (resume later with the same command).
    #[arg(long)]
    minutes: Option<f64>,
}

pub fn run(args: SftArgs) -> Result<()> {
    let json = std::fs::read(&args.tokenizer)
        .with_context(|| format!("reading {}", args.tokenizer.display()))?;
    let enc = Encoding::from_tokenizer_json(&json)?;
    let base = weights::load(&args.base, &burn::tensor::Device::flex()).with_context(|| {
        format!("loading the base model in {} (run `tumbler train`)", args.base.display())
    })?;
    let model_cfg = base.config.clone();
    drop(base);

    let pairs = build_pairs(&args.raw, args.wordnet)?;
    // Held out by question, so that validation asks questions the model never saw.
    let (val, train): (Vec<&Pair>, Vec<&Pair>) = pairs.iter().partition(|p| held_out(p));
    let t = model_cfg.context_length;
    let tokenize = |ps: &[&Pair]| -> Vec<Example> {
        ps.iter().map(|p| Example::new(&enc, p, t + 1)).filter(Example::teaches).collect()
    };
    let (train_ex, val_ex) = (tokenize(&train), tokenize(&val));
    if train_ex.is_empty() || val_ex.is_empty() {
        bail!("no fine-tuning pairs found under {}", args.raw.display());
    }
    write_report(&args.report, &pairs, train_ex.len(), val_ex.len(), &train_ex)?;
    eprintln!(
        "{} pairs → {} training / {} validation examples ({} reply tokens in training)",
        pairs.len(),
        train_ex.len(),
        val_ex.len(),
        train_ex.iter().map(|e| e.learn.iter().filter(|&&l| l).count()).sum::<usize>()
    );

    let pad = chat::special_id(&enc, END_OF_TEXT).unwrap_or(0);
    let cfg = TrainConfig {
        model: model_cfg,
        batch_size: args.batch,
        seq_len: t,
        schedule: Schedule {
            max_lr: args.lr,
            min_lr: args.lr / 10.0,
            warmup_steps: (args.steps / 20).clamp(1, 100),
            total_steps: args.steps,
        },
        weight_decay: 0.0,
        grad_clip: 1.0,
        eval_every: args.eval_every,
        eval_batches: 0,
        log_every: 10.min(args.steps),
        seed: 4321,
    };
    let stop = args.minutes.map(|m| Duration::from_secs_f64(m * 60.0));
    let base_dir = args.base.clone();
    let (model, state) = training::run(
        &cfg,
        &args.dir,
        stop,
        |device| Ok(weights::load(&base_dir, device)?),
        |step| sft::batch(&train_ex, cfg.batch_size, t, pad, cfg.seed, step),
        |m, device| sft::evaluate(m, &val_ex, t, pad, device),
    )?;
    curve::draw(&state.history, "Tumbler supervised fine-tuning", &args.curve)?;
    if state.step < cfg.schedule.total_steps {
        eprintln!("stopped at step {}/{}; run the same command to resume", state.step, args.steps);
        return Ok(());
    }
    weights::save(&model, &args.export, StorageDtype::F16)?;
    let device = burn::tensor::Device::flex();
    let start = weights::load(&args.base, &device)?;
    let base_reply_loss = sft::evaluate(&start, &val_ex, t, pad, &device);
    let chat_reply_loss = sft::evaluate(&model, &val_ex, t, pad, &device);
    std::fs::write(
        args.export.join("run.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "steps": state.step,
            "tokens_seen": state.tokens_seen,
            "seconds": state.seconds,
            "train_examples": train_ex.len(),
            "val_examples": val_ex.len(),
            "val_reply_loss_base_nats_per_token": base_reply_loss,
            "val_reply_loss_chat_nats_per_token": chat_reply_loss,
            "train_config": cfg,
        }))?,
    )?;
    eprintln!(
        "done: reply loss on held-out questions {base_reply_loss:.3} (base) → \
         {chat_reply_loss:.3} (chat) nats/token; exported to {}",
        args.export.display()
    );
    Ok(())
}

/// Whether fine-tuning holds `pair` out for validation: one question in twenty, by a hash of its
/// lower-cased text (so every reply to a held-out question is held out with it).
pub(crate) fn held_out(pair: &Pair) -> bool {
    fnv(pair.user.to_lowercase().as_bytes()).is_multiple_of(20)
}

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn write_report(
    path: &Path,
    pairs: &[Pair],
    train: usize,
    val: usize,
    train_ex: &[Example],
) -> Result<()> {
    let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pairs {
        *per_source.entry(p.source.as_str()).or_default() += 1;
    }
    let mut examples = Vec::new();
    for source in per_source.keys() {
        examples.extend(pairs.iter().filter(|p| p.source == *source).take(3));
    }
    let report = serde_json::json!({
        "pairs": pairs.len(),
        "per_source": per_source,
        "train_examples": train,
        "val_examples": val,
        "train_reply_tokens": train_ex.iter().map(|e| e.learn.iter().filter(|&&l| l).count()).sum::<usize>(),
        "examples": examples,
    });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// All pairs from the three sources, in a fixed order.
pub fn build_pairs(raw: &Path, wordnet_limit: usize) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    let dir = raw.join("chatterbot-corpus/chatterbot_corpus/data/english");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {} (run scripts/fetch-data.sh)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        for conversation in chatterbot_conversations(&text) {
            for turn in conversation.chunks_exact(2) {
                pairs.push(pair("chatterbot", &turn[0], &turn[1]));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut definitions = Vec::new();
    for pos in ["noun", "verb", "adj", "adv"] {
        let path = raw.join(format!("wordnet-base/usr/share/wordnet/data.{pos}"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        for (word, definition) in wordnet_definitions(&text) {
            if seen.insert(word.clone()) {
                definitions.push((word, pos, definition));
            }
        }
    }
    // An even spread over the whole dictionary rather than its first entries.
    let stride = (definitions.len() / wordnet_limit.max(1)).max(1);
    for (word, pos, definition) in definitions.into_iter().step_by(stride).take(wordnet_limit) {
        let kind = match pos {
            "noun" => "a noun",
            "verb" => "a verb",
            "adj" => "an adjective",
            _ => "an adverb",
        };
        pairs.push(pair(
            "wordnet",
            &format!("What does \"{word}\" mean?"),
            &format!("\"{word}\" is {kind}. It means {definition}."),
        ));
    }
    let faq = raw.join("python3.11-doc/usr/share/doc/python3.11/html/faq");
    for name in
        ["general", "programming", "design", "library", "extending", "windows", "gui", "installed"]
    {
        let path = faq.join(format!("{name}.html"));
        let html = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        for (q, a) in faq_pairs(&html) {
            pairs.push(pair("python-faq", &q, &a));
        }
    }
    Ok(pairs)
}

fn pair(source: &str, user: &str, assistant: &str) -> Pair {
    Pair { source: source.into(), user: user.trim().into(), assistant: assistant.trim().into() }
}

/// The conversations of a chatterbot-corpus YAML file: `- - first turn` starts one, `  - turn`
/// continues it, and `  - |` opens a block whose more deeply indented lines form one turn.
pub fn chatterbot_conversations(yaml: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut in_conversations = false;
    let mut block: Option<String> = None;
    let finish = |block: &mut Option<String>, out: &mut Vec<Vec<String>>| {
        if let (Some(b), Some(c)) = (block.take(), out.last_mut()) {
            c.push(b.trim_end().to_string());
        }
    };
    for line in yaml.lines() {
        if line.starts_with("conversations:") {
            in_conversations = true;
            continue;
        }
        if !in_conversations {
            continue;
        }
        if let Some(b) =
            block.as_mut().filter(|_| line.starts_with("    ") || line.trim().is_empty())
        {
            b.push_str(line.get(4..).unwrap_or(""));
            b.push('\n');
            continue;
        }
        finish(&mut block, &mut out);
        let (new, item) = if let Some(rest) = line.strip_prefix("- - ") {
            (true, rest)
        } else if let Some(rest) = line.strip_prefix("  - ") {
            (false, rest)
        } else {
            continue;
        };
        if new {
            out.push(Vec::new());
        }
        let item = item.trim();
        if item == "|" || item == "|-" {
            block = Some(String::new());
        } else if let Some(c) = out.last_mut() {
            c.push(unquote(item));
        }
    }
    finish(&mut block, &mut out);
    out.retain(|c| c.len() >= 2 && c.iter().all(|t| !t.is_empty()));
    out
}

fn unquote(s: &str) -> String {
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    if quoted { s[1..s.len() - 1].replace("''", "'") } else { s.to_string() }
}

/// (word, definition) for each synset of a WordNet data file whose first lemma is one plain
/// lowercase word.
pub fn wordnet_definitions(data: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with("  ")) {
        let Some((fields, gloss)) = line.split_once(" | ") else { continue };
        let Some(word) = fields.split(' ').nth(4) else { continue };
        let word = word.split('(').next().unwrap_or(word);
        if word.len() < 3 || !word.chars().all(|c| c.is_ascii_lowercase()) {
            continue;
        }
        let definition = gloss.split("; ").next().unwrap_or("").trim().trim_end_matches('.');
        if definition.len() >= 8 && !definition.starts_with('"') {
            out.push((word.to_string(), definition.to_string()));
        }
    }
    out
}

/// (question, answer) for each question heading of a Sphinx FAQ page: the heading's text, and
/// the paragraphs under it up to about 600 characters.
pub fn faq_pairs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<h3><a class=\"toc-backref\"") {
        rest = &rest[start..];
        let Some(end) = rest.find("</h3>") else { break };
        let question = strip_tags(&rest[..end]).replace('¶', "");
        let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
        rest = &rest[end + 5..];
        let body_end = ["<section", "</section>", "<h2", "<h3"]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let body = extract_text(&rest[..body_end]);
        let mut answer = String::new();
        for paragraph in body.split("\n\n") {
            let paragraph = paragraph.trim();
            if paragraph.is_empty() {
                continue;
            }
            if !answer.is_empty() && answer.len() + paragraph.len() > 600 {
                break;
            }
            if !answer.is_empty() {
                answer.push_str("\n\n");
            }
            answer.push_str(paragraph);
        }
        if question.ends_with('?') && answer.len() >= 20 {
            out.push((question, answer));
        }
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode_entities(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chatterbot_conversations_with_blocks_and_quotes() {
        let yaml = "categories:\n- AI\nconversations:\n- - What is AI?\n  - A field.\n- - 'Quoted?'\n  - |\n    Sure. Here:\n\n    def f(): pass\n  - Third.\n  - Fourth.\n- - Lonely\n";
        let c = chatterbot_conversations(yaml);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0], ["What is AI?", "A field."]);
        assert_eq!(c[1][0], "Quoted?");
        assert_eq!(c[1][1], "Sure. Here:\n\ndef f(): pass");
        assert_eq!(c[1][3], "Fourth.");
    }

    #[test]
    fn reads_wordnet_first_lemmas() {
        let data = "  1 This software and database is being provided\n\
            02084071 05 n 05 dog 0 domestic_dog 0 Canis_familiaris 0 | a member of the genus Canis; \"the dog barked\"\n\
            09999999 05 n 01 New_York 0 | a city\n";
        assert_eq!(
            wordnet_definitions(data),
            [("dog".to_string(), "a member of the genus Canis".to_string())]
        );
    }

    #[test]
    fn reads_faq_questions_and_answers() {
        let html = "<h3><a class=\"toc-backref\" href=\"#id1\">How do I create a .pyc file?</a><a class=\"headerlink\" href=\"#x\">¶</a></h3>\n<p>When a module is <code>imported</code> the first time, a file is written &amp; kept.</p>\n<p>Second paragraph.</p>\n</section>\n<h3><a class=\"toc-backref\">Not a question</a></h3><p>Long enough answer text here.</p>";
        let pairs = faq_pairs(html);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].0, "How do I create a .pyc file?");
        assert!(
            pairs[0]
                .1
                .starts_with("When a module is imported the first time, a file is written & kept.")
        );
        assert!(pairs[0].1.ends_with("Second paragraph."));
    }
}
