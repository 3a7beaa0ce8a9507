//! The shell: header strip, table of contents, the current chapter, previous/next, embed mode.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chapters::{self, CHAPTERS, Chapter, Part};
use crate::embed::{EmbedCode, EmbedFrame};
use crate::engine::{self, EngineStatus, OpenModel};
use crate::offline::SaveOffline;
use crate::present::{PresentButton, Presenter, PresenterBar};
use crate::route::{self, Route};
use crate::theme::ThemeToggle;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    // The engine's signals for every component below; its worker starts after the first paint.
    engine::provide();
    let route = RwSignal::new(Route::current());
    let embed = route.get_untracked().embed;
    let presenter = Presenter::new(route);
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| {
        route.set(Route::current());
        after_navigation();
    });
    let on_key = window_event_listener(leptos::ev::keydown, move |ev| {
        // An embed leaves the keys to its host page (embed.rs); the presenter has its own.
        if embed || presenter.key(&ev) {
            return;
        }
        keyboard_navigation(&ev, &route.get_untracked());
    });
    // The page lives as long as the tab; these listeners do too.
    std::mem::forget((on_hash, on_key));
    crate::scroll_boxes::watch();

    if embed {
        set_body_class("embed");
    }
    let current = move || {
        let r = route.get();
        chapters::find(&r.slug).map(|(i, c)| (i, *c)).ok_or(r.slug)
    };
    let page = move || match current() {
        Ok((index, chapter)) => view! { <ChapterPage chapter index embed/> }.into_any(),
        Err(slug) if slug.is_empty() => {
            let (index, chapter) = (0, CHAPTERS[0]);
            view! { <ChapterPage chapter index embed/> }.into_any()
        }
        Err(slug) => view! { <NotFound slug/> }.into_any(),
    };

    if embed {
        return view! { <main id="main" class="embed-main"><EmbedFrame/>{page}</main> }.into_any();
    }
    let nav_open = RwSignal::new(false);
    let current_slug = Signal::derive(move || match current() {
        Ok((_, c)) => c.slug,
        Err(_) => "",
    });
    view! {
        <a class="skip-link" href="#main" on:click=|ev| {
            ev.prevent_default();
            focus_id("chapter-title");
        }>"Skip to the chapter"</a>
        <header class="strip">
            <a class="brand" href="#/arc">
                <span class="brand-mark" aria-hidden="true"></span>
                "Inside the Token Tumbler"
            </a>
            <p class="strip-tagline">"How LLMs work, shown on a real one in this page"</p>
            <EngineStatus/>
            <OpenModel/>
            <SaveOffline/>
            <ThemeToggle/>
            <PresentButton presenter/>
            <button
                class="nav-toggle"
                type="button"
                aria-controls="contents"
                aria-expanded=move || nav_open.get().to_string()
                on:click=move |_| nav_open.update(|o| *o = !*o)
            >
                "Contents"
            </button>
        </header>
        <div class="layout">
            <nav id="contents" class="contents" class:open=move || nav_open.get() aria-label="Chapters">
                <Contents current=current_slug on_pick=move || nav_open.set(false)/>
            </nav>
            <main id="main" tabindex="-1">{page}</main>
        </div>
        <PresenterBar presenter/>
    }
    .into_any()
}

/// Scrolls the contents (not the page) so that the chapter marked current is in view, centred
/// when it was out of view; nothing when it shows already or the contents are hidden (a phone's
/// closed menu).
fn reveal_current() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Some(nav), Some(link)) = (
        doc.get_element_by_id("contents").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        doc.query_selector(".contents [aria-current=page]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
    ) else {
        return;
    };
    let (box_, item) = (nav.get_bounding_client_rect(), link.get_bounding_client_rect());
    if box_.height() == 0.0 || (item.top() >= box_.top() && item.bottom() <= box_.bottom()) {
        return;
    }
    let offset = item.top() - box_.top() - (box_.height() - item.height()) / 2.0;
    nav.set_scroll_top(nav.scroll_top() + offset.round() as i32);
}

