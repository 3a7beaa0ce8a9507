//! DPO vs PPO.

use leptos::prelude::*;

/// The body of the `dpo` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
