//! The Hallucination Reflex.

use leptos::prelude::*;

/// The body of the `hallucination` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
