//! The pipeline at work: a dozen real documents from the Tumbler's own corpus sources run through
//! the project's filters (`tumbler_model::data`, the code `tumbler corpus` ran) in the reader's
//! browser, and the counts of the full corpus run from `public/model/pipeline_report.json`.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::Deserialize;
use tumbler_model::data::pipeline::MIN_ENGLISH;
use tumbler_model::data::quality::QualityConfig;
use tumbler_model::data::{Document, PipelineReport, StageReport};

use crate::calc::expr::group_thousands;
use crate::engine::{self, Query};
use crate::widgets::Reproduce;
use tumbler_engine::PipelineRun;
use tumbler_engine::fetch;

const SAMPLES_DIR: &str = "public/samples/";
const REPORT_URL: &str = "public/model/pipeline_report.json";
/// The model card: the held-out text's bytes and tokens.
const CARD_URL: &str = "public/model/card.json";
/// FineWeb's size in tokens (GPT-2's tokenizer), from its dataset card.
const FINEWEB_TOKENS: f64 = 15e12;

/// The Tumbler's training text against FineWeb: its bytes (the corpus report's `train_bytes`),
/// bytes per token of its tokenizer on the held-out text (the model card), and the ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    train_bytes: f64,
    bytes_per_token: f64,
}

impl Scale {
    fn of(report: &serde_json::Value, card: &serde_json::Value) -> Option<Self> {
        let heldout = &card["base"]["heldout"];
        let (bytes, tokens) = (heldout["bytes"].as_f64()?, heldout["tokens"].as_f64()?);
        let train_bytes = report["train_bytes"].as_f64()?;
        (tokens > 0.0 && train_bytes > 0.0)
            .then_some(Self { train_bytes, bytes_per_token: bytes / tokens })
    }

    fn tokens(self) -> f64 {
        self.train_bytes / self.bytes_per_token
    }

    /// How many times more tokens FineWeb holds.
    fn fineweb_ratio(self) -> f64 {
        FINEWEB_TOKENS / self.tokens()
    }
}
/// Characters of a document shown when it is opened.
const SHOWN_CHARS: usize = 1_500;

/// The stages in order: the report's key and the name the chapter's pipeline figure uses.
pub const STAGE_NAMES: [(&str, &str); 6] = [
    ("url", "URL filter"),
    ("html", "Text extraction"),
    ("language", "Language filter"),
    ("quality", "Gopher rules"),
    ("minhash", "MinHash dedup"),
    ("pii", "PII removal"),
];

fn stage_title(key: &str) -> &str {
    STAGE_NAMES.iter().find(|(k, _)| *k == key).map_or(key, |(_, t)| t)
}

/// One file of `public/samples/`, written by `tumbler corpus` with the verdict its own run gave.
#[derive(Debug, Clone, Deserialize)]
pub struct Sample {
    pub name: String,
    pub id: String,
    pub source: String,
    pub package: String,
    pub licence: String,
    pub url: Option<String>,
    pub html: bool,
    pub expected_drop_stage: Option<String>,
    pub expected_reason: Option<String>,
    pub text: String,
}

impl Sample {
    fn document(&self) -> Document {
        Document {
            id: self.id.clone(),
            source: self.source.clone(),
            url: self.url.clone(),
            html: self.html,
            text: self.text.clone(),
        }
    }
}

/// What happened to one sample in the page's run.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub sample: Sample,
    pub dropped_at: Option<&'static str>,
    /// The reason code the pipeline gave (`SymbolRatio`, `fr`, `NearDuplicate`, …).
    pub reason: Option<String>,
    /// The reason in words.
    pub explanation: String,
    /// The text as training would see it (kept documents), else the raw text.
    pub shown_text: String,
    /// Personal data replaced in a kept document: (kind, count).
    pub pii: Vec<(&'static str, usize)>,
}

/// The run over all samples together (near-duplicates need their original beside them).
#[derive(Debug, Clone)]
pub struct SampleRun {
    pub verdicts: Vec<Verdict>,
    pub report: PipelineReport,
}

