//! The tokenizers in the browser: each vocabulary file is fetched only when a chapter shows its
//! encoding, with its download progress in a signal, parsed once and kept for the session.
//! The files go to the Cache API, keyed by the server's version of each (`tumbler_engine::fetch`):
//! a reload, or a visit offline, reads them from there, and a retrained tokenizer.json is
//! downloaded again. A file that does not parse is dropped from the cache.

pub mod merges;
pub mod slices;
mod status;

pub use status::VocabStatus;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use tumbler_model::tokenizer::{Encoding, EncodingName};

use tumbler_engine::fetch::{self, FetchError};
use wasm_bindgen_futures::JsFuture;

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
        let state = match fetch::download(&url(name), true, progress).await {
            Ok(bytes) => {
                signal.set(Vocab::Parsing);
                // Let "parsing" paint before the parse holds the thread for a moment.
                yield_now().await;
                match Encoding::from_bytes(name, &bytes) {
                    Ok(enc) => Vocab::Ready(Arc::new(enc)),
                    Err(e) => {
                        fetch::forget(&url(name)).await;
                        Vocab::Failed(format!("the file is damaged ({e})"))
                    }
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
