//! Why Models Can't Spell.

use leptos::prelude::*;

/// The body of the `spelling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
