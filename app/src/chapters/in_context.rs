//! In-Context Learning.

use leptos::prelude::*;

use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;

struct Task {
    name: &'static str,
    instruction: &'static str,
    examples: [(&'static str, &'static str); 5],
}

const TASKS: [Task; 3] = [
    Task {
        name: "English → French",
        instruction: "Translate to French:",
        examples: [
            ("cat", "chat"),
            ("dog", "chien"),
            ("house", "maison"),
            ("water", "eau"),
            ("book", "livre"),
        ],
    },
    Task {
        name: "Opposites",
        instruction: "Give the opposite:",
        examples: [
            ("hot", "cold"),
            ("up", "down"),
            ("early", "late"),
            ("full", "empty"),
            ("loud", "quiet"),
        ],
    },
    Task {
        name: "Reverse the letters",
        instruction: "Write the word backwards:",
        examples: [
            ("stop", "pots"),
            ("time", "emit"),
            ("draw", "ward"),
            ("lived", "devil"),
            ("parts", "strap"),
        ],
    },
];

fn shots_fmt(v: f64) -> String {
    match v as usize {
        0 => "0 (zero-shot)".into(),
        1 => "1 (one-shot)".into(),
        k => format!("{k} (few-shot)"),
    }
}

/// The prompt for `task` with the first `shots` examples and the query left open.
fn build(task: &Task, shots: usize, query: &str) -> String {
    let mut s = format!("{}\n", task.instruction);
    for (i, o) in task.examples.iter().take(shots) {
        s += &format!("{i} → {o}\n");
    }
    s + &format!("{} →", query.trim())
}

/// The body of the `in-context` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let task = number_param("task", 0.0, 0.0, (TASKS.len() - 1) as f64);
    let shots = number_param("shots", 3.0, 0.0, 5.0);
    let query = text_param("word", "tree");
    let prompt = move || build(&TASKS[task.get() as usize], shots.get() as usize, &query.get());
    view! {
        <p>
            "No training, no fine-tuning, no weights changed: just a few examples in the prompt, "
            "and a large model performs a task it was never specifically trained for. The "
            "“learning” happens inside a single forward pass."
        </p>
        <div class="panel">
            <pre class="icl-example">"Translate to French:\ncat → chat\ndog → chien\nhouse → maison\ntree →"</pre>
            <p>"A large model continues with “ arbre”. Three examples were enough to define the task."</p>
        </div>
        <div class="agents-kinds">
            <section class="panel"><h3>"Zero-shot"</h3><p>"Only the instruction. Works for tasks common in the training data."</p></section>
            <section class="panel"><h3>"One-shot"</h3><p>"One example, often a big step up for an unusual format."</p></section>
            <section class="panel"><h3>"Few-shot"</h3><p>"Three to ten examples. Gains level off quickly; past five or so, more can even hurt."</p></section>
        </div>
        <h2>"Build a few-shot prompt"</h2>
        <div class="panel icl-builder">
            <div class="fc-presets" role="group" aria-label="Task">
                {TASKS.iter().enumerate().map(|(i, t)| view! {
                    <button type="button" aria-pressed=move || ((task.get() as usize) == i).to_string()
                        on:click=move |_| task.set(i as f64)>{t.name}</button>
                }).collect_view()}
            </div>
            <Slider label="examples" value=shots min=0.0 max=5.0 step=1.0 format=shots_fmt/>
            <label for="icl-word">"New input"</label>
            <input id="icl-word" class="rag-input" type="text"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <h3>"The prompt"</h3>
            <pre class="rag-prompt" data-prompt=prompt>{prompt}</pre>
            <p class="note-live">
                "Running this prompt on the Tumbler comes with the engine, which is not in this "
                "build yet. Expect it to show the absence of in-context learning rather than its "
                "presence: the ability appeared only in models of roughly a billion parameters and "
                "up, and the Tumbler is far smaller. That is a result worth seeing, not a bug."
            </p>
        </div>
        <h2>"The mystery"</h2>
        <p>
            "Why does this work at all? One line of research finds that transformers can implement "
            "something like a step of gradient descent inside the forward pass, using attention "
            "to fit a tiny model to the examples on the fly. Another points to “induction heads”, "
            "attention heads that find an earlier occurrence of the current pattern and copy what "
            "followed it. Neither explains everything yet."
        </p>
        <div class="callout">
            <strong>"Practical move. "</strong>
            "Before fine-tuning a model for a custom task, try a few well-chosen examples in the "
            "prompt. It often gets most of the quality for none of the training cost."
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_have_the_asked_number_of_examples() {
        assert_eq!(build(&TASKS[0], 0, " tree "), "Translate to French:\ntree →");
        assert_eq!(
            build(&TASKS[0], 2, "tree"),
            "Translate to French:\ncat → chat\ndog → chien\ntree →"
        );
        assert_eq!(build(&TASKS[1], 5, "x").lines().count(), 7);
    }
}
