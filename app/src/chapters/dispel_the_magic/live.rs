//! Biased coin flips with the Tumbler's own next-token distribution: many seeded draws, their
//! histogram against the probabilities.

use leptos::prelude::*;

use crate::engine::{EngineReady, Shown, latest};
use tumbler_engine::{Query, TokenTexts};
use tumbler_model::sampling::{Distribution, filter_probabilities, softmax_with_temperature};

use crate::calc::coins::sampler_draws;
use crate::engine::live::next_logits;
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::attention_map::visible;
use crate::widgets::token_chips::group;

use super::{Drawn, draws_head, draws_row, n_fmt};

/// Tokens listed by name; the rest are one row.
const SHOWN: usize = 6;
/// Draws shown one by one.
const FIRST: usize = 24;

/// A run of draws from the model's distribution at temperature 1, nothing cut (plain sampling):
/// the distribution, how often each of its tokens came up, and the first [`FIRST`] draws.
#[derive(Clone, PartialEq)]
struct Run {
    dist: Distribution,
    counts: Vec<usize>,
    first: Vec<u32>,
}

/// The live panel of the `dispel-the-magic` chapter.
#[component]
pub fn LiveCoins() -> impl IntoView {
    let prompt = text_param("prompt", "Once upon a time, there was a little");
    let n = number_param("draws", 1000.0, 10.0, 10_000.0);
    let seed = number_param("dseed", 1.0, 0.0, 1e9);
    let next = next_logits(prompt.into());
    let run = Memo::new(move |_| {
        next.answer.with(|a| {
            let next = &a.as_ref()?.as_ref().ok()?.value;
            let dist =
                filter_probabilities(&softmax_with_temperature(&next.logits, 1.0), None, 1.0);
            let (counts, first) = sampler_draws(&dist, n.get() as usize, seed.get() as u64, FIRST);
            Some(Run { dist, counts, first })
        })
    });
    // The answer names the model's most likely tokens; a draw rarer than those is named by the
    // worker, asked by id (a flat distribution draws hundreds of different tokens).
    let rare = latest::<TokenTexts>(move || {
        let ids: Vec<u32> = next.answer.with(|a| match (a, run.get()) {
            (Some(Ok(answer)), Some(run)) => {
                let mut ids: Vec<u32> =
                    run.first.into_iter().filter(|&id| answer.value.name(id).is_none()).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            _ => Vec::new(),
        });
        // Nothing to ask when the answer names every draw.
        if ids.is_empty() { Err(String::new()) } else { Ok(Query::TokenTexts { ids }) }
    });
    let table = move || {
        next.answer.with(|a| match (a, run.get()) {
            (None, _) | (Some(Ok(_)), None) => view! { <p class="note-live">"Running the Tumbler on your prompt…"</p> }.into_any(),
            (Some(Err(message)), _) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            (Some(Ok(answer)), Some(Run { dist: d, counts, first })) => {
                let next = &answer.value;
                let draws = n.get() as usize;
                // Named by the answer, else by the worker's reply about the rarer draws ("…" until
                // it comes).
                let name = |id: u32| {
                    let rare = || rare.answer.with(|r| match r {
                        Some(Ok(t)) => t.ids.iter().position(|&i| i == id).map(|at| t.texts[at].clone()),
                        _ => None,
                    });
                    next.name(id).map(str::to_owned).or_else(rare).map_or_else(|| "…".to_string(), |t| format!("“{}”", visible(&t)))
                };
                let rows = (0..SHOWN.min(d.ids.len())).map(|i| {
                    let row = Drawn { name: name(d.ids[i]), id: Some(d.ids[i]), p: f64::from(d.probs[i]), count: counts[i] };
                    draws_row(row, draws, "")
                }).collect_view();
                let rest = Drawn {
                    name: format!("the other {} tokens", group(d.ids.len().saturating_sub(SHOWN))),
                    id: None,
                    p: d.probs.iter().skip(SHOWN).map(|&p| f64::from(p)).sum(),
                    count: counts.iter().skip(SHOWN).sum(),
                };
                let distinct = counts.iter().filter(|&&c| c > 0).count();
                let chips = first.iter().map(|&id| {
                    // A draw among the table's named tokens is green; a rarer one is reddish (pink, or maroon in the dark theme) and bold.
                    let class = if d.ids.iter().take(SHOWN).any(|&i| i == id) { "coin" } else { "coin rare" };
                    view! { <span class=class title=format!("token id {id}")>{name(id)}</span> }
                }).collect_view();
                view! {
                    <p class="coins-seq" aria-label="The first draws">{chips}</p>
                    <table class="numbers next-table coins-live stack" data-draws=draws data-distinct=distinct data-read=next.tokens.concat()>
                        {draws_head("next token")}
                        <tbody>
                            {rows}
                            {draws_row(rest, draws, "rest")}
                        </tbody>
                    </table>
                    <p class="small">{format!(
                        "{} draws with seed {} came up with {} different tokens. In the row of first \
                         draws, a green chip is one of the {SHOWN} tokens in the table; a reddish, bold \
                         one is a rarer draw from the other {}.",
                        group(draws), seed.get(), group(distinct), group(d.ids.len().saturating_sub(SHOWN))
                    )}</p>
                }
                .into_any()
            }
        })
    };
    let body = view! { <EngineReady loading="The Tumbler is loading; its own distribution appears here when it is ready." shown=move || next.answer.with(Shown::of)>{table}</EngineReady> };
    view! {
        <div class="panel live-next coins">
            <h2>"The Tumbler's own dice"</h2>
            <p>
                "Now the real thing: our small model reads your prompt in this page and gives every \
                 token of its vocabulary a probability. The page draws from that distribution with \
                 the sampler's own seeded generator, the one the model writes with, and counts."
            </p>
            <textarea
                aria-label="Prompt"
                rows="2"
                maxlength="2000"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <Slider label="draws" value=n min=10.0 max=10_000.0 step=10.0 format=n_fmt/>
                <button type="button" class="reseed" on:click=move |_| seed.update(|s| *s += 1.0)>"Roll again (new seed)"</button>
                {move || next.pending.get().then(|| view! { <span class="muted" role="status">"updating…"</span> })}
            </div>
            {body}
        </div>
    }
}
