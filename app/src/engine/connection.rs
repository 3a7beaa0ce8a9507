//! The connection to the engine worker: starting it (the WebGPU build, or the CPU build when that
//! fails), loading the model, and routing each reply to its question's handler.
//!
//! Every reply names its question and says whether it is the last ([`Reply::question`]), so no
//! list here knows which questions stream. A question waits here until the worker can take it:
//! until it listens for one that needs no model, until the model is ready for the others.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use tumbler_engine::{Backend, DecodeSpeed, LoadStatus, Model, Query, Reply, Request};
use wasm_bindgen::prelude::*;
use web_sys::{Event, MessageEvent, Worker};

use super::ask::ask;
use super::choice::{Choice, Measured, PROBE_TOKENS, decide, measure_gpu, remember};
use super::launch::{CHAT_DIR, choose_backend, dir_urls, model_urls, worker_script};
use super::state::{ChatModelState, Engine, EngineState};

/// What a question's replies go to.
pub type Handler = Box<dyn FnMut(Reply)>;
/// The worker's message and error callbacks.
pub(super) type Callbacks = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(Event)>);

/// The running worker.
struct Running {
    worker: Worker,
    /// Which build of the worker it is.
    backend: Backend,
    /// Why it is not the build the page asked for, if it is not.
    note: Option<String>,
    /// Whether it has said it listens ([`Reply::Started`]); messages sent before would be lost.
    listening: bool,
    /// Its callbacks; dropped (detached) with the worker.
    _callbacks: Callbacks,
}

/// The engine's connection: the worker, and the questions waiting for it or for their replies.
struct Connection {
    engine: Engine,
    running: Option<Running>,
    /// Questions sent, by id.
    handlers: HashMap<u32, Handler>,
    /// Questions not yet sent, in order.
    waiting: Vec<(u32, Query, Handler)>,
    next_id: u32,
    /// Whether to measure the backends once the CPU engine is ready (a first visit).
    measure: bool,
    /// After a move to WebGPU on a measurement: the CPU's time per token, to compare with the
    /// WebGPU engine's own once it is ready.
    verify: Option<f64>,
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Connection) -> R) -> Option<R> {
    CONNECTION.with(|c| c.borrow_mut().as_mut().map(f))
}

/// Starts the engine: chooses the backend, then starts its worker.
pub fn start(engine: Engine) {
    CONNECTION.with(|c| {
        c.borrow_mut().get_or_insert_with(|| Connection {
            engine,
            running: None,
            handlers: HashMap::new(),
            waiting: Vec::new(),
            next_id: 1,
            measure: false,
            verify: None,
        });
    });
    retry();
}

/// Starts over: a fresh worker, a fresh download.
pub fn retry() {
    let Some(engine) = with(|c| c.engine) else { return };
    engine.state.set(EngineState::Progress { file: String::new(), loaded: 0, total: None });
    let start = choose_backend();
    engine.why.set(start.choice.why);
    with(|c| c.measure = start.measure);
    start_worker(start.choice.backend, None);
}

/// Measures the CPU worker's decoding and a WebGPU round trip, decides (see [`decide`]),
/// remembers the choice, and moves to WebGPU if it won, at once when no question is under way,
/// else from the next visit.
async fn measure(engine: Engine) {
    let speed = ask::<DecodeSpeed>(Query::DecodeSpeed { tokens: PROBE_TOKENS }).await;
    let cpu_ms = match speed {
        Ok(speed) => speed.ms_per_token,
        Err(e) => {
            engine.why.set(format!("the CPU (its speed could not be measured: {e})"));
            return;
        }
    };
    let choice = match measure_gpu().await {
        Ok((gpu_round_trip_ms, adapter)) => {
            decide(Measured { cpu_ms, gpu_round_trip_ms }, &adapter)
        }
        Err(why) => Choice {
            backend: Backend::Cpu,
            why: format!(
                "measured on this device: the CPU decodes a token in {cpu_ms:.2} ms; WebGPU could \
                 not be measured ({why})"
            ),
        },
    };
    remember(&choice);
    if choice.backend == Backend::Webgpu {
        if with(|c| c.handlers.is_empty()) == Some(true) && !reader_model(engine) {
            engine.why.set(choice.why);
            with(|c| c.verify = Some(cpu_ms));
            start_worker(Backend::Webgpu, None);
        } else {
            engine.why.set(format!("{}; WebGPU runs from the next visit", choice.why));
        }
    } else {
        engine.why.set(choice.why);
    }
}

