//! What every part of the worker shares: the [`Worker`] value, how a question ends
//! ([`Outcome`], [`Failure`]), and the worker's ways to talk and wait.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use tumbler_engine::{Answer, DoneReason, Reply};
use tumbler_engine::{Backend, Model, ModelUrls};
use tumbler_model::generate::GenerateError;
use tumbler_model::inspect::{EmbeddingSpace, InspectError};

use super::chat;
use super::gpu::Gpu;
use super::io::post;
use super::load::{Loaded, build, fetch_files};

/// Everything the worker holds.
#[derive(Default)]
pub struct Worker {
    /// The base model, once loaded.
    pub loaded: RefCell<Option<Rc<Loaded>>>,
    /// Streams asked to stop, read between their steps.
    pub stopped: RefCell<HashSet<u32>>,
    /// The chat model, loaded on the first question that needs it.
    pub chat: chat::Slot,
    /// The base model's embedding matrix and its projection, computed once per model.
    pub space: RefCell<Option<Rc<EmbeddingSpace>>>,
    /// The WebGPU device, or why there is none.
    pub gpu: Gpu,
    /// The `moe` chapter's model, downloaded on its first question.
    pub moe: super::moe::Slot,
    /// The backend the page asked for in its last load: what a checkpoint the reader opens
    /// decodes on, where it can.
    pub asked: Cell<Option<Backend>>,
    /// The shipped Tumbler, set aside while the reader's checkpoint is in use.
    pub shipped: RefCell<Option<Rc<Loaded>>>,
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
    pub fn message(self) -> String {
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

impl Worker {
    /// The base model, or why there is none.
    pub fn loaded(&self) -> Result<Rc<Loaded>, Failure> {
        self.loaded.borrow().clone().ok_or_else(|| "the model is not loaded".into())
    }

    /// Whether the stream `id` was asked to stop (once: the flag is cleared).
    pub fn stopped(&self, id: u32) -> bool {
        self.stopped.borrow_mut().remove(&id)
    }

    /// The base model at `urls`, on `backend` if it starts (else the CPU, with a note).
    pub async fn load(
        self: &Rc<Self>,
        backend: Backend,
        urls: &ModelUrls,
    ) -> Result<Loaded, String> {
        let files = fetch_files(Model::Base, urls, None).await?;
        let worker = Rc::downgrade(self);
        let on_lost = move |reason| {
            if let Some(worker) = worker.upgrade() {
                worker.gpu_lost(reason);
            }
        };
        let loaded = build(files, urls).await?;
        let weights = loaded.fused.borrow().weights().clone();
        let (gpu, backend, note) = self.gpu.decoder(backend, &weights, on_lost).await;
        Ok(loaded.with_gpu(gpu, backend, note))
    }

    /// The GPU is gone: never use WebGPU again in this worker, decode the loaded model on the
    /// CPU, and tell the page with a fresh ready status (its note says why).
    pub fn gpu_lost(&self, reason: String) {
        let reason = self.gpu.give_up(reason);
        // The chat model loads again, on the CPU, with the next question for it.
        self.chat.forget(None);
        // The shipped model set aside decodes on the CPU too when it comes back.
        let aside = self.shipped.borrow().clone().filter(|l| l.on_gpu());
        if let Some(aside) = aside {
            let cpu = aside.on_cpu(format!("{reason}; running on the CPU"));
            *self.shipped.borrow_mut() = Some(Rc::new(cpu));
        }
        let Some(gpu) = self.loaded.borrow().clone().filter(|l| l.on_gpu()) else { return };
        let cpu = gpu.on_cpu(format!("{reason}; running on the CPU"));
        let status = cpu.ready();
        *self.loaded.borrow_mut() = Some(Rc::new(cpu));
        post(&Reply::Load { model: Model::Base, status });
    }

    /// The one way out of a lost GPU: reading from `l`'s device failed with `error`; on WebGPU
    /// the GPU is gone, so the engine moves to the CPU. The model that replaced `l`, if any.
    pub fn fallback(&self, l: &Rc<Loaded>, error: &str) -> Option<Rc<Loaded>> {
        if !l.on_gpu() {
            return None;
        }
        self.gpu_lost(format!("WebGPU failed while running the model ({error})"));
        self.loaded.borrow().clone().filter(|now| !Rc::ptr_eq(now, l) && !now.on_gpu())
    }
}
