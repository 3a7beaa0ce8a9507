//! Self-attention: queries, keys and values, one head stepped through with real arithmetic.

use leptos::prelude::*;

use crate::calc::attention::head;
use crate::engine::{self, AttentionTrace, EngineReady, EngineState, Latest, Query, Shown};
use crate::url_state::text_param;
use crate::widgets::attention_map::{AttentionMap, visible};
use crate::widgets::{Math, Stepper};

const FORMULA: &str = "<mrow><mtext>Attention</mtext><mo stretchy=\"false\">(</mo><mi>Q</mi><mo>,</mo><mi>K</mi><mo>,</mo><mi>V</mi>\
<mo stretchy=\"false\">)</mo><mo>=</mo><mtext>softmax</mtext><mrow><mo>(</mo><mfrac><mrow><mi>Q</mi><msup><mi>K</mi><mi>T</mi></msup></mrow>\
<msqrt><msub><mi>d</mi><mi>k</mi></msub></msqrt></mfrac><mo>)</mo></mrow><mi>V</mi></mrow>";

const TOKENS: [&str; 4] = ["the", "cat", "sat", "down"];

const CAPTIONS: [&str; 5] = [
    "Each token's query Q, key K and value V (here 2 numbers each; in a real head 64 or 128).",
    "Q·Kᵀ: each query dotted with each earlier key. Later tokens are masked: a token may not look ahead.",
    "Divide by √d_k = √2 so the scores do not grow with the head size.",
    "Softmax along each row gives the attention weights. “sat” puts most of its weight on “cat”.",
    "Multiply by V: each output is the weighted average of the values it attended to.",
];

/// Rows of numbers, one row per token.
type Matrix = Vec<Vec<f64>>;

/// Hand-picked example vectors (d_k = 2), chosen so "sat" looks for its subject "cat".
fn example() -> (Matrix, Matrix, Matrix) {
    let q = vec![vec![0.5, 0.0], vec![1.0, 0.5], vec![0.2, 2.0], vec![1.0, 1.0]];
    let k = vec![vec![1.0, 0.0], vec![0.5, 1.5], vec![0.3, 0.2], vec![1.0, 0.5]];
    let v = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![0.5, 0.5], vec![1.0, 1.0]];
    (q, k, v)
}

fn matrix_view(rows: Vec<Vec<String>>, cols: &[&str]) -> impl IntoView {
    let head_cells =
        cols.iter().map(|c| view! { <th scope="col">{c.to_string()}</th> }).collect_view();
    let body = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| view! {
            <tr><th scope="row">{TOKENS[i]}</th>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
        })
        .collect_view();
    view! { <table class="numbers"><thead><tr><th></th>{head_cells}</tr></thead><tbody>{body}</tbody></table> }
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or("masked".to_owned(), |v| format!("{v:.3}"))
}

/// The body of the `attention` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let step = RwSignal::new(0usize);
    let vecs = |m: &[Vec<f64>]| {
        m.iter()
            .map(|r| r.iter().map(|x| format!("{x:.1}")).collect())
            .collect::<Vec<Vec<String>>>()
    };
    let masked = |m: &[Vec<Option<f64>>]| {
        m.iter().map(|r| r.iter().map(|x| fmt_opt(*x)).collect()).collect::<Vec<Vec<String>>>()
    };
    let stage = move || {
        let (q, k, v) = example();
        let h = head(&q, &k, &v);
        match step.get() {
            0 => view! {
                <div class="three-mats">
                    <div><h3>"Q"</h3>{matrix_view(vecs(&q), &["q₁", "q₂"])}</div>
                    <div><h3>"K"</h3>{matrix_view(vecs(&k), &["k₁", "k₂"])}</div>
                    <div><h3>"V"</h3>{matrix_view(vecs(&v), &["v₁", "v₂"])}</div>
                </div>
            }
            .into_any(),
            1 => matrix_view(masked(&h.scores), &TOKENS).into_any(),
            2 => matrix_view(masked(&h.scaled), &TOKENS).into_any(),
            3 => {
                let p = h
                    .probs
                    .iter()
                    .map(|r| r.iter().map(|x| format!("{:.0}%", x * 100.0)).collect());
                matrix_view(p.collect(), &TOKENS).into_any()
            }
            _ => matrix_view(vecs(&h.out), &["out₁", "out₂"]).into_any(),
        }
    };
    view! {
        <p>
            "Before 2017, language models were mostly recurrent networks (RNNs, LSTMs) that read one \
             token at a time and squeezed everything so far into a single memory vector. Long-range \
             information faded, and the step-by-step reading could not be spread across a GPU. The \
             transformer (Vaswani et\u{a0}al., “Attention Is All You Need”) dropped recurrence: every \
             token looks at all earlier tokens at once."
        </p>
        <h2>"Query, key, value"</h2>
        <ul>
            <li><strong>"Query"</strong> ": what this token is looking for."</li>
            <li><strong>"Key"</strong> ": what each token offers, to be matched against queries."</li>
            <li><strong>"Value"</strong> ": what each token hands over if it is attended to."</li>
        </ul>
        <Math parts=&[FORMULA] label="Attention of Q, K, V equals softmax of Q K transpose over the square root of d k, times V"/>
        <p>
            "Without the division by √d" <sub>"k"</sub> " the dot products would grow with the head \
             size, softmax would put nearly all weight on one token, and its gradients would vanish."
        </p>
        <div class="panel">
            <h2>"Step through one head"</h2>
            <p>"Four tokens with small hand-picked vectors, so every number can be checked; the arithmetic is real."</p>
            <Stepper count=CAPTIONS.len() current=step label="Attention steps"/>
            <p class="stage-why" aria-live="polite">{move || CAPTIONS[step.get()]}</p>
            {stage}
        </div>
        <h2>"Many heads"</h2>
        <p>
            "A layer runs several heads side by side, each with its own Q, K and V projections, and \
             concatenates their outputs. Trained heads often specialise: one tracks the previous \
             token, another links a pronoun to its noun, as in “The animal didn't cross the street \
             because it was too tired”, where a head can learn to send “it” to “animal”."
        </p>
        <p class="seed-note">
            "How many heads GPT-4 has is not published: its architecture is secret. The 96 heads per \
             layer often quoted for it are GPT-3 175B's published figure."
        </p>
        <table class="numbers">
            <thead><tr><th scope="col"></th><th scope="col">"RNN / LSTM"</th><th scope="col">"Transformer"</th></tr></thead>
            <tbody>
                <tr><th scope="row">"Reading"</th><td>"one token after another"</td><td>"all tokens in parallel"</td></tr>
                <tr><th scope="row">"Distant context"</th><td>"fades through one memory vector"</td><td>"one step away, through attention"</td></tr>
                <tr><th scope="row">"Training on GPUs"</th><td>"sequential, hard to parallelise"</td><td>"massively parallel"</td></tr>
                <tr><th scope="row">"Weak point"</th><td>"long-range memory"</td><td>"cost grows with the square of the context"</td></tr>
            </tbody>
        </table>
        <p>"That fit with GPU hardware is why scaling to today's model sizes became practical."</p>
        <LiveAttention/>
    }
}

