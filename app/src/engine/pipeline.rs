//! The text worker (`tumbler-pipeline`, see `engine/src/pipeline.rs`): the corpus pipeline and
//! the tokenizers. Started on the first question for it ([`Query::for_text_worker`]), which the
//! engine worker does not answer, and kept for the next. Its questions have ids of their own
//! (the page asks it before the engine has started, and in pages that never start one); its
//! replies go to the handlers by question id, as the engine's do.

use std::cell::RefCell;
use std::collections::HashMap;

use tumbler_engine::{Query, Reply, Request};
use wasm_bindgen::prelude::*;
use web_sys::{Event, MessageEvent, Worker};

use super::connection::{Callbacks, Handler};
use super::launch::pipeline_script;

/// The worker, what waits for it to listen, and the questions sent to it.
struct PipelineWorker {
    worker: Worker,
    listening: bool,
    waiting: Vec<(u32, Query)>,
    handlers: HashMap<u32, Handler>,
    _callbacks: Callbacks,
}

thread_local! {
    static PIPELINE: RefCell<Option<PipelineWorker>> = const { RefCell::new(None) };
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// Whether the text worker has been started (and not stopped by a crash).
pub fn started() -> bool {
    PIPELINE.with(|p| p.borrow().is_some())
}

/// Asks `query` of the text worker, starting it if need be. Returns the question's id.
pub fn submit(query: Query, mut handler: Handler) -> u32 {
    let id = NEXT_ID.with(|n| n.replace(n.get() + 1));
    let started = PIPELINE.with(|p| p.borrow().is_some()) || start();
    if !started {
        handler(Reply::Failed {
            id: Some(id),
            message: "the text worker could not start (this browser has no Web Workers)".into(),
        });
        return id;
    }
    PIPELINE.with(|p| {
        if let Some(p) = p.borrow_mut().as_mut() {
            p.handlers.insert(id, handler);
            p.waiting.push((id, query));
        }
    });
    flush();
    id
}

fn start() -> bool {
    let Ok(worker) = Worker::new(&pipeline_script()) else { return false };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Reply>(&text) {
            Ok(Reply::Started) => {
                PIPELINE.with(|p| p.borrow_mut().as_mut().map(|p| p.listening = true));
                flush();
            }
            Ok(reply) => on_reply(reply),
            Err(e) => {
                web_sys::console::warn_1(&format!("pipeline reply not understood: {e}").into());
            }
        }
    });
    // A script that fails to load, or a crash: every question fails, the next one starts anew.
    let on_error = Closure::<dyn FnMut(Event)>::new(|_: Event| {
        wasm_bindgen_futures::spawn_local(async {
            let Some(gone) = PIPELINE.with(|p| p.borrow_mut().take()) else { return };
            gone.worker.terminate();
            for (id, mut handler) in gone.handlers {
                handler(Reply::Failed {
                    id: Some(id),
                    message: "the text worker stopped (its code failed to load or crashed); ask \
                              again to restart it"
                        .into(),
                });
            }
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    PIPELINE.with(|p| {
        *p.borrow_mut() = Some(PipelineWorker {
            worker,
            listening: false,
            waiting: Vec::new(),
            handlers: HashMap::new(),
            _callbacks: (on_message, on_error),
        });
    });
    true
}

/// Sends the waiting questions once the worker listens.
fn flush() {
    PIPELINE.with(|p| {
        let mut p = p.borrow_mut();
        let Some(p) = p.as_mut().filter(|p| p.listening) else { return };
        for (id, query) in std::mem::take(&mut p.waiting) {
            let request = Request::Ask { id, query };
            let _ = p.worker.post_message(&JsValue::from_str(&request.to_json()));
        }
    });
}

fn on_reply(reply: Reply) {
    let Some((id, last)) = reply.question() else { return };
    // Take the handler out while it runs: it may ask another question.
    let Some(mut handler) =
        PIPELINE.with(|p| p.borrow_mut().as_mut().and_then(|p| p.handlers.remove(&id)))
    else {
        return;
    };
    handler(reply);
    if !last {
        PIPELINE.with(|p| p.borrow_mut().as_mut().map(|p| p.handlers.insert(id, handler)));
    }
}
