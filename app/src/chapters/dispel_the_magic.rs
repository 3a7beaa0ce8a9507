//! You Are Talking to a Simulation.

mod live;

use leptos::prelude::*;

use crate::calc::coins::{counts, sequence};
use crate::url_state::number_param;
use crate::widgets::Slider;
use crate::widgets::token_chips::group;

/// The original guide's example distribution for the next word after “The capital of France is”.
const OUTCOMES: [(&str, f64); 4] =
    [("Paris", 0.97), ("Lyon", 0.015), ("Marseille", 0.005), ("something else", 0.01)];

fn n_fmt(v: f64) -> String {
    group(v.max(0.0).round() as usize)
}

/// One outcome of a run of draws: its name, its probability and how often it came up.
struct Drawn {
    name: String,
    /// The token's id, for a live row of the model's own distribution.
    id: Option<u32>,
    p: f64,
    count: usize,
}

fn bar(fraction: f64) -> impl IntoView {
    let width = format!("{:.2}%", fraction.clamp(0.0, 1.0) * 100.0);
    view! { <span class="bar-track"><span class="bar-fill" style:width=width></span></span> }
}

/// The header of a table of draws, its first column named `first`: the same table for the
/// illustrative coin and the Tumbler's own dice (a card per row on a phone).
fn draws_head(first: &'static str) -> impl IntoView {
    view! {
        <thead><tr>
            <th scope="col">{first}</th><th scope="col" class="bar-cell"></th><th scope="col">"probability"</th>
            <th scope="col" class="bar-cell"></th><th scope="col">"sampled"</th>
        </tr></thead>
    }
}

/// A row of a table of draws out of `draws`; `class` "rest" for the row of all other tokens.
fn draws_row(d: Drawn, draws: usize, class: &'static str) -> impl IntoView {
    let f = d.count as f64 / draws.max(1) as f64;
    // A token's text in the code face, spaces kept; a word or "the other … tokens" as prose.
    let th = if d.id.is_some() { "token" } else { "" };
    view! {
        <tr class=class data-token-id=d.id data-p=d.p.to_string() data-count=d.count>
            <th scope="row" class=th>{d.name}</th>
            <td class="bar-cell">{bar(d.p)}</td>
            <td data-label="probability">{format!("{:.1}%", d.p * 100.0)}</td>
            <td class="bar-cell sampled">{bar(f)}</td>
            <td data-label="sampled">{format!("{} ({:.1}%)", group(d.count), f * 100.0)}</td>
        </tr>
    }
}

/// The body of the `dispel-the-magic` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let n = number_param("n", 100.0, 10.0, 10_000.0);
    let seed = number_param("seed", 1.0, 0.0, 1e9);
    let weights: Vec<f64> = OUTCOMES.iter().map(|o| o.1).collect();
    let w2 = weights.clone();
    let tally = Memo::new(move |_| counts(&weights, n.get() as usize, seed.get() as u64));
    let first = Memo::new(move |_| sequence(&w2, 24, seed.get() as u64));
    let rows = move || {
        let draws = n.get() as usize;
        OUTCOMES
            .iter()
            .zip(tally.get())
            .map(|(&(name, p), count)| {
                draws_row(Drawn { name: name.to_string(), id: None, p, count }, draws, "")
            })
            .collect_view()
    };
    view! {
        <p>
            "When a chat model writes “I think …” or “I'm sorry, I don't know”, it feels like a "
            "person. It is the output of a pattern engine trained on billions of examples of people "
            "writing. It has learned to produce text that reads as if a thoughtful person wrote it."
        </p>
        <div class="rl-compare">
            <section class="panel"><h3>"What it feels like"</h3><p>"An oracle that understands you."</p></section>
            <section class="panel"><h3>"What it is"</h3><p>"A statistical engine rolling weighted dice, one token at a time."</p></section>
        </div>
        <h2>"No persistent self"</h2>
        <p>
            "Each conversation starts from nothing. Between your messages the model holds no "
            "thoughts and no memory of you. Chat products with a “memory” feature store facts in "
            "a database and paste them into the context at the start of a chat: the model still "
            "starts from zero, it is just handed notes."
        </p>
        <h2>"A simulated contractor"</h2>
        <p>
            "The assistant persona was fine-tuned from conversations written by people following "
            "labelling guidelines: be helpful, honest and harmless. Prompting it runs a simulation "
            "of those people following those instructions."
        </p>
        <h2>"Biased coin flips"</h2>
        <p>
            "Each word is drawn from a probability distribution. Take an illustrative "
            "example for the word after “The capital of France is”: Paris 97%, Lyon 1.5%, "
            "Marseille 0.5%, anything else 1%. Draw from it many times, with a seed so a run can "
            "be repeated exactly, and compare how often each came up with its probability."
        </p>
        <div class="panel coins">
            <Slider label="draws" value=n min=10.0 max=10_000.0 step=10.0 format=n_fmt/>
            <p>
                <button type="button" on:click=move |_| seed.update(|s| *s += 1.0)>"Roll again (new seed)"</button>
                <span class="coins-seed">{move || format!(" seed {}", seed.get())}</span>
            </p>
            <p class="coins-seq" aria-label="The first 24 draws">
                {move || first.get().into_iter().map(|i| {
                    let class = if i == 0 { "coin" } else { "coin rare" };
                    view! { <span class=class>{OUTCOMES[i].0}</span> }
                }).collect_view()}
            </p>
            <table class="numbers next-table coins-table stack">
                <caption class="sr-only">"Each outcome's probability and how often it was sampled"</caption>
                {draws_head("next word")}
                <tbody>{rows}</tbody>
            </table>
            <p>"With few draws the rare words may not appear at all, or appear far more often than "
               "their share; with thousands, the frequencies settle near the probabilities. Ask a "
               "model the same question a hundred times and it will, now and then, say Lyon."</p>
        </div>
        <live::LiveCoins/>
        <div class="callout">
            <strong>"Why it matters. "</strong>
            "You are operating a tool, not talking to a being. Stop asking “does it understand me?” "
            "and ask “what input gives the best statistical output?”"
        </div>
    }
}
