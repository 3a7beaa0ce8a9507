//! The Tumbler's own embedding matrix: the reader's tokens, their rows, their nearest tokens by
//! cosine, and the whole matrix projected onto its two principal components.

use leptos::prelude::*;

use crate::calc::expr::signed;
use crate::engine::{self, EngineReady, Latest, Query, Shown};
use crate::url_state::text_param;
use crate::widgets::Chart;
use crate::widgets::attention_map::visible;
use crate::widgets::plot::{Rect, heatmap, leader_end, place_label};
use crate::widgets::screen;
use plotters::style::text_anchor::HPos;
use tumbler_engine::EmbeddingMap;

const DEFAULT_TEXT: &str = "king queen man woman cat dog the of";
/// Drawing size of the map, in SVG units.
const MAP_W: f64 = 640.0;
const PAD: f64 = 24.0;

/// The map's height: 400 units on a wide screen; on a phone, where the map is drawn at about 0.45
/// of its size and its names at twice theirs, 600, so the names have room to stand apart.
fn map_h() -> f64 {
    if screen::narrow() { 600.0 } else { 400.0 }
}
/// The share of tokens at each end of an axis that may fall outside the map's frame, drawn on its
/// edge: a handful of outlying rows (one far left in the Tumbler's map) otherwise squeeze the
/// other 4,000 into a corner, their names on top of each other on a phone.
const OUTLIERS: f64 = 0.005;

/// How far the frame reaches from the median, in interquartile ranges, whatever [`OUTLIERS`]
/// allows: the Tumbler's first component has a far cluster of about 2% of its rows (1.7 to 2.2,
/// where the middle half lies within −0.15 to 0.09), and a frame that held it left the cloud and
/// the reader's tokens in the right third of the map, the left two thirds empty.
const REACH: f32 = 4.0;

/// Maps projected points into the drawing.
struct Frame {
    min: [f32; 2],
    span: [f32; 2],
    /// The map's height in SVG units ([`map_h`]).
    h: f64,
}

impl Frame {
    /// A frame over all but the [`OUTLIERS`] at either end of each axis and at most [`REACH`]
    /// interquartile ranges from the median, widened to hold every point of `keep` (the labelled
    /// tokens, which are always drawn where they are).
    fn new(points: &[[f32; 2]], keep: &[[f32; 2]]) -> Self {
        let mut min = [0.0; 2];
        let mut span = [1.0; 2];
        for a in 0..2 {
            let mut v: Vec<f32> = points.iter().map(|p| p[a]).filter(|x| x.is_finite()).collect();
            v.sort_by(f32::total_cmp);
            let at = |q: f64| v.get(((v.len().saturating_sub(1)) as f64 * q).round() as usize);
            let (lo, hi) = match (at(OUTLIERS), at(0.25), at(0.5), at(0.75), at(1.0 - OUTLIERS)) {
                (Some(&lo), Some(&q1), Some(&mid), Some(&q3), Some(&hi)) => {
                    let reach = REACH * (q3 - q1);
                    (Some(lo.max(mid - reach)), Some(hi.min(mid + reach)))
                }
                _ => (None, None),
            };
            let lo = keep.iter().map(|p| p[a]).fold(lo.unwrap_or(0.0), f32::min);
            let hi = keep.iter().map(|p| p[a]).fold(hi.unwrap_or(1.0), f32::max);
            min[a] = lo;
            span[a] = (hi - lo).max(1e-6);
        }
        Self { min, span, h: map_h() }
    }

    /// Where `p` is drawn, and whether it lies outside the frame (then it is drawn on the edge).
    fn place_or_edge(&self, p: [f32; 2]) -> ((f64, f64), bool) {
        let fx = f64::from((p[0] - self.min[0]) / self.span[0]);
        let fy = f64::from((p[1] - self.min[1]) / self.span[1]);
        let out = !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy);
        let (fx, fy) = (fx.clamp(0.0, 1.0), fy.clamp(0.0, 1.0));
        ((PAD + fx * (MAP_W - 2.0 * PAD), self.h - PAD - fy * (self.h - 2.0 * PAD)), out)
    }

    fn place(&self, p: [f32; 2]) -> (f64, f64) {
        self.place_or_edge(p).0
    }

    /// How many of `points` lie outside the frame.
    fn outside(&self, points: &[[f32; 2]]) -> usize {
        points.iter().filter(|&&p| self.place_or_edge(p).1).count()
    }
}

