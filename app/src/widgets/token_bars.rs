//! Bars for candidate tokens, each row carrying its token id and value as data attributes so a
//! test (or a reader's tool) can check the numbers without parsing the printed percentages.

use leptos::prelude::*;

use crate::widgets::attention_map::visible;

/// One candidate token.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBar {
    /// Token id, for `data-token-id` (`None` for a row such as "all other tokens").
    pub id: Option<u32>,
    /// The label: the token's text (spaces and line breaks made visible) or a description.
    pub label: String,
    /// The value the bar's length shows, `0..=1`, also written to `data-p`.
    pub p: f64,
    /// The value printed on the right.
    pub text: String,
    /// Drawn in the accent colour.
    pub highlight: bool,
}

impl TokenBar {
    /// A token's bar: its text quoted, its probability as a percentage.
    pub fn token(id: u32, text: &str, p: f64, highlight: bool) -> Self {
        Self {
            id: Some(id),
            label: format!("“{}”", visible(text)),
            p,
            text: format!("{:.1}%", p * 100.0),
            highlight,
        }
    }
}

/// A list of token bars, laid out like [`crate::widgets::Bars`].
#[component]
pub fn TokenBars(
    /// The rows, top to bottom.
    #[prop(into)]
    rows: Signal<Vec<TokenBar>>,
    /// What the bars show.
    #[prop(into)]
    label: String,
    /// Bars against the largest row, not against 1: for a spread-out distribution, whose top
    /// token of 2% drew a stub in an empty track. The printed values stay the probabilities.
    #[prop(optional)]
    relative: bool,
) -> impl IntoView {
    view! {
        <ul class="bars token-bars" class:relative=relative aria-label=label>
            {move || {
                let rows = rows.get();
                let full = if relative { rows.iter().map(|b| b.p).fold(0.0, f64::max).max(1e-12) } else { 1.0 };
                rows.into_iter().map(|b| {
                let width = format!("{:.2}%", ((b.p / full).clamp(0.0, 1.0) * 100.0));
                view! {
                    <li class:highlight=b.highlight class:rest=b.id.is_none() data-token-id=b.id data-p=b.p.to_string()>
                        <span class="bar-label token-label">{b.label}</span>
                        <span class="bar-track"><span class="bar-fill" style:width=width></span></span>
                        <span class="bar-value">{b.text}</span>
                    </li>
                }
            }).collect_view()}}
        </ul>
    }
}
