//! Permutation invariance on the Tumbler: shuffle the reader's tokens (all but the last) and
//! compare, with RoPE off and on, the last token's attention in the first layer and the
//! next-token distribution.

use leptos::prelude::*;

use crate::engine::{self, EngineReady, Latest, Query, Shown};
use crate::url_state::{number_param, text_param};
use crate::widgets::attention_map::visible;
use tumbler_engine::{PermutationCheck, PermutationRun, TopToken};

const DEFAULT_TEXT: &str = "the dog bit the man and then the man ran";

fn top_line(top: &[TopToken]) -> String {
    top.iter()
        .take(3)
        .map(|t| format!("“{}”\u{a0}{:.1}%", visible(&t.text), t.p * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One setting's table: per token, the attention weight the last token gives it (averaged over
/// heads) before and after the shuffle.
fn run_view(check: &PermutationCheck, run: &PermutationRun) -> impl IntoView + use<> {
    let nh = run.original.shape[0];
    let t = check.tokens.len();
    let mean = |a: &tumbler_model::gpt::Array, j: usize| {
        (0..nh).map(|h| a.at(&[h, j])).sum::<f32>() / nh as f32
    };
    let rows = (0..t)
        .map(|j| {
            let (a, b) = (mean(&run.original, j), mean(&run.shuffled, j));
            let moved_to = check.order.iter().position(|&o| o == j).unwrap_or(j);
            view! {
                <tr>
                    <th scope="row">{format!("“{}”", visible(&check.tokens[j]))}</th>
                    <td data-label="position">{format!("{j} → {moved_to}")}</td>
                    <td data-label="original">{format!("{a:.4}")}</td>
                    <td data-label="shuffled">{format!("{b:.4}")}</td>
                </tr>
            }
        })
        .collect_view();
    let name = if run.positions { "RoPE on" } else { "RoPE off" };
    let verdict = if run.positions {
        "With positions, the same tokens in another order get different weights, and the model \
         predicts something else."
    } else {
        "Without positions, each token keeps exactly its weight wherever it moves: the first layer \
         sees a set of tokens, not a sequence."
    };
    view! {
        <div class="permutation-run" data-positions=run.positions.to_string()
            data-attention-diff=run.attention_diff data-prob-diff=run.prob_diff
            data-last-layer-diff=run.last_layer_diff>
            <h3>{name}</h3>
            <table class="numbers permutation-table">
                <caption>"Layer 0: how much the last token attends to each token (mean over\u{a0}heads)"</caption>
                <thead><tr>
                    <th scope="col">"token"</th><th scope="col">"position, then shuffled"</th>
                    <th scope="col">"weight"</th><th scope="col">"shuffled"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="small">
                {format!(
                    "Largest change in any head's layer-0 weight: {}. Largest change in the \
                     next-token probabilities, over the whole vocabulary: {}. In the last \
                     layer's weights: {}.",
                    change(run.attention_diff),
                    change(run.prob_diff),
                    change(run.last_layer_diff)
                )}
            </p>
            <p class="small">
                {format!("Next token, original order: {}. ", top_line(&run.next_original))}
                {format!("Shuffled: {}.", top_line(&run.next_shuffled))}
            </p>
            <p>{verdict}</p>
        </div>
    }
}

/// The reader's text shuffled through the Tumbler with and without positions.
/// A change as a lay reader reads it: a plain decimal ("0.1602"), or "under 0.000001" for what
/// is rounding (the shuffle with RoPE off moves the weights by about 10⁻⁸).
fn change(v: f32) -> String {
    let v = f64::from(v).abs();
    if v < 1e-6 { "under 0.000001".into() } else { crate::widgets::plot::readable(v) }
}

#[component]
pub fn LivePermutation() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let seed = number_param("shuffle", 1.0, 0.0, 9999.0);
    let answer: Latest<PermutationCheck> = engine::latest(move || {
        let (text, seed) = (text.get(), seed.get() as u64);
        Ok(Query::Permutation { text, seed })
    });
    let body = move || {
        answer.answer.with(|a| match a {
            None => view! { <p class="note-live">"Shuffling…"</p> }.into_any(),
            Some(Err(message)) => {
                view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
            }
            Some(Ok(check)) => {
                let shuffled = check
                    .order
                    .iter()
                    .map(|&i| view! { <span class="chip">{visible(&check.tokens[i])}</span> })
                    .collect_view();
                let original = check
                    .tokens
                    .iter()
                    .map(|t| view! { <span class="chip chip-prompt">{visible(t)}</span> })
                    .collect_view();
                let runs = check.runs.iter().map(|r| run_view(check, r)).collect_view();
                view! {
                    <p class="gen-line">"Original: " {original}</p>
                    <p class="gen-line permutation-order" data-order=format!("{:?}", check.order)>
                        "Shuffled: " {shuffled}
                    </p>
                    {runs}
                    <p class="small">
                        "Only layer 0 is exactly order-blind without positions. Later layers read \
                         outputs of earlier ones, and because each token may only look back, token \
                         i's output depends on which tokens came before it: the causal mask itself \
                         leaks order, which is why a decoder trained without any position signal \
                         still learns some sense of it. That is why the next-token probabilities \
                         can change even with RoPE off."
                    </p>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="panel live-permutation">
            <h2>"Shuffle your tokens through the Tumbler"</h2>
            <p>
                "Our model reads your text twice, as written and with every token but the last \
                 shuffled, once with its rotary position embedding switched off and once on."
            </p>
            <textarea
                aria-label="Text to shuffle"
                rows="1"
                maxlength="300"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <button type="button" class="reshuffle" on:click=move |_| seed.update(|s| *s = (*s + 1.0) % 10_000.0)>
                    "Shuffle again"
                </button>
            </div>
            <EngineReady
                loading="The Tumbler is loading; the shuffle runs here when it is ready."
                shown=move || answer.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}
