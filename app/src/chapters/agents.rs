//! Agents: LLMs in a Loop.

use leptos::prelude::*;

/// The body of the `agents` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
