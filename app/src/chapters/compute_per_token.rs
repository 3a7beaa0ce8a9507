//! The token-compute limit: one fixed-size forward pass per token.

use leptos::prelude::*;

use crate::calc::flops::Shape;
use crate::url_state::number_param;
use crate::widgets::Slider;
use crate::widgets::plot::compact;

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// The body of the `compute-per-token` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let layers = number_param("L", 12.0, 1.0, 128.0);
    let width = number_param("C", 768.0, 64.0, 16_384.0);
    let vocab = number_param("V", 50_257.0, 256.0, 256_000.0);
    let ctx = number_param("T", 1024.0, 1.0, 131_072.0);
    let shape = move || Shape {
        layers: layers.get() as u64,
        d_model: width.get() as u64,
        vocab: vocab.get() as u64,
        ff_mult: 4,
    };
    let (a, b, c, d) = (17i64, 24i64, 156i64, 3i64);
    let (ab, cd) = (a * b, c / d);
    view! {
        <p>
            "A model produces each token with one " <strong>"forward pass"</strong> ": the token's \
             vector goes through every layer once, and out comes a distribution. The number of \
             layers, and so the amount of arithmetic, is the same for every token, whether the \
             question is 2 + 2 or a hard puzzle."
        </p>
        <div class="panel">
            <h2>"Arithmetic per token, from the shape"</h2>
            <p>
                "Each weight is used in one multiply and one add per token, so a forward pass costs \
                 about 2 floating-point operations per parameter, plus attention's look at every \
                 earlier token. The sliders start at GPT-2 small's shape."
            </p>
            <Slider label="Layers" value=layers min=1.0 max=128.0 step=1.0 format=whole/>
            <Slider label="Width" value=width min=64.0 max=16_384.0 step=64.0 format=whole/>
            <Slider label="Vocabulary" value=vocab min=256.0 max=256_000.0 step=1.0 format=whole/>
            <Slider label="Tokens already in context" value=ctx min=1.0 max=131_072.0 step=1.0 format=whole/>
            <p class="result" data-flops=move || shape().flops_per_token(ctx.get() as u64).to_string()>
                {move || {
                    let s = shape();
                    let t = ctx.get() as u64;
                    format!(
                        "{} block weights; about {} FLOPs for this token ({} of them attention over {} earlier tokens).",
                        compact(s.block_params() as f64),
                        compact(s.flops_per_token(t) as f64),
                        compact((4 * s.layers * s.d_model * t) as f64),
                        t
                    )
                }}
            </p>
        </div>
        <h2>"One pass versus several"</h2>
        <p>"Ask “What is 17 × 24 − 156 ÷ 3?” and demand the answer as the very next token."</p>
        <div class="two-col">
            <div class="panel">
                <h3>"Answer at once"</h3>
                <p>"All of the multiplying, dividing and subtracting has to happen inside the single pass that emits the answer token. That often fails, and the model writes a plausible but wrong number."</p>
            </div>
            <div class="panel">
                <h3>"Step by step"</h3>
                <ol class="mono">
                    <li>{format!("{a} × {b} = {ab}")}</li>
                    <li>{format!("{c} ÷ {d} = {cd}")}</li>
                    <li>{format!("{ab} − {cd} = {}", ab - cd)}</li>
                </ol>
                <p>"Each written intermediate result gets its own passes, and later steps can read it back from the context."</p>
            </div>
        </div>
        <div class="callout">
            <strong>"Rule of operation: "</strong>
            "hard reasoning has to be spread over many tokens. Asking a model to show its work gives it \
             more forward passes, which is why chain-of-thought prompting helps on maths and logic."
        </div>
        <p class="note-live">
            "Live part not ready: the Tumbler's own FLOPs per token will be counted from its config \
             once the model ships with this page; the calculator above works for any shape."
        </p>
    }
}
