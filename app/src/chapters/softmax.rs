//! Softmax.

use leptos::prelude::*;

/// The body of the `softmax` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
