//! The stages in FineWeb's order, with documents and bytes counted in and out of each.

use super::pii::PiiCounts;
// Running the stages needs the PII patterns' regex engine (the `regex` feature): the engine
// worker, built without it, has the types; the corpus pipeline runs in the CLI, the page's tests
// and the pipeline worker.
#[cfg(feature = "regex")]
use super::{
    html::extract_text,
    lang::LangId,
    minhash::{MinHashConfig, MinHasher},
    pii::PiiScrubber,
    quality::{self, QualityConfig},
    url_filter::{self, UrlVerdict},
};

/// One raw document.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Unique within the run (source path, message number, …).
    pub id: String,
    /// Which registry package it came from.
    pub source: String,
    /// Where it claims to come from, if anywhere; checked by the URL filter.
    pub url: Option<String>,
    /// Whether `text` is HTML that still needs extracting.
    pub html: bool,
    pub text: String,
}

/// Counts for one stage.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageReport {
    pub stage: String,
    pub docs_in: usize,
    pub docs_out: usize,
    pub bytes_in: usize,
    pub bytes_out: usize,
    /// Why documents were dropped (or, for PII, what was replaced), reason → count.
    pub reasons: std::collections::BTreeMap<String, usize>,
}

/// What the whole run did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PipelineReport {
    pub stages: Vec<StageReport>,
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub id: String,
    /// The stage that dropped it, or `None` if it made it through.
    pub dropped_at: Option<&'static str>,
    pub reason: Option<String>,
    /// For near-duplicates, the document that was kept in their place.
    pub duplicate_of: Option<String>,
}

/// What the pipeline made of one document, as plain data (the page's engine worker sends it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub id: String,
    /// The stage that dropped it, or `None` if it made it through.
    pub dropped_at: Option<String>,
    pub reason: Option<String>,
    /// For near-duplicates, the document that was kept in their place.
    pub duplicate_of: Option<String>,
    /// A kept document's text as training sees it (extracted, personal data masked).
    pub text: Option<String>,
    /// What the PII stage masked in a kept document.
    pub pii: PiiCounts,
}

/// The least confidence in English the language filter accepts by default.
pub const MIN_ENGLISH: f32 = 0.5;

/// The configured stages.
#[cfg(feature = "regex")]
#[derive(Debug)]
pub struct Pipeline {
    pub quality: QualityConfig,
    /// Least confidence the language identifier must have that a document is English.
    pub min_english: f32,
    lang: LangId,
    minhash: MinHasher,
    pii: PiiScrubber,
}

#[cfg(feature = "regex")]
impl Default for Pipeline {
    fn default() -> Self {
        Self::new(QualityConfig::default(), MinHashConfig::default())
    }
}

#[cfg(feature = "regex")]
struct Stage<'a> {
    report: StageReport,
    outcomes: &'a mut Vec<Outcome>,
}

#[cfg(feature = "regex")]
impl Stage<'_> {
    fn drop_doc(&mut self, stage: &'static str, doc: &Document, reason: String) {
        *self.report.reasons.entry(reason.clone()).or_default() += 1;
        self.outcomes.push(Outcome {
            id: doc.id.clone(),
            dropped_at: Some(stage),
            reason: Some(reason),
            duplicate_of: None,
        });
    }
}

#[cfg(feature = "regex")]
impl Pipeline {
    pub fn new(quality: QualityConfig, minhash: MinHashConfig) -> Self {
        Self {
            quality,
            min_english: MIN_ENGLISH,
            lang: LangId::new(),
            minhash: MinHasher::new(minhash),
            pii: PiiScrubber::new(),
        }
    }

