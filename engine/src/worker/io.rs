//! The worker's ways to talk and wait: posting a reply, the clock, yielding to the event loop.

use tumbler_engine::Reply;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

pub fn scope() -> DedicatedWorkerGlobalScope {
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
