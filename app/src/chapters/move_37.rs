//! Breaking the Human Ceiling.

use leptos::prelude::*;

/// The body of the `move-37` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
