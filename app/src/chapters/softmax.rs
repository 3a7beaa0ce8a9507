//! Softmax: five logits on sliders, turned into probabilities step by step, and the Tumbler's
//! real logits.

mod live;

use leptos::prelude::*;

use crate::calc::softmax::{softmax, steps};
use crate::url_state::number_param;
use crate::widgets::{Bar, Bars, Math, Slider};

const WORDS: [&str; 5] = ["mat", "floor", "table", "roof", "sofa"];
const DEFAULTS: [f64; 5] = [2.8, 1.2, 0.5, -1.0, -2.5];
const KEYS: [&str; 5] = ["z1", "z2", "z3", "z4", "z5"];

const FORMULA: &str = "<mrow><mi>softmax</mi><mo stretchy=\"false\">(</mo><msub><mi>z</mi><mi>i</mi></msub>\
<mo stretchy=\"false\">)</mo><mo>=</mo><mfrac><msup><mi>e</mi><msub><mi>z</mi><mi>i</mi></msub></msup>\
<mrow><munder><mo>∑</mo><mi>j</mi></munder><msup><mi>e</mi><msub><mi>z</mi><mi>j</mi></msub></msup></mrow>\
</mfrac></mrow>";

fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

/// The body of the `softmax` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let logits: [RwSignal<f64>; 5] =
        std::array::from_fn(|i| number_param(KEYS[i], DEFAULTS[i], -6.0, 6.0));
    let values = move || logits.map(|s| s.get()).to_vec();
    let rows = Signal::derive(move || {
        let p = softmax(&values());
        let best = p.iter().copied().fold(0.0, f64::max);
        WORDS
            .iter()
            .zip(&p)
            .map(|(w, &q)| Bar {
                label: (*w).to_owned(),
                fraction: q,
                text: format!("{:.1}%", q * 100.0),
                highlight: q == best,
            })
            .collect::<Vec<_>>()
    });
    let table = move || {
        let s = steps(&values());
        let body = WORDS
            .iter()
            .enumerate()
            .map(|(i, w)| {
                view! {
                    <tr>
                        <th scope="row">{*w}</th>
                        <td>{crate::calc::expr::fixed(values()[i], 1)}</td>
                        <td>{format!("{:.3}", s.exps[i])}</td>
                        <td>{format!("{:.2}%", s.probs[i] * 100.0)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <tbody>{body}</tbody>
            <tfoot><tr><th scope="row">"sum"</th><td></td><td>{format!("{:.3}", s.sum)}</td><td>"100%"</td></tr></tfoot>
        }
    };
    let worked = steps(&[2.8, 1.2, 0.5]);
    let pct = |i: usize| format!("{:.1}%", worked.probs[i] * 100.0);
    let reset = move |_| {
        for (s, d) in logits.iter().zip(DEFAULTS) {
            s.set(d);
        }
    };
    view! {
        <p>
            "The last layer of a language model gives one raw score, a " <em>"logit"</em>
            ", to every token in its vocabulary. Logits can be any size and any sign. Softmax turns \
             them into probabilities: raise " <i>"e"</i> " to each score, so every value becomes \
             positive and larger scores pull ahead, then divide by the total so they add up to one."
        </p>
        <Math parts=&[FORMULA] label="softmax of z i equals e to the z i, divided by the sum over j of e to the z j"/>
        <p>
            "Only differences between logits matter: adding the same number to all of them changes \
             nothing. A gap of one unit means a factor of " <i>"e"</i> "\u{a0}≈\u{a0}2.72 in probability."
        </p>
        <div class="panel softmax-panel">
            <h2>"Drag the logits"</h2>
            <p>"Five candidate next words after “The cat sat on the”. Each slider is a logit."</p>
            <div class="softmax-grid">
                <div class="softmax-sliders">
                    {WORDS.iter().enumerate().map(|(i, w)| view! {
                        <Slider label=*w value=logits[i] min=-6.0 max=6.0 step=0.1 format=one_decimal/>
                    }).collect_view()}
                    <button type="button" on:click=reset title="2.8, 1.2, 0.5, −1.0, −2.5">"Reset the logits"</button>
                </div>
                <Bars rows label="Probabilities after softmax"/>
            </div>
            <h3>"Step by step"</h3>
            <table class="numbers">
                <thead><tr><th scope="col">"token"</th><th scope="col">"logit z"</th><th scope="col">"eᶻ"</th><th scope="col">"eᶻ ÷ sum"</th></tr></thead>
                {table}
            </table>
        </div>
        <live::LiveSoftmax/>
        <h2>"The three-word example"</h2>
        <p>
            "With only " <strong>"mat\u{a0}2.8"</strong> ", " <strong>"floor\u{a0}1.2"</strong> " and "
            <strong>"table\u{a0}0.5"</strong> ": e" <sup>"2.8"</sup> "\u{a0}=\u{a0}" {format!("{:.2}", worked.exps[0])}
            ", e" <sup>"1.2"</sup> "\u{a0}=\u{a0}" {format!("{:.2}", worked.exps[1])} ", e" <sup>"0.5"</sup> "\u{a0}=\u{a0}"
            {format!("{:.2}", worked.exps[2])} ", together " {format!("{:.2}", worked.sum)}
            ". Dividing gives mat " {pct(0)} ", floor " {pct(1)} ", table " {pct(2)} "."
        </p>
        <p class="seed-note">
            "Computed exactly, the sum is " {format!("{:.2}", worked.sum)} " and the shares round \
             to " {(0..3).map(|i| format!("{:.0}%", worked.probs[i] * 100.0)).collect::<Vec<_>>().join(", ")} ". \
             Rounding the exponentials first, as worked examples often do, gives 21.3 and 77%, 15%, 8%."
        </p>
        <p>
            "Softmax appears twice in a transformer: at the output, over the whole vocabulary, and \
             inside every attention head, over the earlier tokens. Dividing the logits by a \
             temperature before softmax is how sampling sharpens or flattens the distribution."
        </p>
    }
}
