//! Multi-gate Mixture of Experts.

use leptos::prelude::*;

/// The body of the `mmoe` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
