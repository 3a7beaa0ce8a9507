//! Scaling Laws.

use leptos::prelude::*;

/// The body of the `scaling-laws` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
