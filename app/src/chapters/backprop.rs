//! Backpropagation & Gradient Descent.

use leptos::prelude::*;

/// The body of the `backprop` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