/// The WebGPU engine a measurement moved to, timed on its own decoding: if it is no faster than
/// the CPU was (`cpu_ms` per token), the CPU is remembered instead, and runs from now on.
async fn verify(engine: Engine, cpu_ms: f64) {
    let Ok(speed) = ask::<DecodeSpeed>(Query::DecodeSpeed { tokens: PROBE_TOKENS }).await else {
        return;
    };
    let gpu_ms = speed.ms_per_token;
    if gpu_ms < cpu_ms {
        let why = format!(
            "{}; WebGPU then decoded a token in {gpu_ms:.2} ms",
            engine.why.get_untracked()
        );
        remember(&Choice { backend: Backend::Webgpu, why: why.clone() });
        engine.why.set(why);
        return;
    }
    let choice = Choice {
        backend: Backend::Cpu,
        why: format!(
            "measured on this device: WebGPU decoded a token in {gpu_ms:.2} ms, the CPU in \
             {cpu_ms:.2} ms"
        ),
    };
    remember(&choice);
    engine.why.set(choice.why);
    if with(|c| c.handlers.is_empty()) == Some(true) && !reader_model(engine) {
        start_worker(Backend::Cpu, None);
    }
}

/// Whether the reader's own checkpoint is in use: a new worker would load the Tumbler in its
/// place, so the backend moves from the next visit instead.
fn reader_model(engine: Engine) -> bool {
    matches!(engine.state.get_untracked(), EngineState::Ready { opened: Some(_), .. })
}

/// Starts the build of the worker for `backend`; `note` says why it is not the one asked for.
fn start_worker(backend: Backend, note: Option<String>) {
    let Some(engine) = with(|c| c.engine) else { return };
    engine.asked.set(backend);
    engine.chat.set(ChatModelState::Idle);
    let worker = match Worker::new(&worker_script(backend)) {
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
                fail_sent(&note);
                start_worker(Backend::Cpu, Some(note));
            } else {
                fail_all(format!("Model not loaded: the engine stopped ({detail})"));
            }
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let running =
        Running { worker, backend, note, listening: false, _callbacks: (on_message, on_error) };
    let old = with(|c| c.running.replace(running)).flatten();
    if let Some(old) = old {
        old.worker.terminate();
    }
}

/// Stops the worker and tells every question sent to it `message`; questions not yet sent wait
/// for the next worker.
fn fail_sent(message: &str) {
    let handlers = with(|c| {
        if let Some(running) = c.running.take() {
            running.worker.terminate();
        }
        std::mem::take(&mut c.handlers)
    });
    for (id, mut handler) in handlers.unwrap_or_default() {
        handler(Reply::Failed { id: Some(id), message: message.to_string() });
    }
}

/// No worker is left: every question fails with `message`, which the page shows.
fn fail_all(message: String) {
    fail_sent(&message);
    fail_waiting(&message, |_| true);
    if let Some(engine) = with(|c| c.engine) {
        engine.state.set(EngineState::Failed { message });
    }
}

/// Tells the waiting questions `which` picks that they will not be sent.
fn fail_waiting(message: &str, which: impl Fn(&Query) -> bool) {
    let failed = with(|c| {
        let (failed, kept) =
            std::mem::take(&mut c.waiting).into_iter().partition(|(_, q, _)| which(q));
        c.waiting = kept;
        failed
    });
    for (id, _, mut handler) in failed.unwrap_or_default() {
        handler(Reply::Failed { id: Some(id), message: message.to_string() });
    }
}

fn post(running: &Running, request: &Request) {
    let _ = running.worker.post_message(&JsValue::from_str(&request.to_json()));
}

