//! In-Context Learning.

use leptos::prelude::*;

use crate::engine::{self, EngineReady, GenerateOptions, Query, Shown, Stream};
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::attention_map::visible;
use tumbler_engine::GeneratedToken;

struct Task {
    name: &'static str,
    instruction: &'static str,
    examples: [(&'static str, &'static str); 5],
}

const TASKS: [Task; 3] = [
    Task {
        name: "English\u{a0}→ French",
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
            <p>"A large model continues with “␣arbre” (a space, then the word). Three examples were enough to define the task."</p>
        </div>
        <div class="agents-kinds">
            <section class="panel"><h3>"Zero-shot"</h3><p>"Only the instruction. Works for tasks common in the training data."</p></section>
            <section class="panel"><h3>"One-shot"</h3><p>"One example, often a big step up for an unusual format."</p></section>
            <section class="panel"><h3>"Few-shot"</h3><p>"A handful of examples. With long context windows, many-shot prompts of hundreds or \
                thousands of examples keep improving many tasks (Agarwal et\u{a0}al., 2024, “Many-Shot \
                In-Context Learning”), though the gains per example shrink."</p></section>
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
            <pre class="rag-prompt" tabindex="0" role="region" aria-label="The prompt" data-prompt=prompt>{prompt}</pre>
            <ShotSweep task=task query=query/>
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

/// Tokens the Tumbler may write per answer; the answer is its text up to the first line break.
const ANSWER_TOKENS: usize = 8;

/// The model's answer: what it wrote up to the end of the line, trimmed.
fn answer(generated: &str) -> String {
    generated.split('\n').next().unwrap_or("").trim().to_string()
}

/// The answer the examples imply, where the page can compute it (reversing letters).
fn expected(task: usize, query: &str) -> Option<String> {
    (task == 2).then(|| query.trim().chars().rev().collect())
}

/// One row of the sweep: examples shown, the Tumbler's answer, its first token and probability.
#[derive(Clone, Debug, PartialEq)]
struct Shot {
    shots: usize,
    answer: String,
    first: String,
    p: f32,
}

/// The same query with 0 to 5 examples, each run greedily on the Tumbler in turn.
#[component]
fn ShotSweep(task: RwSignal<f64>, query: RwSignal<String>) -> impl IntoView {
    let rows = RwSignal::new(Vec::<Shot>::new());
    let next = RwSignal::new(None::<usize>);
    let error = RwSignal::new(None::<String>);
    // The run in progress: it streams while its handle is kept (leaving the chapter stops it).
    let running = StoredValue::new(None::<Stream>);
    // Each finished run asks for the next number of examples until all are done.
    Effect::new(move |_| {
        let Some(shots) = next.get() else { return };
        let t = &TASKS[task.get_untracked() as usize];
        let prompt = build(t, shots, &query.get_untracked());
        let options = GenerateOptions {
            max_tokens: ANSWER_TOKENS,
            temperature: 0.0,
            seed: 0,
            top_k: None,
            top_p: 1.0,
        };
        let first = RwSignal::new(None::<(String, f32)>);
        let text = RwSignal::new(String::new());
        let run = engine::stream(
            Query::Generate { prompt, options },
            move |GeneratedToken { token, generated, .. }| {
                if first.try_get_untracked().flatten().is_none() {
                    first.try_set(Some((token.text, token.p)));
                }
                text.try_set(generated);
            },
            move |end| match end {
                Ok(_) => {
                    let (first_token, p) = first.try_get_untracked().flatten().unwrap_or_default();
                    let answer = answer(&text.try_get_untracked().unwrap_or_default());
                    rows.try_update(|r| r.push(Shot { shots, answer, first: first_token, p }));
                    next.try_set((shots < 5).then_some(shots + 1));
                }
                Err(message) => {
                    error.try_set(Some(message));
                    next.try_set(None);
                }
            },
        );
        running.set_value(Some(run));
    });
    let sweep = move || {
        rows.set(Vec::new());
        error.set(None);
        next.set(Some(0));
    };
    let run = move |_| sweep();
    // The sweep runs once on the default task as soon as the engine is ready: six short greedy
    // answers.
    engine::when_ready(sweep);
    let shown = move || match (error.get(), rows.with(Vec::is_empty)) {
        (Some(_), _) => Shown::Error,
        (None, false) => Shown::Result,
        (None, true) => Shown::Working,
    };
    let want = move || expected(task.get() as usize, &query.get());
    view! {
        <div class="icl-live" data-icl-live="">
            <h3>"Run it on the Tumbler"</h3>
            <EngineReady loading="The Tumbler is loading; it can try this prompt when it is ready." shown=shown>
                    <p>
                        {move || format!(
                            "The Tumbler has {} parameters. In GPT-3's paper (Brown et\u{a0}al., 2020) the \
                             gain from examples in the prompt was small at 125\u{a0}million parameters \
                             and large at 175\u{a0}billion. ",
                            engine::loaded_params().unwrap_or_default()
                        )}
                        "Run the same new input with 0 to 5 examples and see whether the examples \
                         change its answer (greedy decoding, so each run is repeatable):"
                    </p>
                    <button type="button" class="generate" on:click=run disabled=move || next.get().is_some()>
                        {move || if next.get().is_some() { "Running…" } else { "Run with 0–5 examples" }}
                    </button>
            </EngineReady>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || !rows.with(Vec::is_empty)>
                <table class="numbers icl-results stack">
                    <thead>
                        <tr>
                            <th scope="col">"Examples"</th>
                            <th scope="col">"The Tumbler's answer"</th>
                            <th scope="col">"First token, probability"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|r| view! {
                            <tr data-shots=r.shots data-answer=r.answer.clone()>
                                <td data-label="Examples">{r.shots}</td>
                                <td class="mono grow" data-label="The Tumbler's answer">{format!("“{}”", r.answer)}</td>
                                <td data-label="First token, probability">{format!("“{}” {:.0}%", visible(&r.first), r.p * 100.0)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="small">
                    {move || match want() {
                        Some(w) => {
                            let hits = rows.with(|r| r.iter().filter(|s| s.answer == w).count());
                            format!("The examples imply “{w}”; the Tumbler wrote it in {hits} of {} runs.", rows.with(Vec::len))
                        }
                        None => "A large model continues with the translation or opposite; compare what the Tumbler writes.".into(),
                    }}
                </p>
            </Show>
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

    #[test]
    fn answers_end_at_the_line_and_reversal_is_computed() {
        assert_eq!(answer(" arbre\ncat → chat"), "arbre");
        assert_eq!(answer(""), "");
        assert_eq!(expected(2, " tree "), Some("eert".into()));
        assert_eq!(expected(0, "tree"), None);
    }
}