fn language_name(code: &str) -> &str {
    match code {
        "en" => "English",
        "de" => "German",
        "fr" => "French",
        "es" => "Spanish",
        "it" => "Italian",
        "pt" => "Portuguese",
        "nl" => "Dutch",
        "sv" => "Swedish",
        "pl" => "Polish",
        "cs" => "Czech",
        "ru" => "Russian",
        "el" => "Greek",
        "ar" => "Arabic",
        "he" => "Hebrew",
        "zh" => "Chinese",
        "ja" => "Japanese",
        "ko" => "Korean",
        "hi" => "Hindi",
        "th" => "Thai",
        other => other,
    }
}

/// A reason code in words, with the rule's threshold where it has one.
pub fn explain(stage: &str, reason: &str, duplicate_of: Option<&str>, min_english: f32) -> String {
    let q = QualityConfig::default();
    match (stage, reason) {
        ("url", "Malformed") => "its address is not a well-formed URL".into(),
        ("url", "BlockedDomain") => "its site is on the blocklist".into(),
        ("url", "SpamTld") => "its top-level domain is one used mostly for spam".into(),
        ("url", "AdultWord") => "its address contains an adult word".into(),
        ("language", "und") => "no language could be recognised in it".into(),
        ("language", "en") => {
            format!("English, but with less than {min_english} confidence")
        }
        ("language", code) => format!("it is in {}, not English", language_name(code)),
        ("quality", "TooFewWords") => {
            format!("fewer than {} words", group_thousands(q.min_words as i128))
        }
        ("quality", "TooManyWords") => {
            format!("more than {} words", group_thousands(q.max_words as i128))
        }
        ("quality", "MeanWordLength") => format!(
            "mean word length outside {}–{} characters",
            q.min_mean_word_len, q.max_mean_word_len
        ),
        ("quality", "SymbolRatio") => {
            format!("more than {} ‘#’ or ‘...’ per word", q.max_symbol_word_ratio)
        }
        ("quality", "BulletLines") => format!(
            "more than {:.0}% of its lines start with a bullet",
            q.max_bullet_line_ratio * 100.0
        ),
        ("quality", "EllipsisLines") => {
            format!("more than {:.0}% of its lines end in ‘…’", q.max_ellipsis_line_ratio * 100.0)
        }
        ("quality", "NonAlphaWords") => format!(
            "fewer than {:.0}% of its words contain a letter",
            q.min_alpha_word_ratio * 100.0
        ),
        ("quality", "NoStopWords") => format!(
            "fewer than {} of the words “the, be, to, of, and, that, have, with”",
            q.min_stop_words
        ),
        ("quality", "DuplicateLines") => format!(
            "more than {:.0}% of its lines repeat another line",
            q.max_dup_line_ratio * 100.0
        ),
        ("quality", "DuplicateLineChars") => format!(
            "repeated lines hold more than {:.0}% of its characters",
            q.max_dup_line_char_ratio * 100.0
        ),
        ("quality", "TopNgram") => "one short phrase takes up too much of the text".into(),
        ("quality", "DuplicateNgrams") => "too much of the text is repeated phrases".into(),
        ("minhash", _) => match duplicate_of {
            Some(original) => format!("a near-duplicate of “{}”, which was kept", title(original)),
            None => "a near-duplicate of a document that was kept".into(),
        },
        (_, "emails") => "email addresses masked".into(),
        (_, "ips") => "IP addresses masked".into(),
        (_, "phones") => "phone numbers masked".into(),
        (_, "cards") => "card numbers masked".into(),
        (_, other) => other.to_string(),
    }
}

