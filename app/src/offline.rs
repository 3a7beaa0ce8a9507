//! "Save for offline": the header control that registers the service worker (`app/sw.js`) after
//! the first paint and asks it to store the whole guide on this device.
//!
//! The service worker owns the cache and the build's manifest (every file with its size, digest
//! and group; see `scripts/offline-manifest.mjs`); this control asks it for the sizes, says how
//! many MB a save stores, streams its progress and says when it is done. The groups stored are
//! the app, the CPU engine, the corpus pipeline worker and `public/` (model, tokenizers, vectors,
//! samples), plus the WebGPU engine where the page chose WebGPU.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::Deserialize;
use tumbler_engine::Backend;
use wasm_bindgen::prelude::*;

use crate::engine::use_engine;

/// One group of the build, as the service worker counts it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Group {
    /// Its bytes in the build.
    pub bytes: f64,
    /// Its bytes in the cache now.
    pub cached: f64,
}

/// A finished save, as the service worker marked it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Saved {
    /// The groups stored.
    pub groups: Vec<String>,
}

/// The service worker's answer to "status".
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    /// The build's version (a digest of its manifest).
    pub version: String,
    /// Bytes per group.
    pub groups: BTreeMap<String, Group>,
    /// The last save that finished, if any.
    pub saved: Option<Saved>,
}

/// The groups a save stores on a device running `backend`.
pub fn wanted(backend: Backend) -> Vec<&'static str> {
    let mut groups = vec!["app", "cpu", "pipeline", "data"];
    if backend == Backend::Webgpu {
        groups.push("webgpu");
    }
    groups
}

impl Status {
    /// Bytes of `groups` in the build, and of those, bytes already cached.
    pub fn bytes(&self, groups: &[&str]) -> (f64, f64) {
        groups
            .iter()
            .filter_map(|g| self.groups.get(*g))
            .fold((0.0, 0.0), |(b, c), g| (b + g.bytes, c + g.cached))
    }

    /// Whether a finished save covers every one of `groups`.
    pub fn saved_all(&self, groups: &[&str]) -> bool {
        self.saved.as_ref().is_some_and(|s| groups.iter().all(|g| s.groups.iter().any(|h| h == g)))
    }
}

/// Megabytes, for the reader: "29.4 MB".
pub fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// Where the control stands.
#[derive(Debug, Clone, PartialEq)]
enum State {
    /// Registering the service worker, asking its sizes.
    Checking,
    /// No service worker here; why.
    Unsupported(String),
    /// Ready to save.
    Idle,
    /// Saving: bytes stored so far.
    Saving(f64),
    /// Every file of the wanted groups is stored.
    Saved,
    /// The last save failed: why. Nothing is marked saved.
    Failed(String),
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Checking => "checking",
            State::Unsupported(_) => "unsupported",
            State::Idle => "idle",
            State::Saving(_) => "saving",
            State::Saved => "saved",
            State::Failed(_) => "error",
        }
    }
}

#[wasm_bindgen(inline_js = r#"
let hadController = false;

export function unsupported() {
  if (!window.isSecureContext) return "offline saving needs https:// (or localhost)";
  if (!("serviceWorker" in navigator) || !("caches" in window)) return "this browser has no service workers, so the guide cannot be saved for offline use";
  return null;
}

// Registers sw.js; a page loaded by an older build reloads when a new build's worker takes over.
export async function register() {
  hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (hadController) location.reload();
    hadController = true;
  });
  const registration = await navigator.serviceWorker.register("sw.js");
  const worker = registration.active ?? registration.waiting ?? registration.installing;
  if (worker.state !== "activated") {
    await new Promise((ok, fail) => worker.addEventListener("statechange", () => {
      if (worker.state === "activated") ok();
      if (worker.state === "redundant") fail(new Error("it failed to install"));
    }));
  }
  // Look for a new deployment now (offline, this fails quietly and the saved copy serves).
  registration.update().catch(() => {});
}

async function request(message, onMessage) {
  const registration = await navigator.serviceWorker.ready;
  const channel = new MessageChannel();
  return new Promise((resolve, reject) => {
    channel.port1.onmessage = (event) => {
      const data = event.data;
      if (data.type === "failed") reject(new Error(data.message));
      else if (onMessage && data.type === "progress") onMessage(data.done, data.total);
      else resolve(JSON.stringify(data));
    };
    registration.active.postMessage(message, [channel.port2]);
  });
}

