//! Cognitive Prosthetics.

use leptos::prelude::*;

/// The body of the `tools` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
