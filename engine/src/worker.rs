//! The worker: one [`Worker`] value that loads the model, answers every [`Query`] through one
//! dispatch, and moves to the CPU when the GPU is lost.
//!
//! Questions run as tasks on the worker's event loop; a stream yields after every step so a
//! [`Request::Stop`] (or another question) is read between steps. A question whose pass fails on
//! a lost WebGPU device is asked again of the model rebuilt on the CPU ([`Worker::fallback`]): the
//! one path every question takes.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use tumbler_engine::{Answer, DoneReason, LoadStatus, Model, Query, Reply, Request};
use tumbler_model::generate::GenerateError;
use tumbler_model::inspect::{EmbeddingSpace, InspectError};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

mod answer;
mod chat;
mod gpu;
mod learn;
mod load;
mod stream;

use load::Loaded;

/// Everything the worker holds.
#[derive(Default)]
pub struct Worker {
    /// The base model, once loaded.
    loaded: RefCell<Option<Rc<Loaded>>>,
    /// Streams asked to stop, read between their steps.
    stopped: RefCell<HashSet<u32>>,
    /// The chat model, loaded on the first question that needs it.
    chat: chat::Slot,
    /// The base model's embedding matrix and its projection, computed once per model.
    space: RefCell<Option<Rc<EmbeddingSpace>>>,
    /// The WebGPU device, or why there is none.
    gpu: gpu::Gpu,
}

/// Why a question got no answer.
pub enum Failure {
    /// The message for the reader.
    Message(String),
    /// Reading from the device failed: on WebGPU, the GPU is gone.
    Device(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Message(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Message(message.to_string())
    }
}

impl From<InspectError> for Failure {
    fn from(e: InspectError) -> Self {
        match e {
            InspectError::Readback(e) => Failure::Device(e.to_string()),
            InspectError::Input(message) => Failure::Message(message),
        }
    }
}

impl From<GenerateError> for Failure {
    fn from(e: GenerateError) -> Self {
        match e {
            GenerateError::Readback(e) => Failure::Device(e.to_string()),
            other => Failure::Message(other.to_string()),
        }
    }
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Message(m) | Failure::Device(m) => m,
        }
    }
}

/// How a question ended well.
pub enum Outcome {
    /// Its one answer.
    Answer(Answer),
    /// The end of its stream.
    Done(DoneReason),
}

impl<T: Into<Answer>> From<T> for Outcome {
    fn from(answer: T) -> Self {
        Outcome::Answer(answer.into())
    }
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends `reply` to the page.
pub fn post(reply: &Reply) {
    // The page never closes the port while the worker lives, so a failed post has no reader.
    let _ = scope().post_message(&JsValue::from_str(&reply.to_json()));
}

/// Milliseconds from the worker's `performance.now()`: finer than `Date.now()`, whose whole
/// milliseconds would round a decode step of a few ms.
pub fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Lets the event loop run once, so messages that arrived meanwhile are handled.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(promise).await;
}