    /// Runs every stage over `docs`; returns the survivors, the report and one outcome per input.
    pub fn run(&self, docs: Vec<Document>) -> (Vec<Document>, PipelineReport, Vec<Outcome>) {
        let mut report = PipelineReport::default();
        let mut outcomes = Vec::new();

        let docs = self.filter_stage("url", docs, &mut report, &mut outcomes, |d| match &d.url {
            Some(u) => match url_filter::check(u) {
                UrlVerdict::Keep => Ok(()),
                v => Err(format!("{v:?}")),
            },
            None => Ok(()),
        });

        let docs = self.map_stage("html", docs, &mut report, |mut d| {
            if d.html {
                d.text = extract_text(&d.text);
                d.html = false;
            }
            d
        });

        let docs = self.filter_stage("language", docs, &mut report, &mut outcomes, |d| {
            let g = self.lang.identify(&d.text);
            if g.lang == "en" && g.confidence >= self.min_english {
                Ok(())
            } else {
                Err(g.lang.to_string())
            }
        });

        let docs = self.filter_stage("quality", docs, &mut report, &mut outcomes, |d| {
            quality::check(&d.text, &self.quality).map_err(|e| format!("{e:?}"))
        });

        let docs = self.dedup_stage(docs, &mut report, &mut outcomes);

        let mut totals = PiiCounts::default();
        let docs = self.map_stage("pii", docs, &mut report, |mut d| {
            let (text, n) = self.pii.scrub(&d.text);
            totals.add(&n);
            d.text = text;
            d
        });
        if let Some(last) = report.stages.last_mut() {
            for (k, v) in [
                ("emails", totals.emails),
                ("phones", totals.phones),
                ("ips", totals.ips),
                ("cards", totals.cards),
            ] {
                last.reasons.insert(k.to_string(), v);
            }
        }
        outcomes.extend(docs.iter().map(|d| Outcome {
            id: d.id.clone(),
            dropped_at: None,
            reason: None,
            duplicate_of: None,
        }));
        (docs, report, outcomes)
    }

    /// [`Pipeline::run`] with one [`Verdict`] per input, in the inputs' order.
    pub fn verdicts(&self, docs: Vec<Document>) -> (Vec<Verdict>, PipelineReport) {
        let raw = docs.clone();
        let (kept, report, outcomes) = self.run(docs);
        let scrubber = PiiScrubber::new();
        let verdicts = raw
            .into_iter()
            .map(|d| {
                let outcome = outcomes.iter().find(|o| o.id == d.id);
                let dropped_at = outcome.and_then(|o| o.dropped_at).map(str::to_string);
                let text = kept.iter().find(|k| k.id == d.id).map(|k| k.text.clone());
                // Counted again on the unmasked text: the stage's report only has the totals.
                let pii = match (&dropped_at, &text) {
                    (None, Some(_)) => {
                        let plain = if d.html { extract_text(&d.text) } else { d.text.clone() };
                        scrubber.scrub(&plain).1
                    }
                    _ => PiiCounts::default(),
                };
                Verdict {
                    dropped_at,
                    reason: outcome.and_then(|o| o.reason.clone()),
                    duplicate_of: outcome.and_then(|o| o.duplicate_of.clone()),
                    text,
                    pii,
                    id: d.id,
                }
            })
            .collect();
        (verdicts, report)
    }

    fn filter_stage(
        &self,
        name: &'static str,
        docs: Vec<Document>,
        report: &mut PipelineReport,
        outcomes: &mut Vec<Outcome>,
        keep: impl Fn(&Document) -> Result<(), String>,
    ) -> Vec<Document> {
        let mut stage = Stage { report: start(name, &docs), outcomes };
        let kept: Vec<Document> = docs
            .into_iter()
            .filter(|d| match keep(d) {
                Ok(()) => true,
                Err(reason) => {
                    stage.drop_doc(name, d, reason);
                    false
                }
            })
            .collect();
        report.stages.push(finish(stage.report, &kept));
        kept
    }

    fn map_stage(
        &self,
        name: &'static str,
        docs: Vec<Document>,
        report: &mut PipelineReport,
        f: impl FnMut(Document) -> Document,
    ) -> Vec<Document> {
        let r = start(name, &docs);
        let out: Vec<Document> = docs.into_iter().map(f).collect();
        report.stages.push(finish(r, &out));
        out
    }

    fn dedup_stage(
        &self,
        docs: Vec<Document>,
        report: &mut PipelineReport,
        outcomes: &mut Vec<Outcome>,
    ) -> Vec<Document> {
        let mut stage = Stage { report: start("minhash", &docs), outcomes };
        let sigs: Vec<Vec<u64>> = docs.iter().map(|d| self.minhash.signature(&d.text)).collect();
        let roots = self.minhash.cluster(&sigs);
        let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
        let mut kept = Vec::with_capacity(docs.len());
        for (i, d) in docs.into_iter().enumerate() {
            if roots[i] == i {
                kept.push(d);
            } else {
                stage.drop_doc("minhash", &d, "NearDuplicate".to_string());
                if let Some(o) = stage.outcomes.last_mut() {
                    o.duplicate_of = Some(ids[roots[i]].clone());
                }
            }
        }
        report.stages.push(finish(stage.report, &kept));
        kept
    }
}