fn first_chars(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The engine worker's verdicts on `samples` (one per sample, in order), ready to show.
pub fn read(
    samples: Vec<Sample>,
    verdicts: Vec<tumbler_model::data::Verdict>,
    report: PipelineReport,
) -> SampleRun {
    let name_of = |id: &str| samples.iter().find(|s| s.id == id).map(|s| s.name.clone());
    let verdicts = samples
        .iter()
        .zip(verdicts)
        .map(|(s, v)| {
            // The stage keys the chapter knows; the figure highlights by them.
            let dropped_at = v
                .dropped_at
                .as_deref()
                .map(|d| STAGE_NAMES.iter().find(|(k, _)| *k == d).map_or("other", |(k, _)| *k));
            let duplicate_of = v.duplicate_of.as_deref().and_then(name_of);
            let (explanation, shown_text, pii) = match (dropped_at, &v.reason) {
                (Some(stage), Some(reason)) => (
                    explain(stage, reason, duplicate_of.as_deref(), MIN_ENGLISH),
                    s.text.clone(),
                    Vec::new(),
                ),
                _ => {
                    let pii: Vec<(&'static str, usize)> = [
                        ("email addresses", v.pii.emails),
                        ("phone numbers", v.pii.phones),
                        ("IP addresses", v.pii.ips),
                        ("card numbers", v.pii.cards),
                    ]
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .collect();
                    ("passed every stage".to_string(), v.text.unwrap_or_default(), pii)
                }
            };
            Verdict {
                sample: s.clone(),
                dropped_at,
                reason: v.reason,
                explanation,
                shown_text,
                pii,
            }
        })
        .collect();
    SampleRun { verdicts, report }
}

/// Runs the pipeline over `samples` in the engine worker (the filters take about half a second:
/// too long for the page's thread).
fn run_in_worker(samples: Vec<Sample>, result: RwSignal<Option<Result<(SampleRun, f64), String>>>) {
    let documents = samples.iter().map(Sample::document).collect();
    // Needs no model: asked as soon as the worker listens, even while the model loads.
    let run = engine::ask::<PipelineRun>(Query::Pipeline { documents });
    leptos::task::spawn_local(async move {
        let answer = match run.await {
            Ok(PipelineRun { verdicts, report, millis }) => {
                Ok((read(samples, verdicts, report), millis))
            }
            Err(message) => Err(format!("the engine could not run the filters: {message}")),
        };
        result.try_set(Some(answer));
    });
}

async fn load_samples(loaded: RwSignal<(usize, usize)>) -> Result<Vec<Sample>, String> {
    let names: Vec<String> = fetch::json(&format!("{SAMPLES_DIR}index.json")).await?;
    loaded.try_set((0, names.len()));
    let mut samples = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        // Names come from our own index; anything else would not be a sample file.
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("the sample index names an odd file: {name:?}"));
        }
        samples.push(fetch::json(&format!("{SAMPLES_DIR}{name}.json")).await?);
        loaded.try_set((i + 1, names.len()));
    }
    Ok(samples)
}

fn mb(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} KB", bytes as f64 / 1e3)
    }
}

/// The most reasons a stage table lists one by one; the rest are counted on one line.
const REASONS_LISTED: usize = 4;

