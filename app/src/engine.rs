//! The engine from the page's side: starts the engine worker after the first paint, loads the
//! model into it, shows its status, and routes requests to it and replies back.
//!
//! The worker (crate `tumbler-engine`) holds burn and the model; the page holds neither. Messages
//! are the typed [`Request`] and [`Reply`], sent as JSON strings.
//!
//! There are two builds of the worker: the CPU one, and a much larger one with burn's WebGPU
//! backend. The page starts the WebGPU one only where `navigator.gpu` gives an adapter (or
//! `?backend=webgpu` asks for it), and the CPU one if that worker fails to start or crashes.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Event, MessageEvent, Worker};

use tumbler_engine::ModelUrls;
pub use tumbler_engine::{
    AttentionTrace, Backend, ChatMessage, DoneReason, GenerateOptions, Model, NextLogits, Reply,
    Request, Role, TokenLosses,
};
use tumbler_model::gpt::TumblerConfig;

use crate::route::Route;

pub mod chat;
pub mod live;

/// The worker scripts Trunk writes (`data-type="worker"` with a loader shim in `index.html`): the
/// CPU build, and the build with burn's WebGPU backend.
const CPU_WORKER: &str = "tumbler-engine_loader.js";
const WEBGPU_WORKER: &str = "tumbler-engine-webgpu_loader.js";
/// The model the page loads unless `?model=` names another folder of the site.
const MODEL_DIR: &str = "public/model/base/";
/// The fine-tuned chat model, loaded by the worker on the first request that needs it.
const CHAT_DIR: &str = "public/model/chat/";
/// The Tumbler's tokenizer.
const TOKENIZER: &str = "public/model/tokenizer.json";

/// Where the engine stands.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineState {
    /// The worker or the model's files are on their way.
    Loading {
        /// The file being read (empty while the worker's own code loads).
        file: String,
        /// Bytes of it so far.
        loaded: u64,
        /// Its size, if the server said.
        total: Option<u64>,
    },
    /// The model is loaded and answers requests.
    Ready {
        /// Where it runs.
        backend: Backend,
        /// Its hyper-parameters.
        config: TumblerConfig,
        /// Its number of parameters.
        params: usize,
        /// Why it runs on another backend than the one asked for.
        note: Option<String>,
    },
    /// It could not load; [`retry`] tries again.
    Error {
        /// What went wrong, for the reader.
        message: String,
    },
}

impl EngineState {
    /// The value of `data-engine-state`.
    pub fn id(&self) -> &'static str {
        match self {
            EngineState::Loading { .. } => "loading",
            EngineState::Ready { .. } => "ready",
            EngineState::Error { .. } => "error",
        }
    }
}

/// The backend `?backend=cpu|webgpu` forces, if it does.
fn forced_backend() -> Option<Backend> {
    match Route::param("backend").as_deref() {
        Some("cpu") => Some(Backend::Cpu),
        Some("webgpu") => Some(Backend::Webgpu),
        _ => None,
    }
}

/// `navigator.gpu`, where the browser has WebGPU.
fn navigator_gpu() -> Option<JsValue> {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("gpu")).ok())
        .filter(|g| !g.is_undefined() && !g.is_null())
}

/// The backend the page asks for before it has asked WebGPU for an adapter: `?backend=`, else
/// WebGPU where the browser has it.
pub fn requested_backend() -> Backend {
    forced_backend().unwrap_or(if navigator_gpu().is_some() {
        Backend::Webgpu
    } else {
        Backend::Cpu
    })
}

