//! Presenter mode, `?present` (in the page's query or the fragment's): a chapter for a projector,
//! in a high-contrast light colour profile with large type and no navigation chrome, shown as a
//! sequence of stops (its title, then each part: see `stops.rs`) that the keys of a presentation
//! clicker move through. The URL follows the stop (`#/attention?present&stop=7`), so a link opens
//! that stop; Escape leaves.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::chapters::{self, CHAPTERS};
use crate::route::{self, Route};

mod deck;
pub mod stops;

use deck::{Key, Move, Position, Target};
pub use deck::{Only, params, without_own_keys};
use stops::View;

/// The presenter's state. The stop asked for lives in the URL; the stop shown and the number of
/// stops are read from the chapter's page after each change to it.
#[derive(Clone, Copy)]
pub struct Presenter {
    /// The app's route, set again on leaving.
    route: RwSignal<Route>,
    /// Whether presenter mode is on.
    on: RwSignal<bool>,
    /// The stop on screen, 0-based.
    stop: RwSignal<usize>,
    /// How many stops the chapter has.
    stops: RwSignal<usize>,
    /// Whether the screen is blanked.
    blank: RwSignal<bool>,
    /// Whether a refresh is already waiting for the next frame.
    queued: StoredValue<bool>,
    /// The chapter and stop last shown, to scroll to the top when they change.
    shown: StoredValue<Option<(String, usize)>>,
    /// The watch on the page's elements, while presenting (a reader not presenting pays nothing
    /// for it: a chart redrawn at every training step would call it hundreds of times).
    watch: StoredValue<Option<Watch>, LocalStorage>,
}

impl Presenter {
    /// Follows the page: after every route change and every change to the page's elements (a
    /// chapter drawn, a panel redrawn), the presenter marks the stop again.
    pub fn new(route: RwSignal<Route>) -> Presenter {
        let p = Presenter {
            route,
            on: RwSignal::new(false),
            stop: RwSignal::new(0),
            stops: RwSignal::new(1),
            blank: RwSignal::new(false),
            queued: StoredValue::new(false),
            shown: StoredValue::new(None),
            watch: StoredValue::new_local(None),
        };
        Effect::new(move |_| {
            route.track();
            p.queue();
        });
        p
    }

    /// Whether presenter mode is on (untracked).
    pub fn is_on(self) -> bool {
        self.on.get_untracked()
    }

    fn queue(self) {
        if self.queued.get_value() {
            return;
        }
        self.queued.set_value(true);
        request_animation_frame(move || {
            self.queued.set_value(false);
            self.refresh();
        });
    }

