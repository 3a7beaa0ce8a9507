//! Thinking Models.

use leptos::prelude::*;

/// The body of the `thinking` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
