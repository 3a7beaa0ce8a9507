//! The tokenizers, from the page: each vocabulary is loaded only when a chapter shows its
//! encoding, with its download progress in a signal, and kept for the session. They run in the
//! text worker (`tumbler_engine::text`), not here: parsing GPT-4's 1.7 MB vocabulary and compiling
//! its split pattern held the page's thread for ~150 ms (four times that on a phone). The page
//! asks for ids, token bytes, merges and counts, and draws them.
//!
//! The files go to the Cache API, keyed by the server's version of each (`tumbler_engine::fetch`,
//! in the worker): a reload, or a visit offline, reads them from there, and a retrained
//! tokenizer.json is downloaded again. A file that does not parse is dropped from the cache.

pub mod merges;
mod status;

pub use status::VocabStatus;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use tumbler_engine::{
    BpeMerges, EncodeProgress, Encoded, Query, Step, TextPiece, VocabLoaded, VocabStep,
};
use tumbler_model::tokenizer::EncodingName;

use crate::engine::ask_with_steps;

/// A vocabulary loaded in the text worker: what the page knows of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tokenizer {
    vocab_size: usize,
}

impl Tokenizer {
    /// How many ids it has, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }
}

/// Where one encoding's vocabulary stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Vocab {
    /// Downloading: bytes received, and the total when the server says it.
    Loading { received: u64, total: Option<u64> },
    /// Downloaded; building the tables.
    Parsing,
    /// Ready to encode.
    Ready(Tokenizer),
    /// The file does not exist: the Tumbler's tokenizer has not been trained yet.
    NotTrained,
    /// Could not load; the message says why, and the page offers a retry.
    Failed(String),
}

thread_local! {
    static STATES: RefCell<HashMap<EncodingName, ArcRwSignal<Vocab>>> = RefCell::new(HashMap::new());
}

/// The vocabulary of `name`, starting its load the first time anyone asks.
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

/// Loads `name` again after a failure.
pub fn retry(name: EncodingName) {
    let signal = vocab(name);
    if matches!(signal.get_untracked(), Vocab::Failed(_) | Vocab::NotTrained) {
        signal.set(Vocab::Loading { received: 0, total: None });
        start(name, signal);
    }
}

fn start(name: EncodingName, signal: ArcRwSignal<Vocab>) {
    let progress = {
        let signal = signal.clone();
        move |step| match step {
            Step::Vocab(VocabStep::Download { received, total }) => {
                signal.set(Vocab::Loading { received, total })
            }
            Step::Vocab(VocabStep::Parsing) => signal.set(Vocab::Parsing),
            _ => {}
        }
    };
    let loaded = ask_with_steps::<VocabLoaded>(Query::Vocab { encoding: name }, progress);
    leptos::task::spawn_local(async move {
        signal.set(match loaded.await {
            Ok(VocabLoaded::Ready { vocab_size }) => Vocab::Ready(Tokenizer { vocab_size }),
            Ok(VocabLoaded::Missing) => Vocab::NotTrained,
            Err(e) => Vocab::Failed(e),
        });
    });
}

/// A question about a loaded vocabulary failed (the worker stopped): the vocabulary's status says
/// so, with its retry button, which loads it in a fresh worker.
pub fn failed(name: EncodingName, message: String) {
    vocab(name).set(Vocab::Failed(message));
}

/// The tokens of `pieces` in `name`, the first `keep` of each with their bytes; `progress` gets
/// the bytes done between the slices of a long text.
pub async fn encode(
    name: EncodingName,
    pieces: Vec<TextPiece>,
    keep: usize,
    mut progress: impl FnMut(usize) + 'static,
) -> Result<Encoded, String> {
    let query = Query::Encode { encoding: name, pieces, keep };
    // A worker that had to load the vocabulary again (after a restart) streams that first.
    let on_step = move |step| {
        if let Step::Encoding(EncodeProgress { bytes }) = step {
            progress(bytes)
        }
    };
    ask_with_steps::<Encoded>(query, on_step).await
}

/// The merges the encoder of `name` performs on `word`, and its ids.
pub async fn bpe_merges(name: EncodingName, word: String) -> Result<BpeMerges, String> {
    ask_with_steps::<BpeMerges>(Query::BpeMerges { encoding: name, text: word }, |_| {}).await
}

/// The tokens of `pieces()` in `name` (all of them, with their bytes) with the pieces they are
/// of, asked again whenever what `pieces` reads changes once the vocabulary is ready; an answer to
/// an older question is dropped. `None` until the first answer.
pub fn live_encoded(
    name: EncodingName,
    pieces: impl Fn() -> Vec<TextPiece> + 'static,
) -> Signal<Option<(Vec<TextPiece>, Encoded)>> {
    live(
        name,
        move |_| Some(pieces()),
        |name, pieces: Vec<TextPiece>| {
            let asked = pieces.clone();
            async move { encode(name, asked, usize::MAX, |_| {}).await.map(|e| (pieces, e)) }
        },
    )
}

/// The answer to `question(tokenizer)` (`None`: nothing to ask), asked with `ask` again whenever
/// what `question` reads changes once `name`'s vocabulary is ready, an older answer dropped.
pub fn live<Q, A, F>(
    name: EncodingName,
    question: impl Fn(Tokenizer) -> Option<Q> + 'static,
    ask: impl Fn(EncodingName, Q) -> F + 'static,
) -> Signal<Option<A>>
where
    Q: 'static,
    A: Clone + Send + Sync + 'static,
    F: Future<Output = Result<A, String>> + 'static,
{
    let vocab = vocab(name);
    let answer = RwSignal::new(None);
    let latest = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let Vocab::Ready(tokenizer) = vocab.get() else { return };
        let Some(q) = question(tokenizer) else { return };
        latest.set(latest.get() + 1);
        let mine = latest.get();
        let latest = latest.clone();
        let asked = ask(name, q);
        leptos::task::spawn_local(async move {
            let result = asked.await;
            if latest.get() != mine {
                return;
            }
            match result {
                Ok(a) => {
                    answer.try_set(Some(a));
                }
                Err(e) => failed(name, e),
            }
        });
    });
    answer.into()
}