#[cfg(feature = "regex")]
fn start(name: &str, docs: &[Document]) -> StageReport {
    StageReport {
        stage: name.to_string(),
        docs_in: docs.len(),
        bytes_in: docs.iter().map(|d| d.text.len()).sum(),
        ..StageReport::default()
    }
}

#[cfg(feature = "regex")]
fn finish(mut r: StageReport, docs: &[Document]) -> StageReport {
    r.docs_out = docs.len();
    r.bytes_out = docs.iter().map(|d| d.text.len()).sum();
    r
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;

    fn doc(id: &str, url: Option<&str>, html: bool, text: &str) -> Document {
        Document {
            id: id.into(),
            source: "test".into(),
            url: url.map(Into::into),
            html,
            text: text.into(),
        }
    }

    const PROSE: &str = "It is a truth universally acknowledged, that a single man in possession of \
a good fortune, must be in want of a wife. However little known the feelings or views of such a \
man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the \
surrounding families, that he is considered the rightful property of some one or other of their \
daughters. Write to lizzy@longbourn.example.org for details.";

    #[test]
    fn each_stage_drops_its_documents() {
        let german = "Es ist eine allgemein anerkannte Wahrheit, dass ein Junggeselle im Besitz eines \
schönen Vermögens nichts dringender braucht als eine Frau. Wie wenig auch die Gefühle und Ansichten \
eines solchen Mannes bekannt sein mögen, wenn er sich in einer neuen Gegend niederlässt, diese \
Wahrheit ist in den Köpfen der ihn umgebenden Familien so fest verwurzelt, dass er als rechtmäßiges \
Eigentum der einen oder anderen ihrer Töchter angesehen wird.";
        let docs = vec![
            doc("keep", Some("https://example.org/austen"), false, PROSE),
            doc("spam-url", Some("http://win-prizes.xyz/"), false, PROSE),
            doc(
                "html",
                None,
                true,
                &format!(
                    "<html><script>x()</script><p>{}</p></html>",
                    PROSE.replace("lizzy", "jane")
                ),
            ),
            doc("german", None, false, german),
            doc("short", None, false, "The end, and that is all."),
            doc("dup", None, false, &PROSE.replace("Write to", "Please write to")),
        ];
        let (kept, report, outcomes) = Pipeline::default().run(docs);
        let dropped: Vec<(&str, Option<&str>)> =
            outcomes.iter().map(|o| (o.id.as_str(), o.dropped_at)).collect();
        assert!(dropped.contains(&("spam-url", Some("url"))));
        assert!(dropped.contains(&("german", Some("language"))));
        assert!(dropped.contains(&("short", Some("quality"))));
        assert!(dropped.contains(&("dup", Some("minhash"))));
        assert!(dropped.contains(&("html", Some("minhash"))));
        assert_eq!(kept.len(), 1);
        assert!(kept[0].text.ends_with("Write to <email> for details."));
        let names: Vec<&str> = report.stages.iter().map(|s| s.stage.as_str()).collect();
        assert_eq!(names, ["url", "html", "language", "quality", "minhash", "pii"]);
        assert_eq!(report.stages[0].docs_in, 6);
        assert_eq!(report.stages[5].docs_out, 1);
        assert_eq!(report.stages[5].reasons["emails"], 1);
    }

    #[test]
    fn verdicts_follow_the_inputs_with_the_kept_text_and_its_pii() {
        let docs = vec![
            doc("short", None, false, "The end, and that is all."),
            doc("keep", Some("https://example.org/austen"), false, PROSE),
        ];
        let (_, _, outcomes) = Pipeline::default().run(docs.clone());
        let (verdicts, report) = Pipeline::default().verdicts(docs);
        assert_eq!(report.stages.len(), 6);
        let ids: Vec<&str> = verdicts.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["short", "keep"]);
        let short = outcomes.iter().find(|o| o.id == "short").unwrap();
        assert_eq!(verdicts[0].dropped_at.as_deref(), short.dropped_at);
        assert_eq!(verdicts[0].reason, short.reason);
        assert_eq!(verdicts[0].text, None);
        assert_eq!(verdicts[1].dropped_at, None);
        assert!(verdicts[1].text.as_deref().unwrap().ends_with("Write to <email> for details."));
        assert_eq!(verdicts[1].pii.emails, 1);
    }
}
