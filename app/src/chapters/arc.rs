//! The evolutionary arc: pre-training, fine-tuning and reinforcement learning side by side.

use leptos::prelude::*;

use crate::widgets::{Flow, FlowStep, Stepper};

mod hero;
mod record;

const PHASES: &[FlowStep] = &[
    FlowStep { title: "1 · Pre-training", detail: "base model" },
    FlowStep { title: "2 · Fine-tuning", detail: "SFT assistant" },
    FlowStep { title: "3 · Reinforcement", detail: "RL reasoner" },
];

/// (metaphor, data, result) per phase.
const ROWS: [(&str, &str, &str); 3] = [
    (
        "Reading every book in the library.",
        "About 15\u{a0}trillion tokens of filtered web text.",
        "A document simulator: it continues any text the way the internet would.",
    ),
    (
        "Studying worked examples from a tutor.",
        "Example conversations, from about ten thousand upward, written or checked by people.",
        "An assistant that answers in the style of the examples it imitated.",
    ),
    (
        "Solving practice problems and checking the answers.",
        "Maths, code and logic problems whose answers can be verified automatically.",
        "A model that finds its own strategies, including ones no example showed it.",
    ),
];

/// The comparison table's column headers, one per phase (also each cell's label when the table
/// stacks on a phone).
const COLUMNS: [&str; 3] = ["Pre-training", "Fine-tuning (SFT)", "Reinforcement learning"];

/// One row of the comparison table: the field `pick` takes from each phase, labelled by its phase.
fn cells(pick: fn(&(&'static str, &'static str, &'static str)) -> &'static str) -> impl IntoView {
    COLUMNS
        .iter()
        .zip(ROWS.iter())
        .map(|(c, r)| view! { <td data-label=*c>{pick(r)}</td> })
        .collect_view()
}

/// The body of the `arc` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let phase = RwSignal::new(0usize);
    view! {
        <hero::Hero/>
        <p>
            "ChatGPT and its peers are not built in one go. The same network is trained three \
             times, on three kinds of data, and each phase changes what it is."
        </p>
        <div class="panel">
            <Flow steps=PHASES active=Signal::derive(move || Some(phase.get())) per_row=3 label="The three phases of training a chatbot"/>
            <Stepper count=3 current=phase label="Phases"/>
            {move || {
                let (metaphor, data, result) = ROWS[phase.get()];
                view! {
                    <dl class="phase-card" aria-live="polite">
                        <dt>"Like"</dt><dd>{metaphor}</dd>
                        <dt>"Data"</dt><dd>{data}</dd>
                        <dt>"Result"</dt><dd>{result}</dd>
                    </dl>
                }
            }}
        </div>
        <table class="numbers arc-table stack">
            <thead><tr><th scope="col"></th>{COLUMNS.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
            <tbody>
                <tr><th scope="row">"Like"</th>{cells(|r| r.0)}</tr>
                <tr><th scope="row">"Data"</th>{cells(|r| r.1)}</tr>
                <tr><th scope="row">"Result"</th>{cells(|r| r.2)}</tr>
            </tbody>
        </table>
        <p>
            "Almost all the knowledge comes from the first phase, which costs the most by far. The \
             second teaches the format and manners of a conversation. The third sharpens reasoning \
             where answers can be checked. The chapters follow that order."
        </p>
        <record::TumblerArc/>
    }
}