/// Installs the message handler and tells the page the worker is listening.
pub fn start() {
    let worker = Rc::new(Worker::default());
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Request>(&text) {
            Ok(request) => wasm_bindgen_futures::spawn_local(worker.clone().handle(request)),
            Err(e) => post(&Reply::Failed {
                id: None,
                message: format!("the engine could not read a request: {e}"),
            }),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    post(&Reply::Started);
}

impl Worker {
    async fn handle(self: Rc<Self>, request: Request) {
        match request {
            Request::Load { backend, urls, chat } => {
                self.loaded.borrow_mut().take();
                self.space.borrow_mut().take();
                self.chat.forget(Some((&urls, chat)));
                let status = match self.load(backend, &urls).await {
                    Ok(loaded) => {
                        let status = loaded.ready();
                        *self.loaded.borrow_mut() = Some(Rc::new(loaded));
                        status
                    }
                    Err(message) => LoadStatus::Failed { message },
                };
                post(&Reply::Load { model: Model::Base, status });
            }
            Request::Ask { id, query } => {
                self.stopped.borrow_mut().remove(&id);
                let reply = match self.ask(id, &query).await {
                    Ok(Outcome::Answer(answer)) => Reply::Answer { id, answer },
                    Ok(Outcome::Done(reason)) => Reply::Done { id, reason },
                    Err(failure) => Reply::Failed { id: Some(id), message: failure.message() },
                };
                post(&reply);
            }
            Request::Stop { id } => {
                self.stopped.borrow_mut().insert(id);
            }
            Request::DestroyGpu => {
                if let Err(message) = self.gpu.destroy() {
                    post(&Reply::Failed { id: None, message });
                }
            }
        }
    }

    /// The base model, or why there is none.
    fn loaded(&self) -> Result<Rc<Loaded>, Failure> {
        self.loaded.borrow().clone().ok_or_else(|| "the model is not loaded".into())
    }

    /// Whether the stream `id` was asked to stop (once: the flag is cleared).
    fn stopped(&self, id: u32) -> bool {
        self.stopped.borrow_mut().remove(&id)
    }

    /// `query`, asked of the base model; asked once more of the CPU model if the GPU was lost.
    async fn ask(self: &Rc<Self>, id: u32, query: &Query) -> Result<Outcome, Failure> {
        if !query.needs_model() {
            return answer::without_model(query);
        }
        let l = self.loaded()?;
        match self.run(id, query, &l).await {
            Err(Failure::Device(error)) => match self.fallback(&l, &error) {
                Some(cpu) => self.run(id, query, &cpu).await,
                None => Err(Failure::Device(error)),
            },
            outcome => outcome,
        }
    }

    /// One dispatch: which computation answers `query`, on `l`.
    async fn run(
        self: &Rc<Self>,
        id: u32,
        query: &Query,
        l: &Rc<Loaded>,
    ) -> Result<Outcome, Failure> {
        let timed = now();
        let inspect = l.inspector();
        Ok(match query {
            Query::Trace { text } => {
                let mut trace = inspect.attention(text).await?;
                trace.millis = now() - timed;
                trace.into()
            }
            Query::Next { text } => {
                let mut next = inspect.next(text).await?;
                next.millis = now() - timed;
                next.into()
            }
            Query::Loss { text } => {
                let mut losses = inspect.losses(text).await?;
                losses.millis = now() - timed;
                losses.into()
            }
            Query::Gates { text, position } => inspect.gates(text, *position).await?.into(),
            Query::Permutation { text, seed } => inspect.permutation(text, *seed).await?.into(),
            Query::Weights { layer, matrix } => inspect.weights(*layer, matrix).await?.into(),
            Query::Embeddings { text } => {
                let space = self.space(l).await?;
                let mut map = inspect.embeddings(&space, text)?;
                map.millis = now() - timed;
                map.into()
            }
            Query::Generate { prompt, options } => {
                Outcome::Done(self.generate(id, l.clone(), prompt, options).await?)
            }
            Query::Chat { model, messages, options } => {
                Outcome::Done(self.chat(id, l, *model, messages, options).await?)
            }
            Query::KvCompare { prompt, max_tokens } => {
                Outcome::Done(self.kv_compare(id, l, prompt, *max_tokens).await?)
            }
            Query::ForwardTimes { lengths, repeats } => {
                Outcome::Done(self.forward_times(id, l, lengths, *repeats).await?)
            }
            Query::Learn { text, prompt, steps, sample_every, seed } => {
                Outcome::Done(self.learn(id, l, text, prompt, *steps, *sample_every, *seed).await?)
            }
            Query::Pipeline { .. } => answer::without_model(query)?,
        })
    }

    /// The embedding space of `l`, computed on the first question about it.
    async fn space(&self, l: &Loaded) -> Result<Rc<EmbeddingSpace>, Failure> {
        if let Some(space) = self.space.borrow().clone() {
            return Ok(space);
        }
        let space = Rc::new(l.inspector().embedding_space().await?);
        *self.space.borrow_mut() = Some(space.clone());
        Ok(space)
    }

    /// The one way out of a lost GPU: reading from `l`'s device failed with `error`; on WebGPU
    /// the GPU is gone, so the engine moves to the CPU. The model that replaced `l`, if any.
    fn fallback(&self, l: &Rc<Loaded>, error: &str) -> Option<Rc<Loaded>> {
        if !l.on_gpu() {
            return None;
        }
        self.gpu_lost(format!("WebGPU failed while running the model ({error})"));
        self.loaded.borrow().clone().filter(|now| !Rc::ptr_eq(now, l) && !now.on_gpu())
    }
}
