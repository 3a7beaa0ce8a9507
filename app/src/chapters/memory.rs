//! Vague Recollection vs Working Memory.

use leptos::prelude::*;

/// The body of the `memory` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
