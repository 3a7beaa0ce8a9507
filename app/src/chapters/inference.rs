//! Inference.

use leptos::prelude::*;

/// The body of the `inference` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
