//! The worker's message loop: load the model, trace text, generate token by token.
//!
//! Requests run as tasks on the worker's event loop; a generation yields after every step so a
//! [`Request::Stop`] (or a trace) is read between steps.
//!
//! Built with the `webgpu` feature, the worker runs the model on WebGPU when asked and it starts;
//! when the GPU device is lost later (`GPUDevice.lost`, or a readback that fails), it rebuilds the
//! model on the CPU from the weights it kept, says so with a fresh [`Reply::Ready`], and answers
//! the request that failed there.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use burn::tensor::Device;
use tumbler_engine::{
    AttentionTrace, Backend, DoneReason, GenerateOptions, MAX_LOSS_TOKENS, MAX_TRACE_TOKENS,
    ModelUrls, NAMED_NEXT, NextLogits, Reply, Request, TokenLosses, TopToken, top_tokens,
};
use tumbler_model::data::Pipeline;
use tumbler_model::generate::{CANDIDATES, GenerateError, Generation, Step, Vocab, stop_tokens};
use tumbler_model::gpt::{
    ForwardOptions, TraceOptions, Tumbler, TumblerConfig, ids_tensor, weights,
};
use tumbler_model::sampling::{argmax, softmax_with_temperature};
use tumbler_model::tokenizer::Encoding;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::download::{DownloadError, download, forget};

mod chat;
mod learn;
mod live;

/// The loaded model.
struct Loaded {
    model: Tumbler,
    encoding: Rc<Encoding>,
    device: Device,
    backend: Backend,
    /// The weights file, to rebuild the model on the CPU if the GPU is lost.
    #[cfg(feature = "webgpu")]
    weights: Rc<Vec<u8>>,
}