    /// Reads the URL and the chapter's parts, and marks the stop to show.
    fn refresh(self) {
        let route = Route::current();
        let asked = params(&search(), &route.query);
        let on = !route.embed && asked.present;
        let was_on = self.on.get_untracked();
        if !on && !was_on {
            return;
        }
        if let Some(root) = root() {
            let _ = root.class_list().toggle_with_force("present", on);
        }
        if on != was_on {
            self.on.set(on);
            // Follow the chapter's redraws while presenting, and only then.
            self.watch.set_value(on.then(|| observe_changes(move || self.queue())).flatten());
        }
        let Some(section) = stops::chapter() else { return };
        if !on {
            stops::show(&section, View::Whole);
            self.blank.set(false);
            self.shown.set_value(None);
            return;
        }
        let parts = stops::parts(&section);
        let count = parts.len() + 1;
        let stop = asked.stop.resolve(count);
        let view = if stop == 0 { View::Title } else { View::Parts(&parts[stop - 1..stop]) };
        stops::show(&section, view);
        if self.stop.get_untracked() != stop {
            self.stop.set(stop);
        }
        if self.stops.get_untracked() != count {
            self.stops.set(count);
        }
        let here = Some((route.slug, stop));
        if self.shown.get_value() != here {
            self.shown.set_value(here);
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    }

    /// Handles a key in presenter mode; true when the key was the presenter's to handle (the
    /// chapter keys of the normal page then stay off).
    pub fn key(self, ev: &web_sys::KeyboardEvent) -> bool {
        if !self.is_on() {
            return false;
        }
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.default_prevented() {
            return true;
        }
        let Some(key) = deck::key(&ev.key(), ev.shift_key()) else { return true };
        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            && uses_key(&el, &ev.key())
        {
            // The reader is working a control: it keeps its keys; Escape hands them back.
            if key == Key::Leave {
                let _ = el.blur();
            }
            return true;
        }
        ev.prevent_default();
        self.act(key);
        true
    }

    fn act(self, key: Key) {
        if self.blank.get_untracked() {
            // Any key brings the screen back, where it was; B toggles.
            self.blank.set(false);
            return;
        }
        match key {
            Key::Blank => self.blank.set(true),
            Key::Leave => self.leave(),
            Key::Next => self.go(deck::next(self.position())),
            Key::Back => self.go(deck::back(self.position())),
            Key::First => self.go(Move::To(0)),
            Key::Last => self.go(Move::To(self.stops.get_untracked() - 1)),
        }
    }

    fn position(self) -> Position {
        let slug = Route::current().slug;
        let part = stops::chapter().and_then(|s| stops::current(&s));
        Position {
            chapter: chapters::find(&slug).map_or(0, |(i, _)| i),
            chapters: CHAPTERS.len(),
            stop: self.stop.get_untracked(),
            stops: self.stops.get_untracked(),
            build: part.as_ref().and_then(stops::build),
        }
    }

    fn go(self, to: Move) {
        let part = || stops::chapter().and_then(|s| stops::current(&s));
        match to {
            Move::StepForward | Move::StepBack => {
                if let Some(p) = part() {
                    stops::press_step(&p, to == Move::StepForward);
                }
            }
            Move::To(stop) => {
                let r = Route::current();
                route::replace_query(&r.slug, &deck::with_stop(&r.query, Target::At(stop)));
                self.queue();
            }
            Move::Chapter(index, at) => {
                let to = route::fragment(CHAPTERS[index].slug, &deck::with_stop("", at));
                set_hash(&to);
            }
            Move::Stay => {}
        }
    }

    /// Presenter mode on this chapter, at its first stop, its state kept.
    pub fn enter(self) {
        let r = Route::current();
        set_hash(&route::fragment(&r.slug, &deck::with_stop(&r.query, Target::At(0))));
    }

    /// Back to the guide, on the same chapter with its state.
    pub fn leave(self) {
        let Some(w) = web_sys::window() else { return };
        let loc = w.location();
        let r = Route::current();
        let search = deck::without_presenter(search().trim_start_matches('?'));
        let url = format!(
            "{}{}{}",
            loc.pathname().unwrap_or_default(),
            if search.is_empty() { String::new() } else { format!("?{search}") },
            route::fragment(&r.slug, &deck::without_presenter(&r.query)),
        );
        if let Ok(history) = w.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
        self.blank.set(false);
        self.route.set(Route::current());
        request_animation_frame(|| {
            let title = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("chapter-title"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(t) = title {
                let _ = t.focus();
            }
        });
    }
}

/// The header's control that starts presenter mode.
#[component]
pub fn PresentButton(
    /// The presenter to start.
    presenter: Presenter,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="present-toggle"
            title="Show this chapter to a room: large type, one part at a time. \
                   Next: → or PageDown or space; back: ← or PageUp; B: blank screen; Esc: leave."
            on:click=move |_| presenter.enter()
        >
            <span class="tool-icon" aria-hidden="true">"▶\u{FE0E}"</span>
            <span class="tool-label">"Present"</span>
        </button>
    }
}

/// The presenter's controls at the foot of the screen (for a mouse or a touch screen; the keys
/// do the same), its progress ("7 / 12"), and the blank screen.
#[component]
pub fn PresenterBar(
    /// The presenter they drive.
    presenter: Presenter,
) -> impl IntoView {
    let p = presenter;
    let chapter = move || {
        p.stop.track();
        let slug = Route::current().slug;
        chapters::find(&slug).map(|(i, c)| format!("{} · {}", i + 1, c.title))
    };
    view! {
        <Show when=move || p.on.get()>
            <nav
                class="present-bar"
                aria-label="Presenter"
                data-present=""
                data-stop=move || p.stop.get() + 1
                data-stops=move || p.stops.get()
                data-blank=move || p.blank.get().to_string()
            >
                <span class="present-where">{chapter}</span>
                <button type="button" class="present-back" aria-label="Back" on:click=move |_| p.act(Key::Back)>
                    "←"
                </button>
                <span class="present-pos" aria-live="polite">
                    {move || format!("{} / {}", p.stop.get() + 1, p.stops.get())}
                </span>
                <button type="button" class="present-next" aria-label="Next" on:click=move |_| p.act(Key::Next)>
                    "→"
                </button>
                <button type="button" class="present-blank-toggle" on:click=move |_| p.act(Key::Blank)>
                    "Blank"
                </button>
                <button type="button" class="present-leave" on:click=move |_| p.leave()>"Exit"</button>
            </nav>
            <div
                class="present-blank"
                data-present-blank=""
                hidden=move || !p.blank.get()
                on:click=move |_| p.blank.set(false)
            ></div>
        </Show>
    }
}

/// Whether the focused element uses `key` itself: text fields, sliders and menus use every key,
/// buttons and links use space, and a widget marked `data-arrow-keys` (the attention map) the
/// arrows, Home and End.
pub fn uses_key(el: &web_sys::HtmlElement, key: &str) -> bool {
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || el.is_content_editable()
        || (key == " " && matches!(tag.as_str(), "button" | "a" | "summary"))
        || (el.has_attribute("data-arrow-keys")
            && (key.starts_with("Arrow") || key == "Home" || key == "End"))
}

/// A watch on the page's elements; dropping it ends the watch.
pub struct Watch {
    observer: web_sys::MutationObserver,
    _callback: Closure<dyn Fn()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Calls `f` after any change to the page's elements (not their attributes, which the presenter
/// itself sets), for as long as the returned [`Watch`] lives.
pub fn observe_changes(f: impl Fn() + 'static) -> Option<Watch> {
    observe(f, false)
}

/// [`observe_changes`], and after any text that changes in place as well (a live table's
/// numbers change its width without adding elements).
pub fn observe_changes_and_text(f: impl Fn() + 'static) -> Option<Watch> {
    observe(f, true)
}

fn observe(f: impl Fn() + 'static, text: bool) -> Option<Watch> {
    let body = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body())?;
    let callback = Closure::<dyn Fn()>::new(f);
    let observer = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    let options = web_sys::MutationObserverInit::new();
    options.set_child_list(true);
    options.set_character_data(text);
    options.set_subtree(true);
    observer.observe_with_options(&body, &options).ok()?;
    Some(Watch { observer, _callback: callback })
}

fn search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

fn set_hash(fragment: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(fragment);
    }
}
