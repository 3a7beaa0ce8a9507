//! A chapter inside someone else's page (`?embed`): the embed code the guide hands out, and what
//! the embedded page does for its host.
//!
//! - `only=live` shows only the chapter's interactive parts (its live panels and the parts with
//!   a control), `only=<n>` only its n-th part (the parts the presenter steps through, see
//!   `present/stops.rs`); anything else, or a part the chapter lacks, shows it whole and says so.
//! - On every change of its content height it posts `{type: "tumbler:height", height}` to the
//!   host page, whose snippet ([`resize_snippet`]) sizes the iframe to fit: no inner scrollbar.
//! - Keys: the embed never moves between chapters. A control that has focus keeps its keys (a
//!   slider its arrows, a text box everything). A clicker key pressed anywhere else in the embed
//!   (PageDown, PageUp, ← →, B, `.`, Escape) is handed back: the embed gives the focus back to
//!   the host page, so the next press reaches its slide deck, and posts
//!   `{type: "tumbler:key", key}` so the deck can act on this one too.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::app::page_base;
use crate::chapters::Chapter;
use crate::present::stops::{self, View};
use crate::present::{self, Only};
use crate::route::{self, Route};

/// The keys a presentation clicker sends that an embed hands back to its host.
const CLICKER_KEYS: [&str; 7] = ["PageDown", "PageUp", "ArrowLeft", "ArrowRight", "b", "B", "."];

/// The embedded page's part: posts its height, applies `only=`, hands clicker keys back.
#[component]
pub fn EmbedFrame() -> impl IntoView {
    let missing = RwSignal::new(None::<String>);
    let queued = StoredValue::new(false);
    let refresh = move || {
        queued.set_value(false);
        let note = show_only();
        if missing.get_untracked() != note {
            missing.set(note);
        }
    };
    let queue = move || {
        if !queued.get_value() {
            queued.set_value(true);
            request_animation_frame(refresh);
        }
    };
    // The embed lives as long as its frame; so does the watch.
    std::mem::forget(present::observe_changes(queue));
    queue();
    post_heights();
    let keys = window_event_listener(leptos::ev::keydown, |ev| hand_back(&ev));
    // The embed lives as long as its frame; so does the listener.
    std::mem::forget(keys);
    move || missing.get().map(|m| view! { <p class="embed-only-note" role="note">{m}</p> })
}

/// Applies `only=`; returns why the whole chapter is shown instead, when it is.
fn show_only() -> Option<String> {
    let route = Route::current();
    let only = present::params(&search(), &route.query).only?;
    let section = stops::chapter()?;
    let parts = stops::parts(&section);
    let shown: Vec<_> = match only {
        Only::Live => parts.iter().filter(|p| stops::interactive(p)).cloned().collect(),
        Only::Part(n) => parts.get(n).cloned().into_iter().collect(),
    };
    if !shown.is_empty() {
        stops::show(&section, View::Parts(&shown));
        return None;
    }
    stops::show(&section, View::Whole);
    Some(match only {
        Only::Live => "This chapter has no interactive part, so all of it is shown.".to_owned(),
        Only::Part(n) => format!(
            "This chapter has {} part{}, not {}, so all of it is shown.",
            parts.len(),
            if parts.len() == 1 { "" } else { "s" },
            n + 1
        ),
    })
}

/// Posts the content height to the host page on every change (a ResizeObserver on the body).
fn post_heights() {
    let Some(w) = web_sys::window() else { return };
    let Some(host) = host(&w) else { return };
    let Some(body) = w.document().and_then(|d| d.body()) else { return };
    let last = StoredValue::new(0.0f64);
    let measure = body.clone();
    let callback = Closure::<dyn Fn()>::new(move || {
        let height = measure.get_bounding_client_rect().height().ceil();
        if height != last.get_value() {
            last.set_value(height);
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &"type".into(), &"tumbler:height".into());
            let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
            let _ = host.post_message(&message, "*");
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    // The observer reports for as long as the frame lives.
    callback.forget();
}

/// A clicker key outside a control goes back to the host page (see the module's notes).
fn hand_back(ev: &web_sys::KeyboardEvent) {
    if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.default_prevented() {
        return;
    }
    let key = ev.key();
    let escape = key == "Escape";
    if !escape && !CLICKER_KEYS.contains(&key.as_str()) {
        return;
    }
    let focused = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
    if !escape && focused.as_ref().is_some_and(|el| present::uses_key(el, &key)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let Some(host) = host(&w) else { return };
    ev.prevent_default();
    if let Some(el) = focused {
        let _ = el.blur();
    }
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"tumbler:key".into());
    let _ = js_sys::Reflect::set(&message, &"key".into(), &key.into());
    let _ = host.post_message(&message, "*");
    let _ = host.focus();
}

/// The page around the frame; `None` when the embed is opened on its own.
fn host(w: &web_sys::Window) -> Option<web_sys::Window> {
    let parent = w.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, w)).then_some(parent)
}

