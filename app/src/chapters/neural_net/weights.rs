//! One of the Tumbler's real weight matrices, every number of it as a pixel.

use leptos::prelude::*;

use crate::calc::expr::{fixed, group_thousands};
use crate::engine::{self, EngineReady, Latest, Query, Shown};
use crate::widgets::matrix_map::{MatrixMap, colour_scale};
use tumbler_engine::{WEIGHT_MATRICES, WeightMatrix};

/// What each matrix of a block does, in the order of [`WEIGHT_MATRICES`].
const ROLES: [&str; 7] = [
    "attention: queries (W_q)",
    "attention: keys (W_k)",
    "attention: values (W_v)",
    "attention: output (W_o)",
    "MLP: gate (W_gate)",
    "MLP: up (W_up)",
    "MLP: down (W_down)",
];

/// Summary numbers of a matrix.
#[derive(Clone, Debug, PartialEq)]
struct Summary {
    mean: f64,
    std: f64,
    min: f32,
    max: f32,
    positive: f64,
}

fn summary(values: &[f32]) -> Summary {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    Summary {
        mean,
        std: var.sqrt(),
        min: values.iter().copied().fold(f32::INFINITY, f32::min),
        max: values.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        positive: values.iter().filter(|&&v| v > 0.0).count() as f64 / n,
    }
}

/// CSS pixels per number, so the longer side is at most about 640 px.
fn cell(rows: usize, cols: usize) -> f64 {
    (640.0 / cols.max(1) as f64).min(480.0 / rows.max(1) as f64).min(6.0)
}

fn shown(w: &WeightMatrix, layer: usize, role: &str) -> impl IntoView + use<> {
    let (rows, cols) = (w.values.shape[0], w.values.shape[1]);
    let params = rows * cols;
    let s = summary(&w.values.data);
    let scale = colour_scale(&w.values.data);
    view! {
        <div
            class="weight-matrix"
            data-name=w.name.clone()
            data-rows=rows
            data-cols=cols
            data-params=params
            data-model-params=w.model_params
        >
            <h3>{format!("Block {}, {role}: {rows} × {cols}", layer + 1)}</h3>
            <p class="small muted">"Its name in the model's weights file, which counts blocks from 0: " <code>{w.name.clone()}</code></p>
            <p class="result">
                {format!(
                    "{rows} × {cols} = {} weights, {:.1}% of the Tumbler's {}.",
                    group_thousands(params as i128),
                    100.0 * params as f64 / w.model_params as f64,
                    group_thousands(w.model_params as i128)
                )}
            </p>
            <MatrixMap
                rows
                cols
                values=w.values.data.clone()
                cell=cell(rows, cols)
                label=format!("Heatmap of the {rows} by {cols} weights of {role}")
            />
            <p class="small">
                {format!(
                    "One pixel per weight, row i column j. Purple is positive, teal negative; full \
                     colour from ±{scale:.3} (three root-mean-squares) up. Mean {}, standard \
                     deviation {:.4}, from {} to\u{a0}{}; {:.1}% are positive.",
                    crate::calc::expr::signed(s.mean, 4), s.std, fixed(s.min, 3), fixed(s.max, 3), s.positive * 100.0
                )}
            </p>
        </div>
    }
}

/// A picker for a block's matrix and its heatmap.
#[component]
pub fn LiveWeights() -> impl IntoView {
    let layer = RwSignal::new(0usize);
    let matrix = RwSignal::new(4usize); // W_gate
    let answer: Latest<WeightMatrix> = engine::latest(move || {
        Ok(Query::Weights { layer: layer.get(), matrix: WEIGHT_MATRICES[matrix.get()].to_string() })
    });
    let state = engine::state();
    let layers = move || state.with(|s| s.config().map_or(1, |c| c.n_layers));
    let pickers = move || {
        let layer_options = (0..layers())
            .map(|l| view! { <option value=l selected=move || layer.get() == l>{format!("block {}", l + 1)}</option> })
            .collect_view();
        let matrix_options = ROLES
            .iter()
            .enumerate()
            .map(
                |(i, r)| view! { <option value=i selected=move || matrix.get() == i>{*r}</option> },
            )
            .collect_view();
        view! {
            <div class="preset-row">
                <label>
                    "Block "
                    <select
                        class="weights-layer"
                        on:change=move |ev| layer.set(event_target_value(&ev).parse().unwrap_or(0))
                    >
                        {layer_options}
                    </select>
                </label>
                <label>
                    " matrix "
                    <select
                        class="weights-matrix"
                        on:change=move |ev| matrix.set(event_target_value(&ev).parse().unwrap_or(0))
                    >
                        {matrix_options}
                    </select>
                </label>
            </div>
        }
    };
    let body = move || {
        view! {
            {pickers}
            {move || answer.answer.with(|a| match a {
                None => view! { <p class="note-live">"Reading the weights…"</p> }.into_any(),
                Some(Err(message)) => {
                    view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
                }
                Some(Ok(w)) => shown(w, layer.get_untracked(), ROLES[matrix.get_untracked()]).into_any(),
            })}
        }
    };
    view! {
        <div class="panel live-weights">
            <h2>"A real weight matrix"</h2>
            <p>
                "Here is where the Tumbler's knowledge sits: every number of one of its matrices, \
                 as trained. Multiply a token's vector by it and you get the next layer's numbers."
            </p>
            <EngineReady
                loading="The Tumbler is loading; one of its weight matrices appears here when it is ready."
                shown=move || answer.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_and_cell_size() {
        let s = summary(&[1.0, -1.0, 2.0, 2.0]);
        assert_eq!(s.mean, 1.0);
        assert!((s.std - 1.5f64.sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (-1.0, 2.0));
        assert_eq!(s.positive, 0.75);
        assert_eq!(cell(128, 384), 640.0 / 384.0);
        assert_eq!(cell(384, 128), 1.25);
        assert_eq!(cell(4, 4), 6.0);
    }
}