thread_local! {
    static LOADED: RefCell<Option<Rc<Loaded>>> = const { RefCell::new(None) };
    static STOPPED: RefCell<HashSet<u32>> = RefCell::new(HashSet::new());
    /// burn's wgpu runtime initialises once per worker: keep the first device.
    #[cfg(feature = "webgpu")]
    static WGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
    /// Why WebGPU is out of use in this worker once it failed to start or was lost (burn's
    /// runtime cannot be initialised again, so it is not retried).
    #[cfg(feature = "webgpu")]
    static GPU_GONE: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The wgpu device behind [`WGPU`], for [`Request::DestroyGpu`].
    #[cfg(feature = "webgpu")]
    static WGPU_DEVICE: RefCell<Option<burn::tensor::wgpu::wgpu::Device>> =
        const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(reply: &Reply) {
    // The page never closes the port while the worker lives, so a failed post has no reader.
    let _ = scope().post_message(&JsValue::from_str(&reply.to_json()));
}

/// Milliseconds from the worker's `performance.now()`: finer than `Date.now()`, whose whole
/// milliseconds would round a decode step of a few ms.
fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Installs the message handler and tells the page the worker is listening.
pub fn start() {
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Request>(&text) {
            Ok(request) => wasm_bindgen_futures::spawn_local(handle(request)),
            Err(e) => post(&Reply::Failed {
                id: None,
                message: format!("the engine could not read a request: {e}"),
            }),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    post(&Reply::Started);
}

async fn handle(request: Request) {
    match request {
        Request::Load { backend, urls, chat: chat_urls } => {
            LOADED.with(|l| l.borrow_mut().take());
            live::forget();
            chat::forget(Some(&urls), chat_urls);
            match load(backend, &urls).await {
                Ok((loaded, note)) => {
                    let backend = loaded.backend;
                    let config = loaded.model.config.clone();
                    let params = config.param_count();
                    LOADED.with(|l| *l.borrow_mut() = Some(Rc::new(loaded)));
                    post(&Reply::Ready { backend, config, params, note });
                }
                Err(message) => post(&Reply::LoadFailed { message }),
            }
        }
        Request::Trace { id, text } => {
            let reply = match loaded() {
                Err(message) => Reply::Failed { id: Some(id), message },
                Ok(l) => match trace(&l, &text).await {
                    Ok(trace) => Reply::Trace { id, trace },
                    // The GPU was lost during the pass: the model now runs on the CPU.
                    Err(_) if let Some(cpu) = replaced(&l) => match trace(&cpu, &text).await {
                        Ok(trace) => Reply::Trace { id, trace },
                        Err(message) => Reply::Failed { id: Some(id), message },
                    },
                    Err(message) => Reply::Failed { id: Some(id), message },
                },
            };
            post(&reply);
        }
        Request::Next { id, text } => {
            let reply = match loaded() {
                Err(message) => Reply::Failed { id: Some(id), message },
                Ok(l) => match next(&l, &text).await {
                    Ok(next) => Reply::Next { id, next },
                    Err(message) => Reply::Failed { id: Some(id), message },
                },
            };
            post(&reply);
        }
        Request::Loss { id, text } => {
            let reply = match loaded() {
                Err(message) => Reply::Failed { id: Some(id), message },
                Ok(l) => match loss(&l, &text).await {
                    Ok(loss) => Reply::Loss { id, loss },
                    Err(message) => Reply::Failed { id: Some(id), message },
                },
            };
            post(&reply);
        }
        Request::Generate { id, prompt, options } => {
            STOPPED.with(|s| s.borrow_mut().remove(&id));
            let result = match loaded() {
                Err(message) => Err(message),
                Ok(l) => generate(l, id, &prompt, options).await,
            };
            match result {
                Ok(reason) => post(&Reply::Done { id, reason }),
                Err(message) => post(&Reply::Failed { id: Some(id), message }),
            }
        }
        Request::Chat { id, model, messages, options } => {
            STOPPED.with(|s| s.borrow_mut().remove(&id));
            match chat::answer(id, model, &messages, options).await {
                Ok(reason) => post(&Reply::Done { id, reason }),
                Err(message) => post(&Reply::Failed { id: Some(id), message }),
            }
        }
        Request::Pipeline { id, documents } => {
            let started = now();
            let (verdicts, report) = Pipeline::default().verdicts(documents);
            post(&Reply::Pipeline { id, verdicts, report, millis: now() - started });
        }
        Request::Stop { id } => {
            STOPPED.with(|s| s.borrow_mut().insert(id));
        }
        Request::Embeddings { id, text } => {
            let reply = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::embeddings(&l, &text).await,
            };
            post(&reply.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |map| Reply::Embeddings { id, map },
            ));
        }
        Request::KvCompare { id, prompt, max_tokens } => {
            STOPPED.with(|s| s.borrow_mut().remove(&id));
            let result = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::kv_compare(&l, id, &prompt, max_tokens).await,
            };
            post(&result.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |reason| Reply::Done { id, reason },
            ));
        }
        Request::ForwardTimes { id, lengths, repeats } => {
            STOPPED.with(|s| s.borrow_mut().remove(&id));
            let result = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::forward_times(&l, id, &lengths, repeats).await,
            };
            post(&result.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |reason| Reply::Done { id, reason },
            ));
        }
        Request::Permutation { id, text, seed } => {
            let reply = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::permutation(&l, &text, seed).await,
            };
            post(&reply.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |check| Reply::Permutation { id, check },
            ));
        }
        Request::Gates { id, text, position } => {
            let reply = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::gates(&l, &text, position).await,
            };
            post(&reply.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |gates| Reply::Gates { id, gates },
            ));
        }
        Request::Learn { id, text, prompt, steps, sample_every, seed } => {
            STOPPED.with(|s| s.borrow_mut().remove(&id));
            let result = match loaded() {
                Err(message) => Err(message),
                Ok(l) => learn::learn(&l, id, &text, &prompt, steps, sample_every, seed).await,
            };
            post(&result.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |reason| Reply::Done { id, reason },
            ));
        }
        Request::Weights { id, layer, matrix } => {
            let reply = match loaded() {
                Err(message) => Err(message),
                Ok(l) => live::weights(&l, layer, &matrix).await,
            };
            post(&reply.map_or_else(
                |message| Reply::Failed { id: Some(id), message },
                |weights| Reply::Weights { id, weights },
            ));
        }
        Request::DestroyGpu => destroy_gpu(),
    }
}

fn loaded() -> Result<Rc<Loaded>, String> {
    LOADED.with(|l| l.borrow().clone()).ok_or_else(|| "the model is not loaded".to_string())
}

/// The model that replaced `l` after its device failed, if it was replaced.
fn replaced(l: &Rc<Loaded>) -> Option<Rc<Loaded>> {
    loaded().ok().filter(|now| !Rc::ptr_eq(now, l) && now.backend != l.backend)
}

/// Called when reading a result from `l`'s device failed: on WebGPU that means the GPU is gone
/// (a lost device fails every readback), so the engine moves to the CPU.
#[cfg(feature = "webgpu")]
fn device_failed(l: &Loaded, error: &str) {
    if l.backend == Backend::Webgpu {
        gpu_lost(format!("WebGPU failed while running the model ({error})"));
    }
}

#[cfg(not(feature = "webgpu"))]
fn device_failed(_: &Loaded, _: &str) {}

