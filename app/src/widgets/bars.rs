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
/// the picture. The values' face is resolved when the list appears (see [`value_face_probe`]).
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
        {value_face_probe()}
    }
}

/// A hidden sample of the bars' value text, laid out when a bar list appears, even an empty one.
///
/// Chromium on Linux resolves each font face × size a page first lays out with a synchronous call
/// to its browser process: 60–120 ms each on a machine whose font files are not yet in memory
/// (traced: `WebSandboxSupportLinux::GetWebFontRenderStyleForStrike`). Lists that fill while the
/// model streams (generation, sampling) would otherwise pay it in the middle of a step, as a
/// main-thread task of ~200 ms. Hidden with `visibility`, not `display`, so it is still laid out.
pub(crate) fn value_face_probe() -> impl IntoView {
    view! { <span class="bar-value font-probe" aria-hidden="true">"0.0%"</span> }
}
