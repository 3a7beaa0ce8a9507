//! The Transformer: Self-Attention.

use leptos::prelude::*;

/// The body of the `attention` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