/// The GPU is gone: never use WebGPU again in this worker, rebuild the loaded model on the CPU
/// from its weights, and tell the page with a fresh [`Reply::Ready`] (the note says why).
#[cfg(feature = "webgpu")]
fn gpu_lost(reason: String) {
    let first = GPU_GONE.with(|g| g.borrow_mut().get_or_insert_with(|| reason.clone()).clone());
    WGPU.with(|w| w.borrow_mut().take());
    WGPU_DEVICE.with(|w| w.borrow_mut().take());
    // The chat model loads again, on the CPU, with the next request for it.
    chat::forget(None, None);
    let Ok(gpu) = loaded() else { return };
    if gpu.backend != Backend::Webgpu {
        return;
    }
    let note = format!("{first}; running on the CPU");
    let device = Device::flex();
    match weights::from_safetensors(&gpu.model.config, &gpu.weights, &device) {
        Ok(model) => {
            let cpu = Loaded {
                model,
                encoding: gpu.encoding.clone(),
                device,
                backend: Backend::Cpu,
                weights: gpu.weights.clone(),
            };
            let config = cpu.model.config.clone();
            let params = config.param_count();
            LOADED.with(|l| *l.borrow_mut() = Some(Rc::new(cpu)));
            post(&Reply::Ready { backend: Backend::Cpu, config, params, note: Some(note) });
        }
        Err(e) => {
            LOADED.with(|l| l.borrow_mut().take());
            post(&Reply::LoadFailed {
                message: format!("{note}, but the weights did not load there: {e}"),
            });
        }
    }
}

/// Calls [`gpu_lost`] when the browser reports `device`'s loss (`GPUDevice.lost`).
#[cfg(feature = "webgpu")]
fn watch_loss(device: &burn::tensor::wgpu::wgpu::Device) {
    let Some(gpu) = device.as_webgpu() else { return };
    let lost = JsFuture::from(gpu.lost());
    wasm_bindgen_futures::spawn_local(async move {
        let info: JsValue = lost.await.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let field = |name: &str| {
            js_sys::Reflect::get(&info, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|s| !s.is_empty())
        };
        let reason = field("reason").unwrap_or_else(|| "unknown".into());
        let detail = field("message").map(|m| format!(": {m}")).unwrap_or_default();
        gpu_lost(format!("the GPU device was lost ({reason}{detail})"));
    });
}

/// Destroys the WebGPU device (`GPUDevice.destroy()`), as a driver reset would lose it: the tests'
/// way to exercise the fall-back to the CPU.
#[cfg(feature = "webgpu")]
fn destroy_gpu() {
    match WGPU_DEVICE.with(|w| w.borrow().clone()) {
        Some(device) => device.destroy(),
        None => {
            post(&Reply::Failed { id: None, message: "there is no GPU device to destroy".into() })
        }
    }
}

#[cfg(not(feature = "webgpu"))]
fn destroy_gpu() {
    post(&Reply::Failed { id: None, message: "this engine runs on the CPU only".into() });
}

/// The device for `backend`: WebGPU when asked and it starts, else the CPU, with the reason.
#[cfg(feature = "webgpu")]
async fn device(backend: Backend) -> (Device, Backend, Option<String>) {
    if backend == Backend::Cpu {
        return (Device::flex(), Backend::Cpu, None);
    }
    if let Some(reason) = GPU_GONE.with(|g| g.borrow().clone()) {
        return (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")));
    }
    if let Some(device) = WGPU.with(|w| w.borrow().clone()) {
        return (device, Backend::Webgpu, None);
    }
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            watch_loss(&setup.device);
            WGPU.with(|w| *w.borrow_mut() = Some(device.clone()));
            WGPU_DEVICE.with(|w| *w.borrow_mut() = Some(setup.device));
            (device, Backend::Webgpu, None)
        }
        Err(e) => {
            let reason = format!("WebGPU did not start in the engine worker ({e})");
            GPU_GONE.with(|g| *g.borrow_mut() = Some(reason.clone()));
            (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")))
        }
    }
}

/// The device for `backend`: this build has the CPU backend only.
#[cfg(not(feature = "webgpu"))]
async fn device(backend: Backend) -> (Device, Backend, Option<String>) {
    let note = (backend == Backend::Webgpu).then(|| {
        "this build of the engine has no WebGPU backend yet; running on the CPU".to_string()
    });
    (Device::flex(), Backend::Cpu, note)
}

/// Progress messages for one file of the base model.
fn progress(file: &'static str) -> impl Fn(u64, Option<u64>) {
    move |loaded, total| post(&Reply::Progress { file: file.to_string(), loaded, total })
}

fn failed(file: &str, url: &str, e: DownloadError) -> String {
    format!("{file} ({url}): {e}")
}