/// The worker to start: `?backend=` forces one; otherwise WebGPU where `navigator.gpu` gives an
/// adapter. The note says why the CPU was chosen in a browser that has WebGPU.
async fn choose_backend() -> (Backend, Option<String>) {
    if let Some(backend) = forced_backend() {
        return (backend, None);
    }
    let Some(gpu) = navigator_gpu() else { return (Backend::Cpu, None) };
    let request = js_sys::Reflect::get(&gpu, &JsValue::from_str("requestAdapter"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&gpu).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let Some(request) = request else {
        return (
            Backend::Cpu,
            Some("WebGPU cannot ask for an adapter here; running on the CPU".into()),
        );
    };
    match wasm_bindgen_futures::JsFuture::from(request).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => (Backend::Webgpu, None),
        Ok(_) => {
            (Backend::Cpu, Some("WebGPU has no adapter in this browser; running on the CPU".into()))
        }
        Err(e) => {
            let why = e.as_string().unwrap_or_else(|| format!("{e:?}"));
            (
                Backend::Cpu,
                Some(format!("WebGPU's adapter request failed ({why}); running on the CPU")),
            )
        }
    }
}

type Handler = Box<dyn FnMut(Reply)>;
/// A request not yet sent (it is made once its id is known) and the handler of its replies.
type Waiting = (Box<dyn FnOnce(u32) -> Request>, Handler);
/// The worker's message and error callbacks.
type Callbacks = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(Event)>);

/// The running worker and the requests waiting for replies.
struct Running {
    worker: Worker,
    /// Which build of the worker it is.
    backend: Backend,
    /// Why it is not the build the page asked for, if it is not.
    note: Option<String>,
    handlers: HashMap<u32, Handler>,
    next_id: u32,
    /// Whether the worker has said it listens ([`Reply::Started`]); messages sent before that
    /// would be lost.
    listening: bool,
    /// The worker's callbacks; dropped (detached) with the worker.
    _callbacks: Callbacks,
}

thread_local! {
    static STATE: RwSignal<EngineState> = RwSignal::new(EngineState::Loading {
        file: String::new(),
        loaded: 0,
        total: None,
    });
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
    /// The backend of the worker the page starts (the status shows it while the model loads).
    static ASKED: RwSignal<Backend> = RwSignal::new(requested_backend());
    /// Requests that need no model, waiting for the worker to listen.
    static EARLY: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
}

/// The engine's state, for any component to read.
pub fn state() -> RwSignal<EngineState> {
    STATE.with(|s| *s)
}

/// Starts the engine worker once the page has painted.
pub fn start_after_paint() {
    request_animation_frame(|| set_timeout(start, std::time::Duration::ZERO));
}

/// Absolute URL of `path` relative to the page.
fn absolute(path: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    web_sys::Url::new_with_base(path, &base).map(|u| u.href()).unwrap_or_else(|_| path.to_string())
}

/// The model's files: `public/model/base/`, or the folder `?model=` names on this site (a relative
/// path, for trying other weights).
fn model_urls() -> ModelUrls {
    let dir = Route::param("model")
        .filter(|d| !d.contains(':') && !d.starts_with('/') && !d.contains(".."))
        .map(|d| if d.ends_with('/') { d } else { format!("{d}/") })
        .unwrap_or_else(|| MODEL_DIR.to_string());
    dir_urls(&dir)
}

/// The files of the model in the site folder `dir`, with the Tumbler's tokenizer.
fn dir_urls(dir: &str) -> ModelUrls {
    ModelUrls {
        config: absolute(&format!("{dir}config.json")),
        weights: absolute(&format!("{dir}model.safetensors")),
        tokenizer: absolute(TOKENIZER),
    }
}

fn start() {
    state().set(EngineState::Loading { file: String::new(), loaded: 0, total: None });
    wasm_bindgen_futures::spawn_local(async {
        let (backend, note) = choose_backend().await;
        start_worker(backend, note);
    });
}

