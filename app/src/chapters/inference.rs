//! Inference: autoregressive generation, one token per step.

use leptos::prelude::*;

use crate::widgets::{Flow, FlowStep, Stepper};

const LOOP: &[FlowStep] = &[
    FlowStep { title: "Context", detail: "all tokens so far" },
    FlowStep { title: "Forward pass", detail: "one run of the network" },
    FlowStep { title: "Distribution", detail: "a probability per token" },
    FlowStep { title: "Sample", detail: "pick one token" },
    FlowStep { title: "Append", detail: "and go again" },
];

const SENTENCE: [&str; 7] = ["The", "cat", "sat", "on", "the", "mat", "."];
const PROMPT_LEN: usize = 4;

/// The body of the `inference` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let step = RwSignal::new(0usize);
    let steps = SENTENCE.len() - PROMPT_LEN + 1;
    view! {
        <p>
            "Once trained, the weights are fixed and the model is used to write. It cannot produce a \
             whole reply at once: it produces one token, appends it to the input, and runs again. \
             This is " <strong>"autoregressive"</strong> " generation, and it stops when the model emits \
             an end-of-text token or reaches a length limit."
        </p>
        <div class="panel">
            <Flow steps=LOOP active=Signal::derive(|| None) per_row=5 looped=true label="The generation loop"/>
            <h2>"Watch a sentence grow"</h2>
            <p class="gen-line" aria-live="polite" data-generated=move || SENTENCE[PROMPT_LEN..PROMPT_LEN + step.get()].join(" ")>
                {move || SENTENCE.iter().take(PROMPT_LEN + step.get()).enumerate().map(|(i, w)| {
                    let class = if i < PROMPT_LEN { "chip chip-prompt" } else if i + 1 == PROMPT_LEN + step.get() { "chip chip-new" } else { "chip chip-cached" };
                    view! { <span class=class>{*w}</span> }
                }).collect_view()}
            </p>
            <Stepper count=steps current=step label="Generation steps"/>
            <p class="small">"Words stand in for tokens here. Grey is the prompt; the highlighted token is the one just added, which becomes input for the next step."</p>
        </div>
        <h2>"Training versus inference"</h2>
        <table class="numbers">
            <thead><tr><th scope="col"></th><th scope="col">"Training"</th><th scope="col">"Inference"</th></tr></thead>
            <tbody>
                <tr><th scope="row">"Weights"</th><td>"change at every step"</td><td>"fixed"</td></tr>
                <tr><th scope="row">"Work"</th><td>"forward and backward passes over trillions of tokens"</td><td>"forward passes only, one per generated token"</td></tr>
                <tr><th scope="row">"Cost"</th><td>"paid once: thousands of GPUs for weeks or months"</td><td>"paid every time someone chats"</td></tr>
                <tr><th scope="row">"Parallelism"</th><td>"all positions of a sequence at once"</td><td>"one token after another (the prompt itself in one pass)"</td></tr>
            </tbody>
        </table>
        <p>
            "Because each step depends on the token chosen before it, generation is sequential, and \
             the KV cache is what keeps each step cheap."
        </p>
        <p class="note-live">
            "Live part not ready: step-by-step generation with the Tumbler's real distributions and a \
             small chat with its fine-tuned version need the in-page engine, which this build does not \
             include yet."
        </p>
    }
}
