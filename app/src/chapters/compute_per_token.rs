//! The Token-Compute Limit.

use leptos::prelude::*;

/// The body of the `compute-per-token` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
