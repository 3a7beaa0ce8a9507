//! Cost & Energy.

use leptos::prelude::*;

/// The body of the `cost` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
