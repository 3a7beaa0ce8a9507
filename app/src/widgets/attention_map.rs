//! One attention head as a heatmap: row i is where token i looks, column j the token it looks at.
//!
//! Every cell carries its probability in `data-p` (the testability contract), and the grid its
//! `data-layer` and `data-head`. Hovering a row, or focusing the grid and moving with the arrow
//! keys, follows that token: the row is outlined and the caption names the token it attends to
//! most. A table read to screen readers gives each token's strongest weights.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A token as a label: spaces and line breaks made visible, an ASCII control character as its
/// Unicode control picture (U+001F as "␟"), any other character that draws nothing or a blank box
/// (a control character such as U+0085, a zero-width or other format character) named by its code
/// point, and a byte that is not text on its own named (see [`named_bytes`]).
pub fn visible(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        match c {
            ' ' => out.push('␣'),
            '\n' => out.push('↵'),
            '\t' => out.push('⇥'),
            '\r' => out.push('␍'),
            '\u{0}'..='\u{1F}' => out.extend(char::from_u32(0x2400 + u32::from(c))),
            '\u{7F}' => out.push('␡'),
            c if c.is_control() || invisible(c) => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(&format!("U+{:04X} ", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    named_bytes(out.trim_end())
}

/// Format characters a font draws as nothing: soft hyphen, zero-width spaces and joiners,
/// direction marks and isolates, word joiner, byte-order mark, line and paragraph separators.
fn invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A token's text with each `<0xNN>` (a byte that is only part of a character, as the model
/// spells it) written "byte NN" for a reader; everything else as it is.
pub fn named_bytes(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(at) = rest.find("<0x") {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let hex = tail.get(3..5).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
        match hex.filter(|_| tail.get(5..6) == Some(">")) {
            Some(h) => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str("byte ");
                out.push_str(h);
                rest = &tail[6..];
            }
            None => {
                out.push_str("<0x");
                rest = &tail[3..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Weights a row's entry in the screen-reader table lists.
const TOP: usize = 3;

/// The `k` largest weights of row `i` (its first `i + 1` entries: a token attends only to itself
/// and earlier ones), largest first, as `(column, weight)`.
pub fn strongest(row: &[f32], i: usize, k: usize) -> Vec<(usize, f32)> {
    let mut v: Vec<(usize, f32)> = row.iter().copied().enumerate().take(i + 1).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

/// The row the key moves the focus to, from `at` in a map of `t` rows (`None` for other keys).
fn moved(key: &str, at: Option<usize>, t: usize) -> Option<usize> {
    let last = t.checked_sub(1)?;
    Some(match (key, at) {
        ("ArrowDown" | "ArrowRight", None) | ("Home", _) => 0,
        ("ArrowUp" | "ArrowLeft", None) | ("End", _) => last,
        ("ArrowDown" | "ArrowRight", Some(i)) => (i + 1).min(last),
        ("ArrowUp" | "ArrowLeft", Some(i)) => i.saturating_sub(1),
        _ => return None,
    })
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
                    class:future={j > i}
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
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(row) = moved(&ev.key(), focus.get_untracked(), t) {
            ev.prevent_default();
            focus.set(Some(row));
        }
    };
    let table_rows = (0..t)
        .map(|i| {
            let row = &probs[i * t..(i + 1) * t];
            let top = strongest(row, i, TOP)
                .into_iter()
                .map(|(j, p)| format!("“{}” (token {j}) {:.1}%", labels[j], p * 100.0))
                .collect::<Vec<_>>()
                .join(", ");
            view! { <tr><th scope="row">{format!("“{}” (token {i})", labels[i])}</th><td>{top}</td></tr> }
        })
        .collect_view();
    let caption = {
        let labels = labels.clone();
        let probs = probs.clone();
        move || match focus.get() {
            None => {
                "Hover or tap a row, or focus the map and use the arrow keys, to follow one token."
                    .to_string()
            }
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
                tabindex="0"
                data-arrow-keys=""
                on:mouseover=on_over
                on:mouseleave=move |_| focus.set(None)
                on:keydown=on_key
            >
                {columns}
                {rows}
                {cells}
                {outline}
            </div>
            <p class="attention-caption" aria-live="polite">{caption}</p>
            // In a clipped box: a table takes the width of its content whatever its own width.
            <div class="sr-only"><table class="attention-table">
                <caption>{format!("Layer {layer}, head {head}: where each token looks most")}</caption>
                <thead><tr><th scope="col">"token"</th><th scope="col">{format!("its {TOP} largest weights")}</th></tr></thead>
                <tbody>{table_rows}</tbody>
            </table></div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_text_are_named() {
        assert_eq!(named_bytes("<0xF1>"), "byte F1");
        assert_eq!(named_bytes("<0xF1><0x9F>"), "byte F1 byte 9F");
        assert_eq!(visible(" a<0xE2>"), "␣a byte E2");
        // Characters a font draws as a blank box or as nothing are named by code point.
        assert_eq!(visible("\u{85}"), "U+0085");
        // ASCII's controls are drawn as their pictures: one glyph, not a code.
        assert_eq!(visible("a\u{1F}\u{0}\u{7F}"), "a␟␀␡");
        assert_eq!(visible("a\u{200B}b\r"), "a U+200B b␍");
        // Not a byte: left as written.
        assert_eq!(named_bytes("<0xZZ> <0x1"), "<0xZZ> <0x1");
        assert_eq!(named_bytes("plain"), "plain");
    }

    #[test]
    fn strongest_weights_skip_the_future_and_sort() {
        let row = [0.2, 0.5, 0.3, 0.9];
        assert_eq!(strongest(&row, 2, 2), vec![(1, 0.5), (2, 0.3)]);
        assert_eq!(strongest(&row, 0, 3), vec![(0, 0.2)]);
    }

    #[test]
    fn arrow_keys_walk_the_rows_and_stop_at_the_ends() {
        assert_eq!(moved("ArrowDown", None, 4), Some(0));
        assert_eq!(moved("ArrowDown", Some(3), 4), Some(3));
        assert_eq!(moved("ArrowUp", Some(0), 4), Some(0));
        assert_eq!(moved("ArrowUp", None, 4), Some(3));
        assert_eq!(moved("End", Some(1), 4), Some(3));
        assert_eq!(moved("a", Some(1), 4), None);
        assert_eq!(moved("Home", None, 0), None);
    }
}
