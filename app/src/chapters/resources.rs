//! Resources.

use leptos::prelude::*;

/// The body of the `resources` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
