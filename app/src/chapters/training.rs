//! Training: the five-step loop of next-token prediction.

mod next;
mod own;
mod record;
mod tiny;

use leptos::prelude::*;

use crate::widgets::{Flow, FlowStep, Stepper};

const LOOP: &[FlowStep] = &[
    FlowStep { title: "1 · Input tokens", detail: "The, cat, sat, on" },
    FlowStep { title: "2 · Predict", detail: "a probability per token" },
    FlowStep { title: "3 · Compare", detail: "with the real next token" },
    FlowStep { title: "4 · Loss", detail: "−log p(actual token)" },
    FlowStep { title: "5 · Update", detail: "backprop, nudge weights" },
];

const EXPLAIN: [&str; 5] = [
    "Take a window of text from the training data, already cut into tokens.",
    "Run the network forward. At every position it outputs a probability for each token in the vocabulary as the next one.",
    "The text itself holds the answer: the token that really comes next. No labelling is needed; this is why the web can be used as training data.",
    "Turn the mismatch into one number: the cross-entropy, minus the log of the probability given to the true token, averaged over all positions.",
    "Backpropagation gives each weight's share of the blame, and every weight moves a small step to lower the loss. Then the loop starts again on new text.",
];

/// The body of the `training` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let step = RwSignal::new(0usize);
    view! {
        <p>
            "Training a language model is one loop repeated an enormous number of times: show the \
             network some text, let it predict each next token, measure how wrong it was, and adjust \
             the weights to be a little less wrong."
        </p>
        <div class="panel">
            <h2>"The training loop"</h2>
            <Flow steps=LOOP active=Signal::derive(move || Some(step.get())) per_row=5 looped=true label="The training loop"/>
            <Stepper count=LOOP.len() current=step label="Training loop steps"/>
            <p class="stage-why" aria-live="polite">
                <strong>{move || LOOP[step.get()].title}": "</strong>{move || EXPLAIN[step.get()]}
            </p>
        </div>
        <p>
            "One window of T tokens gives T predictions at once, because a causal mask stops each \
             position from seeing the tokens after it. If the text says “mat” after “The cat sat on \
             the” and the model gave “mat” a high probability, the loss is small and the weights \
             barely move; if it bet on “roof”, the loss is large and the update is large."
        </p>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "nothing in the loop mentions grammar, facts or reasoning. They appear because they help \
             predict the next token."
        </div>
        <p>
            "Brendan Bycroft's " <a href="https://bbycroft.net/llm" rel="noopener">"3-D LLM visualisation"</a>
            " walks through the same computation inside a small GPT."
        </p>
        <next::LiveNext/>
        <tiny::TinyTraining/>
        <own::OwnTraining/>
        <record::TrainingRecord/>
    }
}
