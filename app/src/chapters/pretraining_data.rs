//! Building the Internet Document Simulator.

use leptos::prelude::*;

/// The body of the `pretraining-data` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
