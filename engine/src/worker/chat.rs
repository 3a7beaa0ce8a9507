//! The chat model: loaded on the first question that needs it, on the base model's device.
//!
//! Questions that arrive while it loads wait for that one load instead of starting their own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tumbler_engine::{Model, ModelUrls, Reply};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::gpu::Gpu;
use super::io::post;
use super::load::{Loaded, build, fetch_files};

/// Where the chat model stands.
#[derive(Default)]
enum State {
    /// Not loaded (or forgotten).
    #[default]
    Idle,
    /// Loading; each waiting question's promise is resolved when the load ends, with the error
    /// message if it failed.
    Loading(Vec<js_sys::Function>),
    Ready(Rc<Loaded>),
}

/// The chat model's place in the worker.
#[derive(Default)]
pub struct Slot {
    state: RefCell<State>,
    /// The chat model's files, and the base model's tokenizer (shared when it is the same file).
    urls: RefCell<Option<(ModelUrls, String)>>,
    /// Bumped whenever the chat model is forgotten, so a load that was under way is not kept.
    epoch: Cell<u32>,
}

impl Slot {
    /// Forgets the chat model (a new base model, or a lost GPU): the next question loads it
    /// again. With `urls` (the base model's, and the chat model's if any), also sets where the
    /// chat model's files are.
    pub fn forget(&self, urls: Option<(&ModelUrls, Option<ModelUrls>)>) {
        if let Some((base, chat)) = urls {
            *self.urls.borrow_mut() = chat.map(|c| (c, base.tokenizer.clone()));
        }
        self.epoch.set(self.epoch.get() + 1);
        if let State::Loading(waiters) = self.state.replace(State::Idle) {
            wake(waiters, Some("the model was reloaded meanwhile; ask again"));
        }
    }

    /// The chat model, loaded now if no question has loaded it yet (decoding on `gpu` where the
    /// base model does).
    pub async fn model(&self, base: &Loaded, gpu: &Gpu) -> Result<Rc<Loaded>, String> {
        loop {
            let next = {
                let mut state = self.state.borrow_mut();
                match &mut *state {
                    State::Ready(l) => Next::Use(l.clone()),
                    State::Loading(waiters) => {
                        Next::Wait(js_sys::Promise::new(&mut |resolve, _| waiters.push(resolve)))
                    }
                    State::Idle => {
                        *state = State::Loading(Vec::new());
                        Next::Load
                    }
                }
            };
            match next {
                Next::Use(l) => return Ok(l),
                Next::Wait(promise) => {
                    if let Some(message) =
                        JsFuture::from(promise).await.ok().and_then(|v| v.as_string())
                    {
                        return Err(message);
                    }
                }
                Next::Load => return self.load(base, gpu).await,
            }
        }
    }

    /// Downloads the chat model's files and builds it, decoding where the base model does.
    async fn load(&self, base: &Loaded, gpu: &Gpu) -> Result<Rc<Loaded>, String> {
        let epoch = self.epoch.get();
        let urls = self.urls.borrow().clone();
        let result = match urls {
            None => Err("this page names no chat model".to_string()),
            Some((urls, base_tokenizer)) => {
                let shared = (urls.tokenizer == base_tokenizer).then(|| base.encoding.clone());
                match fetch_files(Model::Chat, &urls, shared).await {
                    Err(e) => Err(e),
                    Ok(files) if files.config != base.model.config => {
                        Err("its config.json differs from the base model's".to_string())
                    }
                    Ok(files) => match build(files, &urls).await {
                        Ok(chat) => {
                            let weights = chat.fused.borrow().weights().clone();
                            // The base model's device, already watched for loss.
                            let (slot, backend, note) =
                                gpu.decoder(base.backend, &weights, |_| {}).await;
                            Ok(chat.with_gpu(slot, backend, note))
                        }
                        Err(e) => Err(e),
                    },
                }
                .map(Rc::new)
                .map_err(|e| format!("the chat model did not load: {e}"))
            }
        };
        if self.epoch.get() != epoch {
            // Forgotten while it loaded: the waiters were told; this one is not kept.
            return result;
        }
        let (state, error) = match &result {
            Ok(l) => (State::Ready(l.clone()), None),
            Err(message) => (State::Idle, Some(message.as_str())),
        };
        let status = match &result {
            Ok(l) => l.ready(),
            Err(message) => tumbler_engine::LoadStatus::Failed { message: message.clone() },
        };
        post(&Reply::Load { model: Model::Chat, status });
        if let State::Loading(waiters) = self.state.replace(state) {
            wake(waiters, error);
        }
        result
    }
}

/// What a question does next about the chat model.
enum Next {
    Use(Rc<Loaded>),
    Wait(js_sys::Promise),
    Load,
}

fn wake(waiters: Vec<js_sys::Function>, error: Option<&str>) {
    let value = error.map_or(JsValue::UNDEFINED, JsValue::from_str);
    for resolve in waiters {
        let _ = resolve.call1(&JsValue::NULL, &value);
    }
}
