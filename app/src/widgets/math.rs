//! A formula in MathML.

use leptos::prelude::*;

/// A display formula, in one or more parts. The MathML is a compile-time constant of ours, never
/// reader text. Each part is its own `<math>`, and the parts flow side by side where they fit and
/// one under another where they do not (`.math` in widgets.css): on a phone the pieces of a long
/// formula stack instead of scrolling.
#[component]
pub fn Math(
    /// The inside of each part's `<math>` element, e.g. `"<mi>x</mi><mo>=</mo><mn>1</mn>"`.
    parts: &'static [&'static str],
    /// The whole formula read aloud in plain words, for `aria-label`; the parts are hidden from
    /// screen readers, which hear this instead.
    label: &'static str,
    /// The parts are pieces of one formula, not separate ones: set as close as its terms.
    #[prop(optional)]
    joined: bool,
) -> impl IntoView {
    let html: String = parts
        .iter()
        .map(|p| format!("<math display=\"block\" aria-hidden=\"true\">{p}</math>"))
        .collect();
    let class = if joined { "math joined" } else { "math" };
    view! { <div class=class role="math" aria-label=label inner_html=html></div> }
}

/// A piece of inline notation: running text, a subscript or a superscript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Sub(String),
    Sup(String),
}

/// Splits inline notation written `π_{θ}(y_{w} | x)` or `C^{−0.078}` into text, subscripts and
/// superscripts. Only the braced forms count, so a bare `_` or `^` (a reader's label) stays text;
/// an unclosed brace stays text too.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(['_', '^']) {
        let (before, mark) = rest.split_at(at);
        plain.push_str(before);
        let (kind, after) = mark.split_at(1);
        match after.strip_prefix('{').and_then(|a| a.split_once('}')) {
            Some((inner, tail)) => {
                if !plain.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut plain)));
                }
                out.push(if kind == "_" {
                    Piece::Sub(inner.into())
                } else {
                    Piece::Sup(inner.into())
                });
                rest = tail;
            }
            None => {
                plain.push_str(kind);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Piece::Text(plain));
    }
    out
}

/// Inline notation (see [`pieces`]) as text with `<sub>` and `<sup>`: never HTML from the text.
pub fn notation(text: &str) -> AnyView {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.into_any(),
            Piece::Sub(t) => view! { <sub>{t}</sub> }.into_any(),
            Piece::Sup(t) => view! { <sup>{t}</sup> }.into_any(),
        })
        .collect_view()
        .into_any()
}

/// [`notation`] as an HTML string, every piece escaped (for legends built as HTML).
pub fn notation_html(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => super::plot::escape(&t),
            Piece::Sub(t) => format!("<sub>{}</sub>", super::plot::escape(&t)),
            Piece::Sup(t) => format!("<sup>{}</sup>", super::plot::escape(&t)),
        })
        .collect()
}

/// [`notation`] as plain text for a screen reader's copy of a chart: subscripts run on, a
/// superscript keeps its `^`.
pub fn notation_plain(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) | Piece::Sub(t) => t,
            Piece::Sup(t) => format!("^{t}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braced_marks_become_sub_and_superscripts() {
        use Piece::*;
        assert_eq!(
            pieces("log π_{θ}(y_{w} | x)"),
            vec![
                Text("log π".into()),
                Sub("θ".into()),
                Text("(y".into()),
                Sub("w".into()),
                Text(" | x)".into())
            ]
        );
        assert_eq!(pieces("L ∝ C^{−0.078}"), vec![Text("L ∝ C".into()), Sup("−0.078".into())]);
    }

    #[test]
    fn bare_or_unclosed_marks_stay_text() {
        assert_eq!(pieces("w_gate ^ 2"), vec![Piece::Text("w_gate ^ 2".into())]);
        assert_eq!(pieces("a_{b"), vec![Piece::Text("a_{b".into())]);
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn html_escapes_every_piece() {
        assert_eq!(notation_html("<b>_{<i>}"), "&lt;b&gt;<sub>&lt;i&gt;</sub>");
        assert_eq!(notation_plain("π_{ref}^{2}"), "πref^2");
    }
}
