//! Constitutional AI & RLAIF.

use leptos::prelude::*;

use crate::widgets::FlowStep;
use crate::widgets::walkthrough::Walkthrough;

const LOOP: &[FlowStep] = &[
    FlowStep { title: "1 · Generate", detail: "the model drafts a reply" },
    FlowStep { title: "2 · Read rules", detail: "a principle from the constitution" },
    FlowStep { title: "3 · Critique", detail: "“this breaks principle 4”" },
    FlowStep { title: "4 · Revise", detail: "the model rewrites its reply" },
    FlowStep { title: "5 · Train", detail: "on the pair: draft < revision" },
];

const EXPLAIN: &[&str] = &[
    "The model answers a prompt as it is now, possibly badly: evasive, preachy, or harmful.",
    "A principle is drawn from a short written list, such as “choose the response that is most \
     honest and least harmful”.",
    "The model itself, or a second model, is asked to point out how the draft falls short of that \
     principle.",
    "The model rewrites the draft in the light of its own critique.",
    "The revision becomes a fine-tuning target, and AI-judged comparisons between replies become \
     preference data for a reward model or DPO: reinforcement learning from AI feedback. The loop \
     starts again with a slightly better model.",
];

/// The body of the `constitutional` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Preference training needs a great many judgments (Meta collected over a million "
            "human comparisons for Llama 2), and people are slow and expensive judges. Anthropic's answer (Bai et\u{a0}al., 2022) was to write the values down, as a "
            "“constitution” of plain-English principles, and let a model do the judging against it. "
            "Using AI judgments in place of human labels is called RLAIF: reinforcement learning "
            "from AI feedback."
        </p>
        <Walkthrough steps=LOOP explain=EXPLAIN looped=true label="The self-critique loop"/>
        <div class="cai-grid">
            <section class="panel">
                <h2>"The wins"</h2>
                <ul>
                    <li>"Scales without armies of labellers."</li>
                    <li>"The values are readable text that anyone can audit."</li>
                    <li>"Changing behaviour means editing the text, not relabelling a dataset."</li>
                    <li>"Much of Claude's behaviour was shaped this way."</li>
                </ul>
            </section>
            <section class="panel">
                <h2>"The risks"</h2>
                <ul>
                    <li>"A biased judge passes its bias to the model it trains."</li>
                    <li>"Sycophancy: the model learns to please the judge, not to be right."</li>
                    <li>"A small team writes the principles. Whose values are they?"</li>
                    <li>"Slow drift across rounds is hard to notice."</li>
                </ul>
            </section>
        </div>
        <div class="callout">
            <strong>"The trade-off. "</strong>
            "RLAIF is how alignment scales past what people can label, but it changes the question "
            "from “what do people prefer?” to “what does our judging model think people should "
            "prefer?”"
        </div>
    }
}