/// The table of contents, grouped by part.
#[component]
fn Contents(
    /// The slug of the chapter on screen, marked `aria-current`.
    current: Signal<&'static str>,
    /// Called when the reader picks a chapter (closes the menu on phones).
    on_pick: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Keep the current chapter in sight in the contents' own scroll box (from chapter 20 on, it
    // is below the fold of a laptop's screen), after the page has drawn the new marking.
    Effect::new(move |_| {
        current.track();
        request_animation_frame(reveal_current);
    });
    let mut number = 0;
    Part::ALL
        .into_iter()
        .map(|part| {
            let items = CHAPTERS
                .iter()
                .filter(|c| c.part == part)
                .map(|c| {
                    number += 1;
                    let slug = c.slug;
                    view! {
                        <li>
                            <a
                                href=format!("#/{slug}")
                                aria-current=move || (current.get() == slug).then_some("page")
                                on:click=move |_| on_pick()
                            >
                                <span class="num">{number}</span>
                                {c.title}
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="toc-part">
                    <h2>{part.label()}</h2>
                    <ol>{items}</ol>
                </section>
            }
        })
        .collect_view()
}

/// One chapter: its heading, key idea, body, embed code and previous/next links.
#[component]
fn ChapterPage(
    /// The chapter to draw.
    chapter: Chapter,
    /// Its place in [`CHAPTERS`].
    index: usize,
    /// Whether the chapter is shown alone, inside an iframe.
    embed: bool,
) -> impl IntoView {
    set_title(chapter.title);
    let prev = index.checked_sub(1).map(|i| CHAPTERS[i]);
    let next = CHAPTERS.get(index + 1).copied();
    let footer = if embed {
        let href = format!("{}{}", page_base(), route::fragment(chapter.slug, ""));
        view! {
            <p class="embed-source">
                <a href=href target="_blank" rel="noopener">
                    "Inside the Token Tumbler — open the full guide ↗"
                </a>
            </p>
        }
        .into_any()
    } else {
        view! {
            <EmbedCode chapter/>
            <nav class="pager" aria-label="Previous and next chapter">
                {prev.map(|p| view! {
                    <a class="prev" rel="prev" href=format!("#/{}", p.slug)>
                        <small>"← Previous"</small>{p.title}
                    </a>
                })}
                {match next {
                    Some(n) => view! {
                        <a class="next" rel="next" href=format!("#/{}", n.slug)>
                            <small>"Next →"</small>{n.title}
                        </a>
                    }.into_any(),
                    // The last chapter leads back to the first (its half row stood empty).
                    None => view! {
                        <a class="next" href=format!("#/{}", CHAPTERS[0].slug)>
                            <small>"Back to the start →"</small>{CHAPTERS[0].title}
                        </a>
                    }.into_any(),
                }}
            </nav>
        }
        .into_any()
    };
    view! {
        <section class="chapter" data-chapter=chapter.slug aria-labelledby="chapter-title">
            <header class="chapter-head">
                <p class="kicker">{format!("{} · {:02}", chapter.kicker, index + 1)}</p>
                <h1 id="chapter-title" tabindex="-1">{chapter.title}</h1>
                <p class="idea">{chapter.idea}</p>
            </header>
            <div class="chapter-body">{(chapter.body)()}</div>
            <chapters::sources::SourcesLine slug=chapter.slug/>
            {footer}
        </section>
    }
}

/// Shown for a slug that is not in the guide.
#[component]
fn NotFound(slug: String) -> impl IntoView {
    set_title("Not found");
    view! {
        <section class="chapter not-found">
            <h1 id="chapter-title" tabindex="-1">"No such chapter"</h1>
            <p>"There is no chapter called “" {slug} "”. "
               <a href="#/arc">"Start at the beginning"</a> " or pick one from the contents."</p>
        </section>
    }
}

/// The page address without query or fragment, for links and embed codes.
pub(crate) fn page_base() -> String {
    let loc = web_sys::window().expect("a window").location();
    format!("{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default())
}

fn set_title(title: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{title} · Inside the Token Tumbler"));
    }
}

fn set_body_class(class: &str) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.class_list().add_1(class);
    }
}

fn focus_id(id: &str) {
    let el = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// After a chapter change: back to the top, and focus on the new heading for keyboard and
/// screen-reader users.
fn after_navigation() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
    focus_id("chapter-title");
}

/// ← / → (or [ / ]) move between chapters, unless the reader is typing or using a control.
fn keyboard_navigation(ev: &web_sys::KeyboardEvent, route: &Route) {
    if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.default_prevented() {
        return;
    }
    let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    if let Some(el) = target {
        let tag = el.tag_name().to_ascii_lowercase();
        let editable = el.get_attribute("contenteditable").is_some_and(|v| v != "false");
        if matches!(tag.as_str(), "input" | "textarea" | "select") || editable {
            return;
        }
    }
    let index = chapters::find(&route.slug).map(|(i, _)| i).unwrap_or(0);
    let to = match ev.key().as_str() {
        "ArrowLeft" | "[" => index.checked_sub(1),
        "ArrowRight" | "]" => Some(index + 1).filter(|&i| i < CHAPTERS.len()),
        _ => None,
    };
    if let (Some(i), Some(w)) = (to, web_sys::window()) {
        ev.prevent_default();
        let _ = w.location().set_hash(&format!("/{}", CHAPTERS[i].slug));
    }
}
