//! A chapter's parts, found in its rendered page rather than listed by hand: every panel,
//! walkthrough, stepper, live panel, figure and table of its body that is not inside another one,
//! in page order. The presenter shows one at a time; an embed with `only=` shows some of them.
//!
//! Showing is done by marking: the parts shown get `data-present-part`, the elements between them
//! and the chapter `data-present-path`, and `present.css` hides every other child along that
//! path. Leptos keeps drawing the chapter as usual; the marks are put back after each change.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// What a part is. Steppers and walkthroughs sit inside panels; a bare stepper is a part too.
const PART: &str = ".panel, figure, [data-live], .stepper, table";
/// What makes a part interactive (for `only=live`): a live panel or a control.
const INTERACTIVE: &str = "[data-live], button, input, select, textarea";

/// The chapter on the page, if one is (not on the "no such chapter" page).
pub fn chapter() -> Option<Element> {
    let doc = web_sys::window()?.document()?;
    doc.query_selector("section.chapter[data-chapter]").ok().flatten()
}

/// The chapter's parts, in page order.
pub fn parts(section: &Element) -> Vec<Element> {
    let Some(body) = section.query_selector(".chapter-body").ok().flatten() else {
        return Vec::new();
    };
    all(&body, PART)
        .into_iter()
        .filter(|el| {
            let outer = el.parent_element().and_then(|p| p.closest(PART).ok().flatten());
            !outer.is_some_and(|o| body.contains(Some(&o)))
        })
        .collect()
}

/// Whether a part holds a live panel or a control.
pub fn interactive(part: &Element) -> bool {
    part.matches(INTERACTIVE).unwrap_or(false)
        || part.query_selector(INTERACTIVE).ok().flatten().is_some()
}

/// What to show of a chapter.
pub enum View<'a> {
    /// All of it, as in the guide.
    Whole,
    /// Its heading and key idea only.
    Title,
    /// These parts only.
    Parts(&'a [Element]),
}

/// Marks `section` so that the stylesheet shows `view` of it.
pub fn show(section: &Element, view: View) {
    for el in all(section, "[data-present-part], [data-present-path]") {
        let _ = el.remove_attribute("data-present-part");
        let _ = el.remove_attribute("data-present-path");
    }
    let name = match view {
        View::Whole => {
            let _ = section.remove_attribute("data-present-view");
            return;
        }
        View::Title => "title",
        View::Parts(parts) => {
            for part in parts {
                let _ = part.set_attribute("data-present-part", "");
                let mut up = part.parent_element();
                while let Some(el) = up.filter(|e| e != section) {
                    let _ = el.set_attribute("data-present-path", "");
                    up = el.parent_element();
                }
            }
            "parts"
        }
    };
    let _ = section.set_attribute("data-present-view", name);
}

/// The part on screen in presenter mode.
pub fn current(section: &Element) -> Option<Element> {
    section.query_selector("[data-present-part]").ok().flatten()
}

/// The first stepper of `part` (a walkthrough's, a panel's, or the part itself): the step on
/// screen (0-based) and the number of steps, read from its `data-step` / `data-steps`.
pub fn build(part: &Element) -> Option<(usize, usize)> {
    let stepper = stepper(part)?;
    let read = |name: &str| stepper.get_attribute(name)?.parse::<usize>().ok();
    let (step, steps) = (read("data-step")?, read("data-steps")?);
    (step >= 1 && step <= steps).then(|| (step - 1, steps))
}

/// Presses the stepper's "Next →" (`forward`) or "← Back" button, as the reader would.
pub fn press_step(part: &Element, forward: bool) {
    let class = if forward { ".stepper-next" } else { ".stepper-back" };
    let button = stepper(part).and_then(|s| s.query_selector(class).ok().flatten());
    if let Some(b) = button.and_then(|b| b.dyn_into::<HtmlElement>().ok()) {
        b.click();
    }
}

fn stepper(part: &Element) -> Option<Element> {
    if part.matches(".stepper").unwrap_or(false) {
        return Some(part.clone());
    }
    part.query_selector(".stepper").ok().flatten()
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}
