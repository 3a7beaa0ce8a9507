//! Building the internet document simulator: the FineWeb pipeline.

use leptos::prelude::*;

use crate::widgets::{Flow, FlowStep, Stepper};

mod live;

const STAGES: &[FlowStep] = &[
    FlowStep { title: "Common Crawl", detail: "billions of raw web pages" },
    FlowStep { title: "URL filter", detail: "blocklists: adult, spam" },
    FlowStep { title: "Text extraction", detail: "strip HTML, menus, code" },
    FlowStep { title: "Language filter", detail: "keep English ≥\u{a0}0.65" },
    FlowStep { title: "Gopher rules", detail: "quality heuristics" },
    FlowStep { title: "MinHash dedup", detail: "drop near-duplicates" },
    FlowStep { title: "PII removal", detail: "mask emails and IPs" },
    FlowStep { title: "FineWeb", detail: "15T tokens, ~44\u{a0}TB" },
];

const WHY: [&str; 8] = [
    "Common Crawl has archived the public web since 2007; FineWeb started from 96 of its snapshots. Raw pages are mostly markup, boilerplate and junk.",
    "Whole sites are dropped by address: lists of adult, malware and spam domains, and words in the URL that give such sites away.",
    "The readable text is pulled out of the HTML; navigation, scripts and styling are thrown away.",
    "A fast classifier (fastText) guesses each document's language; FineWeb keeps pages it scores as English with confidence at least 0.65.",
    "Rules from DeepMind's Gopher work remove low-quality text: too short or too long words, too many symbols, lines that are mostly bullets or ellipses, repeated lines and paragraphs.",
    "MinHash finds documents that share most of their word sequences, so the same article copied across a thousand sites counts once.",
    "Email addresses and public IP addresses are replaced with placeholders, so the model does not learn to recite them.",
    "What remains is about 15\u{a0}trillion tokens. The result is no assistant: trained on it, a model becomes a compressed statistical copy of the filtered web that continues text.",
];

/// The body of the `pretraining-data` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let stage = RwSignal::new(0usize);
    view! {
        <p>
            "Pre-training starts by downloading a large part of the public web and cleaning it. \
             Hugging Face's " <strong>"FineWeb"</strong> " is a well-documented example: starting \
             from Common Crawl, a pipeline of filters leaves about 15\u{a0}trillion tokens of English text, \
             published as some 44\u{a0}TB of files. Those are compressed Parquet files that also carry \
             each document's address, date and scores, so 44\u{a0}TB is not the size of the text, and \
             dividing it by the tokens says nothing about how long a token is."
        </p>
        <div class="panel">
            <h2>"The pipeline, stage by stage"</h2>
            <Flow steps=STAGES active=Signal::derive(move || Some(stage.get())) per_row=4 label="The FineWeb pipeline"/>
            <Stepper count=STAGES.len() current=stage label="Pipeline stages"/>
            <p class="stage-why" aria-live="polite">
                <strong>{move || STAGES[stage.get()].title}": "</strong>{move || WHY[stage.get()]}
            </p>
        </div>
        <live::LivePipeline stage=stage/>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "a base model such as Llama 3 405B Base is not an assistant. It is a lossy compression of \
             this text, and all it can do is continue patterns like the ones it saw."
        </div>
        <p>
            "Read more in the " <a href="https://huggingface.co/spaces/HuggingFaceFW/blogpost-fineweb-v1" rel="noopener">"FineWeb write-up"</a> "."
        </p>
    }
}
