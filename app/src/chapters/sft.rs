//! Supervised Fine-Tuning.

use leptos::prelude::*;

/// The body of the `sft` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
