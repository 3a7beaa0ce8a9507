//! The screen a figure is drawn for: figures are laid out again for a phone's column rather than
//! scaled down to it (a 640-unit chart at 300 px would draw its 14-px labels at 6 px).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// The media query of a phone-width column; the CSS's touch and figure rules use the same width.
pub const NARROW: &str = "(max-width: 40rem)";

thread_local! {
    // Reference-counted, not owned by the component that first asks: it outlives every chapter.
    static IS_NARROW: ArcRwSignal<bool> = watch();
}

/// A signal that follows [`NARROW`] (false where there is no window, as in native tests).
fn watch() -> ArcRwSignal<bool> {
    let query = web_sys::window().and_then(|w| w.match_media(NARROW).ok().flatten());
    let signal = ArcRwSignal::new(query.as_ref().is_some_and(web_sys::MediaQueryList::matches));
    if let Some(query) = query {
        // Lives as long as the page, as the signal does.
        let on_change = {
            let signal = signal.clone();
            Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(
                move |e: web_sys::MediaQueryListEvent| signal.set(e.matches()),
            )
        };
        query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref()).ok();
        on_change.forget();
    }
    signal
}

/// Whether the page is a phone-width column; reading it in a reactive closure redraws the figure
/// when the width crosses the line (a phone turned sideways, a window resized). Always false off
/// the web (native tests draw for a wide screen).
pub fn narrow() -> bool {
    cfg!(target_arch = "wasm32") && IS_NARROW.with(|s| s.get())
}

/// Columns for a row of `wanted` boxes of about 160 units each: two on a narrow screen.
pub fn columns(wanted: usize) -> usize {
    if narrow() { wanted.min(2) } else { wanted }
}
