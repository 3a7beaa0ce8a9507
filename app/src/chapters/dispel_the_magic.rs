//! You Are Talking to a Simulation.

use leptos::prelude::*;

/// The body of the `dispel-the-magic` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
