//! The skeleton every text-driven live panel shares: a title, the chapter's words, a textarea
//! bound to the reader's text, "updating…" while a newer answer is on its way, and the answer
//! behind [`EngineReady`] (the loading note, or the failure with a Retry, until the model is
//! ready; then "working" until the first answer, the error, or the chapter's drawing of it).

use leptos::prelude::*;

use crate::engine::{EngineReady, Latest, Shown};

/// A live panel about the reader's `text`, drawing each answer of `live` with `draw`.
#[component]
pub fn LivePanel<T, F>(
    /// Classes after `panel`.
    class: &'static str,
    /// The panel's heading.
    title: &'static str,
    /// The textarea's accessible label.
    label: &'static str,
    /// The reader's text.
    text: RwSignal<String>,
    /// The answers about it.
    live: Latest<T>,
    /// What the panel says while the model loads.
    loading: &'static str,
    /// What it says before the first answer.
    working: &'static str,
    /// Draws an answer.
    draw: F,
    /// Rows of the textarea.
    #[prop(default = 2)]
    rows: u32,
    /// The longest text the reader can type (no limit by default: the page cuts what it sends).
    #[prop(optional)]
    maxlength: Option<u32>,
    /// The chapter's words above the textarea.
    children: Children,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    F: Fn(&T) -> AnyView + Send + Sync + 'static,
{
    let draw = std::sync::Arc::new(draw);
    let answer = move || {
        let draw = draw.clone();
        live.answer.with(|a| match a {
            None => view! { <p class="note-live">{working}</p> }.into_any(),
            Some(Err(message)) => {
                view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
            }
            Some(Ok(answer)) => draw(answer),
        })
    };
    view! {
        <div class=format!("panel {class}")>
            <h2>{title}</h2>
            {children()}
            <textarea
                aria-label=label
                rows=rows
                maxlength=maxlength
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            {move || live.pending.get().then(|| view! { <p class="muted" role="status">"updating…"</p> })}
            <EngineReady loading=loading shown=move || live.answer.with(Shown::of)>
                {answer.clone()}
            </EngineReady>
        </div>
    }
}
