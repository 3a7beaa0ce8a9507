//! The Tumbler's own embedding matrix: the reader's tokens, their rows, their nearest tokens by
//! cosine, and the whole matrix projected onto its two principal components.

use leptos::prelude::*;

use crate::engine::{self, EngineReady, Latest, Query, Shown};
use crate::url_state::text_param;
use crate::widgets::Chart;
use crate::widgets::attention_map::visible;
use crate::widgets::plot::{Rect, heatmap, place_label};
use crate::widgets::screen;
use plotters::style::text_anchor::HPos;
use tumbler_engine::EmbeddingMap;

const DEFAULT_TEXT: &str = "king queen man woman cat dog the of";
/// Drawing size of the map, in SVG units.
const MAP_W: f64 = 640.0;
const MAP_H: f64 = 400.0;
const PAD: f64 = 24.0;

/// Maps projected points into the drawing.
struct Frame {
    min: [f32; 2],
    span: [f32; 2],
}

impl Frame {
    fn new(points: &[[f32; 2]]) -> Self {
        let mut min = [f32::INFINITY; 2];
        let mut max = [f32::NEG_INFINITY; 2];
        for p in points {
            for a in 0..2 {
                min[a] = min[a].min(p[a]);
                max[a] = max[a].max(p[a]);
            }
        }
        let span = [(max[0] - min[0]).max(1e-6), (max[1] - min[1]).max(1e-6)];
        Self { min, span }
    }

    fn place(&self, p: [f32; 2]) -> (f64, f64) {
        let x = PAD + f64::from((p[0] - self.min[0]) / self.span[0]) * (MAP_W - 2.0 * PAD);
        let y = MAP_H - PAD - f64::from((p[1] - self.min[1]) / self.span[1]) * (MAP_H - 2.0 * PAD);
        (x, y)
    }
}

/// Where each name goes beside its dot, as text x, y and anchor: the first free place of
/// `plot::place_label` (no name over another name or dot), worked out in units of the map's
/// 13-px labels; on a phone they are twice that in the viewBox (engine.css).
fn placed(names: &[((f64, f64), String)]) -> Vec<(f64, f64, &'static str)> {
    let k = if screen::narrow() { 2.0 } else { 1.0 };
    let area = (0..(MAP_W / k) as i32, 0..(MAP_H / k) as i32);
    let centres: Vec<(i32, i32)> =
        names.iter().map(|((x, y), _)| ((x / k).round() as i32, (y / k).round() as i32)).collect();
    let mut taken: Vec<Rect> = Vec::new();
    names
        .iter()
        .zip(&centres)
        .map(|((_, name), &at)| {
            let (rect, (dx, dy), anchor) = place_label(at, name, &area, &taken, &centres);
            taken.push(rect);
            // The box is centred on the offset; a 13-px label's baseline sits 4.5 below that.
            let (x, y) = (f64::from(at.0 + dx) * k, (f64::from(at.1 + dy) + 4.5) * k);
            (x, y, if matches!(anchor, HPos::Right) { "end" } else { "start" })
        })
        .collect()
}

