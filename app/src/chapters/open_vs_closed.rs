//! Open vs Closed.

use leptos::prelude::*;

/// The body of the `open-vs-closed` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
