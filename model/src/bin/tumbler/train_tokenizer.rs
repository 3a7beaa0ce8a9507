//! `tumbler train-tokenizer`: trains byte-level BPEs of a few vocabulary sizes on the corpus,
//! measures bytes per token on the validation split for each, and saves the chosen one.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use tumbler_model::train::bpe;

/// How documents are separated in the corpus files (`tumbler corpus`).
const DOC_SEPARATOR: &str = "\n<|endoftext|>\n";

#[derive(Args)]
pub struct TrainTokenizerArgs {
    /// Training text from `tumbler corpus`.
    #[arg(long, default_value = ".cache/corpus/train.txt")]
    train: PathBuf,
    /// Validation text from `tumbler corpus`.
    #[arg(long, default_value = ".cache/corpus/val.txt")]
    val: PathBuf,
    /// Vocabulary sizes to compare (special tokens included).
    #[arg(long, value_delimiter = ',', default_value = "2048,4096,8192")]
    sizes: Vec<usize>,
    /// The size to save as the Tumbler's tokenizer.
    #[arg(long, default_value_t = 4096)]
    pick: usize,
    #[arg(long, default_value = "public/model/tokenizer.json")]
    out: PathBuf,
    /// Bytes-per-token measurements, for the model card.
    #[arg(long, default_value = "public/model/tokenizer_report.json")]
    report: PathBuf,
}

pub fn run(args: TrainTokenizerArgs) -> Result<()> {
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p)
            .with_context(|| format!("reading {} (run `tumbler corpus` first)", p.display()))
    };
    let train = read(&args.train)?;
    let val = read(&args.val)?;
    let train_docs: Vec<&str> = train.split(DOC_SEPARATOR).collect();
    let val_docs: Vec<&str> = val.split(DOC_SEPARATOR).collect();
    let mut sizes = args.sizes.clone();
    if !sizes.contains(&args.pick) {
        sizes.push(args.pick);
    }
    let mut rows = Vec::new();
    for &size in &sizes {
        let t0 = Instant::now();
        let tok = bpe::train(train_docs.iter().map(|d| d.to_string()), size)?;
        let secs = t0.elapsed().as_secs_f64();
        let bpt = bpe::bytes_per_token(&tok, val_docs.iter().copied())?;
        eprintln!("vocab {size}: {bpt:.3} bytes/token on validation (trained in {secs:.0} s)");
        rows.push(
            serde_json::json!({"vocab_size": size, "bytes_per_token": bpt, "train_seconds": secs}),
        );
        if size == args.pick {
            if let Some(dir) = args.out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            bpe::save(&tok, &args.out)?;
        }
    }
    let report = serde_json::json!({
        "picked": args.pick,
        "train_bytes": train.len(),
        "validation_bytes": val.len(),
        "split_pattern": bpe::SPLIT_PATTERN,
        "special_tokens": bpe::SPECIAL_TOKENS,
        "sizes": rows,
    });
    std::fs::write(&args.report, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", args.report.display()))?;
    Ok(())
}
