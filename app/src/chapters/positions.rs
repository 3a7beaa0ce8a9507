//! Positional encoding: sinusoidal waves as a heatmap, and RoPE as rotating vectors.

mod live;

use leptos::prelude::*;

use crate::calc::positional::{rope_pair, rope_theta, sinusoidal_table};
use crate::url_state::number_param;
use crate::widgets::plot::heatmap;
use crate::widgets::{Chart, Math, Slider};
use live::LivePermutation;

const PE: &str = "<mtable displaystyle=\"true\"><mtr><mtd><mi>PE</mi><mo stretchy=\"false\">(</mo><mi>pos</mi><mo>,</mo><mn>2</mn><mi>i</mi><mo stretchy=\"false\">)</mo>\
<mo>=</mo><mi>sin</mi><mo>⁡</mo><mrow><mo>(</mo><mfrac><mi>pos</mi><msup><mn>10000</mn><mrow><mn>2</mn><mi>i</mi><mo>/</mo><mi>d</mi></mrow></msup></mfrac><mo>)</mo></mrow></mtd></mtr>\
<mtr><mtd><mi>PE</mi><mo stretchy=\"false\">(</mo><mi>pos</mi><mo>,</mo><mn>2</mn><mi>i</mi><mo>+</mo><mn>1</mn><mo stretchy=\"false\">)</mo>\
<mo>=</mo><mi>cos</mi><mo>⁡</mo><mrow><mo>(</mo><mfrac><mi>pos</mi><msup><mn>10000</mn><mrow><mn>2</mn><mi>i</mi><mo>/</mo><mi>d</mi></mrow></msup></mfrac><mo>)</mo></mrow></mtd></mtr></mtable>";

const POSITIONS: usize = 64;
const DIMS: usize = 64;
const HEAD: usize = 64;

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// Two of RoPE's coordinate pairs, the fastest and a slower one, rotated to position `pos`.
fn rope_svg(pos: usize) -> String {
    let mut s = String::from(
        "<svg viewBox=\"-110 -110 220 220\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
         <circle r=\"90\" class=\"rope-circle\"/><line x1=\"-100\" y1=\"0\" x2=\"100\" y2=\"0\" class=\"rope-axis\"/>\
         <line x1=\"0\" y1=\"-100\" x2=\"0\" y2=\"100\" class=\"rope-axis\"/>",
    );
    for (k, (pair, class)) in [(0usize, "rope-fast"), (8, "rope-slow")].into_iter().enumerate() {
        let (x, y) = rope_pair(1.0, 0.0, pos, rope_theta(pair, HEAD));
        let r = 90.0 - 18.0 * k as f64;
        s += &format!(
            "<line x1=\"0\" y1=\"0\" x2=\"{:.2}\" y2=\"{:.2}\" class=\"{class}\"/><circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"5\" class=\"{class}\"/>",
            x * r,
            -y * r,
            x * r,
            -y * r
        );
    }
    s + "</svg>"
}

/// The body of the `positions` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let table = sinusoidal_table(POSITIONS, DIMS);
    let svg = Signal::derive(move || {
        heatmap(&table, POSITIONS, DIMS, "dimension", "position", (640, 420))
    });
    let pos = number_param("pos", 3.0, 0.0, 63.0);
    let angles = move || {
        let p = pos.get() as usize;
        let fast = (p as f64 * rope_theta(0, HEAD)).to_degrees();
        let slow = (p as f64 * rope_theta(8, HEAD)).to_degrees();
        view! {
            {format!("Position {p}: pair 0 turned {fast:.1}°, pair 8 turned {slow:.1}° (θ\u{a0}=\u{a0}10000")}
            <sup>"−2i/64"</sup>
            ")."
        }
    };
    view! {
        <p>
            "Attention compares every token with every other, and nothing in that comparison knows \
             where a token sits. Without a mask, shuffle the input and each token gets exactly the \
             same output as before, only in shuffled order: attention is " <em>"permutation-equivariant"</em>
            ". To such a model “the dog bit the man” and “the man bit the dog” contain the same \
             words and nothing else. (A decoder's causal mask, which lets each token see only the \
             ones before it, leaks a little order of its own, as the live check below shows.)"
        </p>
        <p>"So position must be put in. The 2017 transformer added a position vector to each token's embedding: the input at position 0 is vec(“the”) + pos(0), at position 1 vec(“cat”) + pos(1), and so on."</p>
        <h2>"Sinusoidal encoding"</h2>
        <Math parts=&[PE] label="PE of pos, 2 i equals sine of pos over 10000 to the 2 i over d; PE of pos, 2 i plus 1 equals cosine of the same"/>
        <p>
            "Each pair of dimensions is a sine and cosine wave of its own frequency, from fast on the \
             left to very slow on the right. Every position gets a distinct pattern, and the pattern \
             at position p + k is a fixed rotation of the one at p, which makes relative offsets easy \
             for the model to read."
        </p>
        <div class="panel">
            <Chart svg label="Heatmap of the sinusoidal encoding for positions 0 to 63 and 64 dimensions; purple positive, teal negative" caption="Purple is positive, teal negative. Rows are positions 0–63 (bottom to top), columns the 64 dimensions."/>
        </div>
        <h2>"RoPE: rotary position embedding"</h2>
        <p>
            "Llama, Mistral, GPT-NeoX and DeepSeek instead rotate each query and key vector, pair of \
             coordinates by pair, by an angle proportional to the token's position. When a query at \
             position m meets a key at position n, their dot product depends only on m − n: attention \
             scores encode relative distance directly."
        </p>
        <div class="panel rope-panel">
            <Slider label="Position" value=pos min=0.0 max=63.0 step=1.0 format=whole/>
            <div class="rope" role="img" aria-label="Two coordinate pairs of a query vector rotating as the position grows: one fast, one slow" inner_html=move || rope_svg(pos.get() as usize)></div>
            <p class="result">{angles}</p>
        </div>
        <p>
            "RoPE also extends to longer contexts than a model was trained on more gracefully than \
             learned or added encodings, with tricks such as position interpolation. It is one of the \
             reasons context windows grew from 2K tokens to hundreds of thousands."
        </p>
        <LivePermutation/>
    }
}
