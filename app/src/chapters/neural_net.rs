//! Neural network internals: a nested function of weights.

use leptos::prelude::*;

use crate::widgets::Math;

const NESTED: &str = "<mrow><mi>f</mi><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo><mo>=</mo>\
<mi>σ</mi><mo stretchy=\"false\">(</mo><msub><mi>W</mi><mn>3</mn></msub><mo>⋅</mo><mi>σ</mi><mo stretchy=\"false\">(</mo>\
<msub><mi>W</mi><mn>2</mn></msub><mo>⋅</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><msub><mi>W</mi><mn>1</mn></msub>\
<mo>⋅</mo><mi>x</mi><mo>+</mo><msub><mi>b</mi><mn>1</mn></msub><mo stretchy=\"false\">)</mo><mo>+</mo>\
<msub><mi>b</mi><mn>2</mn></msub><mo stretchy=\"false\">)</mo><mo>+</mo><msub><mi>b</mi><mn>3</mn></msub>\
<mo stretchy=\"false\">)</mo></mrow>";

/// A small layered network drawn as SVG: inputs, two hidden layers, outputs.
fn network_svg() -> String {
    let layers: [(&str, usize); 4] =
        [("input: token ids", 3), ("hidden", 5), ("hidden", 5), ("output: probabilities", 4)];
    let x = |l: usize| 70.0 + l as f64 * 170.0;
    let y = |n: usize, i: usize| 40.0 + (i as f64 + 0.5) * 220.0 / n as f64;
    let mut s = String::from(
        "<svg viewBox=\"0 0 650 300\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">",
    );
    for l in 0..3 {
        let (a, b) = (layers[l].1, layers[l + 1].1);
        for i in 0..a {
            for j in 0..b {
                // Alternate signs so both weight colours appear; the lines are a schematic.
                let class = if (i + j + l) % 3 == 0 { "nn-w neg" } else { "nn-w pos" };
                s += &format!(
                    "<line x1=\"{}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" class=\"{class}\"/>",
                    x(l),
                    y(a, i),
                    x(l + 1),
                    y(b, j)
                );
            }
        }
    }
    for (l, (name, n)) in layers.iter().enumerate() {
        for i in 0..*n {
            s += &format!(
                "<circle cx=\"{}\" cy=\"{:.1}\" r=\"11\" class=\"nn-node\"/>",
                x(l),
                y(*n, i)
            );
        }
        s += &format!(
            "<text x=\"{}\" y=\"290\" text-anchor=\"middle\" class=\"nn-label\">{name}</text>",
            x(l)
        );
    }
    s + "</svg>"
}

/// The body of the `neural-net` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Strip away the vocabulary and a neural network is a function. Numbers go in (for a \
             language model, the vectors of the tokens so far); numbers come out (a probability for \
             every token that could come next). In between sit layers, each a multiplication by a \
             matrix of " <strong>"weights"</strong> ", an added " <strong>"bias"</strong> ", and a \
             simple non-linear function σ."
        </p>
        <Math mathml=NESTED label="f of x equals sigma of W 3 times sigma of W 2 times sigma of W 1 x plus b 1, plus b 2, plus b 3"/>
        <p>
            "Without the non-linearity the layers would collapse into a single matrix; with it, \
             stacking layers lets the function bend into almost any shape. What the network knows \
             lives entirely in the weights: change them and the same code computes something else."
        </p>
        <figure class="panel">
            <div class="nn-diagram" role="img" aria-label="A schematic network: three inputs, two hidden layers of five units, four outputs; every unit connects to every unit in the next layer" inner_html=network_svg()></div>
            <figcaption>"Every line is one weight. Purple lines stand for positive weights, teal for negative."</figcaption>
        </figure>
        <p>
            "Real models are this picture scaled up enormously. GPT-3 has 175 billion weights. The \
             largest models today are reported to have more than a trillion."
        </p>
        <p class="correction">
            "The original guide states that GPT-4 has about 1.8 trillion weights. That figure comes \
             from unconfirmed reports; OpenAI has not published GPT-4's size."
        </p>
        <p class="note-live">
            "Live part not ready: a network fed real token ids with the Tumbler's real output \
             probabilities, and a heatmap of one of its weight matrices, need the model, which this \
             build does not include yet."
        </p>
    }
}
