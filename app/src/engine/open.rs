//! Bring your own model: the reader opens a Llama-architecture checkpoint from disk (its
//! `config.json`, `tokenizer.json` and `.safetensors` file), the page checks what it can before a
//! byte goes to the worker (the files are there, the config is one the Tumbler runs, the model
//! fits the engine's memory), then the worker reads the files through `blob:` URLs, checks the
//! rest, and answers with the model now in use, or why not (the model in use stays).

use js_sys::{Array, Function, Reflect};
use leptos::prelude::*;
use tumbler_engine::{ModelUrls, OpenedModel, Query};
use tumbler_model::gpt::checkpoint::{check_browser_size, read_config};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::ask::ask;
use super::state::{EngineState, use_engine};

/// Where opening stands.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Nothing asked yet, or the last result was read.
    Idle,
    /// The worker is reading `name`.
    Opening(String),
    /// It opened (or the Tumbler came back).
    Done(OpenedModel),
    /// Why not, for the reader.
    Failed(String),
}

/// A chosen file, as the browser gives it.
struct Picked {
    file: JsValue,
    name: String,
    size: u64,
}

fn prop(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `URL.createObjectURL(file)` (or `revokeObjectURL`), without web-sys's `Blob` and `File`.
fn url_call(method: &str, arg: &JsValue) -> Result<JsValue, String> {
    let url = prop(&js_sys::global(), "URL");
    let f: Function = prop(&url, method).dyn_into().map_err(|_| format!("no URL.{method}"))?;
    f.call1(&url, arg).map_err(|e| format!("URL.{method} failed: {e:?}"))
}

/// The files' text (`File.text()`).
async fn text(file: &JsValue) -> Result<String, String> {
    let f: Function = prop(file, "text").dyn_into().map_err(|_| "no File.text()".to_string())?;
    let promise: js_sys::Promise =
        f.call0(file).map_err(|e| format!("{e:?}"))?.dyn_into().map_err(|e| format!("{e:?}"))?;
    let value = JsFuture::from(promise).await.map_err(|e| format!("{e:?}"))?;
    value.as_string().ok_or_else(|| "the file is not text".to_string())
}

/// Picks the three files out of those chosen, by name.
fn sort(files: Vec<Picked>) -> Result<(Picked, Picked, Picked), String> {
    let mut weights = None;
    let mut tokenizer = None;
    let mut config = None;
    for f in files {
        let lower = f.name.to_lowercase();
        if lower.ends_with(".safetensors") {
            weights = Some(f);
        } else if lower == "tokenizer.json" {
            tokenizer = Some(f);
        } else if lower.ends_with(".json") && (config.is_none() || lower == "config.json") {
            config = Some(f);
        }
    }
    let missing: Vec<&str> = [
        (config.is_none(), "config.json"),
        (tokenizer.is_none(), "tokenizer.json"),
        (weights.is_none(), "a .safetensors file"),
    ]
    .into_iter()
    .filter_map(|(gone, name)| gone.then_some(name))
    .collect();
    match (config, tokenizer, weights) {
        (Some(c), Some(t), Some(w)) => Ok((c, t, w)),
        _ => Err(format!(
            "Choose the checkpoint's three files together: config.json, tokenizer.json and its \
             .safetensors weights (missing: {}).",
            missing.join(", ")
        )),
    }
}

/// Checks what the page can, then asks the worker to open the files.
async fn open(files: Vec<Picked>) -> Result<OpenedModel, String> {
    let (config, tokenizer, weights) = sort(files)?;
    let stem = weights.name.trim_end_matches(".safetensors");
    let fallback = if stem == "model" { "your model" } else { stem };
    let checkpoint =
        read_config(&text(&config.file).await?, fallback).map_err(|e| e.to_string())?;
    check_browser_size(&checkpoint.name, &checkpoint.config, weights.size)
        .map_err(|e| e.to_string())?;
    let mut urls = Vec::new();
    for f in [&config, &weights, &tokenizer] {
        urls.push(url_call("createObjectURL", &f.file)?.as_string().unwrap_or_default());
    }
    let query = Query::Open {
        name: fallback.to_string(),
        urls: ModelUrls {
            config: urls[0].clone(),
            weights: urls[1].clone(),
            tokenizer: urls[2].clone(),
        },
    };
    let answer = ask::<OpenedModel>(query).await;
    for url in urls {
        let _ = url_call("revokeObjectURL", &JsValue::from_str(&url));
    }
    answer
}

/// The engine's model menu beside its status: open a checkpoint from disk, or go back to the
/// Tumbler. Carries `data-open-model` (the file input), `data-open-message` (where it stands),
/// `data-use-shipped` (the way back).
#[component]
pub fn OpenModel() -> impl IntoView {
    let state = use_engine().state;
    let phase = RwSignal::new(Phase::Idle);
    // Each choice of files (and each way back) is one attempt: its message carries the count, so
    // a reader of the page (a test) tells a new outcome from the last.
    let attempts = RwSignal::new(0u32);
    let opened = move || match state.get() {
        EngineState::Ready { opened, .. } => opened,
        _ => None,
    };
    let ready = move || matches!(state.get(), EngineState::Ready { .. });
    // A new worker (a retry) loads the Tumbler: what was opened is gone, and so is its note.
    Effect::new(move |_| {
        if opened().is_none()
            && phase.with_untracked(|p| matches!(p, Phase::Done(m) if m.name.is_some()))
        {
            phase.set(Phase::Idle);
        }
    });
    let busy = move || matches!(phase.get(), Phase::Opening(_));
    let on_change = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files: Vec<Picked> = Array::from(&prop(&input, "files"))
            .iter()
            .map(|file| Picked {
                name: prop(&file, "name").as_string().unwrap_or_default(),
                size: prop(&file, "size").as_f64().unwrap_or(0.0) as u64,
                file,
            })
            .collect();
        // Choosing the same files again is a new change.
        input.set_value("");
        if files.is_empty() {
            return;
        }
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        attempts.update(|n| *n += 1);
        phase.set(Phase::Opening(names.join(", ")));
        wasm_bindgen_futures::spawn_local(async move {
            phase.set(match open(files).await {
                Ok(model) => Phase::Done(model),
                Err(message) => Phase::Failed(message),
            });
        });
    };
    let back = move |_: leptos::ev::MouseEvent| {
        attempts.update(|n| *n += 1);
        phase.set(Phase::Opening("the Tumbler".into()));
        wasm_bindgen_futures::spawn_local(async move {
            phase.set(match ask::<OpenedModel>(Query::UseShipped).await {
                Ok(model) => Phase::Done(model),
                Err(message) => Phase::Failed(message),
            });
        });
    };
    let message = move || match phase.get() {
        Phase::Idle => None,
        Phase::Opening(names) => Some(
            view! {
                <p class="open-state" data-open-message="opening">
                    {format!("Opening {names}…")} " "
                    <progress aria-label="Opening the model"></progress>
                </p>
            }
            .into_any(),
        ),
        Phase::Done(m) => {
            let text = match &m.name {
                Some(name) => format!(
                    "{name} is in use: {} parameters, {} layers, width {}, {} heads ({} key/value), \
                     vocabulary {}, context {} ({} naming); read, checked and built in {:.0}\u{a0}ms.{}",
                    crate::widgets::token_chips::group(m.params),
                    m.config.n_layers,
                    m.config.d_model,
                    m.config.n_heads,
                    m.config.n_kv_heads,
                    m.config.vocab_size,
                    m.config.context_length,
                    m.naming,
                    m.millis,
                    m.note.as_ref().map(|n| format!(" Note: {n}.")).unwrap_or_default(),
                ),
                None => "The shipped Tumbler is in use again.".to_string(),
            };
            let (millis, params) = (format!("{:.1}", m.millis), m.params.to_string());
            Some(
                view! {
                    <p class="open-state" data-open-message="opened" data-millis=millis
                        data-params=params>{text}</p>
                }
                .into_any(),
            )
        }
        Phase::Failed(why) => Some(
            view! {
                <p class="open-state engine-error" role="alert" data-open-message="failed">
                    {sentence(why)} " The model in use stays loaded."
                </p>
            }
            .into_any(),
        ),
    };
    view! {
        <details class="engine-open">
            <summary>"Model"</summary>
            <div class="engine-open-panel" data-attempts=move || attempts.get().to_string()>
                <p>
                    "Run every live chapter on your own model: a Llama-architecture checkpoint "
                    "(transformers' LlamaForCausalLM, tied embeddings, f32/f16/bf16) or one "
                    "exported by this guide. Choose its "<code>"config.json"</code>", "
                    <code>"tokenizer.json"</code>" (byte-level BPE split as Llama 3's and GPT-4's) and "<code>".safetensors"</code>
                    " together. It stays in this tab; nothing is uploaded."
                </p>
                <label class="open-files">
                    "Open files… "
                    <input
                        type="file"
                        multiple
                        accept=".json,.safetensors"
                        data-open-model=""
                        prop:disabled=move || !ready() || busy()
                        on:change=on_change
                    />
                </label>
                {move || opened().map(|name| view! {
                    <p>
                        "In use: " <strong data-opened-name="">{name}</strong> " "
                        <button type="button" data-use-shipped="" on:click=back
                            prop:disabled=busy>"Back to the Tumbler"</button>
                    </p>
                })}
                {message}
            </div>
        </details>
    }
}

/// `why` as a sentence: the reasons come from error types that end without a full stop.
fn sentence(why: String) -> String {
    if why.ends_with(['.', '!', '?']) { why } else { why + "." }
}