/// The script a host page adds once to size every embed to its content and to replay the clicker
/// keys an embed hands back. `origin` is the guide's, so that no other page's messages count.
pub fn resize_snippet(origin: &str) -> String {
    format!(
        "<script>\n\
         // Inside the Token Tumbler embeds: fit each iframe to its content; replay the clicker\n\
         // keys an embed hands back (it also gives the focus back, so the next press is yours).\n\
         addEventListener(\"message\", (e) => {{\n\
         \x20 if (e.origin !== \"{origin}\") return;\n\
         \x20 const frame = [...document.querySelectorAll(\"iframe\")].find((f) => f.contentWindow === e.source);\n\
         \x20 if (frame && e.data?.type === \"tumbler:height\") frame.style.height = e.data.height + \"px\";\n\
         \x20 if (frame && e.data?.type === \"tumbler:key\")\n\
         \x20   document.dispatchEvent(new KeyboardEvent(\"keydown\", {{ key: e.data.key, bubbles: true }}));\n\
         }});\n\
         </script>"
    )
}

/// The "Embed this chapter" control: a working `<iframe>` for this chapter with its current
/// state, the whole chapter or a part of it, and the host page's resize snippet.
#[component]
pub fn EmbedCode(
    /// The chapter to embed.
    chapter: Chapter,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let copied = RwSignal::new(false);
    let only = RwSignal::new(String::new());
    let parts = RwSignal::new(Vec::<String>::new());
    let make_code = move || {
        let state = present::without_own_keys(&Route::current().query);
        let only = only.get();
        let search =
            if only.is_empty() { "?embed".to_owned() } else { format!("?embed&only={only}") };
        let src = format!("{}{search}{}", page_base(), route::fragment(chapter.slug, &state));
        format!(
            "<iframe src=\"{}\" title=\"{} — Inside the Token Tumbler\" width=\"100%\" \
             height=\"640\" style=\"border:0\" loading=\"lazy\"></iframe>",
            html_attr_escape(&src),
            html_attr_escape(chapter.title)
        )
    };
    let copy = move |_| {
        let text = make_code();
        code.set(text.clone());
        if let Some(w) = web_sys::window() {
            let promise = w.navigator().clipboard().write_text(&text);
            leptos::task::spawn_local(async move {
                let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                copied.set(ok);
            });
        }
    };
    // The parts are read from the page when the box is opened: the chapter is drawn by then.
    let list_parts = move |_| {
        let names = stops::chapter().map(|s| stops::parts(&s)).unwrap_or_default();
        parts.set(names.iter().enumerate().map(|(i, p)| part_name(p, i)).collect());
    };
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    view! {
        <details class="embed-code">
            <summary on:click=list_parts>"Embed this chapter"</summary>
            <p>"Paste this into a slide or a web page; it opens this chapter alone, as it is now."</p>
            <label class="embed-only">
                "Show "
                <select
                    data-embed-only=""
                    on:change=move |ev| {
                        only.set(event_target_value(&ev));
                        code.set(String::new());
                        copied.set(false);
                    }
                >
                    <option value="">"the whole chapter"</option>
                    <option value="live">"only its interactive parts"</option>
                    {move || {
                        parts
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, name)| {
                                let value = (i + 1).to_string();
                                view! { <option value=value>{name}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <button type="button" on:click=copy>"Copy embed code"</button>
            <span class="copied" role="status">{move || copied.get().then_some("Copied.")}</span>
            <textarea
                readonly
                rows="3"
                aria-label="Embed code"
                data-embed-code=""
                prop:value=move || { let c = code.get(); if c.is_empty() { make_code() } else { c } }
            ></textarea>
            <p>
                "In a web page, this script (once per page) makes each embed as tall as its \
                 content, and passes back the clicker keys pressed inside it:"
            </p>
            <textarea
                readonly
                rows="9"
                aria-label="Script for the page around the embed"
                data-embed-resize=""
                prop:value=resize_snippet(&origin)
            ></textarea>
        </details>
    }
}

/// "Part 3: <its heading>", for the embed code's menu.
fn part_name(part: &web_sys::Element, index: usize) -> String {
    let heading = part
        .query_selector("h2, h3, h4, figcaption, caption, [aria-label]")
        .ok()
        .flatten()
        .and_then(|h| h.get_attribute("aria-label").or_else(|| h.text_content()))
        .or_else(|| part.get_attribute("aria-label"))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty());
    match heading {
        Some(h) if h.chars().count() > 60 => {
            format!("only part {}: {}…", index + 1, h.chars().take(59).collect::<String>())
        }
        Some(h) => format!("only part {}: {h}", index + 1),
        None => format!("only part {}", index + 1),
    }
}

fn html_attr_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

fn search() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}
