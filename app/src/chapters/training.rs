//! Training: How GPT Learns.

use leptos::prelude::*;

/// The body of the `training` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
