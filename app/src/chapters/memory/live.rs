//! The memory chapter's live part: how much reading a passage helps the Tumbler predict a
//! sentence taken from it, with the passage left out, far back, in the middle, or just before.
//!
//! The worker scores the answer's tokens after each context ([`Query::AnswerLoss`], computed by
//! `Inspector::answer_losses` in the model crate); the page builds the contexts and draws.

use leptos::prelude::*;
use tumbler_engine::{AnswerLosses, fetch};

use crate::calc::loss::shade;
use crate::engine::{self, EngineReady, Query, Shown};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;

/// Unrelated text the Tumbler never trained on, to fill the context around the passage.
const HELDOUT_URL: &str = "public/model/heldout.txt";
/// Paragraphs of held-out text used as filler, each at least this long (bytes).
const FILLER_PARAGRAPH: usize = 150;

const DEFAULT_PASSAGE: &str = "The lighthouse keeper of Wrenmouth was a woman named Edith \
                               Calloway, who kept the lamp burning for forty-one winters.";
const DEFAULT_ANSWER: &str = "The lighthouse keeper of Wrenmouth was a woman named Edith Calloway.";

/// Where the passage stands in the context, in the order asked.
const CONDITIONS: [(&str, &str); 4] = [
    ("none", "No passage: unrelated text only (memory alone)"),
    ("start", "Passage first, then unrelated text"),
    ("middle", "Passage in the middle of unrelated text"),
    ("end", "Unrelated text, then the passage just before"),
];

/// The two filler paragraphs: the first two long paragraphs of the held-out text.
fn fillers(heldout: &str) -> Option<(String, String)> {
    let mut long = heldout
        .split("\n\n")
        .map(str::trim)
        .filter(|p| p.len() >= FILLER_PARAGRAPH)
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "));
    Some((long.next()?, long.next()?))
}

/// The context of each condition of [`CONDITIONS`], each ending in a newline so that the answer
/// starts a line.
fn contexts(passage: &str, (a, b): &(String, String)) -> Vec<String> {
    let p = passage.trim();
    vec![
        format!("{a}\n\n{b}\n"),
        format!("{p}\n\n{a}\n\n{b}\n"),
        format!("{a}\n\n{p}\n\n{b}\n"),
        format!("{a}\n\n{b}\n\n{p}\n"),
    ]
}

/// The live panel: the reader's passage and sentence, scored after each context.
#[component]
pub fn LiveMemory() -> impl IntoView {
    let passage = text_param("passage", DEFAULT_PASSAGE);
    let answer = text_param("sentence", DEFAULT_ANSWER);
    let filler = RwSignal::new(None::<Result<(String, String), String>>);
    // The contexts asked about, with the answer.
    let result = RwSignal::new(None::<(Vec<String>, Result<AnswerLosses, String>)>);
    let running = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        let text = fetch::download(HELDOUT_URL, false, |_, _| {})
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| format!("{HELDOUT_URL}: {e}"));
        filler.set(Some(text.and_then(|t| {
            fillers(&t).ok_or_else(|| format!("{HELDOUT_URL} has no two long paragraphs"))
        })));
    });
    let measure_now = move || {
        let Some(Ok(fill)) = filler.get_untracked() else { return };
        let contexts = contexts(&passage.get_untracked(), &fill);
        let query =
            Query::AnswerLoss { contexts: contexts.clone(), answer: answer.get_untracked() };
        running.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let answered = engine::ask::<AnswerLosses>(query).await;
            result.try_set(Some((contexts, answered)));
            running.try_set(false);
        });
    };
    let measure = move |_| measure_now();
    // The first scoring as soon as both the engine and the filler text are in.
    let ready = engine::state();
    let first = StoredValue::new(false);
    Effect::new(move |_| {
        let go = ready.with(|s| s.config().is_some()) && filler.with(|f| matches!(f, Some(Ok(_))));
        if go && !first.get_value() {
            first.set_value(true);
            untrack(measure_now);
        }
    });
    let shown = move || match (filler.get(), result.with(|r| r.as_ref().map(|r| r.1.is_ok()))) {
        (Some(Err(_)), _) | (_, Some(false)) => Shown::Error,
        (_, Some(true)) => Shown::Result,
        _ => Shown::Working,
    };
    view! {
        <div class="panel live-memory" data-live="memory">
            <h2>"Working memory, measured on the Tumbler"</h2>
            <p>
                "Give the model a passage, then a sentence that repeats a fact from it, and measure \
                 how surprised it is by each token of the sentence (its loss, −ln p). The same \
                 sentence is scored four times: with no passage, and with the passage far back, in \
                 the middle, or just before it. The filler is unrelated text the Tumbler never \
                 trained on (the start of its held‑out file)."
            </p>
            <label class="field">
                "Passage"
                <textarea rows="3" prop:value=move || passage.get()
                    on:input=move |e| passage.set(event_target_value(&e))></textarea>
            </label>
            <label class="field">
                "Sentence to score (it starts a new line after the context)"
                <textarea rows="2" prop:value=move || answer.get()
                    on:input=move |e| answer.set(event_target_value(&e))></textarea>
            </label>
            <EngineReady loading="The Tumbler is loading; it can score the sentence when it is ready." shown=shown>
                <button type="button" class="generate" on:click=measure
                    disabled=move || running.get() || !matches!(filler.get(), Some(Ok(_)))>
                    {move || if running.get() { "Scoring…" } else { "Score in four contexts" }}
                </button>
            </EngineReady>
            {move || match filler.get() {
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{e}</p> }.into_any()),
                _ => None,
            }}
            {move || result.get().map(|(contexts, r)| match r {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(losses) => view! { <MemoryResult contexts losses/> }.into_any(),
            })}
        </div>
    }
}