export function status() {
  return request({ type: "status" });
}

export function seen(groups) {
  const urls = performance.getEntriesByType("resource").map((e) => e.name);
  return request({ type: "seen", urls, groups });
}

export async function save(groups, missing, onProgress) {
  if (navigator.storage && navigator.storage.estimate) {
    const { quota, usage } = await navigator.storage.estimate();
    if (quota !== undefined && usage !== undefined && quota - usage < missing) {
      const mb = (n) => (n / 1e6).toFixed(1) + " MB";
      throw new Error(`saving needs ${mb(missing)} more, and this browser lets this site store only ${mb(Math.max(0, quota - usage))} more`);
    }
  }
  if (navigator.storage && navigator.storage.persist) await navigator.storage.persist().catch(() => false);
  return request({ type: "save", groups }, onProgress);
}

export function remove() {
  return request({ type: "remove" });
}
"#)]
extern "C" {
    fn unsupported() -> Option<String>;
    #[wasm_bindgen(catch)]
    async fn register() -> Result<(), JsValue>;
    #[wasm_bindgen(catch)]
    async fn status() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn seen(groups: Vec<String>) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn save(
        groups: Vec<String>,
        missing: f64,
        on_progress: &Closure<dyn FnMut(f64, f64)>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn remove() -> Result<JsValue, JsValue>;
}

/// The message of a rejected promise.
fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the service worker did not answer".to_owned())
}

async fn fetch_status() -> Result<Status, String> {
    let text = status().await.map_err(|e| message(&e))?;
    serde_json::from_str(&text.as_string().unwrap_or_default())
        .map_err(|e| format!("the service worker's answer did not parse: {e}"))
}

fn owned(groups: &[&str]) -> Vec<String> {
    groups.iter().map(|g| (*g).to_owned()).collect()
}

