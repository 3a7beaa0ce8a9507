//! Gates.

use leptos::prelude::*;

/// The body of the `gates` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
