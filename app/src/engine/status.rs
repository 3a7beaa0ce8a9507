//! The engine's status in the page header, and the gate live panels sit behind.

use leptos::prelude::*;

use tumbler_engine::Backend;

use super::connection::retry;
use super::state::{EngineState, mb, use_engine};

/// What a live panel shows while the engine is not ready: `loading` while it loads, the failure
/// with a Retry after one.
fn waiting_note(state: &EngineState, loading: &'static str) -> AnyView {
    match state {
        EngineState::Failed { message } => view! {
            <p class="note-live engine-error" role="alert">
                {message.clone()} " "
                <button type="button" on:click=move |_| retry()>"Retry"</button>
            </p>
        }
        .into_any(),
        _ => view! { <p class="note-live">{loading}</p> }.into_any(),
    }
}

/// Where a live panel's answer stands once the engine is ready: the reader sees it, and tests
/// read it from `data-live-state` (with `loading` before the engine is ready, `error` after a
/// failure of the engine or of the panel's question).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The first answer is on its way.
    Working,
    /// A real answer on the panel's input is drawn.
    Result,
    /// The panel's question failed; it says why.
    Error,
}

impl Shown {
    /// `Result` once `answer` holds a value, `Error` after a failure, `Working` before either.
    pub fn of<T>(answer: &Option<Result<T, String>>) -> Self {
        match answer {
            None => Self::Working,
            Some(Ok(_)) => Self::Result,
            Some(Err(_)) => Self::Error,
        }
    }
}

/// Runs `first` once, untracked, when the engine is first ready: a panel's first answer on its
/// default input, so that no live panel waits for a click to show anything.
pub fn when_ready(first: impl Fn() + 'static) {
    when_ready_and(|| true, first);
}

/// As [`when_ready`], once `also` (tracked) holds too: for a panel whose default input is
/// itself downloaded.
pub fn when_ready_and(also: impl Fn() -> bool + 'static, first: impl Fn() + 'static) {
    let state = use_engine().state;
    let done = StoredValue::new(false);
    Effect::new(move |_| {
        if !done.get_value() && state.with(|s| s.config().is_some()) && also() {
            done.set_value(true);
            untrack(&first);
        }
    });
}

/// Its children once the model is ready; until then `loading` (or the failure, with a Retry).
/// A model that moves to the CPU stays ready: the children are not drawn again. The wrapper
/// carries `data-live-state` (`loading`, `idle`, `working`, `result` or `error`), the live-panel contract
/// of tests/e2e/README.md.
#[component]
pub fn EngineReady(
    /// What the panel says while the model loads.
    loading: &'static str,
    /// Where the panel's answer stands once the model is ready; none for a panel that waits for
    /// the reader to start a long job (`data-live-state="idle"`).
    #[prop(optional, into)]
    shown: Option<Signal<Shown>>,
    children: ChildrenFn,
) -> impl IntoView {
    let state = use_engine().state;
    let waiting = Memo::new(move |_| state.with(|s| s.config().is_none().then(|| s.clone())));
    let live_state = move || match waiting.get() {
        Some(EngineState::Failed { .. }) => "error",
        Some(_) => "loading",
        None => match shown.map(|s| s.get()) {
            None => "idle",
            Some(Shown::Working) => "working",
            Some(Shown::Result) => "result",
            Some(Shown::Error) => "error",
        },
    };
    let body = move || match waiting.get() {
        Some(waiting) => waiting_note(&waiting, loading),
        None => children().into_any(),
    };
    view! { <div class="live-body" data-live-state=live_state>{body}</div> }
}

/// The engine status element of the testability contract: `data-engine-state` and
/// `data-backend`, with the download's progress and a retry after a failure.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let engine = use_engine();
    let (state, asked, why) = (engine.state, engine.asked, engine.why);
    let backend = move || match state.get() {
        EngineState::Ready { backend, .. } => backend.id(),
        _ => asked.get().id(),
    };
    let label = |b: Backend| match b {
        Backend::Webgpu => "WebGPU",
        Backend::Cpu => "CPU",
    };
    let body = move || match state.get() {
        EngineState::Progress { file, loaded, total } => {
            let (value, text) = match total {
                Some(t) if t > 0 => (
                    Some((loaded as f64 / t as f64).min(1.0)),
                    format!("Loading the Tumbler\u{a0}· {file} {} of {}", mb(loaded), mb(t)),
                ),
                _ if file.is_empty() => (None, "Loading the Tumbler engine".to_string()),
                _ => (None, format!("Loading the Tumbler\u{a0}· {file} {}", mb(loaded))),
            };
            view! {
                <span class="dot" aria-hidden="true"></span>
                <span class="engine-text">{text}</span>
                <progress max="1" value=value aria-label="Model download"></progress>
            }
            .into_any()
        }
        EngineState::Ready { backend, params, note, opened, .. } => {
            // A note means WebGPU was wanted but is not used: say so, and why in the title.
            let model = opened.unwrap_or_else(|| "Tumbler".to_string());
            // The model's name is left off on a phone (main.css), where the strip has room for
            // "ready · CPU" beside the model menu and the theme button, not for the whole line.
            let text = match note {
                Some(_) if backend == Backend::Cpu => "ready\u{a0}· CPU (not WebGPU)".to_string(),
                _ => format!("ready\u{a0}· {}", label(backend)),
            };
            let title = note.unwrap_or_else(|| {
                format!("{params} parameters, on the {}: {}", label(backend), why.get())
            });
            view! {
                <span class="dot" aria-hidden="true"></span>
                <span class="engine-text" title=title><span class="engine-model">{format!("{model} ")}</span>{text}</span>
            }
            .into_any()
        }
        EngineState::Failed { message } => view! {
            <span class="dot" aria-hidden="true"></span>
            <span title=message.clone() class="engine-text engine-message">"Model not loaded"</span>
            <button type="button" class="engine-retry" on:click=move |_| retry()>"Retry"</button>
        }
        .into_any(),
    };
    view! {
        <div
            class="engine-status"
            role="status"
            data-engine-state=move || state.get().id()
            data-backend=backend
            data-backend-why=move || why.get()
            data-model=move || match state.get() {
                EngineState::Ready { opened: Some(name), .. } => name,
                _ => "tumbler".to_string(),
            }
        >
            {body}
        </div>
    }
}
