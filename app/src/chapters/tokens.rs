//! What Are Tokens?.

use leptos::prelude::*;

/// The body of the `tokens` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