/// A model's files, downloaded and checked against each other.
struct Files {
    config: TumblerConfig,
    encoding: Rc<Encoding>,
    weights: Vec<u8>,
}

/// Downloads `urls` (the tokenizer only when `encoding` is not given), telling `progress(file)`
/// as bytes arrive.
async fn fetch_files<P: Fn(u64, Option<u64>)>(
    urls: &ModelUrls,
    encoding: Option<Rc<Encoding>>,
    progress: impl Fn(&'static str) -> P,
) -> Result<Files, String> {
    let config_bytes = download(&urls.config, false, progress("config.json"))
        .await
        .map_err(|e| failed("config.json", &urls.config, e))?;
    let config = TumblerConfig::from_json(&String::from_utf8_lossy(&config_bytes))
        .map_err(|e| format!("config.json: {e}"))?;

    let encoding = match encoding {
        Some(encoding) => encoding,
        None => {
            let tokenizer_bytes = download(&urls.tokenizer, true, progress("tokenizer.json"))
                .await
                .map_err(|e| failed("tokenizer.json", &urls.tokenizer, e))?;
            match Encoding::from_tokenizer_json(&tokenizer_bytes) {
                Ok(encoding) => Rc::new(encoding),
                Err(e) => {
                    forget(&urls.tokenizer).await;
                    return Err(format!("tokenizer.json: {e}"));
                }
            }
        }
    };
    if encoding.vocab_size() > config.vocab_size {
        return Err(format!(
            "tokenizer.json has {} tokens but config.json's vocabulary is {}: they belong to \
             different models",
            encoding.vocab_size(),
            config.vocab_size
        ));
    }

    let weights = download(&urls.weights, true, progress("model.safetensors"))
        .await
        .map_err(|e| failed("model.safetensors", &urls.weights, e))?;
    Ok(Files { config, encoding, weights })
}

/// The model of `files` on `device`; weights that do not parse are dropped from the cache.
async fn build(
    files: Files,
    urls: &ModelUrls,
    device: Device,
    backend: Backend,
) -> Result<Loaded, String> {
    let model = match weights::from_safetensors(&files.config, &files.weights, &device) {
        Ok(model) => model,
        Err(e) => {
            forget(&urls.weights).await;
            return Err(format!("model.safetensors: {e}"));
        }
    };
    Ok(Loaded {
        model,
        encoding: files.encoding,
        device,
        backend,
        #[cfg(feature = "webgpu")]
        weights: Rc::new(files.weights),
    })
}

async fn load(backend: Backend, urls: &ModelUrls) -> Result<(Loaded, Option<String>), String> {
    let files = fetch_files(urls, None, progress).await?;
    let (device, backend, note) = device(backend).await;
    Ok((build(files, urls, device, backend).await?, note))
}

async fn trace(l: &Loaded, text: &str) -> Result<AttentionTrace, String> {
    let all = l.encoding.encode(text);
    if all.is_empty() {
        return Err("there is no text to trace".to_string());
    }
    let keep = all.len().min(MAX_TRACE_TOKENS).min(l.model.config.context_length);
    let ids = &all[..keep];
    let tokens = ids.iter().map(|&id| l.encoding.text(id)).collect();
    let started = now();
    let trace = l.model.trace_async(ids, tokens, TraceOptions::default()).await.map_err(|e| {
        device_failed(l, &e.to_string());
        e.to_string()
    })?;
    let millis = now() - started;
    let probs = softmax_with_temperature(trace.logits.slice(&[keep - 1]), 1.0);
    let next = top_tokens(&probs, CANDIDATES, |id| l.encoding.text(id));
    Ok(AttentionTrace {
        ids: trace.ids,
        tokens: trace.tokens,
        total_tokens: all.len(),
        layers: trace.layers.into_iter().map(|layer| layer.attention).collect(),
        next,
        millis,
    })
}

/// The logits of one forward pass over `ids`, read back: (T, V) row-major.
async fn logits(l: &Loaded, ids: &[u32]) -> Result<Vec<f32>, String> {
    let out = l.model.forward_with(ids_tensor(ids, &l.device), ForwardOptions::default(), None);
    read_back(out.logits).await.inspect_err(|e| device_failed(l, e))
}

/// A tensor's values, row-major, read back from its device.
async fn read_back(tensor: burn::tensor::Tensor<3>) -> Result<Vec<f32>, String> {
    tensor
        .into_data_async()
        .await
        .map_err(|e| format!("reading the logits failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("reading the logits failed: {e:?}"))
}

async fn next(l: &Loaded, text: &str) -> Result<NextLogits, String> {
    let all = l.encoding.encode(text);
    if all.is_empty() {
        return Err("there is no text: type a few words for the model to continue".to_string());
    }
    // The model predicts what follows the end of the text: keep its last tokens.
    let ids = &all[all.len().saturating_sub(l.model.config.context_length)..];
    let started = now();
    let all_logits = logits(l, ids).await?; // (T, V)
    let millis = now() - started;
    let v = all_logits.len() / ids.len();
    let last = all_logits[(ids.len() - 1) * v..].to_vec(); // (V)
    let probs = softmax_with_temperature(&last, 1.0);
    Ok(NextLogits {
        ids: ids.to_vec(),
        tokens: ids.iter().map(|&id| l.encoding.text(id)).collect(),
        total_tokens: all.len(),
        top: top_tokens(&probs, NAMED_NEXT, |id| l.encoding.text(id)),
        logits: last,
        millis,
    })
}

/// `ln Σ exp(row)`, computed stably in f64.
fn log_sum_exp(row: &[f32]) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = row.iter().map(|&x| (f64::from(x) - f64::from(max)).exp()).sum();
    f64::from(max) + sum.ln()
}

async fn loss(l: &Loaded, text: &str) -> Result<TokenLosses, String> {
    let all = l.encoding.encode(text);
    if all.len() < 2 {
        return Err("the loss needs at least two tokens: one to read, one to predict".to_string());
    }
    let keep = all.len().min(MAX_LOSS_TOKENS).min(l.model.config.context_length);
    let ids = &all[..keep];
    let started = now();
    let all_logits = logits(l, ids).await?; // (T, V)
    let millis = now() - started;
    let v = all_logits.len() / keep;
    let mut losses = Vec::with_capacity(keep - 1);
    let mut expected = Vec::with_capacity(keep - 1);
    for (i, row) in all_logits.chunks_exact(v).take(keep - 1).enumerate() {
        let lse = log_sum_exp(row);
        let target = ids[i + 1] as usize;
        losses.push((lse - f64::from(row[target])) as f32);
        let best = argmax(row);
        let p = (f64::from(row[best]) - lse).exp() as f32;
        expected.push(TopToken { id: best as u32, text: l.encoding.text(best as u32), p });
    }
    Ok(TokenLosses {
        ids: ids.to_vec(),
        tokens: ids.iter().map(|&id| l.encoding.text(id)).collect(),
        total_tokens: all.len(),
        losses,
        expected,
        millis,
    })
}

/// Lets the event loop run once, so messages that arrived meanwhile are handled.
async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(promise).await;
}

async fn generate(
    l: Rc<Loaded>,
    id: u32,
    prompt: &str,
    options: GenerateOptions,
) -> Result<DoneReason, String> {
    let ids = l.encoding.encode(prompt);
    if ids.is_empty() {
        return Err("there is no prompt to continue".to_string());
    }
    let stops = stop_tokens(&l.encoding, false);
    generate_ids(l, id, ids, stops, true, options).await
}

/// Generates after the token ids `ids`, one [`Reply::Token`] per step, until a token of `stops`
/// (which ends the run with its reason), `options.max_tokens`, a full context or a
/// [`Request::Stop`]. With `fallback`, a step whose GPU was lost goes on with the model rebuilt on
/// the CPU.
async fn generate_ids(
    mut l: Rc<Loaded>,
    id: u32,
    ids: Vec<u32>,
    stops: Vec<(u32, DoneReason)>,
    fallback: bool,
    options: GenerateOptions,
) -> Result<DoneReason, String> {
    let mut run = Generation::new(&l.model, ids, &options, stops).map_err(|e| e.to_string())?;
    loop {
        if STOPPED.with(|s| s.borrow_mut().remove(&id)) {
            run.stop();
        }
        let started = now();
        let step = loop {
            match run.step_async(&l.model).await {
                Err(GenerateError::Readback(e)) => {
                    let e = e.to_string();
                    device_failed(&l, &e);
                    let Some(cpu) = replaced(&l).filter(|_| fallback) else { return Err(e) };
                    // The GPU was lost: go on from the same tokens on the CPU.
                    l = cpu;
                    run.restart();
                }
                other => break other.map_err(|e| e.to_string())?,
            }
        };
        let token = match step {
            Step::Token(token) => token,
            Step::Done(reason) => return Ok(reason),
        };
        post(&Reply::Token {
            id,
            step: token.step,
            token: token.named(&*l.encoding),
            top: token.top_named(&*l.encoding),
            generated: run.text(&*l.encoding),
            millis: now() - started,
        });
        yield_now().await;
    }
}
