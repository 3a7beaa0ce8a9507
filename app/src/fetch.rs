//! Fetching the site's own files (tokenizer ranks, the model card, sample documents), with the
//! errors a reader can act on. One place knows that a static host answering a missing file with
//! the app's `index.html` (as single-page hosts do) is saying the file is not there.

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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

/// The response for `url` once it is known to carry the file (status 2xx, not an HTML page).
pub async fn get(url: &str) -> Result<web_sys::Response, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| FetchError::Network)?
        .unchecked_into();
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

/// The body of `url` as bytes, reported to `progress` (bytes so far, total if the server said)
/// as it streams in.
pub async fn bytes(url: &str, progress: impl Fn(u64, Option<u64>)) -> Result<Vec<u8>, FetchError> {
    let response = get(url).await?;
    let total =
        response.headers().get("content-length").ok().flatten().and_then(|v| v.parse().ok());
    let Some(body) = response.body() else {
        let buffer = JsFuture::from(response.array_buffer().map_err(|_| FetchError::Network)?)
            .await
            .map_err(|_| FetchError::Network)?;
        return Ok(js_sys::Uint8Array::new(&buffer).to_vec());
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| FetchError::Interrupted(bytes.len() as u64))?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
            .map_err(|_| FetchError::Interrupted(bytes.len() as u64))?;
        bytes.extend(js_sys::Uint8Array::new(&value).to_vec());
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

/// `url` parsed as JSON into `T`; the message names the file.
pub async fn json<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    let bytes = bytes(url, |_, _| {}).await.map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{url} is not what this page expects: {e}"))
}
