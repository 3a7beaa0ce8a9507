//! Sampling.

use leptos::prelude::*;

/// The body of the `sampling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
