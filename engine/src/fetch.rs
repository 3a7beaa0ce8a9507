//! Fetching the site's files, for the page and the worker alike: the errors a reader can act on,
//! progress as bytes arrive, and the Cache API for the large files (the model's weights and
//! tokenizers), so a second visit, or one offline, reads them from disk.
//!
//! One place knows that a static host answering a missing file with the app's `index.html` (as
//! single-page hosts do) is saying the file is not there. A cached copy is keyed by the server's
//! validator for the file (ETag, else Last-Modified, else its length), so new files on the server
//! are downloaded again; when the server cannot be reached, the last copy cached is used. A copy
//! that fails to parse is dropped by [`forget`] before the retry.

use js_sys::{Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, CacheQueryOptions, CacheStorage, RequestInit, Response};

const CACHE_NAME: &str = "tumbler-files-v1";

/// The global scope's `fetch`, on the page (`Window`) or in a worker.
fn fetch_with(url: &str, init: &RequestInit) -> js_sys::Promise {
    let global = js_sys::global();
    match global.dyn_ref::<web_sys::Window>() {
        Some(window) => window.fetch_with_str_and_init(url, init),
        None => {
            global.unchecked_into::<web_sys::WorkerGlobalScope>().fetch_with_str_and_init(url, init)
        }
    }
}

/// The global scope's `caches`, where the browser has them.
fn caches() -> Option<CacheStorage> {
    let global = js_sys::global();
    match global.dyn_ref::<web_sys::Window>() {
        Some(window) => window.caches().ok(),
        None => global.unchecked_into::<web_sys::WorkerGlobalScope>().caches().ok(),
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchError {
    /// 404, or an HTML page where a data file was asked for.
    NotFound,
    /// Another HTTP error status.
    Status(u16),
    /// No answer at all (offline, blocked).
    Network,
    /// The body stopped after this many bytes.
    Interrupted(u64),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("the file is not on the server (404)"),
            Self::Status(s) => write!(f, "the server answered {s}"),
            Self::Network => f.write_str("the network request failed; check the connection"),
            Self::Interrupted(n) => write!(f, "the download broke off after {n} bytes"),
        }
    }
}

async fn fetch(url: &str, method: &str) -> Result<Response, FetchError> {
    let init = RequestInit::new();
    init.set_method(method);
    let response: Response = JsFuture::from(fetch_with(url, &init))
        .await
        .map_err(|_| FetchError::Network)?
        .unchecked_into();
    // A static server that answers unknown paths with the app's index.html (as single-page hosts
    // do) is saying the file is not there.
    let html = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .is_some_and(|t| t.starts_with("text/html"));
    if response.status() == 404 || (response.ok() && html) {
        return Err(FetchError::NotFound);
    }
    if !response.ok() {
        return Err(FetchError::Status(response.status()));
    }
    Ok(response)
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).ok().flatten().filter(|v| !v.is_empty())
}

async fn cache() -> Option<Cache> {
    JsFuture::from(caches()?.open(CACHE_NAME)).await.ok().map(JsCast::unchecked_into)
}

/// Where to look for `url` in the cache.
enum Key {
    /// The version the server has now.
    Version(String),
    /// The server cannot be reached: any version cached.
    Offline,
}

/// The cache key of `url` for the version the server has now, if the server names one.
async fn cache_key(url: &str) -> Option<Key> {
    let head = match fetch(url, "HEAD").await {
        Ok(head) => head,
        Err(FetchError::Network) => return Some(Key::Offline),
        Err(_) => return None,
    };
    let version = header(&head, "etag")
        .or_else(|| header(&head, "last-modified"))
        .or_else(|| header(&head, "content-length"))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let key = format!("{url}{sep}tumbler-version={}", js_sys::encode_uri_component(&version));
    Some(Key::Version(key))
}

/// The cached copy of `url` under `key`, if there is one.
async fn cached_copy(store: &Cache, url: &str, key: &Key) -> Option<Vec<u8>> {
    let hit = match key {
        Key::Version(key) => JsFuture::from(store.match_with_str(key)).await.ok()?,
        Key::Offline => {
            let options = CacheQueryOptions::new();
            options.set_ignore_search(true);
            JsFuture::from(store.match_with_str_and_options(url, &options)).await.ok()?
        }
    };
    body_bytes(&hit.dyn_into::<Response>().ok()?).await
}

async fn body_bytes(response: &Response) -> Option<Vec<u8>> {
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Downloads `url`, calling `progress(bytes so far, total)` as chunks arrive; with `cached`, the
/// bytes come from and go to the Cache API.
pub async fn download(
    url: &str,
    cached: bool,
    progress: impl Fn(u64, Option<u64>),
) -> Result<Vec<u8>, FetchError> {
    let key = if cached { cache_key(url).await } else { None };
    let store = match &key {
        Some(_) => cache().await,
        None => None,
    };
    if let (Some(key), Some(store)) = (&key, &store)
        && let Some(bytes) = cached_copy(store, url, key).await
    {
        progress(bytes.len() as u64, Some(bytes.len() as u64));
        return Ok(bytes);
    }
    let response = fetch(url, "GET").await?;
    let total = header(&response, "content-length").and_then(|v| v.parse().ok());
    let bytes = match response.body() {
        None => body_bytes(&response).await.ok_or(FetchError::Network)?,
        Some(body) => {
            let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
            loop {
                let chunk = JsFuture::from(reader.read())
                    .await
                    .map_err(|_| FetchError::Interrupted(bytes.len() as u64))?;
                let done = Reflect::get(&chunk, &JsValue::from_str("done"))
                    .ok()
                    .and_then(|d| d.as_bool())
                    .unwrap_or(true);
                if done {
                    break;
                }
                let value = Reflect::get(&chunk, &JsValue::from_str("value"))
                    .map_err(|_| FetchError::Interrupted(bytes.len() as u64))?;
                bytes.extend(Uint8Array::new(&value).to_vec());
                progress(bytes.len() as u64, total);
            }
            bytes
        }
    };
    // Content-Length counts compressed bytes when the server compresses; only compare without.
    let plain = header(&response, "content-encoding").is_none();
    if plain && total.is_some_and(|t| t != bytes.len() as u64) {
        return Err(FetchError::Interrupted(bytes.len() as u64));
    }
    if let (Some(Key::Version(key)), Some(store)) = (&key, &store) {
        let mut copy = bytes.clone();
        if let Ok(response) = Response::new_with_opt_u8_array(Some(&mut copy)) {
            // A full cache only costs the next visit a download, so a failure is not shown.
            let _ = JsFuture::from(store.put_with_str(key, &response)).await;
        }
    }
    Ok(bytes)
}

/// Drops every cached copy of `url` (after it failed to parse).
pub async fn forget(url: &str) {
    let Some(store) = cache().await else { return };
    let options = CacheQueryOptions::new();
    options.set_ignore_search(true);
    let _ = JsFuture::from(store.delete_with_str_and_options(url, &options)).await;
}

/// `url` parsed as JSON into `T`; the message names the file.
pub async fn json<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    let bytes = download(url, false, |_, _| {}).await.map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{url} is not what this page expects: {e}"))
}