/// The four rows (each with the context it read, as the test reads it): each condition's mean loss and the sentence's tokens shaded by their loss.
/// The tokens' indices grouped into words: a word starts at a token that starts with whitespace.
fn words(tokens: &[String]) -> Vec<std::ops::Range<usize>> {
    let starts: Vec<usize> = (0..tokens.len())
        .filter(|&i| i == 0 || tokens[i].starts_with(char::is_whitespace))
        .chain(std::iter::once(tokens.len()))
        .collect();
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

#[component]
fn MemoryResult(contexts: Vec<String>, losses: AnswerLosses) -> impl IntoView {
    let means: Vec<f64> = losses.contexts.iter().map(|c| c.mean()).collect();
    let rows = CONDITIONS.iter().zip(&losses.contexts).zip(&means).zip(contexts).map(|((((id, label), c), &mean), context)| {
        let cut = (c.dropped > 0).then(|| {
            format!(" ({} tokens of the context's start did not fit the window)", c.dropped)
        });
        let cell = |tok: &String, loss: f32| {
            let loss = f64::from(loss);
            let title = format!("−ln p = {loss:.2} nats (p = {:.2}%)", (-loss).exp() * 100.0);
            view! {
                <span class="tok" style=format!("--s: {:.3}", shade(loss)) data-loss=loss.to_string() title=title>
                    <span class="ink">{visible(tok)}</span>
                </span>
            }
        };
        // A word's tokens stay on one line ("␣Ed|ith" broke between its two).
        let cells = words(&losses.tokens)
            .into_iter()
            .map(|word| {
                let word = word.map(|i| cell(&losses.tokens[i], c.losses[i])).collect_view();
                view! { <span class="loss-word">{word}</span> }
            })
            .collect_view();
        view! {
            <tr data-condition=*id data-mean-loss=mean.to_string() data-context-tokens=c.context_tokens
                data-context=context>
                <th scope="row">{*label}{cut}</th>
                <td class="num">{format!("{mean:.2}")}</td>
                <td><span class="loss-map">{cells}</span></td>
            </tr>
        }
    }).collect_view();
    let summary = (means.len() == CONDITIONS.len()).then(|| {
        let (none, end) = (means[0], means[3]);
        format!(
            "Right before the sentence, the passage lowers its loss from {none:.2} to {end:.2} nats \
             a token: each token is on average {:.1}× likelier. Measured in the worker in {:.0}\u{a0}ms.",
            (none - end).exp(),
            losses.millis
        )
    });
    view! {
        <table class="numbers memory-results">
            <thead>
                <tr>
                    <th scope="col">"Context"</th>
                    <th scope="col">"Mean loss (nats/token)"</th>
                    <th scope="col">"The sentence, each token shaded by its loss"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="result" data-loss-none=means.first().map(|m| m.to_string())
            data-loss-end=means.get(3).map(|m| m.to_string())>{summary}</p>
        <p class="small">
            {move || format!(
                "A model this small ({} parameters, trained on about 10\u{a0}million tokens: the model \
                 card) has barely learned to copy from its context, so the drop is modest. ",
                engine::loaded_params().unwrap_or_default()
            )}
            "Large models copy a fact they have just read almost surely, and they use a passage at \
             the start or end of a long context better than one in the middle (Liu et\u{a0}al., 2023, \
             “Lost in the Middle”)."
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_its_tokens_up_to_the_next_space() {
        let tokens: Vec<String> = ["Ed", "ith", " W", "ren", "\n", "x"].map(String::from).to_vec();
        assert_eq!(words(&tokens), vec![0..2, 2..4, 4..6]);
        assert!(words(&[]).is_empty());
    }

    #[test]
    fn the_contexts_place_the_passage_as_named() {
        let fill = ("First filler paragraph.".to_string(), "Second one.".to_string());
        let c = contexts("  The passage. ", &fill);
        assert_eq!(c.len(), CONDITIONS.len());
        assert!(!c[0].contains("The passage."));
        assert!(c[1].starts_with("The passage."));
        assert!(c[2].starts_with("First") && c[2].contains("\n\nThe passage.\n\nSecond"));
        assert!(c[3].ends_with("The passage.\n"));
        assert!(c.iter().all(|c| c.ends_with('\n')));
    }

    #[test]
    fn the_fillers_are_the_first_two_long_paragraphs_of_the_heldout_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/model/heldout.txt");
        let (a, b) = fillers(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(a.len() >= FILLER_PARAGRAPH && b.len() >= FILLER_PARAGRAPH);
        assert_ne!(a, b);
        assert!(!a.contains('\n'));
        assert!(fillers("short\n\nparagraphs").is_none());
    }
}