/// The map's frame for the reader's tokens and the picked one's neighbours.
fn frame(map: &EmbeddingMap, picked: usize) -> Frame {
    let near = map.tokens.get(picked).map(|t| t.neighbours.as_slice()).unwrap_or_default();
    let keep: Vec<[f32; 2]> = map
        .tokens
        .iter()
        .map(|t| t.point)
        .chain(near.iter().filter_map(|n| map.points.get(n.id as usize).copied()))
        .collect();
    Frame::new(&map.points, &keep)
}

/// Where each name goes beside its dot, as text x, y and anchor: the first free place of
/// `plot::place_label` (no name over another name or dot), worked out in units of the map's
/// 13-px labels; on a phone they are twice that in the viewBox (engine.css). The labels are
/// monospace, 1.04 times as wide as the sans-serif letters `place_label` assumes, and may not
/// reach past the map's right edge as a chart's may (by 8 units).
///
/// A name that would cover one already placed is left off (its dot stays, named on hover and in
/// the table above), but for `must`'s, the picked token's: on a phone, where the names are large
/// beside the map, the reader's own tokens' names overprinted each other.
fn placed(names: &[((f64, f64), String)], must: usize) -> Vec<Option<Spot>> {
    let k = if screen::narrow() { 2.0 } else { 1.0 } * 1.05;
    let area = (0..(MAP_W / k) as i32 - 8, 0..(map_h() / k) as i32);
    let centres: Vec<(i32, i32)> =
        names.iter().map(|((x, y), _)| ((x / k).round() as i32, (y / k).round() as i32)).collect();
    let mut taken: Vec<Rect> = Vec::new();
    let covers = |a: &Rect, b: &Rect| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    names
        .iter()
        .zip(&centres)
        .enumerate()
        .map(|(i, ((_, name), &at))| {
            let (rect, (dx, dy), anchor) = place_label(at, name, &area, &taken, &centres);
            if i != must && taken.iter().any(|t| covers(&rect, t)) {
                return None;
            }
            taken.push(rect);
            // The box is centred on the offset; a 13-px label's baseline sits 4.5 below that.
            let (x, y) = (f64::from(at.0 + dx) * k, (f64::from(at.1 + dy) + 4.5) * k);
            let leader = leader_end(at, (dx, dy)).map(|corner| {
                format!(
                    "M{:.1} {:.1}L{:.1} {:.1}",
                    names[i].0.0,
                    names[i].0.1,
                    f64::from(corner.0) * k,
                    f64::from(corner.1) * k
                )
            });
            Some(Spot {
                x,
                y,
                anchor: if matches!(anchor, HPos::Right) { "end" } else { "start" },
                leader,
            })
        })
        .collect()
}

/// Where a dot's name is written: the text's x, y and anchor, and the leader line's path from the
/// dot to a name written above or below it.
#[derive(Clone, Debug, PartialEq)]
struct Spot {
    x: f64,
    y: f64,
    anchor: &'static str,
    leader: Option<String>,
}

