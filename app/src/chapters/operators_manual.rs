//! The Operator's Manual.

use leptos::prelude::*;

/// The body of the `operators-manual` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
