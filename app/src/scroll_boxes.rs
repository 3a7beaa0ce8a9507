//! A box that scrolls on its own — on a phone, a table, formula or strip of tokens wider than the
//! column (main.css); anywhere, a prompt in a box of capped height — must be scrollable without a
//! pointer (WCAG 2.1.1; axe's `scrollable-region-focusable`). Some time after any change to the
//! page or its width, each element in `main` whose content overflows it in a direction its style
//! lets it scroll gets a Tab stop
//! (`tabindex="0"`, marked `data-scroll-stop`) unless it already holds a control; one that no
//! longer scrolls loses the stop it was given. Screen-reader-only copies (`.sr-only`) are left
//! out: they are never seen, so they are never scrolled.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::present;

/// How long the page must be still before the boxes are measured again: one pass per burst of
/// changes (a live panel's result arriving), not one per element.
const SETTLE: Duration = Duration::from_millis(250);

/// What can take focus inside a box already, so that the box needs no Tab stop of its own.
const FOCUSABLE: &str =
    "a[href], button, input, select, textarea, [tabindex]:not([data-scroll-stop])";

/// Starts the watch for the page's lifetime.
pub fn watch() {
    let pending = StoredValue::new(false);
    let queue = move || {
        if !pending.get_value() {
            pending.set_value(true);
            set_timeout(
                move || {
                    pending.set_value(false);
                    mark();
                },
                SETTLE,
            );
        }
    };
    // Text that changes in place (a live table's numbers) widens a box without adding elements,
    // so the watch counts changed text as well. The page lives as long as the tab; so do the
    // watch and the listener.
    std::mem::forget(present::observe_changes_and_text(queue));
    std::mem::forget(window_event_listener(leptos::ev::resize, move |_| queue()));
    queue();
}

/// Whether the element's style lets it scroll along `axis` ("overflow-x" or "overflow-y").
fn scrolls(el: &web_sys::Element, axis: &str) -> bool {
    let style = web_sys::window().and_then(|w| w.get_computed_style(el).ok().flatten());
    style
        .and_then(|s| s.get_property_value(axis).ok())
        .is_some_and(|o| o == "auto" || o == "scroll")
}

/// Whether the element's content overflows it in a direction it scrolls.
fn scrollable(el: &web_sys::Element) -> bool {
    let wide = el.scroll_width() > el.client_width() + 1 && el.client_width() > 0;
    let tall = el.scroll_height() > el.client_height() + 1 && el.client_height() > 0;
    (wide && scrolls(el, "overflow-x")) || (tall && scrolls(el, "overflow-y"))
}

/// One pass over the page.
fn mark() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(all) = doc.query_selector_all("main *") else { return };
    for i in 0..all.length() {
        let Some(el) = all.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
            continue;
        };
        let given = el.has_attribute("data-scroll-stop");
        let needs = scrollable(&el)
            && el.closest(".sr-only").ok().flatten().is_none()
            && (given || !el.has_attribute("tabindex"))
            && !el.matches(FOCUSABLE).unwrap_or(true)
            && el.query_selector(FOCUSABLE).ok().flatten().is_none();
        if needs && !given {
            let _ = el.set_attribute("tabindex", "0");
            let _ = el.set_attribute("data-scroll-stop", "");
        } else if !needs && given {
            let _ = el.remove_attribute("tabindex");
            let _ = el.remove_attribute("data-scroll-stop");
        }
    }
}
