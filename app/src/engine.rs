//! The engine status: which backend the live model would run on, and whether it is loaded.
//!
//! The engine worker (burn + tokenizers in a Web Worker) is not built yet, so the status says so
//! honestly: the model is not loaded, and no chapter shows a number that would need it.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::route::Route;

/// Where the model runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl Backend {
    /// The value of `data-backend`.
    pub fn id(self) -> &'static str {
        match self {
            Backend::WebGpu => "webgpu",
            Backend::Cpu => "cpu",
        }
    }

    /// `?backend=cpu|webgpu` forces a backend; otherwise WebGPU where the browser exposes it.
    pub fn choose() -> Backend {
        match Route::param("backend").as_deref() {
            Some("cpu") => return Backend::Cpu,
            Some("webgpu") => return Backend::WebGpu,
            _ => {}
        }
        let gpu = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("gpu")).ok())
            .is_some_and(|g| !g.is_undefined() && !g.is_null());
        if gpu { Backend::WebGpu } else { Backend::Cpu }
    }
}

/// The engine status element of the testability contract.
#[component]
pub fn EngineStatus() -> impl IntoView {
    let backend = Backend::choose();
    let label = match backend {
        Backend::WebGpu => "WebGPU available",
        Backend::Cpu => "CPU (no WebGPU)",
    };
    view! {
        <div
            class="engine-status"
            role="status"
            data-engine-state="error"
            data-backend=backend.id()
            title="The live Tumbler engine is not part of this build yet"
        >
            <span class="dot" aria-hidden="true"></span>
            {format!("Model not loaded · {label}")}
        </div>
    }
}
