//! Inside the Token Tumbler: a visual, interactive guide to how large language models work.
//!
//! The page is a leptos client-side app. It paints the guide on the main thread before any model
//! byte loads; the live model runs in an engine worker (see `engine.rs`).

mod app;
mod calc;
mod chapters;
mod embed;
mod engine;
mod offline;
mod present;
mod route;
mod scroll_boxes;
mod theme;
mod tokenizers;
mod url_codec;
mod url_state;
mod widgets;

fn main() {
    console_error_panic_hook();
    // The chapter's snapshot (index.html) gives way to the live page in this same task, so the
    // browser never paints the two together, nor neither.
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(snapshot) = document.and_then(|d| d.get_element_by_id("prerender")) {
        snapshot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

/// Panics become readable console errors instead of "unreachable executed".
fn console_error_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("tumbler panicked: {info}").into());
    }));
}