/// The map: every token as a faint dot, the reader's tokens labelled, the picked token's
/// neighbours ringed.
fn map_view(map: &EmbeddingMap, picked: usize) -> impl IntoView + use<> {
    let frame = Frame::new(&map.points);
    let mut dots = String::with_capacity(map.points.len() * 24);
    for &p in &map.points {
        let (x, y) = frame.place(p);
        dots.push_str(&format!("M{x:.1} {y:.1}h1.6v1.6h-1.6z"));
    }
    let neighbours = map.tokens.get(picked).map(|t| t.neighbours.clone()).unwrap_or_default();
    let near: Vec<((f64, f64), String)> = neighbours
        .iter()
        .filter_map(|n| map.points.get(n.id as usize).map(|&p| (frame.place(p), visible(&n.text))))
        .collect();
    let yours: Vec<((f64, f64), String)> =
        map.tokens.iter().map(|t| (frame.place(t.point), visible(&t.text))).collect();
    // The reader's tokens are named first, then the picked one's neighbours around them.
    let all: Vec<((f64, f64), String)> = yours.iter().chain(&near).cloned().collect();
    let spots = placed(&all);
    let (own_spots, near_spots) = spots.split_at(yours.len());
    let rings = near
        .into_iter()
        .zip(near_spots.to_vec())
        .map(|(((x, y), label), (tx, ty, anchor))| {
            view! {
                <g class="neighbour">
                    <circle cx=x cy=y r="4"></circle>
                    <text x=tx y=ty text-anchor=anchor>{label}</text>
                </g>
            }
        })
        .collect_view();
    let labels = map
        .tokens
        .iter()
        .zip(yours)
        .zip(own_spots.to_vec())
        .enumerate()
        .map(|(i, ((t, ((x, y), label)), (tx, ty, anchor)))| {
            view! {
                <g class="token" class:picked=i == picked data-token-id=t.id>
                    <circle cx=x cy=y r="4.5"></circle>
                    <text x=tx y=ty text-anchor=anchor>{label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="embedding-map"
            viewBox=format!("0 0 {MAP_W} {MAP_H}")
            role="img"
            aria-label="Every token of the Tumbler's vocabulary as a dot, placed by the first two \
                        principal components of its embedding row; your tokens are labelled"
            data-points=map.points.len()
        >
            <path class="all-tokens" d=dots></path>
            {rings}
            {labels}
        </svg>
    }
}

/// One token's row as numbers: a heatmap of C cells, 16 per line, and a summary.
fn row_view(map: &EmbeddingMap, picked: usize) -> Option<impl IntoView + use<>> {
    let token = map.tokens.get(picked)?;
    let c = token.row.len();
    let cols = 16.min(c);
    let values: Vec<f64> = token.row.iter().map(|&v| f64::from(v)).collect();
    let svg = heatmap(
        &values,
        c.div_ceil(cols),
        cols,
        "column: dimension = 16 × line + column",
        "line",
        (640, 240),
    );
    let norm = token.row.iter().map(|v| v * v).sum::<f32>().sqrt();
    let first = token.row.iter().take(6).map(|v| format!("{v:+.3}")).collect::<Vec<_>>().join(", ");
    let neighbours = token
        .neighbours
        .iter()
        .map(|n| {
            view! {
                <tr data-token-id=n.id data-cosine=n.cosine>
                    <th scope="row">{format!("“{}”", visible(&n.text))}</th>
                    <td>{n.id}</td>
                    <td>{format!("{:.3}", n.cosine)}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <h3>{format!("Row {} of the embedding matrix: “{}”", token.id, visible(&token.text))}</h3>
        <p class="embedding-row" data-token-id=token.id data-dims=c>
            {format!("{c} numbers, length {norm:.3}; the first six: {first}, …")}
        </p>
        <Chart
            svg=Signal::derive(move || svg.clone())
            label=format!("Heatmap of the {c} numbers of the token's embedding row")
            caption="Purple cells are positive, teal negative; the stronger the colour, the larger the number."
        />
        <table class="numbers embedding-neighbours">
            <caption>"Its nearest tokens by cosine similarity, over the whole vocabulary"</caption>
            <thead><tr><th scope="col">"token"</th><th scope="col">"id"</th><th scope="col">"cosine"</th></tr></thead>
            <tbody>{neighbours}</tbody>
        </table>
    })
}

/// The reader's text looked up in the Tumbler's embedding matrix.
#[component]
pub fn TumblerEmbeddings() -> impl IntoView {
    let text = text_param("words", DEFAULT_TEXT);
    let picked = RwSignal::new(0usize);
    let answer: Latest<EmbeddingMap> =
        engine::latest(move || Ok(Query::Embeddings { text: text.get() }));
    let state = engine::state();
    let body = move || {
        // Inside EngineReady: the model is loaded.
        let Some(config) = state.with(|s| s.config().cloned()) else { return ().into_any() };
        answer.answer.with(|a| match a {
            None => view! { <p class="note-live">"Looking up…"</p> }.into_any(),
            Some(Err(message)) => {
                view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
            }
            Some(Ok(map)) => {
                let p = picked.get().min(map.tokens.len().saturating_sub(1));
                let chips = map
                    .tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        view! {
                            <button
                                type="button"
                                class="chip"
                                class:chip-new=i == p
                                data-token-id=t.id
                                on:click=move |_| picked.set(i)
                            >
                                {visible(&t.text)}
                            </button>
                        }
                    })
                    .collect_view();
                let more = (map.total_tokens > map.tokens.len()).then(|| {
                    format!(
                        " Your text has {} tokens; the first {} different ones are shown.",
                        map.total_tokens,
                        map.tokens.len()
                    )
                });
                view! {
                    <p class="gen-line">{chips}</p>
                    <p class="small">
                        {format!(
                            "{} tokens × {} numbers. Looked up in {:.0} ms in the engine.",
                            map.points.len(),
                            config.d_model,
                            map.millis
                        )}
                        {more}
                    </p>
                    {row_view(map, p)}
                    <h3>"The whole vocabulary in two dimensions"</h3>
                    {map_view(map, p)}
                    <p class="small embedding-explained">
                        {format!(
                            "Principal component analysis of all {} rows: the horizontal axis is the \
                             direction along which the rows vary most ({:.1}% of their variance), the \
                             vertical the next ({:.1}%). The other {:.0}% is in the {} directions a \
                             flat picture cannot show, so tokens close on the map can be far apart in \
                             the model; the cosine table above is the true measure.",
                            map.points.len(),
                            map.explained[0] * 100.0,
                            map.explained[1] * 100.0,
                            100.0 - (map.explained[0] + map.explained[1]) * 100.0,
                            config.d_model - 2
                        )}
                    </p>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="panel live-embeddings">
            <h2>"The Tumbler's embedding matrix"</h2>
            <p>
                "Type some words. Each token's row is read from our small model's embedding \
                 matrix in this page; pick a token to see its numbers and the tokens whose rows \
                 point the most the same way. The Tumbler is tiny and learned from a few megabytes \
                 of text, so its neighbours are noisier than those of the word vectors below."
            </p>
            <textarea
                aria-label="Words to look up"
                rows="1"
                maxlength="500"
                prop:value=move || text.get()
                on:input=move |ev| {
                    picked.set(0);
                    text.set(event_target_value(&ev));
                }
            ></textarea>
            <EngineReady
                loading="The Tumbler is loading; its embedding rows for your words appear here when it is ready."
                shown=move || answer.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}