/// The header's "Save for offline" control.
#[component]
pub fn SaveOffline() -> impl IntoView {
    let engine = use_engine();
    let state = RwSignal::new(State::Checking);
    let status = RwSignal::new(None::<Status>);
    let groups = Memo::new(move |_| wanted(engine.asked.get()));
    let total = move || status.with(|s| s.as_ref().map_or(0.0, |s| s.bytes(&groups.get()).0));

    let refresh = move || {
        leptos::task::spawn_local(async move {
            match fetch_status().await {
                Ok(s) => {
                    let done = s.saved_all(&groups.get_untracked());
                    status.set(Some(s));
                    state.set(if done { State::Saved } else { State::Idle });
                }
                Err(e) => state.set(State::Failed(e)),
            }
        });
    };
    // After the first paint, like the engine: nothing here delays the page.
    request_animation_frame(move || {
        if let Some(why) = unsupported() {
            state.set(State::Unsupported(why));
            return;
        }
        leptos::task::spawn_local(async move {
            if let Err(e) = register().await {
                state.set(State::Unsupported(format!(
                    "the offline service worker did not start ({})",
                    message(&e)
                )));
                return;
            }
            let engine_group = match engine.asked.get_untracked() {
                Backend::Webgpu => "webgpu",
                Backend::Cpu => "cpu",
            };
            // The text worker too, where a chapter with tokenizers started it before this
            // service worker controlled the page (its own fetches are not the page's).
            let groups: &[&str] = if crate::engine::text_worker_started() {
                &[engine_group, "pipeline"]
            } else {
                &[engine_group]
            };
            let _ = seen(owned(groups)).await;
            refresh();
        });
    });
    // A device that moves to WebGPU needs that worker saved too.
    Effect::new(move |_| {
        let groups = groups.get();
        if state.get_untracked() == State::Saved
            && status.with_untracked(|s| s.as_ref().is_some_and(|s| !s.saved_all(&groups)))
        {
            state.set(State::Idle);
        }
    });

    let on_save = move |_| {
        let Some(s) = status.get_untracked() else { return };
        let wanted = groups.get_untracked();
        let (bytes, cached) = s.bytes(&wanted);
        state.set(State::Saving(0.0));
        leptos::task::spawn_local(async move {
            let progress = Closure::<dyn FnMut(f64, f64)>::new(move |done: f64, _total: f64| {
                state.set(State::Saving(done));
            });
            let result = save(owned(&wanted), bytes - cached, &progress).await;
            drop(progress);
            match result {
                Ok(_) => refresh(),
                Err(e) => {
                    state.set(State::Failed(message(&e)));
                    // What is cached now (the files that did arrive stay, unmarked).
                    if let Ok(s) = fetch_status().await {
                        status.set(Some(s));
                    }
                }
            }
        });
    };
    let on_remove = move |_| {
        state.set(State::Checking);
        leptos::task::spawn_local(async move {
            match remove().await {
                Ok(_) => refresh(),
                Err(e) => state.set(State::Failed(message(&e))),
            }
        });
    };

    let view_state = move || match state.get() {
        State::Checking => ().into_any(),
        State::Unsupported(why) => view! {
            <span class="offline-note tool-label" title=why.clone()>"Can’t save offline"</span>
            <span class="sr-only">{why}</span>
        }
        .into_any(),
        State::Idle => {
            let size = mb(total());
            let title = format!(
                "Store the whole guide on this device ({size}): the app, the engine, the model \
                 files, tokenizers and word vectors, so it works with no network"
            );
            view! {
                <button type="button" class="offline-save" title=title on:click=on_save>
                    <span class="tool-icon" aria-hidden="true">"↓"</span>
                    <span class="tool-label">"Save offline "<span class="offline-size">{size}</span></span>
                </button>
            }
            .into_any()
        }
        State::Saving(done) => {
            let all = total();
            view! {
                <span class="offline-note" role="status">
                    "Saving "{format!("{:.1}/{}", done / 1e6, mb(all))}
                </span>
                <progress max=all value=done aria-label="Saving for offline use"></progress>
            }
            .into_any()
        }
        State::Saved => view! {
            <span class="offline-note" role="status" title="The guide is stored on this device">
                <span class="tool-label">"Saved offline "</span>
                <span class="tool-icon">"✓"</span>
            </span>
            <button
                type="button"
                class="offline-remove"
                title="Delete the offline copy"
                on:click=on_remove
            >
                "Remove"
            </button>
        }
        .into_any(),
        State::Failed(why) => view! {
            <span class="offline-error" role="alert">{format!("Not saved: {why}.")}</span>
            <button type="button" class="offline-save" on:click=on_save>"Try again"</button>
        }
        .into_any(),
    };

    view! {
        <div
            class="offline"
            data-offline=move || state.with(State::name)
            data-offline-bytes=move || format!("{:.0}", total())
            data-offline-done=move || match state.get() {
                State::Saving(done) => format!("{done:.0}"),
                State::Saved => format!("{:.0}", total()),
                _ => "0".to_owned(),
            }
            data-offline-version=move || status.with(|s| s.as_ref().map(|s| s.version.clone()))
        >
            {view_state}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> Status {
        serde_json::from_str(
            r#"{"version":"abc","groups":{"app":{"bytes":8e6,"cached":8e6,"files":20},
               "cpu":{"bytes":2.6e6,"cached":2.6e6,"files":3},"webgpu":{"bytes":2.7e6,"cached":0,"files":3},
               "pipeline":{"bytes":1.3e6,"cached":0,"files":3},"data":{"bytes":17e6,"cached":1e6,"files":40}},
               "saved":{"groups":["app","cpu","pipeline","data"],"bytes":28.9e6,"at":"x"}}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_save_stores_the_webgpu_worker_only_where_it_runs() {
        let s = status();
        assert_eq!(s.bytes(&wanted(Backend::Cpu)), (28.9e6, 11.6e6));
        assert_eq!(s.bytes(&wanted(Backend::Webgpu)).0, 31.6e6);
        assert!(s.saved_all(&wanted(Backend::Cpu)));
        assert!(!s.saved_all(&wanted(Backend::Webgpu)), "the WebGPU worker was not saved");
        assert_eq!(mb(28.9e6), "28.9 MB");
    }

    #[test]
    fn nothing_is_saved_without_the_mark() {
        let mut s = status();
        s.saved = None;
        assert!(!s.saved_all(&wanted(Backend::Cpu)));
    }
}
