//! Shows an SVG chart drawn by [`super::plot`].

use leptos::prelude::*;

/// A chart with a text alternative and an optional caption. The SVG must come from our own
/// drawing code (plotters escapes the text it draws), never from reader input.
#[component]
pub fn Chart(
    /// The SVG markup.
    #[prop(into)]
    svg: Signal<String>,
    /// What the chart shows, in words, for screen readers.
    #[prop(into)]
    label: String,
    /// A caption under the chart.
    #[prop(optional, into)]
    caption: Option<String>,
) -> impl IntoView {
    view! {
        <figure class="chart">
            <div class="chart-svg" role="img" aria-label=label inner_html=move || svg.get()></div>
            {caption.map(|c| view! { <figcaption>{c}</figcaption> })}
        </figure>
    }
}
