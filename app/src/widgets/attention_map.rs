//! One attention head as a heatmap: row i is where token i looks, column j the token it looks at.
//!
//! Every cell carries its probability in `data-p` (the testability contract), and the grid its
//! `data-layer` and `data-head`. Hovering a row follows that token: the row is outlined and the
//! caption names the token it attends to most.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A token as a label: spaces and line breaks made visible.
pub fn visible(token: &str) -> String {
    token.replace(' ', "␣").replace('\n', "↵").replace('\t', "⇥")
}

/// The heatmap of one head.
#[component]
pub fn AttentionMap(
    /// The token strings, T of them.
    tokens: Vec<String>,
    /// The head's attention probabilities, (T, T) row-major.
    probs: Vec<f32>,
    /// The layer, for `data-layer`.
    layer: usize,
    /// The head, for `data-head`.
    head: usize,
) -> impl IntoView {
    let t = tokens.len();
    assert_eq!(probs.len(), t * t, "attention of {t} tokens needs T×T values");
    let labels: Vec<String> = tokens.iter().map(|s| visible(s)).collect();
    let focus = RwSignal::new(None::<usize>);
    let columns = labels
        .iter()
        .enumerate()
        .map(|(j, label)| {
            view! { <span class="col-label" style=format!("grid-column:{};grid-row:1", j + 2)>{label.clone()}</span> }
        })
        .collect_view();
    let rows = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            view! { <span class="row-label" style=format!("grid-row:{}", i + 2)>{label.clone()}</span> }
        })
        .collect_view();
    // Shade ∝ √p, so weights of a few percent stay visible next to a dominant one.
    let cells = probs
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let (i, j) = (k / t, k % t);
            view! {
                <span
                    class="cell"
                    data-row=i
                    data-col=j
                    data-p=p.to_string()
                    style=format!("grid-row:{};grid-column:{};--s:{:.3}", i + 2, j + 2, p.sqrt())
                ></span>
            }
        })
        .collect_view();
    let on_over = move |ev: leptos::ev::MouseEvent| {
        let row = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.get_attribute("data-row"))
            .and_then(|r| r.parse::<usize>().ok());
        if row.is_some() {
            focus.set(row);
        }
    };
    let caption = {
        let labels = labels.clone();
        let probs = probs.clone();
        move || match focus.get() {
            None => "Hover a row to follow one token.".to_string(),
            Some(i) => {
                let row = &probs[i * t..(i + 1) * t];
                let best = (0..=i).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0);
                format!(
                    "“{}” (token {}) looks most at “{}” (token {}): {:.1}%",
                    labels[i],
                    i,
                    labels[best],
                    best,
                    row[best] * 100.0
                )
            }
        }
    };
    let outline = move || {
        focus.get().map(|i| {
            view! { <span class="row-focus" style=format!("grid-row:{};grid-column:2 / {}", i + 2, t + 2)></span> }
        })
    };
    view! {
        <div class="attention-map">
            <div
                class="attention-grid"
                data-layer=layer
                data-head=head
                style=format!("--t:{t}")
                role="img"
                aria-label=format!("Attention of layer {layer}, head {head} over {t} tokens")
                on:mouseover=on_over
                on:mouseleave=move |_| focus.set(None)
            >
                {columns}
                {rows}
                {cells}
                {outline}
            </div>
            <p class="attention-caption" aria-live="polite">{caption}</p>
        </div>
    }
}
