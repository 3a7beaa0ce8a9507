//! Neural network internals: a nested function of weights, shown on the Tumbler's own.

mod network;
mod weights;

use leptos::prelude::*;

use crate::widgets::Math;
use network::LiveNetwork;
use weights::LiveWeights;

/// The network as three layers, each a matrix, a bias and σ: written layer by layer, so that on a
/// phone the three lines stack (nested in one line it was 342 px in a 328-px column).
const LAYERS: [&str; 3] = [
    "<mrow><msub><mi>h</mi><mn>1</mn></msub><mo>=</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><msub><mi>W</mi><mn>1</mn></msub><mi>x</mi><mo>+</mo><msub><mi>b</mi><mn>1</mn></msub><mo stretchy=\"false\">)</mo></mrow>",
    "<mrow><msub><mi>h</mi><mn>2</mn></msub><mo>=</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><msub><mi>W</mi><mn>2</mn></msub><msub><mi>h</mi><mn>1</mn></msub><mo>+</mo><msub><mi>b</mi><mn>2</mn></msub><mo stretchy=\"false\">)</mo></mrow>",
    "<mrow><mi>f</mi><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo><mo>=</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><msub><mi>W</mi><mn>3</mn></msub><msub><mi>h</mi><mn>2</mn></msub><mo>+</mo><msub><mi>b</mi><mn>3</mn></msub><mo stretchy=\"false\">)</mo></mrow>",
];

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
        <Math parts=&LAYERS label="h 1 equals sigma of W 1 x plus b 1; h 2 equals sigma of W 2 h 1 plus b 2; f of x equals sigma of W 3 h 2 plus b 3"/>
        <p>
            "Without the non-linearity the layers would collapse into a single matrix; with it, \
             stacking layers lets the function bend into almost any shape. What the network knows \
             lives entirely in the weights: change them and the same code computes something else."
        </p>
        <LiveNetwork/>
        <p>
            "Every line between two columns stands for a matrix of weights, and every weight is just \
             a number. Here is one of the Tumbler's matrices, every number of it:"
        </p>
        <LiveWeights/>
        <p>
            "Real models are this picture scaled up enormously. GPT-3 has 175\u{a0}billion weights, and \
             published mixture-of-experts models pass a trillion: Google's Switch-C has 1.6 \
             trillion."
        </p>
        <p class="seed-note">
            "OpenAI has not published GPT-4's size. The 1.8\u{a0}trillion weights often quoted for it \
             come from unconfirmed reports."
        </p>
    }
}
