//! Context windows: the quadratic cost of attention, and how long contexts are made affordable.

mod live;

use leptos::prelude::*;

use crate::calc::context::{LENGTHS, causal_pairs, relative_cost};
use crate::calc::expr::group_thousands;
use crate::widgets::Chart;
use crate::widgets::plot::{Axis, Dots, LineChart, Series};
use live::LiveTiming;

fn cost_chart() -> String {
    let curve: Vec<(f64, f64)> = (0..=40)
        .map(|i| 2048.0 * 2f64.powf(i as f64 * 9.0 / 40.0))
        .map(|n| (n, relative_cost(n, 2048.0)))
        .collect();
    // Dots, not a second line: a line through the five lengths lies exactly on the curve and hid it.
    let lengths = Dots {
        label: "2K, 8K, 32K, 128K, 1M".into(),
        points: LENGTHS
            .iter()
            .map(|&(name, n)| (n, relative_cost(n, 2048.0), name.to_string()))
            .collect(),
        color: 2,
    };
    LineChart {
        // Decimal labels: plotters puts a log axis's ticks at powers of ten (10K, 100K, 1M).
        x: Axis::log(2048.0, 1_048_576.0),
        // From below 1, so the 2K dot (cost 1) has room for its name under the rising curve.
        y: Axis::log(0.4, 300_000.0),
        x_label: "context length (tokens, log scale)".into(),
        y_label: "attention cost ÷ cost at 2K".into(),
        series: vec![Series {
            label: "(N / 2K)²".into(), points: curve, color: 0, markers: false
        }],
        size: (680, 360),
    }
    .svg_with(&[lengths])
}

/// A `size × size` mask: which keys (columns) each query (row) may see.
fn mask_svg(kind: &str, size: usize) -> String {
    let cell = 10;
    let mut s = format!(
        "<svg viewBox=\"0 0 {0} {0}\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">",
        size * cell
    );
    for q in 0..size {
        for k in 0..size {
            let seen = k <= q
                && match kind {
                    "sliding" => q - k < 4,
                    "sparse" => q - k < 2 || k == 0 || k % 4 == 0,
                    _ => true,
                };
            let class = if seen { "mask-on" } else { "mask-off" };
            s += &format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{class}\"/>",
                k * cell,
                q * cell,
                cell - 1,
                cell - 1
            );
        }
    }
    s + "</svg>"
}

/// The body of the `context-window` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let svg = Signal::derive(cost_chart);
    let ratios = LENGTHS
        .iter()
        .map(|&(name, n)| {
            view! { <tr><th scope="row">{name}</th><td>{group_thousands(n as i128)}</td><td>{format!("{}×", group_thousands(relative_cost(n, 2048.0) as i128))}</td></tr> }
        })
        .collect_view();
    let masks = [
        ("full", "Full causal: every earlier token"),
        ("sliding", "Sliding window: the last 4 tokens"),
        ("sparse", "Sparse: neighbours plus a few fixed positions"),
    ];
    view! {
        <p>
            "Self-attention scores every pair of tokens. With " <i>"N"</i> " tokens that is on the \
             order of " <i>"N"</i> "² scores per head and layer, so doubling the context quadruples \
             the attention work and the memory for the score matrix."
        </p>
        <p>
            {format!(
                "With a causal mask each token scores only itself and the tokens before it, n(n+1)/2 \
                 pairs: {} at 2,048 tokens, {} at 1,048,576. Half the square, but still a square.",
                group_thousands(causal_pairs(2048).into()),
                group_thousands(causal_pairs(1_048_576).into())
            )}
        </p>
        <div class="panel">
            <Chart svg label="Attention cost relative to a 2K context, on log-log axes: 1 at 2K, 16 at 8K, 256 at 32K, 4,096 at 128K and 262,144 at 1M" caption="Both axes are logarithmic, so the square law is a straight line: the cost rises two decades for every decade of length (the axes\u{a0}are drawn at different scales)."/>
            <table class="numbers">
                <thead><tr><th scope="col">"context"</th><th scope="col">"tokens"</th><th scope="col">"cost vs 2K"</th></tr></thead>
                <tbody>{ratios}</tbody>
            </table>
        </div>
        <p class="seed-note">
            "From 2K = 2,048 to 1M = 1,048,576 tokens the context grows 512-fold, so attention's cost \
             grows 512² = 262,144-fold. The often-quoted 250K× is the decimal reading: 1,000,000 ÷ \
             2,000 = 500, squared."
        </p>
        <p>
            "Attention is not the whole model: the feed-forward layers cost the same per token at any \
             length, so a whole forward pass grows more gently than this curve until the context is \
             long."
        </p>
        <h2>"How long contexts are made to work"</h2>
        <div class="mask-row">
            {masks.iter().map(|&(kind, caption)| view! {
                <figure class="mask">
                    <div inner_html=mask_svg(kind, 16) role="img" aria-label=format!("{caption}; 16 by 16 query-key mask")></div>
                    <figcaption>{caption}</figcaption>
                </figure>
            }).collect_view()}
        </div>
        <ul>
            <li><strong>"Sliding window"</strong> " (Mistral 7B): each token attends only to the last few thousand; cost grows linearly, at the price of a direct view of distant text."</li>
            <li><strong>"FlashAttention"</strong> ": the same exact result, computed tile by tile in fast on-chip memory so the full score matrix is never stored; several times faster and far lighter on memory."</li>
            <li><strong>"Sparse attention"</strong> ": only some pairs are scored (local neighbours plus a few global positions); close to linear, but approximate."</li>
        </ul>
        <h2>"Lost in the middle"</h2>
        <p>
            "Even when a long context fits, models do not use it evenly. Liu et\u{a0}al. (2023) found that \
             facts placed in the middle of a long prompt are recalled worse than facts at the start \
             or the end. Put what matters most near the beginning or the end."
        </p>
        <LiveTiming/>
    }
}
