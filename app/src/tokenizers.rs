//! The tokenizers in the browser: each vocabulary file is fetched only when a chapter shows its
//! encoding, with its download progress in a signal, parsed once and kept for the session.
//! OpenAI's rank files never change, so they also go to the Cache API and a reload reads them
//! from there; the Tumbler's tokenizer.json changes whenever it is retrained, so it is fetched
//! fresh each session.

pub mod merges;
pub mod slices;
mod status;

pub use status::VocabStatus;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use tumbler_model::tokenizer::{Encoding, EncodingName};

use crate::fetch::{self, FetchError};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The Cache API store for rank files; bump the version if a file's contents ever change.
const CACHE_NAME: &str = "tumbler-vocab-v1";

/// Where one encoding's vocabulary stands.
#[derive(Clone)]
pub enum Vocab {
    /// Downloading: bytes received, and the total when the server says it.
    Loading { received: u64, total: Option<u64> },
    /// Downloaded; building the tables.
    Parsing,
    /// Ready to encode.
    Ready(Arc<Encoding>),
    /// The file does not exist: the Tumbler's tokenizer has not been trained yet.
    NotTrained,
    /// Could not load; the message says why, and the page offers a retry.
    Failed(String),
}

thread_local! {
    static STATES: RefCell<HashMap<EncodingName, ArcRwSignal<Vocab>>> = RefCell::new(HashMap::new());
}

/// The vocabulary of `name`, starting its download the first time anyone asks.
pub fn vocab(name: EncodingName) -> ArcRwSignal<Vocab> {
    let (signal, fresh) = STATES.with(|s| {
        let mut s = s.borrow_mut();
        match s.get(&name) {
            Some(sig) => (sig.clone(), false),
            None => {
                let sig = ArcRwSignal::new(Vocab::Loading { received: 0, total: None });
                s.insert(name, sig.clone());
                (sig, true)
            }
        }
    });
    if fresh {
        start(name, signal.clone());
    }
    signal
}

/// Downloads `name` again after a failure.
pub fn retry(name: EncodingName) {
    let signal = vocab(name);
    if matches!(signal.get_untracked(), Vocab::Failed(_) | Vocab::NotTrained) {
        signal.set(Vocab::Loading { received: 0, total: None });
        start(name, signal);
    }
}

fn start(name: EncodingName, signal: ArcRwSignal<Vocab>) {
    leptos::task::spawn_local(async move {
        let progress = {
            let signal = signal.clone();
            move |received, total| signal.set(Vocab::Loading { received, total })
        };
        let state = match fetch_vocab(name, progress).await {
            Ok(bytes) => {
                signal.set(Vocab::Parsing);
                // Let "parsing" paint before the parse holds the thread for a moment.
                yield_now().await;
                match Encoding::from_bytes(name, &bytes) {
                    Ok(enc) => {
                        if name != EncodingName::Tumbler {
                            store_in_cache(name, &bytes).await;
                        }
                        Vocab::Ready(Arc::new(enc))
                    }
                    Err(e) => Vocab::Failed(format!("the file is damaged ({e})")),
                }
            }
            Err(FetchError::NotFound) if name == EncodingName::Tumbler => Vocab::NotTrained,
            Err(e) => Vocab::Failed(e.to_string()),
        };
        signal.set(state);
    });
}

fn url(name: EncodingName) -> String {
    format!("public/{}", name.public_path())
}

async fn cache() -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok().map(JsCast::unchecked_into)
}

async fn from_cache(name: EncodingName) -> Option<Vec<u8>> {
    if name == EncodingName::Tumbler {
        return None;
    }
    let hit = JsFuture::from(cache().await?.match_with_str(&url(name))).await.ok()?;
    let response: web_sys::Response = hit.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn store_in_cache(name: EncodingName, bytes: &[u8]) {
    let Some(cache) = cache().await else { return };
    let mut copy = bytes.to_vec();
    let Ok(response) = web_sys::Response::new_with_opt_u8_array(Some(&mut copy)) else { return };
    // A full cache only costs the next visit a download, so a failure here is not shown.
    let _ = JsFuture::from(cache.put_with_str(&url(name), &response)).await;
}

async fn fetch_vocab(
    name: EncodingName,
    progress: impl Fn(u64, Option<u64>),
) -> Result<Vec<u8>, FetchError> {
    if let Some(bytes) = from_cache(name).await {
        progress(bytes.len() as u64, Some(bytes.len() as u64));
        return Ok(bytes);
    }
    fetch::bytes(&url(name), progress).await
}

/// Hands the thread back to the browser for one turn of the event loop, so it can paint and
/// handle input between slices of long work.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The ids of `text` and its first `keep` ids, encoded a slice at a time with a yield between
/// slices when that keeps the ids (see [`slices`]). `current` is asked after each slice and
/// stops the work (returning `None`) when the text has changed meanwhile; `progress` gets the
/// bytes encoded so far.
pub async fn encode_yielding(
    enc: Arc<Encoding>,
    text: Arc<str>,
    keep: usize,
    current: impl Fn() -> bool,
    progress: impl Fn(usize),
) -> Option<Encoded> {
    let ranges = if slices::cuts_keep_ids(&enc) {
        slices::slices(&text, slices::SLICE_BYTES)
    } else {
        std::iter::once(0..text.len()).collect()
    };
    let mut out = Encoded { count: 0, first: Vec::new(), slices: ranges.len() };
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            progress(r.start);
            yield_now().await;
            if !current() {
                return None;
            }
        }
        let ids = enc.encode(&text[r.clone()]);
        out.count += ids.len();
        let room = keep.saturating_sub(out.first.len());
        out.first.extend(ids.into_iter().take(room));
    }
    Some(out)
}

/// The result of [`encode_yielding`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    /// How many tokens the whole text has.
    pub count: usize,
    /// The first ids, up to the number asked for.
    pub first: Vec<u32>,
    /// How many slices the text was encoded in.
    pub slices: usize,
}
