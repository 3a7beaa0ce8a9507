//! What the engine starts with: which build of the worker (the CPU one, or the larger one with
//! the WebGPU backend, only where it was chosen by measurement or `?backend=webgpu` asks for it;
//! see [`super::choice`]), and which model files it loads.

use tumbler_engine::{Backend, ModelUrls};
use wasm_bindgen::prelude::*;

use super::choice::{Choice, remembered};
use crate::route::Route;

/// The worker scripts Trunk writes (`data-type="worker"` with a loader shim in `index.html`): the
/// CPU build, and the build with burn's WebGPU backend.
const CPU_WORKER: &str = "tumbler-engine_loader.js";
const WEBGPU_WORKER: &str = "tumbler-engine-webgpu_loader.js";
/// The corpus-pipeline worker (see `super::pipeline`).
const PIPELINE_WORKER: &str = "tumbler-pipeline_loader.js";
/// The model the page loads unless `?model=` names another folder of the site.
const MODEL_DIR: &str = "public/model/base/";
/// The fine-tuned chat model, loaded by the worker on the first question that needs it.
pub const CHAT_DIR: &str = "public/model/chat/";
/// The Tumbler's tokenizer.
const TOKENIZER: &str = "public/model/tokenizer.json";

/// Absolute URL of `path` relative to the page (the worker resolves URLs against its own).
pub fn absolute(path: &str) -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    web_sys::Url::new_with_base(path, &base).map(|u| u.href()).unwrap_or_else(|_| path.to_string())
}

/// The model's files: `public/model/base/`, or the folder `?model=` names on this site (a relative
/// path, for trying other weights).
pub fn model_urls() -> ModelUrls {
    let dir = Route::param("model")
        .filter(|d| !d.contains(':') && !d.starts_with('/') && !d.contains(".."))
        .map(|d| if d.ends_with('/') { d } else { format!("{d}/") })
        .unwrap_or_else(|| MODEL_DIR.to_string());
    dir_urls(&dir)
}

/// The files of the model in the site folder `dir`, with the Tumbler's tokenizer.
pub fn dir_urls(dir: &str) -> ModelUrls {
    ModelUrls {
        config: absolute(&format!("{dir}config.json")),
        weights: absolute(&format!("{dir}model.safetensors")),
        tokenizer: absolute(TOKENIZER),
    }
}

/// The absolute URL of the worker script for `backend`.
pub fn worker_script(backend: Backend) -> String {
    absolute(match backend {
        Backend::Webgpu => WEBGPU_WORKER,
        Backend::Cpu => CPU_WORKER,
    })
}

/// The absolute URL of the corpus-pipeline worker's script.
pub fn pipeline_script() -> String {
    absolute(PIPELINE_WORKER)
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

/// The backend the page shows before it has chosen: `?backend=`, else the one remembered on
/// this device, else the CPU (where every first visit starts).
pub fn requested_backend() -> Backend {
    forced_backend().or_else(|| remembered().map(|c| c.backend)).unwrap_or(Backend::Cpu)
}

/// How the engine starts.
pub struct Start {
    /// The worker to start, and why.
    pub choice: Choice,
    /// Whether to measure both backends once the CPU engine is ready (see [`super::choice`]).
    pub measure: bool,
}

/// The worker to start (see [`super::choice`]): `?backend=` forces one; otherwise the one
/// remembered on this device; otherwise the CPU, measured against WebGPU where the browser has
/// it.
pub fn choose_backend() -> Start {
    let start =
        |backend, why: &str| Start { choice: Choice { backend, why: why.into() }, measure: false };
    if let Some(backend) = forced_backend() {
        let why = format!("asked for by ?backend={}", backend.id());
        return start(backend, &why);
    }
    if navigator_gpu().is_none() {
        return start(Backend::Cpu, "this browser has no WebGPU");
    }
    if let Some(choice) = remembered() {
        return Start { choice, measure: false };
    }
    Start {
        choice: Choice {
            backend: Backend::Cpu,
            why: "measuring which backend is faster here".into(),
        },
        measure: true,
    }
}
