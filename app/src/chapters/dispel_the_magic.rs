//! You Are Talking to a Simulation.

mod live;

use leptos::prelude::*;

use crate::calc::coins::{counts, sequence};
use crate::url_state::number_param;
use crate::widgets::{Bar, Bars, Slider};

/// The original guide's example distribution for the next word after “The capital of France is”.
const OUTCOMES: [(&str, f64); 4] =
    [("Paris", 0.97), ("Lyon", 0.015), ("Marseille", 0.005), ("something else", 0.01)];

fn n_fmt(v: f64) -> String {
    format!("{v:.0}")
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
    let rows = Signal::derive(move || {
        let c = tally.get();
        let total = n.get().max(1.0);
        OUTCOMES
            .iter()
            .zip(c)
            .flat_map(|((name, p), k)| {
                let f = k as f64 / total;
                [
                    Bar {
                        label: format!("{name}: probability"),
                        fraction: *p,
                        text: format!("{:.1}%", p * 100.0),
                        highlight: false,
                    },
                    Bar {
                        label: format!("{name}: sampled"),
                        fraction: f,
                        text: format!("{k} = {:.1}%", f * 100.0),
                        highlight: true,
                    },
                ]
            })
            .collect::<Vec<_>>()
    });
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
            <Bars rows label="Each outcome's probability and how often it was sampled"/>
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
