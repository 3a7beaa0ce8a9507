//! Horizontal bars for a short list of labelled values.

use leptos::prelude::*;

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The label on the left.
    pub label: String,
    /// The bar's length as a fraction of the longest possible, `0..=1`.
    pub fraction: f64,
    /// The value printed on the right.
    pub text: String,
    /// Drawn in the accent colour (the chosen or kept item).
    pub highlight: bool,
}

/// A list of bars; each row is a `<li>` with its label and value as text, so it reads without
/// the picture. Its faces are laid out with the first paint (index.html's `.font-probe`).
#[component]
pub fn Bars(
    /// The rows, top to bottom.
    #[prop(into)]
    rows: Signal<Vec<Bar>>,
    /// What the bars show.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <ul class="bars" aria-label=label>
            {move || rows.get().into_iter().map(|b| {
                let width = format!("{:.2}%", (b.fraction.clamp(0.0, 1.0) * 100.0));
                view! {
                    <li class:highlight=b.highlight>
                        <span class="bar-label">{b.label}</span>
                        <span class="bar-track"><span class="bar-fill" style:width=width></span></span>
                        <span class="bar-value">{b.text}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
