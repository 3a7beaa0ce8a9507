//! A formula in MathML.

use leptos::prelude::*;

/// A display formula. The MathML is a compile-time constant of ours, never reader text.
#[component]
pub fn Math(
    /// The inside of the `<math>` element, e.g. `"<mi>x</mi><mo>=</mo><mn>1</mn>"`.
    mathml: &'static str,
    /// The formula read aloud in plain words, for `alttext` and `aria-label`.
    label: &'static str,
) -> impl IntoView {
    let html = format!("<math display=\"block\" alttext=\"{label}\">{mathml}</math>");
    view! { <div class="math" role="math" aria-label=label inner_html=html></div> }
}
