//! The chat model: loaded on the first request that needs it, on the base model's device, and
//! its replies to a conversation in the chat template.
//!
//! Requests that arrive while it loads wait for that one load instead of starting their own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tumbler_engine::{
    ChatMessage, DoneReason, GenerateOptions, MAX_TEXT_BYTES, Model, ModelUrls, Reply, Role, head,
};
use tumbler_model::generate::{chat_prompt, stop_tokens};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::{Loaded, build, fetch_files, generate_ids, loaded, post};

/// Where the chat model stands.
enum Slot {
    /// Not loaded (or forgotten).
    Idle,
    /// Loading; each waiting request's promise is resolved when the load ends, with the error
    /// message if it failed.
    Loading(Vec<js_sys::Function>),
    Ready(Rc<Loaded>),
}

thread_local! {
    static SLOT: RefCell<Slot> = const { RefCell::new(Slot::Idle) };
    /// The chat model's files, and the base model's tokenizer (shared when it is the same file).
    static URLS: RefCell<Option<(ModelUrls, String)>> = const { RefCell::new(None) };
    /// Bumped whenever the chat model is forgotten, so a load that was under way is not kept.
    static EPOCH: Cell<u32> = const { Cell::new(0) };
}

/// Forgets the chat model (a new base model, or a lost GPU): the next request loads it again.
/// With `base`, also sets where the chat model's files are.
pub fn forget(base: Option<&ModelUrls>, chat: Option<ModelUrls>) {
    if let Some(base) = base {
        URLS.with(|u| *u.borrow_mut() = chat.map(|c| (c, base.tokenizer.clone())));
    }
    EPOCH.with(|e| e.set(e.get() + 1));
    let old = SLOT.with(|s| std::mem::replace(&mut *s.borrow_mut(), Slot::Idle));
    if let Slot::Loading(waiters) = old {
        wake(waiters, Some("the model was reloaded meanwhile; ask again"));
    }
}

fn wake(waiters: Vec<js_sys::Function>, error: Option<&str>) {
    let value = error.map_or(JsValue::UNDEFINED, JsValue::from_str);
    for resolve in waiters {
        let _ = resolve.call1(&JsValue::NULL, &value);
    }
}

/// What a request does next about the chat model.
enum Next {
    Use(Rc<Loaded>),
    Wait(js_sys::Promise),
    Load,
}

/// The chat model, loaded now if no request has loaded it yet.
async fn chat_model(base: &Loaded) -> Result<Rc<Loaded>, String> {
    loop {
        let next = SLOT.with(|s| {
            let mut slot = s.borrow_mut();
            match &mut *slot {
                Slot::Ready(l) => Next::Use(l.clone()),
                Slot::Loading(waiters) => {
                    let promise = js_sys::Promise::new(&mut |resolve, _| waiters.push(resolve));
                    Next::Wait(promise)
                }
                Slot::Idle => {
                    *slot = Slot::Loading(Vec::new());
                    Next::Load
                }
            }
        });
        match next {
            Next::Use(l) => return Ok(l),
            Next::Wait(promise) => {
                if let Some(message) =
                    JsFuture::from(promise).await.ok().and_then(|v| v.as_string())
                {
                    return Err(message);
                }
            }
            Next::Load => {
                let epoch = EPOCH.with(Cell::get);
                let result = load(base).await.map(Rc::new);
                if EPOCH.with(Cell::get) != epoch {
                    // Forgotten while it loaded: the waiters were told; this one is not kept.
                    return result;
                }
                let (slot, error) = match &result {
                    Ok(l) => {
                        post(&Reply::ChatReady { params: l.model.config.param_count() });
                        (Slot::Ready(l.clone()), None)
                    }
                    Err(message) => {
                        post(&Reply::ChatLoadFailed { message: message.clone() });
                        (Slot::Idle, Some(message.as_str()))
                    }
                };
                let old = SLOT.with(|s| std::mem::replace(&mut *s.borrow_mut(), slot));
                if let Slot::Loading(waiters) = old {
                    wake(waiters, error);
                }
                return result;
            }
        }
    }
}

/// Downloads the chat model's files and builds it on the base model's device.
async fn load(base: &Loaded) -> Result<Loaded, String> {
    let Some((urls, base_tokenizer)) = URLS.with(|u| u.borrow().clone()) else {
        return Err("this page names no chat model".to_string());
    };
    let shared = (urls.tokenizer == base_tokenizer).then(|| base.encoding.clone());
    let progress = |file: &'static str| {
        move |loaded: u64, total: Option<u64>| {
            post(&Reply::ChatProgress { file: file.to_string(), loaded, total })
        }
    };
    let files = fetch_files(&urls, shared, progress)
        .await
        .map_err(|e| format!("the chat model did not load: {e}"))?;
    if files.config != base.model.config {
        return Err("the chat model's config.json differs from the base model's".to_string());
    }
    build(files, &urls, base.device.clone(), base.backend)
        .await
        .map_err(|e| format!("the chat model did not load: {e}"))
}

/// `model`'s reply to `messages` in the chat template, streamed as [`Reply::Token`]s; it ends at
/// the model's `<|im_end|>` (or end-of-text), the length limit, or a [`Request::Stop`].
///
/// [`Request::Stop`]: tumbler_engine::Request::Stop
pub async fn answer(
    id: u32,
    model: Model,
    messages: &[ChatMessage],
    options: GenerateOptions,
) -> Result<DoneReason, String> {
    if messages.is_empty() {
        return Err("there is no message to answer".to_string());
    }
    let base = loaded()?;
    let (l, fallback) = match model {
        Model::Base => (base, true),
        Model::Chat => (chat_model(&base).await?, false),
    };
    let turns: Vec<(Role, &str)> =
        messages.iter().map(|m| (m.role, head(&m.text, MAX_TEXT_BYTES))).collect();
    let context = l.model.config.context_length;
    let ids =
        chat_prompt(&l.encoding, &turns, context, options.max_tokens).map_err(|e| e.to_string())?;
    let stops = stop_tokens(&l.encoding, true);
    generate_ids(l, id, ids, stops, fallback, options).await
}
