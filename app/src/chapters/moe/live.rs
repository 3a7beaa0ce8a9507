//! The routing of the reader's text through the 8-expert Tumbler: each token's chosen experts per
//! layer (a colour per expert), its router probabilities on selection, each layer's expert load,
//! and total versus active parameters counted from the model's tensors. The model downloads when
//! this panel first shows.

use std::sync::Arc;

use leptos::prelude::*;
use tumbler_engine::{MAX_ROUTE_TOKENS, MAX_TEXT_BYTES, MoeDownload, MoeUrls, RouteTrace};

use crate::engine::{Query, Stream, absolute, latest, state, stream};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use crate::widgets::live_panel::LivePanel;
use crate::widgets::screen::narrow;
use crate::widgets::token_chips::group;

const DEFAULT_TEXT: &str = "The little dog ran to the park. 3 + 4 = 7, she said, and laughed.";

/// Where the chapter's model is.
fn urls() -> MoeUrls {
    MoeUrls {
        card: absolute("public/model/moe.json"),
        weights: absolute("public/model/moe.safetensors"),
    }
}

/// Where the model's download stands.
#[derive(Clone, Debug, PartialEq)]
enum Download {
    Waiting,
    Bytes(MoeDownload),
    Ready,
    Failed(String),
}

fn list(v: &[usize]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// The routing of one layer: tokens coloured by their experts, selectable.
fn tokens_view(trace: &RouteTrace, layer: usize, picked: RwSignal<usize>) -> impl IntoView + use<> {
    let routes = &trace.layers[layer].tokens;
    trace
        .tokens
        .iter()
        .zip(routes)
        .enumerate()
        .map(|(i, (tok, r))| {
            let (first, second) = (r.experts[0], r.experts.get(1).copied().unwrap_or(r.experts[0]));
            let label = format!(
                "token {}: “{}”, experts {}",
                i + 1,
                visible(tok),
                r.experts
                    .iter()
                    .zip(&r.gates)
                    .map(|(e, g)| format!("E{} ({:.0}%)", e + 1, g * 100.0))
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
            let probs = r.probs.iter().map(|p| format!("{p:.6}")).collect::<Vec<_>>().join(",");
            view! {
                <button
                    type="button"
                    class="moe-tok"
                    style=format!("--c1: var(--e{first}); --c2: var(--e{second})")
                    data-expert=list(&r.experts)
                    data-probs=probs
                    aria-pressed=move || (picked.get() == i).to_string()
                    title=label.clone()
                    aria-label=label
                    on:click=move |_| picked.set(i)
                    on:focus=move |_| picked.set(i)
                >
                    {visible(tok)}
                </button>
            }
        })
        .collect_view()
}

/// The router's probabilities for one token, all experts, chosen ones marked.
fn detail_view(trace: &RouteTrace, layer: usize, i: usize) -> impl IntoView + use<> {
    let r = &trace.layers[layer].tokens[i];
    let tok = visible(&trace.tokens[i]);
    // Bars scaled to the largest probability (at 0–100% every bar of eight near-even experts
    // looked empty); the numbers beside them are the probabilities themselves.
    let top = r.probs.iter().copied().fold(f32::MIN_POSITIVE, f32::max);
    let rows = r
        .probs
        .iter()
        .enumerate()
        .map(move |(e, &p)| {
            let gate = r.experts.iter().position(|&x| x == e).map(|j| r.gates[j]);
            let text = match gate {
                Some(g) => format!("{:.1}% → gate {:.1}%", p * 100.0, g * 100.0),
                None => format!("{:.1}%", p * 100.0),
            };
            view! {
                <li class:on=gate.is_some() data-p=p.to_string()>
                    <span class="moe-key" style=format!("background: var(--e{e})")></span>
                    <span class="moe-name">{format!("E{}", e + 1)}</span>
                    <span class="moe-bar"><span style=format!("width: {:.1}%", p / top * 100.0)></span></span>
                    <span class="moe-num">{text}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="moe-detail" aria-live="polite">
            <p>{format!("Layer {}, token {} “{tok}”: the router's probabilities over all {} experts; the top {} run, their gates renormalised to sum to 1. Each bar is drawn against the largest.", layer + 1, i + 1, trace.n_experts, trace.top_k)}</p>
            <ul class="moe-probs">{rows}</ul>
        </div>
    }
}

/// Each layer's load: how many of the text's T·k routing slots each expert took.
fn load_view(trace: &RouteTrace) -> impl IntoView {
    let slots = (trace.ids.len() * trace.top_k).max(1);
    let rows = trace
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            // A segment names its expert only where "E8" fits: 7% of a desktop bar, 8% of a
            // phone's (the whole column's width, under its layer's name); the title and the
            // table name every one.
            let min_share = if narrow() { 0.08 } else { 0.07 };
            let segments = layer
                .load
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(e, &n)| {
                    let share = n as f64 / slots as f64;
                    view! {
                        <span
                            style=format!("width: {:.2}%; background: var(--e{e}); color: var(--f{e})", share * 100.0)
                            title=format!("E{}: {n} of {slots} ({:.0}%)", e + 1, share * 100.0)
                        >{(share >= min_share).then(|| format!("E{}", e + 1))}</span>
                    }
                })
                .collect_view();
            let text = layer.load.iter().enumerate().map(|(e, n)| format!("E{} {n}", e + 1)).collect::<Vec<_>>().join(", ");
            view! {
                <div class="moe-load-row" data-layer=l data-load=list(&layer.load) data-balance=layer.balance.to_string()>
                    <span class="moe-load-name">{format!("layer {}", l + 1)}</span>
                    <span class="moe-load-bar" role="img" aria-label=format!("Layer {} load: {text}", l + 1)>{segments}</span>
                    <span class="moe-load-num" title="load-balancing loss E·Σ f·P: 1 when even">{format!("{:.2}", layer.balance)}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        <h3>"Expert load over your text"</h3>
        <p class="muted">{format!("Each bar is one layer's {slots} routing slots ({} tokens × top-{}), split by expert. The number is the Switch Transformer's balance score E·Σ f·P: 1.00 when the load is even, up to {} when one expert takes everything.", trace.ids.len(), trace.top_k, trace.n_experts)}</p>
        <div class="moe-load">{rows}</div>
    }
}

/// The live panel of the `moe` chapter.
#[component]
pub fn LiveRoute() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let download = RwSignal::new(Download::Waiting);
    let layer = RwSignal::new(0usize);
    let picked = RwSignal::new(0usize);
    let handle = StoredValue::new_local(None::<Stream>);
    let engine = state();
    // The model downloads once the engine is ready, and only when this panel shows.
    Effect::new(move |_| {
        let ready = engine.with(|s| s.config().is_some());
        if !ready || download.get_untracked() != Download::Waiting {
            return;
        }
        download.set(Download::Bytes(MoeDownload {
            file: "moe.json".into(),
            loaded: 0,
            total: None,
        }));
        let s = stream::<MoeDownload>(
            Query::MoeLoad { urls: urls() },
            move |step| download.set(Download::Bytes(step)),
            move |end| {
                download.set(match end {
                    Ok(_) => Download::Ready,
                    Err(message) => Download::Failed(message),
                })
            },
        );
        handle.set_value(Some(s));
    });
    let live = latest::<RouteTrace>(move || {
        match download.get() {
            Download::Ready => {}
            Download::Failed(message) => {
                return Err(format!("The expert model did not load: {message}"));
            }
            _ => return Err("Downloading the 8-expert model…".into()),
        }
        text.with(|t| {
            if t.trim().is_empty() {
                return Err("There is no text yet: type a few words.".to_string());
            }
            if t.len() > MAX_TEXT_BYTES {
                return Err(format!(
                    "Your text is {} characters; the router trace covers at most {MAX_ROUTE_TOKENS} tokens (a few hundred words). Shorten it.",
                    t.chars().count()
                ));
            }
            Ok(Query::Route { text: t.clone(), urls: urls() })
        })
    });
    let progress = move || {
        match download.get() {
        Download::Bytes(d) if d.file == "moe.safetensors" => Some(view! {
            <p class="muted" role="status">
                {format!("Downloading the 8-expert model: {:.2} MB{}", d.loaded as f64 / 1e6, d.total.map(|t| format!(" of {:.2} MB", t as f64 / 1e6)).unwrap_or_default())}
                <progress max=d.total.unwrap_or(0).to_string() value=d.loaded.to_string()></progress>
            </p>
        }.into_any()),
        Download::Bytes(_) => Some(view! { <p class="muted" role="status">"Downloading the 8-expert model…"</p> }.into_any()),
        _ => None,
    }
    };
    let draw = move |trace: &RouteTrace| {
        // Layer and token are chosen inside the drawing: only the parts that show them redraw,
        // so a selected token keeps the keyboard focus.
        let trace = Arc::new(trace.clone());
        let t = trace.ids.len();
        let n_layers = trace.layers.len();
        let p = trace.params;
        let share = 100.0 * p.active as f64 / p.total as f64;
        let layers = (0..n_layers).map(|x| view! {
            <button type="button" aria-pressed=move || (layer.get() == x).to_string() on:click=move |_| layer.set(x)>{format!("Layer {}", x + 1)}</button>
        }).collect_view();
        let key = (0..trace.n_experts).map(|e| view! {
            <span class="moe-legend"><span class="moe-key" style=format!("background: var(--e{e})")></span>{format!("E{}", e + 1)}</span>
        }).collect_view();
        let shown = move || layer.get().min(n_layers - 1);
        let tokens = {
            let trace = trace.clone();
            move || tokens_view(&trace, shown(), picked)
        };
        let detail = {
            let trace = trace.clone();
            move || detail_view(&trace, shown(), picked.get().min(t - 1))
        };
        view! {
            <div
                class="moe-route"
                data-live="moe-route"
                data-tokens=t
                data-experts=trace.n_experts
                data-top-k=trace.top_k
                data-layers=n_layers
                data-layer=shown
                data-active-params=p.active
                data-total-params=p.total
                data-millis=trace.millis.to_string()
                data-read=trace.tokens.concat()
            >
                <div class="preset-row moe-layers" role="group" aria-label="Layer shown">{layers}</div>
                <p class="moe-legend-row" aria-hidden="true">{key}</p>
                <p class="moe-tokens" aria-label=move || format!("Your text's tokens in layer {}; each is coloured by its first expert (left) and second (right). Select one for its router probabilities.", shown() + 1)>
                    {tokens}
                </p>
                {detail}
                {load_view(&trace)}
                <p class="result">
                    {format!(
                        "{} parameters stored, {} used per token ({share:.0}%): each layer's {} experts hold {} numbers apiece and a token runs {} of them. Routing {t} tokens took {:.0}\u{a0}ms in the engine.",
                        group(p.total), group(p.active), trace.n_experts, group(p.per_expert), trace.top_k, trace.millis
                    )}
                    {(trace.total_tokens > t).then(|| format!(" Only the first {t} of your {} tokens are routed.", trace.total_tokens))}
                </p>
            </div>
        }
        .into_any()
    };
    view! {
        <LivePanel
            class="live-moe"
            title="Routing your text through an 8\u{2011}expert Tumbler"
            label="Text to route"
            text=text
            live=live
            loading="The Tumbler is loading; the 8-expert model downloads after it."
            working="Routing your text…"
            draw
            rows=3
        >
            <p>
                "This is a real router: an 8-expert variant of the Tumbler, upcycled from its weights \
                 and then trained here on the same pre-training text (the run is described below). \
                 Every layer's feed-forward block is eight small SwiGLU experts; for each token a \
                 linear router scores them and the top 2 run. Pick a layer, then select a token to see \
                 the router's probabilities."
            </p>
            {progress}
        </LivePanel>
    }
}
