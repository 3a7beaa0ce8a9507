//! Constitutional AI & RLAIF.

use leptos::prelude::*;

/// The body of the `constitutional` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
