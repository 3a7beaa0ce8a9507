//! Why did it say that: the logit lens, direct logit attribution, ablation and patching, live on
//! the Tumbler and the reader's prompt ([`live`]).

mod live;

use leptos::prelude::*;

/// The body of the `why` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Every chapter so far showed " <em>"what"</em> " the model computes. This one asks "
            <em>"why"</em> " it predicted one token rather than another. The Tumbler is small \
             enough to answer on your own prompt, in your browser, with the tools \
             interpretability researchers reach for first."
        </p>
        <p>
            "They all rest on one fact. Each block " <em>"adds"</em> " its output to the "
            <strong>"residual stream"</strong> ", the vector of numbers per token that flows \
             from the embedding to the output: every attention head writes its share, every MLP \
             writes its share, and nothing else touches the stream. So the final vector is a sum, \
             and a sum can be taken apart."
        </p>
        <live::WhyLive/>
        <h2>"What the tools can and cannot tell you"</h2>
        <ul>
            <li>
                <strong>"The logit lens"</strong> " assumes the stream at an early layer is already \
                 in the output's “language”. For the Tumbler, whose layers were trained with one \
                 shared final norm and unembedding, this works roughly; in larger models the early \
                 rows often read as noise, and researchers train a small translator per layer \
                 (the “tuned lens”) instead."
            </li>
            <li>
                <strong>"Direct attribution"</strong> " counts only a part's " <em>"direct"</em>
                " path to the output. A head in layer 1 that feeds a head in layer 3 gets credit \
                 only for what it writes straight to the output; its indirect effect shows up \
                 under the layer-3 head. The final RMSNorm divides the whole stream by its size, \
                 which is not linear: its scale is frozen at its value on the real stream, which is \
                 why the shares sum to the logit."
            </li>
            <li>
                <strong>"Ablation and patching"</strong> " measure total effects, direct and \
                 indirect, but on one prompt. Zeroing a component pushes the stream somewhere the \
                 model never saw in training; the mean (here: over this prompt's positions) is a \
                 gentler replacement. A part can matter and still be redundant: switch off one \
                 copy and another takes over."
            </li>
        </ul>
        <p>
            "Tools like these scale to real models (attribution graphs, sparse autoencoders), but \
             need a server GPU there; what you see above is the same arithmetic on a model small \
             enough to run everywhere."
        </p>
    }
}
