//! A pipeline or loop diagram: labelled boxes joined by arrows, drawn as SVG.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;

use super::plot::escape;
use super::screen;

/// One box of a [`Flow`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowStep {
    /// The box's heading.
    pub title: &'static str,
    /// One short line under it (wrapped to two lines if long).
    pub detail: &'static str,
}

const W: f64 = 156.0;
const H: f64 = 74.0;
const GAP: f64 = 34.0;
/// The most boxes any flow puts in a row: the row that sets every flow's box size.
const WIDEST_ROW: usize = 5;
/// The gap between boxes on a narrow screen, where two boxes share a row: room for an arrow with
/// a shaft (at 10 only its head showed), while the 346-unit row still draws its 12-unit details
/// at 10 px and more in a 288-px panel (widgets.css sets them at 12.5 there).
const NARROW_GAP: f64 = 24.0;
const ROW_GAP: f64 = 46.0;

/// Boxes in rows of `per_row` (two on a phone, so the labels keep their size), left to right, each
/// joined to the next. Every flow draws its boxes at the size of a row of [`WIDEST_ROW`] (two on a
/// phone), so boxes are alike across the guide: a row of fewer takes that share of the column
/// (dpo's three-box DPO under its five-box PPO, multimodal's four boxes beside tools' five); with `looped` an arrow returns from the last box to the first. The step at
/// `active` is highlighted. Every label is SVG text, and the figure's `aria-label` lists the steps
/// in order.
#[component]
pub fn Flow(
    /// The boxes in order.
    steps: &'static [FlowStep],
    /// The highlighted box, if any.
    #[prop(into)]
    active: Signal<Option<usize>>,
    /// Boxes per row.
    #[prop(default = 4)]
    per_row: usize,
    /// Whether the last box leads back to the first (a loop rather than a pipeline).
    #[prop(default = false)]
    looped: bool,
    /// What the diagram shows.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let spoken = format!(
        "{label}: {}",
        steps
            .iter()
            .map(|s| format!("{} ({})", s.title, s.detail))
            .collect::<Vec<_>>()
            .join(", then ")
    );
    let svg = move || {
        let gap = if screen::narrow() { NARROW_GAP } else { GAP };
        let (cols, widest) = (screen::columns(per_row.max(1)), screen::columns(WIDEST_ROW));
        flow_svg(steps, active.get(), (cols, widest), gap, looped, id)
    };
    view! { <div class="flow" role="img" aria-label=spoken inner_html=svg></div> }
}

/// Splits `s` into at most two lines at spaces (a no-break space holds its words together): one
/// line if it fits in `width` characters, else the split whose longer line is shortest, so the
/// second line is never a lone word under a full one ("billions of raw web / pages").
fn wrap(s: &str, width: usize) -> Vec<String> {
    let len = |t: &str| t.chars().count();
    if len(s) <= width {
        return vec![s.to_owned()];
    }
    let best =
        s.match_indices(' ').map(|(i, _)| i).min_by_key(|&i| len(&s[..i]).max(len(&s[i + 1..])));
    match best {
        Some(i) => vec![s[..i].to_owned(), s[i + 1..].to_owned()],
        None => vec![s.to_owned()],
    }
}

