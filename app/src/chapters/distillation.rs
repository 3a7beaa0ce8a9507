//! Distillation.

use leptos::prelude::*;

/// The body of the `distillation` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