/// Starts the build of the worker for `backend`; `note` says why it is not the one asked for.
fn start_worker(backend: Backend, note: Option<String>) {
    ASKED.with(|a| a.set(backend));
    chat::state().set(chat::ChatModelState::Idle);
    let script = match backend {
        Backend::Webgpu => WEBGPU_WORKER,
        Backend::Cpu => CPU_WORKER,
    };
    let worker = match Worker::new(&absolute(script)) {
        Ok(worker) => worker,
        Err(e) => {
            let message = e.as_string().unwrap_or_else(|| "this browser has no Web Workers".into());
            fail_all(format!("Model not loaded: the engine could not start ({message})"));
            return;
        }
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Reply>(&text) {
            Ok(reply) => on_reply(reply),
            Err(e) => web_sys::console::warn_1(&format!("engine reply not understood: {e}").into()),
        }
    });
    // A script that fails to load fires a plain Event; an uncaught error an ErrorEvent.
    let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        let detail = js_sys::Reflect::get(&event, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "its code failed to load or crashed".into());
        // After this callback returns: replacing the worker drops this closure.
        wasm_bindgen_futures::spawn_local(async move {
            if backend == Backend::Webgpu {
                // The WebGPU build failed (a wasm too large to compile, a GPU error it could not
                // survive): the CPU build carries on.
                let note = format!("the WebGPU engine stopped ({detail}); running on the CPU");
                fail_requests(&note);
                start_worker(Backend::Cpu, Some(note));
            } else {
                fail_all(format!("Model not loaded: the engine stopped ({detail})"));
            }
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let running = Running {
        worker,
        backend,
        note,
        handlers: HashMap::new(),
        next_id: 1,
        listening: false,
        _callbacks: (on_message, on_error),
    };
    RUNNING.with(|r| {
        if let Some(old) = r.borrow_mut().replace(running) {
            old.worker.terminate();
        }
    });
}

/// Stops the worker and tells every waiting request `message`.
fn fail_requests(message: &str) {
    let handlers = RUNNING.with(|r| {
        r.borrow_mut().take().map(|running| {
            running.worker.terminate();
            running.handlers
        })
    });
    for (id, mut handler) in handlers.unwrap_or_default() {
        handler(Reply::Failed { id: Some(id), message: message.to_string() });
    }
}

/// Stops the worker, tells every waiting request, and shows `message`.
fn fail_all(message: String) {
    fail_requests(&message);
    // Requests that need no model wait for the next worker when a WebGPU one is replaced; they
    // fail only when no worker is left.
    for (_, mut handler) in EARLY.with(|e| std::mem::take(&mut *e.borrow_mut())) {
        handler(Reply::Failed { id: None, message: message.clone() });
    }
    state().set(EngineState::Error { message });
}

/// Starts over: a fresh worker, a fresh download.
pub fn retry() {
    start();
}

fn send(request: &Request) {
    RUNNING.with(|r| {
        if let Some(running) = r.borrow().as_ref() {
            let _ = running.worker.post_message(&JsValue::from_str(&request.to_json()));
        }
    });
}

fn on_reply(reply: Reply) {
    let id = match &reply {
        Reply::Started => {
            let backend = RUNNING.with(|r| r.borrow().as_ref().map(|run| run.backend));
            send(&Request::Load {
                backend: backend.unwrap_or(Backend::Cpu),
                urls: model_urls(),
                chat: Some(dir_urls(CHAT_DIR)),
            });
            RUNNING.with(|r| r.borrow_mut().as_mut().map(|run| run.listening = true));
            send_early();
            return;
        }
        Reply::ChatProgress { file, loaded, total } => {
            chat::state().set(chat::ChatModelState::Loading {
                file: file.clone(),
                loaded: *loaded,
                total: *total,
            });
            return;
        }
        Reply::ChatReady { params } => {
            chat::state().set(chat::ChatModelState::Ready { params: *params });
            return;
        }
        Reply::ChatLoadFailed { message } => {
            chat::state().set(chat::ChatModelState::Error { message: message.clone() });
            return;
        }
        Reply::Progress { file, loaded, total } => {
            state().set(EngineState::Loading {
                file: file.clone(),
                loaded: *loaded,
                total: *total,
            });
            return;
        }
        Reply::Ready { backend, config, params, note } => {
            let page_note = RUNNING.with(|r| r.borrow().as_ref().and_then(|run| run.note.clone()));
            state().set(EngineState::Ready {
                backend: *backend,
                config: config.clone(),
                params: *params,
                note: note.clone().or(page_note),
            });
            return;
        }
        Reply::LoadFailed { message } => {
            state().set(EngineState::Error { message: format!("Model not loaded: {message}") });
            return;
        }
        Reply::Failed { id: None, message } => {
            web_sys::console::warn_1(&format!("engine: {message}").into());
            return;
        }
        Reply::Failed { id: Some(id), .. }
        | Reply::Trace { id, .. }
        | Reply::Next { id, .. }
        | Reply::Loss { id, .. }
        | Reply::Pipeline { id, .. }
        | Reply::Token { id, .. }
        | Reply::Done { id, .. }
        | Reply::Embeddings { id, .. }
        | Reply::KvStep { id, .. }
        | Reply::ForwardTime { id, .. }
        | Reply::Permutation { id, .. }
        | Reply::Gates { id, .. }
        | Reply::LearnStart { id, .. }
        | Reply::LearnStep { id, .. }
        | Reply::Weights { id, .. } => *id,
    };
    // Streams end with `Done` (or `Failed`); every other reply answers its request alone.
    let last = !matches!(
        reply,
        Reply::Token { .. }
            | Reply::KvStep { .. }
            | Reply::ForwardTime { .. }
            | Reply::LearnStart { .. }
            | Reply::LearnStep { .. }
    );
    // Take the handler out while it runs: it may send another request.
    let handler =
        RUNNING.with(|r| r.borrow_mut().as_mut().and_then(|run| run.handlers.remove(&id)));
    if let Some(mut handler) = handler {
        handler(reply);
        if !last {
            RUNNING.with(|r| {
                if let Some(run) = r.borrow_mut().as_mut() {
                    run.handlers.insert(id, handler);
                }
            });
        }
    }
}

/// Sends the request `make(id)` and calls `on_reply` with each reply to it; returns the id, or
/// `None` (and sends nothing) while the engine is not ready.
pub fn request(
    make: impl FnOnce(u32) -> Request,
    on_reply: impl FnMut(Reply) + 'static,
) -> Option<u32> {
    let ready = matches!(state().get_untracked(), EngineState::Ready { .. });
    let id = RUNNING.with(|r| {
        let mut r = r.borrow_mut();
        let running = r.as_mut().filter(|_| ready)?;
        let id = running.next_id;
        running.next_id += 1;
        running.handlers.insert(id, Box::new(on_reply));
        Some(id)
    });
    if let Some(id) = id {
        send(&make(id));
    }
    id
}

/// Like [`request`], for a request that needs no model (the corpus pipeline): sent as soon as the
/// worker listens, while the model loads, once it is ready, or after it failed to load. If the
/// worker cannot start, `on_reply` gets a [`Reply::Failed`] saying why.
pub fn request_without_model(
    make: impl FnOnce(u32) -> Request + 'static,
    on_reply: impl FnMut(Reply) + 'static,
) {
    EARLY.with(|e| e.borrow_mut().push((Box::new(make), Box::new(on_reply))));
    send_early();
}

/// Sends the waiting requests that need no model, if the worker listens.
fn send_early() {
    let listening = RUNNING.with(|r| r.borrow().as_ref().is_some_and(|run| run.listening));
    if !listening {
        return;
    }
    for (make, handler) in EARLY.with(|e| std::mem::take(&mut *e.borrow_mut())) {
        let id = RUNNING.with(|r| {
            let mut r = r.borrow_mut();
            let running = r.as_mut()?;
            let id = running.next_id;
            running.next_id += 1;
            running.handlers.insert(id, handler);
            Some(id)
        });
        if let Some(id) = id {
            send(&make(id));
        }
    }
}

/// Asks the worker to stop the generation `id`.
pub fn stop(id: u32) {
    send(&Request::Stop { id });
}

/// The answer to the latest of a stream of requests: whenever `input` changes (and the engine is
/// ready) and the reader has paused for 250 ms, sends `make(id, input)`; `pick` takes the answer
/// out of its reply. Answers to older inputs are dropped.
pub fn latest_answer<I, T>(
    input: impl Fn() -> I + 'static,
    make: impl Fn(u32, I) -> Request + Copy + 'static,
    pick: impl Fn(Reply) -> Option<T> + Copy + 'static,
) -> RwSignal<Option<Result<T, String>>>
where
    I: 'static,
    T: Send + Sync + 'static,
{
    let answer = RwSignal::new(None);
    let typed = StoredValue::new(0u64);
    let state = state();
    Effect::new(move |_| {
        let ready = matches!(state.get(), EngineState::Ready { .. });
        let input = input();
        if !ready {
            return;
        }
        // Typing sends one request when the reader pauses, not one per key.
        let mark = typed.get_value() + 1;
        typed.set_value(mark);
        let ask = move || {
            if typed.try_get_value() != Some(mark) {
                return;
            }
            request(
                move |id| make(id, input),
                // The chapter may be gone by the time the reply comes.
                move |reply| {
                    if typed.try_get_value() != Some(mark) {
                        return;
                    }
                    let result = match reply {
                        Reply::Failed { message, .. } => Err(message),
                        other => match pick(other) {
                            Some(t) => Ok(t),
                            None => return,
                        },
                    };
                    answer.try_set(Some(result));
                },
            );
        };
        set_timeout(ask, std::time::Duration::from_millis(250));
    });
    answer
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// What a live chapter shows while the engine is not ready: `loading` while it loads, the
/// failure with a Retry after one.
pub fn waiting_note(state: &EngineState, loading: &'static str) -> AnyView {
    match state {
        EngineState::Error { message } => view! {
            <p class="note-live engine-error" role="alert">
                {message.clone()} " "
                <button type="button" on:click=move |_| retry()>"Retry"</button>
            </p>
        }
        .into_any(),
        _ => view! { <p class="note-live">{loading}</p> }.into_any(),
    }
}

/// A live panel's body: `ready()` once the engine is ready, until then [`waiting_note`] with
/// `loading` (or the failure with a Retry).
pub fn when_ready(
    loading: &'static str,
    ready: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl Fn() -> AnyView + Send + Sync + 'static {
    move || match state().get() {
        waiting @ (EngineState::Loading { .. } | EngineState::Error { .. }) => {
            waiting_note(&waiting, loading)
        }
        EngineState::Ready { .. } => ready(),
    }
}

/// The engine status element of the testability contract: `data-engine-state` and
/// `data-backend`, with the download's progress and a retry after a failure.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let asked = ASKED.with(|a| *a);
    let state = state();
    let backend = move || match state.get() {
        EngineState::Ready { backend, .. } => backend.id(),
        _ => asked.get().id(),
    };
    let label = |b: Backend| match b {
        Backend::Webgpu => "WebGPU",
        Backend::Cpu => "CPU",
    };
    let body = move || match state.get() {
        EngineState::Loading { file, loaded, total } => {
            let (value, text) = match total {
                Some(t) if t > 0 => (
                    Some((loaded as f64 / t as f64).min(1.0)),
                    format!("Loading the Tumbler · {file} {} of {}", mb(loaded), mb(t)),
                ),
                _ if file.is_empty() => (None, "Loading the Tumbler engine".to_string()),
                _ => (None, format!("Loading the Tumbler · {file} {}", mb(loaded))),
            };
            view! {
                <span class="dot" aria-hidden="true"></span>
                <span>{text}</span>
                <progress max="1" value=value aria-label="Model download"></progress>
            }
            .into_any()
        }
        EngineState::Ready { backend, params, note, .. } => {
            // A note means WebGPU was wanted but is not used: say so, and why in the title.
            let text = match note {
                Some(_) if backend == Backend::Cpu => {
                    "Tumbler ready · CPU (not WebGPU)".to_string()
                }
                _ => format!("Tumbler ready · {}", label(backend)),
            };
            let title = note.unwrap_or_else(|| format!("{params} parameters"));
            view! {
                <span class="dot" aria-hidden="true"></span>
                <span title=title>{text}</span>
            }
            .into_any()
        }
        EngineState::Error { message } => view! {
            <span class="dot" aria-hidden="true"></span>
            <span title=message.clone() class="engine-message">"Model not loaded"</span>
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
        >
            {body}
        </div>
    }
}
