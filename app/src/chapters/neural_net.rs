//! Neural Network Internals.

use leptos::prelude::*;

/// The body of the `neural-net` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
