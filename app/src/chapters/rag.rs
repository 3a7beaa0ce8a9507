//! Retrieval-Augmented Generation.

use leptos::prelude::*;

/// The body of the `rag` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
