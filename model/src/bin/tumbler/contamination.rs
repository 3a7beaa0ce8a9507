//! `tumbler contamination`: the benchmarks chapter's contamination check. `--build` picks the
//! quiz from the fine-tuning pairs (`tumbler sft`'s own split: WordNet definitions the chat model
//! trained on, and as many it never saw) into `public/model/contamination.json`; without it, the
//! chat model scores both sets with [`Inspector::quiz`] — the function the engine worker calls —
//! and the scores and their summaries are printed as JSON, for the end-to-end test to compare.

use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;
use tumbler_model::inspect::{Inspector, QuizItem, QuizSets, resolve, summarise};

use crate::engine::{Backend, Codec, Engine, ModelArgs};
use crate::sft::{build_pairs, fnv, held_out};

#[derive(Args, Debug)]
pub struct ContaminationArgs {
    /// Write the quiz from the fine-tuning pairs instead of scoring it.
    #[arg(long)]
    build: bool,
    /// The unpacked registry packages (with --build).
    #[arg(long, default_value = ".cache/data/raw")]
    raw: PathBuf,
    /// Items per set (with --build).
    #[arg(long, default_value_t = 24)]
    items: usize,
    /// The quiz.
    #[arg(long, default_value = "public/model/contamination.json")]
    set: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
}

/// The source the quiz is drawn from: one kind of question, so both sets are alike but for
/// whether the model trained on them.
const SOURCE: &str = "wordnet";

fn build(args: &ContaminationArgs) -> Result<()> {
    // The same pairs `tumbler sft` builds by default (2,500 WordNet questions).
    let pairs = build_pairs(&args.raw, 2500)?;
    let mut wordnet: Vec<_> = pairs.iter().filter(|p| p.source == SOURCE).collect();
    // A fixed order that is not alphabetical, so the sets mix words from the whole list.
    wordnet.sort_by_key(|p| fnv(p.user.as_bytes()).rotate_left(17));
    let pick = |held: bool| -> Vec<QuizItem> {
        wordnet
            .iter()
            .filter(|p| held_out(p) == held)
            .take(args.items)
            .map(|p| QuizItem { user: p.user.clone(), assistant: p.assistant.clone() })
            .collect()
    };
    let sets = QuizSets {
        source: "WordNet glosses asked as “What does X mean?” (Princeton WordNet, Debian's \
                 wordnet-base), from the chat model's fine-tuning pairs"
            .into(),
        split: "fine-tuning held out one question in twenty, chosen by a hash of its text".into(),
        trained: pick(false),
        held_out: pick(true),
    };
    if sets.trained.len() < args.items || sets.held_out.len() < args.items {
        bail!("not enough WordNet pairs under {} (run scripts/fetch-data.sh)", args.raw.display());
    }
    std::fs::write(&args.set, serde_json::to_string_pretty(&sets)? + "\n")
        .with_context(|| format!("writing {}", args.set.display()))?;
    eprintln!("wrote {} ({} + {} items)", args.set.display(), args.items, args.items);
    Ok(())
}

pub fn run(args: ContaminationArgs) -> Result<()> {
    if args.build {
        return build(&args);
    }
    if args.model.backend != Backend::Flex {
        bail!("contamination runs on the CPU backend (flex), whose readbacks finish at once");
    }
    let text = std::fs::read_to_string(&args.set)
        .with_context(|| format!("reading {}", args.set.display()))?;
    let sets: QuizSets = serde_json::from_str(&text)?;
    let engine = Engine::load(&args.model)?;
    let Codec::Tumbler(encoding) = &engine.codec else {
        bail!("contamination needs the model's tokenizer.json");
    };
    let inspect = Inspector::new(&engine.model, encoding);
    let trained = resolve(inspect.quiz(&sets.trained))?;
    let held_out = resolve(inspect.quiz(&sets.held_out))?;
    let json = serde_json::json!({
        "trained": { "scores": trained.scores, "summary": summarise(&trained.scores) },
        "held_out": { "scores": held_out.scores, "summary": summarise(&held_out.scores) },
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}
