//! Mixture of Experts.

use leptos::prelude::*;

/// The body of the `moe` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
