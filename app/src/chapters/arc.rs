//! The Evolutionary Arc.

use leptos::prelude::*;

/// The body of the `arc` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
