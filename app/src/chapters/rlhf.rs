//! The RLHF Illusion.

use leptos::prelude::*;

/// The body of the `rlhf` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