const DEFAULT_TEXT: &str = "The animal didn't cross the street because it was too tired.";

/// The Tumbler's real attention on the reader's text, one heatmap per layer and head.
#[component]
fn LiveAttention() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let layer = RwSignal::new(0usize);
    let head = RwSignal::new(0usize);
    let trace: Latest<AttentionTrace> =
        engine::latest(move || Ok(Query::Trace { text: text.get() }));
    let state = engine::state();
    let controls = move || {
        let EngineState::Ready { config, backend, .. } = state.get() else { return None };
        let options = |n: usize, name: &'static str| {
            (0..n)
                .map(|i| view! { <option value=i.to_string()>{format!("{name} {i}")}</option> })
                .collect_view()
        };
        Some(view! {
            <div class="controls">
                <label>
                    "Layer "
                    <select
                        data-control="layer"
                        on:change=move |ev| layer.set(event_target_value(&ev).parse().unwrap_or(0))
                        prop:value=move || layer.get().to_string()
                    >
                        {options(config.n_layers, "layer")}
                    </select>
                </label>
                <label>
                    "Head "
                    <select
                        data-control="head"
                        on:change=move |ev| head.set(event_target_value(&ev).parse().unwrap_or(0))
                        prop:value=move || head.get().to_string()
                    >
                        {options(config.n_heads, "head")}
                    </select>
                </label>
                <span class="muted">
                    {format!(
                        "{} layers × {} heads, running on {}",
                        config.n_layers,
                        config.n_heads,
                        if backend == engine::Backend::Webgpu { "WebGPU" } else { "the CPU" }
                    )}
                </span>
            </div>
        })
    };
    let body = move || {
        trace.answer.with(|t| match t {
            None => view! { <p class="note-live">"Tracing…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            Some(Ok(trace)) => {
                let (l, h) = (layer.get(), head.get());
                let Some(probs) = trace.layers.get(l).filter(|a| h < a.shape[0]) else {
                    return ().into_any();
                };
                let t = trace.tokens.len();
                let cut = (trace.total_tokens > t).then(|| {
                    format!(" Your text has {} tokens; the map shows the first {t}.", trace.total_tokens)
                });
                let next = trace
                    .next
                    .iter()
                    .take(5)
                    .map(|n| format!("“{}”\u{a0}{:.1}%", visible(&n.text), n.p * 100.0))
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <AttentionMap tokens=trace.tokens.clone() probs=probs.slice(&[h]).to_vec() layer=l head=h/>
                    <p class="muted">
                        {format!("Layer {l}, head {h}: row i shows how token i spreads its attention over tokens 0…i \
                                  (the upper triangle is empty: no token sees the future). Shade grows with √p. \
                                  Forward pass: {:.0}\u{a0}ms.", trace.millis)}
                        {cut}
                    </p>
                    <p>"The Tumbler's next token after your text: " {next}" "
                        <a class="why-link" href=crate::route::fragment("why", &crate::url_codec::format_query(&[("prompt".to_string(), text.get_untracked())]))>"why this token?"</a>
                    </p>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="panel live-attention">
            <h2>"The Tumbler's attention on your text"</h2>
            <p>
                "Our own small model reads your text in this page. Pick a layer and a head: each \
                 head learned its own way of looking back."
            </p>
            <textarea
                aria-label="Text to trace"
                rows="2"
                maxlength="2000"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            {controls}
            <EngineReady
                loading="The Tumbler is loading; its attention on your text appears here when it is ready."
                shown=move || trace.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}
