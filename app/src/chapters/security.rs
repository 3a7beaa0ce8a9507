//! Jailbreaks & Prompt Injection.

use leptos::prelude::*;

/// The body of the `security` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
