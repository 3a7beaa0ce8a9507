//! Shows a chart drawn by [`super::plot`]: the drawing to the eye, its numbers to screen readers.

use leptos::prelude::*;

/// Splits a chart's markup into its SVG drawing and the data table that follows it (empty for a
/// drawing without one).
fn parts(markup: &str) -> (&str, &str) {
    markup.split_at(markup.find("<table").unwrap_or(markup.len()))
}

/// A chart with a text alternative and an optional caption. The markup must come from our own
/// drawing code (plotters escapes the text it draws, [`super::plot::DataTable`] the table's),
/// never from reader input. The drawing is an image named by `label`; the table of the numbers
/// it draws, where the markup has one, is read to screen readers after it.
#[component]
pub fn Chart(
    /// The chart's markup: an SVG, optionally followed by its data table.
    #[prop(into)]
    svg: Signal<String>,
    /// What the chart shows, in words, for screen readers.
    #[prop(into)]
    label: String,
    /// A caption under the chart.
    #[prop(optional, into)]
    caption: Option<String>,
    /// While the chart has nothing to draw yet (a run the reader starts), what will appear and
    /// how to start it: written over the faded, empty axes, so that the panel does not look
    /// broken and keeps its height when the first numbers arrive.
    #[prop(optional, into)]
    waiting: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let waiting = move || waiting.and_then(|w| w.get());
    let markup = Memo::new(move |_| {
        let m = svg.get();
        let (drawing, table) = parts(&m);
        (drawing.to_owned(), table.to_owned())
    });
    view! {
        <figure class="chart" class:chart-waiting=move || waiting().is_some()>
            <div class="chart-frame">
                <div class="chart-svg" role="img" aria-label=label inner_html=move || markup.with(|m| m.0.clone())></div>
                {move || waiting().map(|hint| view! { <p class="chart-hint">{hint}</p> })}
            </div>
            <div class="sr-only" inner_html=move || markup.with(|m| m.1.clone())></div>
            {caption.map(|c| view! { <figcaption>{c}</figcaption> })}
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_splits_at_the_table() {
        assert_eq!(parts("<svg></svg><table></table>"), ("<svg></svg>", "<table></table>"));
        assert_eq!(parts("<svg></svg>"), ("<svg></svg>", ""));
    }
}
