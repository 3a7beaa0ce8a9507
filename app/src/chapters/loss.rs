//! Cross-entropy: −log p for a chosen probability, its curve, perplexity, and the Tumbler's loss
//! on the reader's text.

mod live;

use leptos::prelude::*;

use crate::calc::loss::{bits, cross_entropy, perplexity};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::{Chart, Math, Slider};

const FORMULA: &str = "<mrow><mi>L</mi><mo>=</mo><mo>−</mo><munder><mo>∑</mo><mi>i</mi></munder>\
<msub><mi>y</mi><mi>i</mi></msub><mo>⁢</mo><mi>log</mi><mo>⁡</mo><mspace width=\"0.167em\"></mspace><msub><mi>p</mi><mi>i</mi></msub>\
<mo>=</mo><mo>−</mo><mi>log</mi><mo>⁡</mo><mspace width=\"0.167em\"></mspace><msub><mi>p</mi><mtext>correct</mtext></msub></mrow>";

fn prob(v: f64) -> String {
    format!("{v:.3}")
}

fn curve(p: f64) -> String {
    let points: Vec<(f64, f64)> =
        (1..=200).map(|i| i as f64 / 200.0).map(|q| (q, cross_entropy(q))).collect();
    LineChart {
        x: Axis::linear(0.0, 1.0),
        y: Axis::linear(0.0, 5.5),
        x_label: "probability given to the correct token".into(),
        y_label: "loss −ln p".into(),
        series: vec![
            Series { label: "−ln p".into(), points, color: 0, markers: false },
            Series {
                label: "your p".into(),
                points: vec![(p, cross_entropy(p).min(5.5))],
                color: 2,
                markers: true,
            },
        ],
        size: (640, 340),
    }
    .svg()
}

/// The body of the `loss` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let p = number_param("p", 0.95, 0.001, 1.0);
    let svg = Signal::derive(move || curve(p.get()));
    view! {
        <p>
            "Training needs one number that says how wrong the model was. For next-token prediction \
             that number is the " <strong>"cross-entropy"</strong> ": the model gave a probability to \
             every token in the vocabulary, one of them actually came next, and the loss is minus \
             the logarithm of the probability it gave that one."
        </p>
        <Math parts=&[FORMULA] label="L equals minus the sum over i of y i times log p i, which equals minus log of p correct"/>
        <p>
            "The target " <i>"y"</i> " is 1 for the true token and 0 for all others, so the sum keeps \
             a single term. Probability 1 costs nothing; probability near 0 costs a lot, and the cost \
             has no ceiling. That asymmetry is the point: being confidently wrong is punished hardest."
        </p>
        <div class="panel">
            <h2>"Choose the probability of the right answer"</h2>
            <Slider label="p(correct token)" value=p min=0.001 max=1.0 step=0.001 format=prob/>
            <p class="result" data-loss=move || format!("{:.6}", cross_entropy(p.get()))>
                {move || {
                    let q = p.get();
                    let l = cross_entropy(q);
                    view! {
                        {format!("loss\u{a0}= −ln\u{a0}{:.3}\u{a0}= {:.3}\u{a0}nats\u{a0}= {:.3}\u{a0}bits; perplexity e", q, l, bits(q))}
                        <sup>"loss"</sup>
                        {format!("\u{a0}=\u{a0}{:.2}", perplexity(l))}
                    }
                }}
            </p>
            <Chart svg label="The curve of minus log p for p from 0 to 1, with the chosen p marked" caption="The loss rises slowly near p = 1 and without limit as p falls to 0."/>
            <div class="preset-row">
                <button type="button" on:click=move |_| p.set(0.95)>"Right, p\u{a0}=\u{a0}0.95"</button>
                <button type="button" on:click=move |_| p.set(0.001)>"Wrong, p\u{a0}=\u{a0}0.001"</button>
            </div>
        </div>
        <p>
            {format!(
                "For “The cat sat on the ___” with the answer “mat”: a model that gave mat 0.95 \
                 loses about {:.2} and barely changes; one that put 0.95 on “roof” and 0.001 on mat \
                 loses about {:.1}, and the update pushes hard.",
                cross_entropy(0.95),
                cross_entropy(0.001)
            )}
        </p>
        <h2>"Perplexity"</h2>
        <p>
            "Papers often report " <strong>"perplexity"</strong> ", e to the power of the average loss. \
             It reads as the number of equally likely choices the model is hesitating between: 1 \
             means certain, and a model that guessed uniformly over a 100,000‑token vocabulary would \
             have perplexity 100,000."
        </p>
        <div class="callout">
            <strong>"One number: "</strong>
            "fluency, facts and reasoning all emerge from pushing this single average down over \
             trillions of tokens."
        </div>
        <live::LiveLoss/>
    }
}
