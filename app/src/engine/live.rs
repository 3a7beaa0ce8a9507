//! The two questions most chapters ask about the reader's text as it changes: the logits after
//! it, and the loss of every token of it.

use leptos::prelude::*;
use tumbler_engine::{MAX_TEXT_BYTES, NextLogits, Query, TokenLosses, head, tail};

use super::ask::{Latest, latest_with};

/// An answer of the engine about the reader's text.
#[derive(Clone, Debug, PartialEq)]
pub struct Answered<T> {
    /// What the engine answered.
    pub value: T,
    /// Whether the page sent only part of the text (it was over [`MAX_TEXT_BYTES`]).
    pub cut: bool,
}

/// The latest answer about a text.
pub type LiveAnswer<T> = Latest<Answered<T>>;

/// The question `make` builds from `text` cut by `cut`, and whether it was cut; none for an
/// empty text.
fn about_text(
    text: Signal<String>,
    cut: fn(&str, usize) -> &str,
    make: fn(String) -> Query,
) -> impl Fn() -> Result<(Query, bool), String> + 'static {
    move || {
        text.with(|full| {
            if full.trim().is_empty() {
                return Err("There is no text yet: type a few words.".to_string());
            }
            let sent = cut(full, MAX_TEXT_BYTES);
            Ok((make(sent.to_string()), sent.len() < full.len()))
        })
    }
}

fn answered<T>(value: T, cut: bool) -> Answered<T> {
    Answered { value, cut }
}

/// The logits after `text`, asked again whenever it changes (its last [`MAX_TEXT_BYTES`] bytes).
pub fn next_logits(text: Signal<String>) -> LiveAnswer<NextLogits> {
    latest_with(about_text(text, tail, |text| Query::Next { text }), answered)
}

/// The loss of every token of `text`, asked again whenever it changes (its first
/// [`MAX_TEXT_BYTES`] bytes).
pub fn token_losses(text: Signal<String>) -> LiveAnswer<TokenLosses> {
    latest_with(about_text(text, head, |text| Query::Loss { text }), answered)
}
