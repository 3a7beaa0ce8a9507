//! Light and dark themes: the system preference until the reader picks one, then their pick,
//! remembered in local storage. `index.html` applies it before the first paint.

use leptos::prelude::*;

const KEY: &str = "tumbler-theme";

/// The two themes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

fn document_theme() -> Theme {
    let doc = web_sys::window().and_then(|w| w.document());
    let el = doc.and_then(|d| d.document_element());
    match el.and_then(|e| e.get_attribute("data-theme")).as_deref() {
        Some("dark") => Theme::Dark,
        _ => Theme::Light,
    }
}

fn apply(theme: Theme) {
    if let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("data-theme", theme.name());
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(KEY, theme.name());
    }
}

/// The button that switches between light and dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(document_theme());
    let toggle = move |_| {
        let next = if theme.get_untracked() == Theme::Dark { Theme::Light } else { Theme::Dark };
        apply(next);
        theme.set(next);
    };
    view! {
        <button
            class="theme-toggle"
            type="button"
            aria-pressed=move || (theme.get() == Theme::Dark).to_string()
            title="Switch between light and dark"
            on:click=toggle
        >
            <span class="tool-icon" aria-hidden="true">
                {move || if theme.get() == Theme::Dark { "☾" } else { "☀" }}
            </span>
            <span class="tool-label">
                {move || if theme.get() == Theme::Dark { "Dark" } else { "Light" }}
            </span>
        </button>
    }
}
