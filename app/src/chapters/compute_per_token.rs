//! The token-compute limit: one fixed-size forward pass per token.

mod live;

use leptos::prelude::*;

use tumbler_model::gpt::TumblerConfig;

use crate::calc::expr::group_thousands;
use crate::calc::flops::Shape;
use crate::url_state::number_param;
use crate::widgets::Slider;
use crate::widgets::plot::compact;
use tumbler_engine::fetch;

fn whole(v: f64) -> String {
    group_thousands(v.round() as i128)
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
                        "{} block weights; about {}\u{a0}FLOPs for this token ({} of them attention over {} earlier tokens).",
                        compact(s.block_params() as f64),
                        compact(s.flops_per_token(t) as f64),
                        compact((4 * s.layers * s.d_model * t) as f64),
                        group_thousands(i128::from(t))
                    )
                }}
            </p>
        </div>
        <h2>"One pass versus several"</h2>
        <p>"Ask “What is 17 × 24 − 156 ÷ 3?” and demand the answer as the very next token."</p>
        <div class="two-col">
            <div class="panel">
                <h3>"Answer at once"</h3>
                <p>"All of the multiplying, dividing and subtracting has to happen inside the single pass that emits the answer token: a fixed amount of arithmetic, however hard the sum."</p>
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
        <TumblerCount/>
        <live::AskedBothWays/>
    }
}

const CONFIG_URL: &str = "public/model/base/config.json";

/// The Tumbler's forward-pass FLOPs at a few positions, from its shipped `config.json`, with the
/// count split by where the work goes (the model crate's own `flops_per_token`).
#[component]
fn TumblerCount() -> impl IntoView {
    let config = RwSignal::new(None::<Result<TumblerConfig, String>>);
    leptos::task::spawn_local(async move {
        let parsed = match fetch::download(CONFIG_URL, false, |_, _| {}).await {
            Ok(bytes) => TumblerConfig::from_json(&String::from_utf8_lossy(&bytes))
                .map_err(|e| format!("{CONFIG_URL}: {e}")),
            Err(e) => Err(format!("{CONFIG_URL}: {e}")),
        };
        config.try_set(Some(parsed));
    });
    let n = |v: u64| group_thousands(i128::from(v));
    view! {
        <div class="panel tumbler-flops" data-tumbler-flops="">
            <h2>"The Tumbler, counted"</h2>
            {move || match config.get() {
                None => view! { <p class="muted">"Reading the Tumbler's shape…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="status">"The Tumbler's shape could not be read: " {e}</p> }.into_any(),
                Some(Ok(c)) => {
                    let params = c.param_count() as u64;
                    let positions = [1usize, c.context_length / 2, c.context_length];
                    view! {
                        <p>
                            {format!(
                                "The model in this page has {} layers of width {}, {} heads, a SwiGLU \
                                 feed-forward of width {} and a vocabulary of {}: {} parameters. Every \
                                 token it writes costs one forward pass through all of them:",
                                c.n_layers, c.d_model, c.n_heads, c.d_ff, group_thousands(c.vocab_size as i128), n(params)
                            )}
                        </p>
                        <table class="numbers">
                            <thead>
                                <tr>
                                    <th scope="col">"Position"</th>
                                    <th scope="col">"FLOPs"</th>
                                    <th scope="col">"attention FLOPs"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {positions
                                    .into_iter()
                                    .map(|t| {
                                        let all = c.flops_per_token(t);
                                        let attention = all - c.flops_per_token(0);
                                        view! {
                                            <tr data-position=t data-flops=all>
                                                <td>{t}</td>
                                                <td>{n(all)}</td>
                                                <td>{n(attention)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                        <p class="result">
                            {format!(
                                "That is {:.2} × 2N for N parameters: the rule of thumb of 2 FLOPs \
                                 per parameter per token holds, because the embedding table doubles as \
                                 the output head ({} × {}) and so is multiplied once per token too. A \
                                 100\u{2011}token answer costs about {}\u{a0}FLOPs, however easy or hard the question.",
                                c.flops_per_token(1) as f64 / (2 * params) as f64,
                                group_thousands(c.vocab_size as i128),
                                c.d_model,
                                crate::widgets::plot::compact((0..100).map(|t| c.flops_per_token(t + 1) as f64).sum())
                            )}
                        </p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
