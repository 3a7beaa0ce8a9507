//! In-Context Learning.

use leptos::prelude::*;

/// The body of the `in-context` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