fn flow_svg(
    steps: &[FlowStep],
    active: Option<usize>,
    (per_row, widest): (usize, usize),
    gap: f64,
    looped: bool,
    id: usize,
) -> String {
    let n = steps.len();
    let cols = per_row.min(n.max(1));
    let rows = n.div_ceil(cols);
    let loop_room = if looped { 30.0 } else { 0.0 };
    // A loop's way back runs under the boxes and up their left side, in a margin of its own.
    let left = if looped { 12.0 } else { 4.0 };
    let row_width = |cols: f64| left + cols * W + (cols - 1.0) * gap + 4.0;
    let width = row_width(cols as f64);
    // The share of the column this flow takes when its boxes have a widest row's size.
    let share = (100.0 * width / row_width(widest.max(cols) as f64)).min(100.0);
    let height = rows as f64 * H + (rows as f64 - 1.0) * ROW_GAP + 8.0 + loop_room;
    let pos = |i: usize| {
        let (r, c) = (i / cols, i % cols);
        (left + c as f64 * (W + gap), 4.0 + r as f64 * (H + ROW_GAP))
    };
    let marker = format!("flow-arrow-{id}");
    let mut s = format!(
        "<svg viewBox=\"0 0 {width} {height}\" style=\"width: {share:.2}%\" \
         xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
         <defs><marker id=\"{marker}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"flow-head\"/>\
         </marker></defs>"
    );
    for i in 0..n.saturating_sub(1) {
        let ((x0, y0), (x1, y1)) = (pos(i), pos(i + 1));
        let d = if (y0 - y1).abs() < 1e-9 {
            format!("M{},{} L{},{}", x0 + W, y0 + H / 2.0, x1 - 2.0, y1 + H / 2.0)
        } else {
            let mid = y0 + H + ROW_GAP / 2.0;
            format!("M{},{} V{} H{} V{}", x0 + W / 2.0, y0 + H, mid, x1 + W / 2.0, y1 - 2.0)
        };
        s += &format!("<path d=\"{d}\" class=\"flow-link\" marker-end=\"url(#{marker})\"/>");
    }
    if looped && n > 1 {
        let ((x0, y0), (x1, y1)) = (pos(n - 1), pos(0));
        let bottom = height - 6.0;
        let d =
            format!("M{},{} V{bottom} H4 V{} H{}", x0 + W / 2.0, y0 + H, y1 + H / 2.0, x1 - 2.0);
        s += &format!(
            "<path d=\"{d}\" class=\"flow-link flow-back\" marker-end=\"url(#{marker})\"/>"
        );
    }
    for (i, step) in steps.iter().enumerate() {
        let (x, y) = pos(i);
        let class = if active == Some(i) { "flow-box active" } else { "flow-box" };
        s += &format!(
            "<g class=\"{class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"9\"/>\
             <text x=\"{}\" y=\"{}\" class=\"flow-title\" text-anchor=\"middle\">{}</text>",
            x + W / 2.0,
            y + 26.0,
            escape(step.title)
        );
        for (k, line) in wrap(step.detail, 22).iter().enumerate() {
            s += &format!(
                "<text x=\"{}\" y=\"{}\" class=\"flow-detail\" text-anchor=\"middle\">{}</text>",
                x + W / 2.0,
                y + 46.0 + 15.0 * k as f64,
                escape(line)
            );
        }
        s += "</g>";
    }
    s + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[FlowStep] = &[
        FlowStep { title: "A & B", detail: "first step" },
        FlowStep { title: "C", detail: "a rather long detail line that wraps" },
        FlowStep { title: "D", detail: "<last>" },
    ];

    #[test]
    fn labels_are_escaped_and_every_box_is_drawn() {
        let svg = flow_svg(STEPS, Some(1), (2, 2), GAP, true, 0);
        assert!(svg.contains("A &amp; B") && svg.contains("&lt;last&gt;"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(svg.matches("flow-box active").count(), 1);
        assert_eq!(svg.matches("flow-link").count(), 3); // two links and the loop back
    }

    #[test]
    fn every_flow_has_the_widest_rows_box_size() {
        // Three boxes where the widest row holds five: 4 + 3·156 + 2·34 + 4 = 544 of
        // 4 + 5·156 + 4·34 + 4 = 924 units, so the figure takes 58.87 % of the column and each
        // box the size it has in a row of five, whatever the flow's own row (3 or 5).
        for per_row in [3, 5] {
            let svg = flow_svg(STEPS, None, (per_row, 5), GAP, false, 0);
            assert!(svg.contains("style=\"width: 58.87%\""), "{per_row}: {svg}");
        }
        // On a phone every row holds two: a flow of two or more fills the column.
        assert!(flow_svg(STEPS, None, (2, 2), GAP, false, 0).contains("style=\"width: 100.00%\""));
    }

    #[test]
    fn long_details_wrap_to_two_lines() {
        assert_eq!(wrap("a rather long detail line that wraps", 22).len(), 2);
        // Balanced: the greedy split left "pages" alone on the second line.
        assert_eq!(wrap("billions of raw web pages", 22), ["billions of", "raw web pages"]);
        // A no-break space keeps "× 291" with its number.
        assert_eq!(wrap("“what is 3,847 ×\u{a0}291?”", 16), ["“what is", "3,847 ×\u{a0}291?”"]);
        assert_eq!(wrap("short", 22), vec!["short".to_owned()]);
    }
}
