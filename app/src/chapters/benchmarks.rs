//! Benchmarks & Evaluation.

use leptos::prelude::*;

/// The body of the `benchmarks` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
