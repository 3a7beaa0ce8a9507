//! The KV Cache.

use leptos::prelude::*;

/// The body of the `kv-cache` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {}
}
