//! The Tumbler's real SwiGLU gate values, `silu(x W_gate)`, for one token of the reader's text,
//! in every layer.

use leptos::prelude::*;

use crate::engine::{self, EngineReady, Latest, Query, Shown};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use tumbler_engine::GateTrace;

const DEFAULT_TEXT: &str = "The cat sat on the mat because it was warm.";
/// A unit counts as open when its gate passes at least this much of its signal.
const OPEN: f32 = 0.5;

/// One layer's gates as a strip of cells: purple for positive, teal for negative (SiLU dips to
/// −0.28), shade by size.
fn strip(values: &[f32], layer: usize) -> impl IntoView + use<> {
    let max = values.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    let open = values.iter().filter(|&&v| v >= OPEN).count();
    let shut = values.iter().filter(|&&v| v.abs() < 0.05).count();
    let (arg, top) = values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
    let cells = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let colour = if v >= 0.0 { "var(--accent)" } else { "var(--accent-2)" };
            let style = format!("--g:{colour};--s:{:.3}", (v.abs() / max).sqrt());
            view! { <span style=style title=format!("unit {i}: {v:.3}")></span> }
        })
        .collect_view();
    view! {
        <div class="gate-layer" data-layer=layer data-open=open data-units=values.len()>
            <p class="small">
                {format!(
                    "Layer {layer}: {open} of {} units open (gate\u{a0}≥\u{a0}{OPEN}), {shut} nearly shut \
                     (within 0.05 of\u{a0}0); the widest open is unit {arg} at {top:.2}.",
                    values.len()
                )}
            </p>
            <div class="gate-strip" role="img" aria-label=widest(values, layer)>
                {cells}
            </div>
        </div>
    }
}

/// The strip's text alternative: how many gates, and the five widest open with their values.
fn widest(values: &[f32], layer: usize) -> String {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let top: Vec<String> =
        order.iter().take(5).map(|&i| format!("unit {i} {:.2}", values[i])).collect();
    format!(
        "The {} gate values of layer {layer}; the widest open: {}",
        values.len(),
        top.join(", ")
    )
}

/// The reader's text through the Tumbler, one token's gates on show.
#[component]
pub fn LiveGates() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let position = RwSignal::new(None::<usize>);
    let answer: Latest<GateTrace> = engine::latest(move || {
        let (text, position) = (text.get(), position.get());
        Ok(Query::Gates { text, position })
    });
    let shown = move |g: &GateTrace| {
        let chips = g
            .tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                view! {
                    <button
                        type="button"
                        class="chip"
                        class:chip-new=i == g.position
                        data-position=i
                        on:click=move |_| position.set(Some(i))
                    >
                        {visible(t)}
                    </button>
                }
            })
            .collect_view();
        let layers = g.gates.shape[0];
        let strips = (0..layers).map(|l| strip(g.gates.slice(&[l]), l)).collect_view();
        view! {
            <p class="gen-line">{chips}</p>
            <h3 class="gates-token" data-position=g.position>
                {format!("The gates of “{}”, token {} of your text", visible(&g.tokens[g.position]), g.position + 1)}
            </h3>
            <div class="gate-layers">{strips}</div>
            <p class="small">
                "Each cell is one hidden unit's gate, SiLU(x·W" <sub>"gate"</sub> "), for this token. Purple lets the \
                 unit's signal through (bigger is stronger), teal is SiLU's small negative dip, no \
                 colour is shut. Unlike a sigmoid gate, SiLU has no ceiling at 1: a strongly driven \
                 unit passes more than its whole signal. Pick another token: a different set of \
                 units opens."
            </p>
        }
    };
    let body = move || {
        answer.answer.with(|a| match a {
            None => view! { <p class="note-live">"Tracing…"</p> }.into_any(),
            Some(Err(message)) => {
                view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
            }
            Some(Ok(g)) => shown(g).into_any(),
        })
    };
    view! {
        <div class="panel live-gates">
            <h2>"The Tumbler's SwiGLU gates"</h2>
            <p>
                "Our model's feed-forward layers are SwiGLU. Here are the real gate values it computes \
                 for one token of your text, in each of its layers."
            </p>
            <textarea
                aria-label="Text to trace"
                rows="1"
                maxlength="500"
                prop:value=move || text.get()
                on:input=move |ev| {
                    position.set(None);
                    text.set(event_target_value(&ev));
                }
            ></textarea>
            <EngineReady
                loading="The Tumbler is loading; its gates for your text appear here when it is ready."
                shown=move || answer.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}