/// A stage's reasons in words with their counts, most frequent first, one line each: "it is in
/// X, not English" for every language is one line, "in another language", naming the three most
/// frequent (a stage's 20 languages read as a run-on log); past [`REASONS_LISTED`], one line
/// counts the rest.
fn reason_lines(stage: &str, reasons: &BTreeMap<String, usize>) -> Vec<String> {
    let mut languages: Vec<(&str, usize)> = Vec::new();
    let mut lines: Vec<(String, usize)> = Vec::new();
    for (r, &n) in reasons.iter().filter(|(_, n)| **n > 0) {
        if stage == "language" && r != "und" && r != "en" {
            languages.push((r, n));
        } else {
            lines.push((explain(stage, r, None, MIN_ENGLISH), n));
        }
    }
    if !languages.is_empty() {
        languages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let total = languages.iter().map(|l| l.1).sum();
        let named = languages
            .iter()
            .take(3)
            .map(|(code, n)| {
                format!("{}\u{a0}{}", language_name(code), group_thousands(*n as i128))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let more = if languages.len() > 3 { ",\u{a0}…" } else { "" };
        lines.push((format!("it is in another language ({named}{more})"), total));
    }
    lines.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rest: usize = lines.iter().skip(REASONS_LISTED).map(|l| l.1).sum();
    let others = lines.len().saturating_sub(REASONS_LISTED);
    let mut out: Vec<String> = lines
        .iter()
        .take(REASONS_LISTED)
        .map(|(why, n)| format!("{why}:\u{a0}{}", group_thousands(*n as i128)))
        .collect();
    if others > 0 {
        let noun = if others == 1 { "reason" } else { "reasons" };
        out.push(format!("{others} other {noun}:\u{a0}{}", group_thousands(rest as i128)));
    }
    out
}

/// A stage table: documents and bytes in and out, and why documents went.
#[component]
fn StageTable(stages: Vec<StageReport>, caption: &'static str) -> impl IntoView {
    view! {
        <table class="data-table stage-table stack">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"Documents in\u{a0}→\u{a0}out"</th>
                    <th scope="col">"Text in\u{a0}→\u{a0}out"</th>
                    <th scope="col">"Dropped (or replaced) for"</th>
                </tr>
            </thead>
            <tbody>
                {stages
                    .into_iter()
                    .map(|s| {
                        let reasons = reason_lines(&s.stage, &s.reasons);
                        let reasons = if reasons.is_empty() {
                            view! { "—" }.into_any()
                        } else {
                            view! { <ul class="reasons">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> }.into_any()
                        };
                        view! {
                            <tr data-stage=s.stage.clone() data-docs-in=s.docs_in data-docs-out=s.docs_out>
                                <th scope="row">{stage_title(&s.stage).to_string()}</th>
                                <td class="num" data-label="Documents in\u{a0}→\u{a0}out">{format!("{} → {}", group_thousands(s.docs_in as i128), group_thousands(s.docs_out as i128))}</td>
                                <td class="num" data-label="Text in\u{a0}→\u{a0}out">{format!("{} → {}", mb(s.bytes_in), mb(s.bytes_out))}</td>
                                <td class="small" data-label="Dropped (or replaced) for">{reasons}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A sample's name as a reader's title ("spam-bad-url" is a file's name): the twelve samples of
/// `public/samples/` by what they are, any other with its dashes as spaces.
fn title(name: &str) -> String {
    let known = match name {
        "austen" => "A Jane Austen novel",
        "bible" => "The Bible (World English)",
        "email-original" => "An e-mail to a mailing list",
        "email-near-duplicate" => "The same e-mail, a few words changed",
        "email-with-pii" => "An e-mail with personal data",
        "fortunes-english-short" => "A very short English quip",
        "fortunes-german" => "A German anecdote",
        "handbook-french" => "A page of a handbook, in French",
        "handbook-japanese" => "A page of a handbook, in Japanese",
        "spam-bad-url" => "Spam from a broken web address",
        "spam-low-quality" => "Spam full of symbols",
        "state-of-the-union" => "A State of the Union address",
        other => {
            let spaced = other.replace(['-', '_'], " ");
            let mut chars = spaced.chars();
            return chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
        }
    };
    known.to_owned()
}

/// One sample's row: its verdict, and its text on demand.
#[component]
fn SampleRow(verdict: Verdict, highlighted: Signal<Option<&'static str>>) -> impl IntoView {
    let Verdict { sample, dropped_at, reason, explanation, shown_text, pii } = verdict;
    let outcome = if dropped_at.is_some() { "dropped" } else { "kept" };
    let badge = match dropped_at {
        Some(stage) => format!("dropped at {}", stage_title(stage)),
        None => "kept".to_string(),
    };
    let pii_note = (!pii.is_empty()).then(|| {
        let list = pii.iter().map(|(kind, n)| format!("{n} {kind}")).collect::<Vec<_>>().join(", ");
        format!("Replaced before training: {list}.")
    });
    let bytes = sample.text.len();
    // `tumbler corpus` recorded its verdict on this very text; the browser must reach the same.
    let agrees =
        sample.expected_drop_stage.as_deref() == dropped_at && sample.expected_reason == reason;
    let disagreement = (!agrees).then(|| {
        format!(
            "The corpus run decided otherwise: {}.",
            match (&sample.expected_drop_stage, &sample.expected_reason) {
                (Some(stage), Some(r)) => format!("dropped at {} ({r})", stage_title(stage)),
                _ => "kept".to_string(),
            }
        )
    });
    let heading = if dropped_at.is_some() {
        "The document as it came in:"
    } else {
        "What training gets (text extracted, personal data masked):"
    };
    view! {
        <details
            class="sample"
            class:at-stage=move || dropped_at.is_some() && highlighted.get() == dropped_at
            data-sample=sample.name.clone()
            data-outcome=outcome
            data-stage=dropped_at.unwrap_or("")
            data-reason=reason.unwrap_or_default()
            data-agrees=agrees.to_string()
        >
            <summary>
                <span class="sample-name">{title(&sample.name)}</span>
                <span class=format!("badge {outcome}")>{badge}</span>
                <span class="small">{explanation}</span>
            </summary>
            <p class="small muted">
                {format!("From {}\u{a0}· licence: {}\u{a0}· {}", sample.package, sample.licence, mb(bytes))}
            </p>
            {disagreement.map(|n| view! { <p class="error">{n}</p> })}
            {pii_note.map(|n| view! { <p class="small">{n}</p> })}
            <p class="small muted">{heading}</p>
            <pre class="sample-text">{first_chars(&shown_text, SHOWN_CHARS)}</pre>
        </details>
    }
}

/// The samples run live, and the full run's report.
#[component]
pub fn LivePipeline(stage: RwSignal<usize>) -> impl IntoView {
    let loaded = RwSignal::new((0usize, 0usize));
    let run_result = RwSignal::new(None::<Result<(SampleRun, f64), String>>);
    let corpus = RwSignal::new(None::<Result<PipelineReport, String>>);
    let scale = RwSignal::new(None::<Scale>);
    leptos::task::spawn_local(async move {
        match load_samples(loaded).await {
            Ok(samples) => run_in_worker(samples, run_result),
            Err(e) => {
                run_result.try_set(Some(Err(e)));
            }
        }
    });
    leptos::task::spawn_local(async move {
        let report = fetch::json::<serde_json::Value>(REPORT_URL).await;
        let card = fetch::json::<serde_json::Value>(CARD_URL).await;
        if let (Ok(report), Ok(card)) = (&report, &card) {
            scale.try_set(Scale::of(report, card));
        }
        corpus.try_set(Some(
            report.and_then(|r| {
                serde_json::from_value::<PipelineReport>(r).map_err(|e| e.to_string())
            }),
        ));
    });
    // The figure's stage 0 is Common Crawl and 7 the result; 1..=6 are the filters.
    let highlighted = Signal::derive(move || {
        stage.get().checked_sub(1).and_then(|i| STAGE_NAMES.get(i)).map(|(k, _)| *k)
    });
    view! {
        <div class="panel live-pipeline" data-live-pipeline="">
            <h2>"The pipeline, run in your browser"</h2>
            <p>
                "A dozen real documents from the sources the Tumbler was trained on — web pages in \
                 French and Japanese, German fortunes, spam, e-mails with addresses in them, a copy \
                 of another e-mail, scripture, a novel, a speech — go through the same filters that \
                 built its corpus, here, now. Open a document to read it. Stepping through the \
                 stages above marks the documents each one removes."
            </p>
            // The live-panel contract (tests/e2e/README.md): this panel needs no model, so it is
            // `working` until the filters answer, not `loading`.
            <div class="live-body" data-live-state=move || run_result.with(|r| match r {
                None => "working",
                Some(Ok(_)) => "result",
                Some(Err(_)) => "error",
            })>
            {move || match run_result.get() {
                None => {
                    let (done, all) = loaded.get();
                    view! {
                        <p class="muted" role="status">
                            {if all == 0 {
                                "Loading the sample documents…".to_string()
                            } else if done == all {
                                format!("Running the filters over the {all} documents…")
                            } else {
                                format!("Loading the sample documents… {done} of {all}")
                            }}
                        </p>
                    }
                        .into_any()
                }
                Some(Err(e)) => view! {
                    <p class="error" role="status">"The sample documents could not be loaded: " {e}</p>
                }
                    .into_any(),
                Some(Ok((run, millis))) => {
                    let kept = run.verdicts.iter().filter(|v| v.dropped_at.is_none()).count();
                    let total = run.verdicts.len();
                    view! {
                        <p class="result" data-sample-run-ms=format!("{millis:.1}")>
                            {format!("{kept} of {total} documents survive; the filters took {millis:.0}\u{a0}ms in your browser (in the engine's worker, off the page's thread).")}
                        </p>
                        <div class="samples">
                            {run
                                .verdicts
                                .into_iter()
                                .map(|v| view! { <SampleRow verdict=v highlighted=highlighted/> })
                                .collect_view()}
                        </div>
                        <StageTable stages=run.report.stages caption="These documents, stage by stage"/>
                    }
                        .into_any()
                }
            }}
            </div>
        </div>
        <div class="panel corpus-report" data-corpus-report="">
            <h2>"The Tumbler's corpus, stage by stage"</h2>
            <p>
                "The same code over every document of the Tumbler's sources, as its report recorded \
                 it. The shape is FineWeb's: most text goes."
            </p>
            <Reproduce command="tumbler corpus" gives="builds the corpus and writes this report"/>
            {move || scale.get().map(|s| view! {
                <p data-fineweb-ratio=format!("{:.0}", s.fineweb_ratio())>
                    {format!(
                        "Its training text is {:.1} MB, about {:.1} million tokens at {:.2} bytes of \
                         text a token (its tokenizer on the held‑out text, from the model card). \
                         FineWeb holds about 15\u{a0}trillion tokens, some {} times more (counted with \
                         GPT-2's larger vocabulary, whose tokens are longer, so the ratio is only \
                         its order of magnitude).",
                        s.train_bytes / 1e6,
                        s.tokens() / 1e6,
                        s.bytes_per_token,
                        round_figure(s.fineweb_ratio())
                    )}
                </p>
            })}
            {move || match corpus.get() {
                None => view! { <p class="muted">"Loading the corpus report…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="status">"The corpus report could not be loaded: " {e}</p>
                }
                    .into_any(),
                Some(Ok(report)) => {
                    let first = report.stages.first().map(|s| (s.docs_in, s.bytes_in));
                    let last = report.stages.last().map(|s| (s.docs_out, s.bytes_out));
                    let summary = first.zip(last).map(|((d0, b0), (d1, b1))| {
                        format!(
                            "{} documents ({}) in, {} ({}) out: {:.0}%\u{a0}of the text is\u{a0}kept.",
                            group_thousands(d0 as i128),
                            mb(b0),
                            group_thousands(d1 as i128),
                            mb(b1),
                            100.0 * b1 as f64 / b0.max(1) as f64
                        )
                    });
                    view! {
                        <p class="result">{summary}</p>
                        <StageTable stages=report.stages caption="All sources, stage by stage"/>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// `x` to two significant figures, written out ("1,000,000").
fn round_figure(x: f64) -> String {
    if !x.is_finite() || x < 1.0 {
        return format!("{x:.1}");
    }
    let step = 10f64.powi(x.log10().floor() as i32 - 1);
    group_thousands(((x / step).round() * step) as i128)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Reason counts as `stage:reason`.
    fn reason_counts(report: &PipelineReport) -> BTreeMap<String, usize> {
        report
            .stages
            .iter()
            .flat_map(|s| s.reasons.iter().map(move |(r, n)| (format!("{}:{r}", s.stage), *n)))
            .collect()
    }

    #[test]
    fn every_sample_has_a_readers_title() {
        for s in samples() {
            let t = title(&s.name);
            assert!(!t.contains('-') || t.contains("e-mail"), "{}: {t}", s.name);
            assert_ne!(
                t.to_lowercase(),
                s.name.replace('-', " "),
                "{} has only its file name",
                s.name
            );
        }
        assert_eq!(title("new-sample_file"), "New sample file");
    }

    fn samples() -> Vec<Sample> {
        let dir = tumbler_model::repo_file("public/samples");
        let index: Vec<String> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap())
                .unwrap();
        index
            .iter()
            .map(|n| {
                serde_json::from_str(
                    &std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap(),
                )
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn the_page_run_gives_the_corpus_runs_verdicts() {
        let samples = samples();
        assert!(samples.len() >= 10, "a dozen samples ship");
        let documents = samples.iter().map(Sample::document).collect();
        let (verdicts, report) = tumbler_model::data::Pipeline::default().verdicts(documents);
        let run = read(samples, verdicts, report);
        for v in &run.verdicts {
            assert_eq!(v.dropped_at, v.sample.expected_drop_stage.as_deref(), "{}", v.sample.name);
            assert_eq!(v.reason, v.sample.expected_reason, "{}", v.sample.name);
            assert!(!v.explanation.is_empty());
        }
        // Every kind of stage removes something, and something survives.
        for stage in ["url", "language", "quality", "minhash"] {
            assert!(run.verdicts.iter().any(|v| v.dropped_at == Some(stage)), "{stage}");
        }
        let kept: Vec<&Verdict> = run.verdicts.iter().filter(|v| v.dropped_at.is_none()).collect();
        assert!(kept.len() >= 3);
        // The e-mail with personal data survives with it masked.
        let pii = kept.iter().find(|v| v.sample.name == "email-with-pii").unwrap();
        assert!(pii.pii.iter().map(|(_, n)| n).sum::<usize>() >= 2);
        assert!(pii.shown_text.contains("<email>") || pii.shown_text.contains("<phone>"));
        let counts = reason_counts(&run.report);
        assert_eq!(counts.get("minhash:NearDuplicate"), Some(&1));
    }

    #[test]
    fn reasons_read_as_words_with_their_thresholds() {
        assert_eq!(explain("language", "fr", None, 0.5), "it is in French, not English");
        assert_eq!(explain("quality", "TooFewWords", None, 0.5), "fewer than 50 words");
        assert!(explain("quality", "SymbolRatio", None, 0.5).contains("0.1"));
        assert!(
            explain("minhash", "NearDuplicate", Some("email-original"), 0.5)
                .contains("“An e-mail to a mailing list”")
        );
        assert_eq!(explain("url", "Whatever", None, 0.5), "Whatever");
    }

    #[test]
    fn a_stage_lists_its_main_reasons_and_counts_the_rest() {
        let reasons: BTreeMap<String, usize> =
            [("fr", 5), ("de", 9), ("es", 2), ("it", 1), ("und", 4), ("en", 3)]
                .into_iter()
                .map(|(r, n)| (r.to_string(), n))
                .collect();
        let lines = reason_lines("language", &reasons);
        assert_eq!(
            lines[0],
            "it is in another language (German\u{a0}9, French\u{a0}5, Spanish\u{a0}2,\u{a0}…):\u{a0}17",
            "{lines:?}"
        );
        assert_eq!(lines.len(), 3, "{lines:?}");
        let quality: BTreeMap<String, usize> =
            ["TooFewWords", "TooManyWords", "MeanWordLength", "SymbolRatio", "BulletLines", "X"]
                .into_iter()
                .enumerate()
                .map(|(i, r)| (r.to_string(), 10 - i))
                .collect();
        let lines = reason_lines("quality", &quality);
        assert_eq!(lines.len(), REASONS_LISTED + 1);
        assert_eq!(lines[REASONS_LISTED], "2 other reasons:\u{a0}11");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(first_chars("日本語です", 2), "日本…");
        assert_eq!(first_chars("abc", 5), "abc");
    }

    /// The shipped report and card: the Tumbler's corpus against FineWeb's 15T tokens.
    #[test]
    fn the_corpus_scale_comes_from_the_report_and_the_card() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public/model");
        let read = |f: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(root.join(f)).unwrap()).unwrap()
        };
        let s = Scale::of(&read("pipeline_report.json"), &read("card.json")).unwrap();
        assert!((2.0..5.0).contains(&s.bytes_per_token), "{s:?}");
        assert!((1e5..1e8).contains(&s.fineweb_ratio()), "{s:?}");
        assert_eq!(round_figure(1_034_567.0), "1,000,000");
        assert_eq!(round_figure(987_654.0), "990,000");
        assert_eq!(round_figure(12.3), "12");
    }
}
