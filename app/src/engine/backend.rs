//! Which build of the worker to start: the CPU one, or the much larger one with burn's WebGPU
//! backend, only where `navigator.gpu` gives an adapter (or `?backend=webgpu` asks for it).

use wasm_bindgen::prelude::*;

use super::Backend;
use crate::route::Route;

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
