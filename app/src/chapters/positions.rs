//! Positional Encoding.

use leptos::prelude::*;

/// The body of the `positions` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
