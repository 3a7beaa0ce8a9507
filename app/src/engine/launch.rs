//! What the engine starts with: which build of the worker (the CPU one, or the much larger one
//! with burn's WebGPU backend, only where `navigator.gpu` gives an adapter or `?backend=webgpu`
//! asks for it), and which model files it loads.

use tumbler_engine::{Backend, ModelUrls};
use wasm_bindgen::prelude::*;

use crate::route::Route;

/// The worker scripts Trunk writes (`data-type="worker"` with a loader shim in `index.html`): the
/// CPU build, and the build with burn's WebGPU backend.
const CPU_WORKER: &str = "tumbler-engine_loader.js";
const WEBGPU_WORKER: &str = "tumbler-engine-webgpu_loader.js";
/// The model the page loads unless `?model=` names another folder of the site.
const MODEL_DIR: &str = "public/model/base/";
/// The fine-tuned chat model, loaded by the worker on the first question that needs it.
pub const CHAT_DIR: &str = "public/model/chat/";
/// The Tumbler's tokenizer.
const TOKENIZER: &str = "public/model/tokenizer.json";

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
pub async fn choose_backend() -> (Backend, Option<String>) {
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
