//! Asking the engine about the reader's text whenever it changes: one request when the reader
//! pauses typing, and only the reply to the latest request is kept.

use leptos::prelude::*;
use tumbler_engine::{MAX_TEXT_BYTES, head, tail};

use super::{EngineState, NextLogits, Reply, Request, TokenLosses, request, state};

/// An answer of the engine about the reader's text.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered<T> {
    /// What the engine replied.
    pub value: T,
    /// Whether the page sent only part of the text (it was over [`MAX_TEXT_BYTES`]).
    pub cut: bool,
}

/// The latest answer (`None` until one came) and whether a newer request is on its way.
pub struct LiveAnswer<T: Send + Sync + 'static> {
    /// The reply to the latest request, or why there is none.
    pub answer: RwSignal<Option<Result<Answered<T>, String>>>,
    /// A request is on its way: the page shows that it is working.
    pub pending: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for LiveAnswer<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for LiveAnswer<T> {}

/// The logits after `text`, asked again whenever it changes (its last [`MAX_TEXT_BYTES`] bytes).
pub fn next_logits(text: Signal<String>) -> LiveAnswer<NextLogits> {
    ask(
        text,
        |t| tail(t, MAX_TEXT_BYTES),
        |id, text| Request::Next { id, text },
        |reply| match reply {
            Reply::Next { next, .. } => Some(Ok(next)),
            Reply::Failed { message, .. } => Some(Err(message)),
            _ => None,
        },
    )
}

/// The loss of every token of `text`, asked again whenever it changes (its first
/// [`MAX_TEXT_BYTES`] bytes).
pub fn token_losses(text: Signal<String>) -> LiveAnswer<TokenLosses> {
    ask(
        text,
        |t| head(t, MAX_TEXT_BYTES),
        |id, text| Request::Loss { id, text },
        |reply| match reply {
            Reply::Loss { loss, .. } => Some(Ok(loss)),
            Reply::Failed { message, .. } => Some(Err(message)),
            _ => None,
        },
    )
}

fn ask<T: Clone + Send + Sync + 'static>(
    text: Signal<String>,
    cut: fn(&str) -> &str,
    make: fn(u32, String) -> Request,
    pick: fn(Reply) -> Option<Result<T, String>>,
) -> LiveAnswer<T> {
    let live = LiveAnswer { answer: RwSignal::new(None), pending: RwSignal::new(false) };
    // Replies to an older text are dropped: only the latest request counts.
    let latest = StoredValue::new(0u32);
    let typed = StoredValue::new(0u64);
    let engine = state();
    Effect::new(move |_| {
        let ready = matches!(engine.get(), EngineState::Ready { .. });
        let full = text.get();
        if !ready {
            return;
        }
        if full.trim().is_empty() {
            live.pending.set(false);
            live.answer.set(Some(Err("There is no text yet: type a few words.".to_string())));
            return;
        }
        live.pending.set(true);
        let ask = move || {
            let sent_text = cut(&full);
            let was_cut = sent_text.len() < full.len();
            let sent = request(
                |id| make(id, sent_text.to_string()),
                move |reply| {
                    // The chapter may be gone by the time the reply comes.
                    let Some(wanted) = latest.try_get_value() else { return };
                    let id = match &reply {
                        Reply::Next { id, .. } | Reply::Loss { id, .. } => Some(*id),
                        Reply::Failed { id, .. } => *id,
                        _ => None,
                    };
                    if id != Some(wanted) {
                        return;
                    }
                    let Some(result) = pick(reply) else { return };
                    live.pending.try_set(false);
                    live.answer.try_set(Some(result.map(|value| Answered { value, cut: was_cut })));
                },
            );
            if let Some(id) = sent {
                latest.try_set_value(id);
            }
        };
        // Typing sends one request when the reader pauses, not one per key.
        let mark = typed.get_value() + 1;
        typed.set_value(mark);
        set_timeout(
            move || {
                if typed.try_get_value() == Some(mark) {
                    ask();
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    live
}
