//! Sampling: temperature, top-k and top-p reshaping a distribution.

mod live;

use leptos::prelude::*;

use crate::calc::sampling::reshape;
use crate::url_state::number_param;
use crate::widgets::{Bar, Bars, Slider};

/// Example logits (the softmax chapter's five words), small enough to follow by hand.
const WORDS: [&str; 5] = ["mat", "floor", "table", "roof", "sofa"];
const LOGITS: [f64; 5] = [2.8, 1.2, 0.5, -1.0, -2.5];

fn two(v: f64) -> String {
    format!("{v:.2}")
}

fn k_label(v: f64) -> String {
    if v < 0.5 { "off".to_owned() } else { format!("{v:.0}") }
}

/// The body of the `sampling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let t = number_param("t", 1.0, 0.0, 2.0);
    let k = number_param("k", 0.0, 0.0, 5.0);
    let p = number_param("p", 1.0, 0.05, 1.0);
    let rows = Signal::derive(move || {
        // The sliders keep every setting in the sampler's ranges, so there is no error to show.
        reshape(&LOGITS, t.get(), k.get() as usize, p.get())
            .unwrap_or_default()
            .into_iter()
            .map(|c| Bar {
                label: WORDS[c.index].to_owned(),
                fraction: c.prob,
                text: if c.kept {
                    format!("{:.1}%", c.prob * 100.0)
                } else {
                    format!("dropped ({:.1}%)", c.tempered * 100.0)
                },
                highlight: c.kept,
            })
            .collect::<Vec<_>>()
    });
    let preset = move |tv: f64, kv: f64, pv: f64| {
        move |_| {
            t.set(tv);
            k.set(kv);
            p.set(pv);
        }
    };
    view! {
        <p>
            "The model's output is a probability for every token in its vocabulary. To write text, one \
             token must be picked. " <strong>"Greedy"</strong> " decoding always takes the most likely; \
             " <strong>"sampling"</strong> " draws at random according to the probabilities. Three knobs \
             reshape the distribution before the draw."
        </p>
        <ul>
            <li><strong>"Temperature T"</strong> " divides the logits before softmax. Below 1 it sharpens the distribution toward the top token; above 1 it flattens it so rare tokens get a chance. T\u{a0}=\u{a0}0 is taken to mean greedy."</li>
            <li><strong>"Top-k"</strong> " keeps only the k most likely tokens. Simple, but k does not adapt: it keeps the same number whether the model is sure or unsure."</li>
            <li><strong>"Top\u{2011}p"</strong> " (nucleus) keeps the smallest set of top tokens whose probabilities add up to at least\u{a0}p. When the model is confident that may be one or two tokens; when unsure, hundreds. With top‑k on too, top‑k cuts first and p counts within what it kept, renormalised: that is the order the Tumbler's sampler uses, here and in the live panel below."</li>
        </ul>
        <div class="panel">
            <h2>"Reshape a distribution"</h2>
            <p>"Five candidate words with the example logits 2.8, 1.2, 0.5, −1.0 and −2.5. Kept tokens are highlighted and renormalised to sum to 100%."</p>
            <Slider label="Temperature" value=t min=0.0 max=2.0 step=0.05 format=two/>
            <Slider label="Top-k (0 = off)" value=k min=0.0 max=5.0 step=1.0 format=k_label/>
            <Slider label="Top-p" value=p min=0.05 max=1.0 step=0.05 format=two/>
            <div class="preset-row">
                <button type="button" on:click=preset(0.0, 0.0, 1.0)>"Greedy (T\u{a0}=\u{a0}0)"</button>
                <button type="button" on:click=preset(0.2, 0.0, 1.0)>"Precise (T\u{a0}=\u{a0}0.2)"</button>
                <button type="button" on:click=preset(0.7, 0.0, 0.9)>"Chat (T\u{a0}=\u{a0}0.7, top‑p 0.9)"</button>
                <button type="button" on:click=preset(1.5, 0.0, 1.0)>"Wild (T\u{a0}=\u{a0}1.5)"</button>
            </div>
            <Bars rows label="Probabilities after temperature, top‑k and top‑p"/>
        </div>
        <live::LiveSampling/>
        <h2>"Rules of thumb"</h2>
        <ul>
            <li>"Code, maths and factual answers: low temperature (0 to 0.3)."</li>
            <li>"Brainstorming and fiction: 0.8\u{a0}to\u{a0}1.2."</li>
            <li>"General chat: about 0.7, often with top‑p 0.9, is a common choice. The OpenAI API itself \
                 defaults to T\u{a0}=\u{a0}1 and top‑p = 1: plain sampling from the model's distribution \
                 (its API reference, parameters temperature and top_p)."</li>
            <li>"Debugging a prompt: T\u{a0}=\u{a0}0, or a fixed random seed, so runs repeat."</li>
        </ul>
        <div class="callout">
            <strong>"Why it matters: "</strong>
            "the same model can be a precise tool or a loose creative partner depending only on these \
             knobs."
        </div>
    }
}
