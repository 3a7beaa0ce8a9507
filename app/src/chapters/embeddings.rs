//! Embeddings: Tokens as Geometry.

use leptos::prelude::*;

/// The body of the `embeddings` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
