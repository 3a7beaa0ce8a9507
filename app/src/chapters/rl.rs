//! Reinforcement Learning.

use leptos::prelude::*;

/// The body of the `rl` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
