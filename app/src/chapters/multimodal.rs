//! Multimodality.

use leptos::prelude::*;

/// The body of the `multimodal` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
