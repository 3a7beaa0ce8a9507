//! Downloading the model's files in the worker: progress as bytes arrive, and the weights kept in
//! the Cache API so a second visit reads them from disk.
//!
//! A cached copy is keyed by the server's validator for the file (ETag, else Last-Modified, else
//! its length), so new weights on the server are downloaded again; a copy that fails to parse is
//! dropped by [`forget`] before the retry.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, DedicatedWorkerGlobalScope, RequestInit, Response};

const CACHE_NAME: &str = "tumbler-model-v1";

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Why a file did not download.
#[derive(Debug)]
pub enum DownloadError {
    NotFound,
    Status(u16),
    Network,
    Interrupted(u64),
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("the file is not on the server"),
            Self::Status(s) => write!(f, "the server answered {s}"),
            Self::Network => f.write_str("the network request failed; check the connection"),
            Self::Interrupted(n) => write!(f, "the download broke off after {n} bytes"),
        }
    }
}

async fn fetch(url: &str, method: &str) -> Result<Response, DownloadError> {
    let init = RequestInit::new();
    init.set_method(method);
    let response: Response = JsFuture::from(scope().fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| DownloadError::Network)?
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
        return Err(DownloadError::NotFound);
    }
    if !response.ok() {
        return Err(DownloadError::Status(response.status()));
    }
    Ok(response)
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).ok().flatten().filter(|v| !v.is_empty())
}

async fn cache() -> Option<Cache> {
    let caches = scope().caches().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok().map(JsCast::unchecked_into)
}

/// The cache key of `url` for the version the server has now, if the server names one.
async fn cache_key(url: &str) -> Option<String> {
    let head = fetch(url, "HEAD").await.ok()?;
    let version = header(&head, "etag")
        .or_else(|| header(&head, "last-modified"))
        .or_else(|| header(&head, "content-length"))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}tumbler-version={}", js_sys::encode_uri_component(&version)))
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
) -> Result<Vec<u8>, DownloadError> {
    let key = if cached { cache_key(url).await } else { None };
    let store = match &key {
        Some(_) => cache().await,
        None => None,
    };
    if let (Some(key), Some(store)) = (&key, &store) {
        let hit = JsFuture::from(store.match_with_str(key)).await.ok();
        if let Some(response) = hit.and_then(|h| h.dyn_into::<Response>().ok())
            && let Some(bytes) = body_bytes(&response).await
        {
            progress(bytes.len() as u64, Some(bytes.len() as u64));
            return Ok(bytes);
        }
    }
    let response = fetch(url, "GET").await?;
    let total = header(&response, "content-length").and_then(|v| v.parse().ok());
    let bytes = match response.body() {
        None => body_bytes(&response).await.ok_or(DownloadError::Network)?,
        Some(body) => {
            let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
            loop {
                let chunk = JsFuture::from(reader.read())
                    .await
                    .map_err(|_| DownloadError::Interrupted(bytes.len() as u64))?;
                let done = Reflect::get(&chunk, &JsValue::from_str("done"))
                    .ok()
                    .and_then(|d| d.as_bool())
                    .unwrap_or(true);
                if done {
                    break;
                }
                let value = Reflect::get(&chunk, &JsValue::from_str("value"))
                    .map_err(|_| DownloadError::Interrupted(bytes.len() as u64))?;
                bytes.extend(Uint8Array::new(&value).to_vec());
                progress(bytes.len() as u64, total);
            }
            bytes
        }
    };
    // Content-Length counts compressed bytes when the server compresses; only compare without.
    let plain = header(&response, "content-encoding").is_none();
    if plain && total.is_some_and(|t| t != bytes.len() as u64) {
        return Err(DownloadError::Interrupted(bytes.len() as u64));
    }
    if let (Some(key), Some(store)) = (&key, &store) {
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
    let options = web_sys::CacheQueryOptions::new();
    options.set_ignore_search(true);
    let _ = JsFuture::from(store.delete_with_str_and_options(url, &options)).await;
}
