//! Function Calling.

use leptos::prelude::*;

/// The body of the `function-calling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
