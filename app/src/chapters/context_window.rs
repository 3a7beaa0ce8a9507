//! Context Window Mechanics.

use leptos::prelude::*;

/// The body of the `context-window` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