/// Sends the waiting questions the worker can take now.
fn flush() {
    with(|c| {
        let Some(running) = c.running.as_ref().filter(|r| r.listening) else { return };
        let ready = matches!(c.engine.state.get_untracked(), EngineState::Ready { .. });
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut c.waiting)
            .into_iter()
            .partition(|(_, query, _)| ready || !query.needs_model());
        c.waiting = later;
        for (id, query, handler) in now {
            post(running, &Request::Ask { id, query });
            c.handlers.insert(id, handler);
        }
    });
}

/// Asks `query`; `handler` gets its replies. Sent now if the worker can take it, else when it
/// can. Returns the question's id.
pub fn submit(query: Query, handler: Handler) -> u32 {
    if query.for_text_worker() {
        // Not the engine's: the corpus pipeline and the tokenizers have a worker of their own.
        return super::pipeline::submit(query, handler);
    }
    let id = with(|c| {
        let id = c.next_id;
        c.next_id += 1;
        id
    })
    .unwrap_or(0);
    with(|c| c.waiting.push((id, query, handler)));
    flush();
    id
}

/// Asks the worker to stop the stream `id` (a question not yet sent is dropped).
pub fn stop(id: u32) {
    with(|c| {
        c.waiting.retain(|(waiting, ..)| *waiting != id);
        if c.handlers.contains_key(&id)
            && let Some(running) = c.running.as_ref()
        {
            post(running, &Request::Stop { id });
        }
    });
}

fn on_load(model: Model, status: LoadStatus) {
    let Some(engine) = with(|c| c.engine) else { return };
    match (model, status) {
        (Model::Base, LoadStatus::Ready { backend, config, params, note, opened }) => {
            // The page's own note (why it started the CPU build) when the worker has none.
            let page_note = with(|c| c.running.as_ref().and_then(|r| r.note.clone())).flatten();
            let note = note.or(page_note);
            engine.state.set(EngineState::Ready { backend, config, params, note, opened });
            flush();
            if with(|c| std::mem::take(&mut c.measure)) == Some(true) {
                wasm_bindgen_futures::spawn_local(measure(engine));
            }
            if let Some(cpu_ms) = with(|c| c.verify.take()).flatten()
                && backend == Backend::Webgpu
            {
                wasm_bindgen_futures::spawn_local(verify(engine, cpu_ms));
            }
        }
        (Model::Base, LoadStatus::Failed { message }) => {
            let message = format!("Model not loaded: {message}");
            fail_waiting(&message, Query::needs_model);
            engine.state.set(EngineState::Failed { message });
        }
        (Model::Base, progress) => engine.state.set(progress),
        (Model::Chat, LoadStatus::Progress { file, loaded, total }) => {
            engine.chat.set(ChatModelState::Loading { file, loaded, total });
        }
        (Model::Chat, LoadStatus::Ready { params, .. }) => {
            engine.chat.set(ChatModelState::Ready { params });
        }
        (Model::Chat, LoadStatus::Failed { message }) => {
            engine.chat.set(ChatModelState::Error { message });
        }
    }
}

fn on_reply(reply: Reply) {
    match reply {
        Reply::Started => {
            let load = with(|c| {
                let running = c.running.as_mut()?;
                running.listening = true;
                let load = Request::Load {
                    backend: running.backend,
                    urls: model_urls(),
                    chat: Some(dir_urls(CHAT_DIR)),
                };
                post(running, &load);
                Some(())
            });
            if load.flatten().is_some() {
                flush();
            }
        }
        Reply::Load { model, status } => on_load(model, status),
        Reply::Failed { id: None, message } => {
            web_sys::console::warn_1(&format!("engine: {message}").into());
        }
        reply => {
            let Some((id, last)) = reply.question() else { return };
            // Take the handler out while it runs: it may ask another question.
            let Some(mut handler) = with(|c| c.handlers.remove(&id)).flatten() else { return };
            handler(reply);
            if !last {
                with(|c| c.handlers.insert(id, handler));
            }
        }
    }
}
