//! `tumbler corpus`: runs the pipeline (`tumbler_model::data`) over the registry packages that
//! `scripts/fetch-data.sh` unpacked, and writes the training text, the held-out text, the
//! per-stage report, a language-ID sample for `scripts/langid_agreement.py`, and a dozen scrubbed
//! sample documents for the page.

mod email;
mod rdata;
pub mod sources;
mod sword;

use anyhow::{Context, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tumbler_model::data::pii::{PiiKind, PiiScrubber};
use tumbler_model::data::pipeline::Outcome;
use tumbler_model::data::{Document, Pipeline, PipelineReport};
use tumbler_model::generate::END_OF_TEXT;

/// Where documents are separated in the training text files.
pub const DOC_SEPARATOR: &str = END_OF_TEXT;

#[derive(Args)]
pub struct CorpusArgs {
    /// The unpacked packages (scripts/fetch-data.sh puts them here).
    #[arg(long, default_value = ".cache/data/raw")]
    raw: PathBuf,
    /// Where train.txt and val.txt go.
    #[arg(long, default_value = ".cache/corpus")]
    out: PathBuf,
    /// The per-stage report the pretraining-data chapter reads.
    #[arg(long, default_value = "public/model/pipeline_report.json")]
    report: PathBuf,
    /// The held-out text `tumbler eval` measures (a slice of the validation split).
    #[arg(long, default_value = "public/model/heldout.txt")]
    heldout: PathBuf,
    /// Bytes of validation text to ship as the held-out file.
    #[arg(long, default_value_t = 100_000)]
    heldout_bytes: usize,
    /// Sample documents for the in-page pipeline run.
    #[arg(long, default_value = "public/samples")]
    samples: PathBuf,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    sources: Vec<SourceReport>,
    #[serde(flatten)]
    pipeline: &'a PipelineReport,
    /// Spam that got through every stage and was left out of the training text by its label.
    spam_survivors_removed_by_label: usize,
    train_bytes: usize,
    validation_bytes: usize,
    heldout_bytes: usize,
}

#[derive(serde::Serialize)]
struct SourceReport {
    name: &'static str,
    package: &'static str,
    licence: &'static str,
    docs_in: usize,
    bytes_in: usize,
    docs_out: usize,
    bytes_out: usize,
}

pub fn run(args: CorpusArgs) -> Result<()> {
    let docs = sources::load_all(&args.raw)
        .context("loading raw documents (run scripts/fetch-data.sh first)")?;
    eprintln!("loaded {} documents", docs.len());
    let mut sources: BTreeMap<&str, SourceReport> = BTreeMap::new();
    for s in sources::SOURCES {
        sources.insert(
            s.name,
            SourceReport {
                name: s.name,
                package: s.package,
                licence: s.licence,
                docs_in: 0,
                bytes_in: 0,
                docs_out: 0,
                bytes_out: 0,
            },
        );
    }
    for d in &docs {
        if let Some(s) = sources.get_mut(d.source.as_str()) {
            s.docs_in += 1;
            s.bytes_in += d.text.len();
        }
    }
    let raw_by_id: BTreeMap<String, Document> =
        docs.iter().map(|d| (d.id.clone(), d.clone())).collect();
    let pipeline = Pipeline::default();
    let (kept, report, outcomes) = pipeline.run(docs);
    for s in &report.stages {
        eprintln!(
            "{:>9}: {:>6} → {:>6} docs, {:>10} → {:>10} bytes",
            s.stage, s.docs_in, s.docs_out, s.bytes_in, s.bytes_out
        );
    }
    for d in &kept {
        if let Some(s) = sources.get_mut(d.source.as_str()) {
            s.docs_out += 1;
            s.bytes_out += d.text.len();
        }
    }

    let (train, val): (Vec<&Document>, Vec<&Document>) = kept
        .iter()
        .filter(|d| d.source != "email-spam")
        .partition(|d| !split_hash(&d.id).is_multiple_of(100));
    std::fs::create_dir_all(&args.out)?;
    let join = |ds: &[&Document]| {
        ds.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join(&format!("\n{DOC_SEPARATOR}\n"))
    };
    let train_text = join(&train);
    let val_text = join(&val);
    write(&args.out.join("train.txt"), &train_text)?;
    write(&args.out.join("val.txt"), &val_text)?;
    let heldout = heldout_slice(&val, args.heldout_bytes);
    write(&args.heldout, &heldout)?;

    let spam_survivors = kept.iter().filter(|d| d.source == "email-spam").count();
    let out = Report {
        sources: sources.into_values().collect(),
        pipeline: &report,
        spam_survivors_removed_by_label: spam_survivors,
        train_bytes: train_text.len(),
        validation_bytes: val_text.len(),
        heldout_bytes: heldout.len(),
    };
    write(&args.report, &serde_json::to_string_pretty(&out)?)?;
    eprintln!(
        "train {} bytes, validation {} bytes, held-out {} bytes",
        train_text.len(),
        val_text.len(),
        heldout.len()
    );

    write_langid_sample(&args.out.join("langid_sample.jsonl"), &raw_by_id, &outcomes)?;
    write_samples(&args.samples, &raw_by_id, &outcomes, &pipeline)?;
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// A stable split: FNV-1a of the document id, independent of document order.
fn split_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// Whole validation documents, spread over the sources, until `budget` bytes.
fn heldout_slice(val: &[&Document], budget: usize) -> String {
    let mut order: Vec<&&Document> = val.iter().collect();
    order.sort_by_key(|d| split_hash(&format!("heldout/{}", d.id)));
    let mut out = String::new();
    for d in order {
        if out.len() + d.text.len() > budget && !out.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&d.text);
    }
    out
}

/// Documents whose language the pipeline judged (all that reached the language stage), as JSON
/// lines `{"id", "ours", "text"}` with the extracted text, for the agreement check.
fn write_langid_sample(
    path: &Path,
    raw: &BTreeMap<String, Document>,
    outcomes: &[Outcome],
) -> Result<()> {
    let id = tumbler_model::data::lang::LangId::new();
    let mut lines = Vec::new();
    for o in outcomes.iter().filter(|o| o.dropped_at != Some("url")) {
        let Some(d) = raw.get(&o.id) else { continue };
        // Every 7th document keeps the sample near 3,000 while covering each source.
        if !split_hash(&d.id).is_multiple_of(7)
            && d.source != "debian-handbook"
            && d.source != "fortunes"
        {
            continue;
        }
        let text =
            if d.html { tumbler_model::data::html::extract_text(&d.text) } else { d.text.clone() };
        let text: String = text.chars().take(2000).collect();
        let g = id.identify(&text);
        lines.push(
            serde_json::json!({"id": d.id, "source": d.source, "ours": g.lang, "text": text})
                .to_string(),
        );
    }
    write(path, &(lines.join("\n") + "\n"))
}

/// What a sample shows, and how to find one.
const SAMPLE_KINDS: &[(&str, &str, Option<&str>, &str)] = &[
    ("python-faq-html", "python-docs", None, "faq/general"),
    ("handbook-french", "debian-handbook", Some("language"), "fr-FR/"),
    ("handbook-japanese", "debian-handbook", Some("language"), "ja-JP/"),
    ("fortunes-german", "fortunes", Some("language"), "fortunes-de"),
    ("spam-bad-url", "email-spam", Some("url"), ""),
    ("spam-low-quality", "email-spam", Some("quality"), ""),
    ("email-with-pii", "email-ham", None, ""),
    ("email-near-duplicate", "email-ham", Some("minhash"), ""),
    ("bible", "bible-web", None, ""),
    ("austen", "austen", None, ""),
    ("state-of-the-union", "sotu", None, ""),
    ("fortunes-english-short", "fortunes", Some("quality"), "fortunes-min"),
];

#[derive(serde::Serialize)]
struct Sample {
    name: &'static str,
    id: String,
    source: String,
    package: &'static str,
    licence: &'static str,
    url: Option<String>,
    html: bool,
    /// The pipeline's verdict on this very text (after truncation and scrubbing).
    expected_drop_stage: Option<&'static str>,
    expected_reason: Option<String>,
    text: String,
}

fn write_samples(
    dir: &Path,
    raw: &BTreeMap<String, Document>,
    outcomes: &[Outcome],
    pipeline: &Pipeline,
) -> Result<()> {
    let scrubber = PiiScrubber::new();
    let mut picked: Vec<(&'static str, Document)> = Vec::new();
    for &(name, source, stage, id_part) in SAMPLE_KINDS {
        let found = outcomes.iter().filter(|o| o.dropped_at == stage).find(|o| {
            raw.get(&o.id).is_some_and(|d| {
                d.source == source
                    && d.id.contains(id_part)
                    && d.text.len() < 12_000
                    // The PII sample must have PII to find; the others are whatever comes first.
                    && (name != "email-with-pii" || scrubber.scrub(&d.text).1.total() >= 2)
            })
        });
        let Some(o) = found else {
            eprintln!("no sample found for {name}");
            continue;
        };
        // A near-duplicate only shows as one beside the document it duplicates.
        if let Some(original) = o.duplicate_of.as_ref().and_then(|id| raw.get(id)) {
            picked.push(("email-original", original.clone()));
        }
        picked.push((name, raw[&o.id].clone()));
    }
    for (_, d) in &mut picked {
        d.text = fake_pii(&scrubber, &d.text);
        d.url = d.url.as_ref().map(|u| fake_pii(&scrubber, u));
    }
    // The verdicts the page must reproduce: all samples through the pipeline together.
    let (_, _, verdicts) = pipeline.run(picked.iter().map(|(_, d)| d.clone()).collect());
    let mut index = Vec::new();
    for (name, d) in picked {
        let v = verdicts.iter().find(|v| v.id == d.id);
        let meta = sources::SOURCES.iter().find(|s| s.name == d.source);
        let sample = Sample {
            name,
            id: d.id,
            source: d.source,
            package: meta.map_or("", |m| m.package),
            licence: meta.map_or("", |m| m.licence),
            url: d.url,
            html: d.html,
            expected_drop_stage: v.and_then(|v| v.dropped_at),
            expected_reason: v.and_then(|v| v.reason.clone()),
            text: d.text,
        };
        write(&dir.join(format!("{name}.json")), &serde_json::to_string_pretty(&sample)?)?;
        index.push(name);
    }
    write(&dir.join("index.json"), &serde_json::to_string_pretty(&index)?)
}

/// Replaces real addresses with reserved, made-up ones (example.com, 555-01xx, 192.0.2.x,
/// 2001:db8::, a test card number), so published samples still show the PII stage at work.
fn fake_pii(scrubber: &PiiScrubber, text: &str) -> String {
    let mut n = 0;
    scrubber
        .scrub_with(text, |kind, _| {
            n += 1;
            match kind {
                PiiKind::Email => format!("person{n}@example.com"),
                PiiKind::Phone => format!("(555) 010-{:04}", n % 10_000),
                PiiKind::Ip => format!("192.0.2.{}", n % 255),
                PiiKind::Card => "4111 1111 1111 1111".to_string(),
            }
        })
        .0
}
