//! Cross-Entropy Loss.

use leptos::prelude::*;

/// The body of the `loss` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
