//! A labelled range slider.

use leptos::prelude::*;

/// A slider bound to a number. The shown value is formatted by `format` (two decimals if absent).
#[component]
pub fn Slider(
    /// The visible label.
    #[prop(into)]
    label: String,
    /// The value; the slider writes to it and follows it.
    value: RwSignal<f64>,
    /// Smallest value.
    min: f64,
    /// Largest value.
    max: f64,
    /// Step between values.
    step: f64,
    /// How to print the value beside the slider.
    #[prop(optional)]
    format: Option<fn(f64) -> String>,
) -> impl IntoView {
    let shown = move || match format {
        Some(f) => crate::calc::expr::true_minus(&f(value.get())),
        None => crate::calc::expr::fixed(value.get(), 2),
    };
    view! {
        <label class="slider">
            <span class="slider-label">{label}</span>
            <input
                type="range"
                min=min
                max=max
                step=step
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        value.set(v.clamp(min, max));
                    }
                }
            />
            <output>{shown}</output>
        </label>
    }
}