/// The map: every token as a faint dot, the reader's tokens labelled, the picked token's
/// neighbours ringed.
fn map_view(map: &EmbeddingMap, picked: usize, frame: &Frame) -> impl IntoView + use<> {
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
    let spots = placed(&all, picked);
    let (own_spots, near_spots) = spots.split_at(yours.len());
    let rings = near
        .into_iter()
        .zip(near_spots.to_vec())
        .map(|(((x, y), label), spot)| {
            let name = spot.map(|s| {
                view! {
                    {s.leader.map(|d| view! { <path class="leader" d=d></path> })}
                    <text x=s.x y=s.y text-anchor=s.anchor>{label}</text>
                }
            });
            view! {
                <g class="neighbour">
                    <circle cx=x cy=y r="4"></circle>
                    {name}
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
        .map(|(i, ((t, ((x, y), label)), spot))| {
            let name = match spot {
                Some(s) => view! {
                    {s.leader.map(|d| view! { <path class="leader" d=d></path> })}
                    <text x=s.x y=s.y text-anchor=s.anchor>{label}</text>
                }
                .into_any(),
                None => view! { <title>{label}</title> }.into_any(),
            };
            view! {
                <g class="token" class:picked=i == picked data-token-id=t.id>
                    <circle cx=x cy=y r="4.5"></circle>
                    {name}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="embedding-map"
            viewBox=format!("0 0 {MAP_W} {}", map_h())
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
    let first = token.row.iter().take(6).map(|v| signed(*v, 3)).collect::<Vec<_>>().join(", ");
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
        <div class="embedding-row-view">
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
        </div>
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
                // One frame for the map and its caption's count of the rows drawn on its edge.
                let frame = frame(map, p);
                view! {
                    <p class="gen-line">{chips}</p>
                    <p class="small">
                        {format!(
                            "{} tokens × {} numbers. Looked up in {:.0}\u{a0}ms in the engine.",
                            crate::calc::expr::group_thousands(map.points.len() as i128),
                            config.d_model,
                            map.millis
                        )}
                        {more}
                    </p>
                    {row_view(map, p)}
                    <h3>"The whole vocabulary in two dimensions"</h3>
                    {map_view(map, p, &frame)}
                    <p class="small embedding-explained">
                        {format!(
                            "Principal component analysis of all {} rows: the horizontal axis is the \
                             direction along which the rows vary most ({:.1}% of their variance), the \
                             vertical the next ({:.1}%). The other {:.0}% is in the {} directions a \
                             flat picture cannot show, so tokens close on the map can be far apart in \
                             the model; the cosine table above is the true measure.{}",
                            crate::calc::expr::group_thousands(map.points.len() as i128),
                            map.explained[0] * 100.0,
                            map.explained[1] * 100.0,
                            100.0 - (map.explained[0] + map.explained[1]) * 100.0,
                            config.d_model - 2,
                            match frame.outside(&map.points) {
                                0 => String::new(),
                                n => format!(
                                    " The map is framed on the bulk of the rows: {n} outlying \
                                     tokens are drawn on its edge."
                                ),
                            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_leaves_out_a_far_outlier_but_keeps_labelled_points() {
        // 999 points in a unit square and one a hundred units left of it.
        let mut points: Vec<[f32; 2]> =
            (0..999).map(|i| [(i % 37) as f32 / 36.0, (i % 23) as f32 / 22.0]).collect();
        points.push([-100.0, 0.5]);
        let frame = Frame::new(&points, &[]);
        assert_eq!(frame.outside(&points), 1 + frame.outside(&points[..999]));
        assert!(frame.min[0] > -1.0, "the outlier does not set the frame: {}", frame.min[0]);
        let ((x, _), out) = frame.place_or_edge([-100.0, 0.5]);
        assert!(out && (x - PAD).abs() < 1e-9, "drawn on the left edge");
        // A labelled point is always inside.
        let kept = Frame::new(&points, &[[-100.0, 0.5]]);
        assert!(!kept.place_or_edge([-100.0, 0.5]).1);
        assert_eq!(kept.outside(&points), kept.outside(&points[..999]));
    }

    #[test]
    fn a_far_cluster_of_a_few_percent_is_drawn_on_the_edge() {
        // 975 points spread over 0…1 and 25 (2.5%, more than OUTLIERS) ten units right of them.
        let mut points: Vec<[f32; 2]> =
            (0..975).map(|i| [(i % 39) as f32 / 38.0, (i % 25) as f32 / 24.0]).collect();
        points.extend((0..25).map(|i| [10.0 + i as f32 * 0.01, 0.5]));
        let frame = Frame::new(&points, &[]);
        assert!(
            frame.min[0] + frame.span[0] < 4.0,
            "the frame ends near the cloud: {:?}",
            frame.span
        );
        assert_eq!(frame.outside(&points[975..]), 25);
        assert_eq!(frame.outside(&points[..975]), 0);
    }
}
