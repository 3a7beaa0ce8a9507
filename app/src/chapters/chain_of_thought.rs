//! Chain of Thought.

use leptos::prelude::*;

/// The body of the `chain-of-thought` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
