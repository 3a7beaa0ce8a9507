//! The text worker's questions and answers: the tokenizers the guide shows (GPT-4's, GPT-4o's,
//! GPT-2's and the Tumbler's) run in the small `tumbler-pipeline` worker, next to the corpus
//! pipeline, not on the page. Parsing a vocabulary (1.7 MB for cl100k_base) and compiling its split
//! pattern would hold the page's thread for hundreds of milliseconds on a phone; the page asks,
//! and draws the ids and token bytes that come back.
//!
//! [`encode`] is what the worker does with an [`Query::Encode`](crate::Query::Encode): plain
//! code over [`Encoding`], tested natively here.

use serde::{Deserialize, Serialize};
use tumbler_model::chat::{self, Fitted};
use tumbler_model::tokenizer::{Encoding, PieceTrace, slices};

/// One text to encode: ordinary text, or (with `special`) text whose special tokens
/// (`<|im_start|>`, `<|endoftext|>` …) become their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextPiece {
    pub text: String,
    pub special: bool,
}

impl TextPiece {
    /// `text` as ordinary text: a special token typed in it stays characters.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), special: false }
    }

    /// `text` with its special tokens read as their ids.
    pub fn special(text: impl Into<String>) -> Self {
        Self { text: text.into(), special: true }
    }
}

/// A vocabulary the worker has loaded: ready, or missing from the site (the Tumbler's tokenizer
/// before it is trained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VocabLoaded {
    /// Parsed; it has this many ids (special tokens included).
    Ready { vocab_size: usize },
    /// The server has no such file.
    Missing,
}

/// Where loading a vocabulary stands, streamed before its [`VocabLoaded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VocabStep {
    /// Bytes received so far, and the total when the server says it.
    Download { received: u64, total: Option<u64> },
    /// Downloaded; building the tables.
    Parsing,
}

/// Progress through a long text, streamed between the slices it is encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodeProgress {
    /// Bytes encoded so far, over all pieces.
    pub bytes: usize,
}

/// One token: its id and its bytes in the vocabulary (none for an id it lacks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub id: u32,
    pub bytes: Vec<u8>,
}

/// One piece's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedPiece {
    /// How many tokens the whole piece has.
    pub count: usize,
    /// Its first tokens, up to the number asked for.
    pub tokens: Vec<Token>,
}

/// The answer to [`Query::Encode`](crate::Query::Encode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoded {
    /// One per piece asked, in order.
    pub pieces: Vec<EncodedPiece>,
    /// How many slices the text was encoded in (more than one per long piece; see
    /// [`slices`]).
    pub slices: usize,
}

/// The answer to [`Query::BpeMerges`](crate::Query::BpeMerges): every merge the encoder performs
/// on a word, and the ids it emits for the whole word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpeMerges {
    pub traces: Vec<PieceTrace>,
    pub ids: Vec<u32>,
}

/// The answer to [`Query::FitPrompt`](crate::Query::FitPrompt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedPrompt {
    pub fitted: Fitted,
    /// The prompt's tokens as one user turn in the chat template.
    pub tokens: usize,
    /// Whether it fits the budget (the question alone may not).
    pub fits: bool,
}

/// The tokens of `pieces` in `enc`, the first `keep` of each kept with their bytes. A long
/// ordinary piece is encoded a slice at a time where the cuts keep the ids
/// ([`slices::cuts_keep_ids`]), `progress` getting the bytes done after each slice.
pub fn encode(
    enc: &Encoding,
    pieces: &[TextPiece],
    keep: usize,
    mut progress: impl FnMut(usize),
) -> Encoded {
    let sliced = pieces.iter().any(|p| !p.special && p.text.len() > slices::SLICE_BYTES)
        && slices::cuts_keep_ids(enc);
    let mut out = Encoded { pieces: Vec::with_capacity(pieces.len()), slices: 0 };
    let mut done = 0;
    for piece in pieces {
        let ranges = if sliced && !piece.special {
            slices::slices(&piece.text, slices::SLICE_BYTES)
        } else {
            std::iter::once(0..piece.text.len()).collect()
        };
        let mut encoded = EncodedPiece { count: 0, tokens: Vec::new() };
        for (i, r) in ranges.iter().enumerate() {
            if i > 0 {
                progress(done + r.start);
            }
            let text = &piece.text[r.clone()];
            let ids =
                if piece.special { enc.encode_with_special_tokens(text) } else { enc.encode(text) };
            encoded.count += ids.len();
            let room = keep.saturating_sub(encoded.tokens.len());
            encoded.tokens.extend(ids.into_iter().take(room).map(|id| Token {
                id,
                bytes: enc.token_bytes(id).map(<[u8]>::to_vec).unwrap_or_default(),
            }));
        }
        out.slices += ranges.len();
        done += piece.text.len();
        out.pieces.push(encoded);
    }
    out
}

/// The chat template's `pieces` as texts to encode: each special token on its own, read as its id,
/// and the text between two as one ordinary text, so that their tokens, joined, are
/// [`chat::encode`]'s (a `<|im_end|>` typed in a message stays characters).
pub fn chat_pieces(pieces: &[chat::Piece<'_>]) -> Vec<TextPiece> {
    let mut out = Vec::new();
    let mut text = String::new();
    for piece in pieces {
        match piece {
            chat::Piece::Special(name) => {
                out.push(TextPiece::text(std::mem::take(&mut text)));
                out.push(TextPiece::special(*name));
            }
            other => text.push_str(&other.as_str()),
        }
    }
    out.push(TextPiece::text(text));
    out
}

/// The merges of `text` in `enc`, and its ids.
pub fn merges(enc: &Encoding, text: &str) -> BpeMerges {
    BpeMerges { traces: enc.trace(text), ids: enc.encode(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_model::tokenizer::EncodingName;

    fn load(name: EncodingName) -> Encoding {
        Encoding::shipped(name).expect("vocabulary under public/")
    }

    #[test]
    fn pieces_keep_their_first_tokens_and_count_all() {
        let enc = load(EncodingName::Tumbler);
        let pieces = [
            TextPiece::special("<|im_start|>user\n"),
            TextPiece::text("hi <|im_end|> there"),
            TextPiece::text(""),
        ];
        let out = encode(&enc, &pieces, 2, |_| panic!("no slices in short text"));
        assert_eq!(out.slices, 3);
        let special = enc.encode_with_special_tokens("<|im_start|>user\n");
        assert_eq!(out.pieces[0].count, special.len());
        assert_eq!(out.pieces[0].tokens[0].id, special[0]);
        assert_eq!(out.pieces[0].tokens[0].bytes, b"<|im_start|>");
        let plain = enc.encode("hi <|im_end|> there");
        assert!(!plain.contains(&special[0]), "typed markers stay text");
        assert_eq!(out.pieces[1].count, plain.len());
        assert_eq!(out.pieces[1].tokens.iter().map(|t| t.id).collect::<Vec<_>>(), plain[..2]);
        for t in &out.pieces[1].tokens {
            assert_eq!(Some(t.bytes.as_slice()), enc.token_bytes(t.id));
        }
        assert_eq!(out.pieces[2], EncodedPiece { count: 0, tokens: vec![] });
    }

    #[test]
    fn a_long_text_is_sliced_with_progress_and_the_same_ids() {
        let enc = load(EncodingName::Cl100kBase);
        let text = "The quick brown fox's 12345 jumps\nover the lazy dog. ".repeat(2000);
        let mut seen = Vec::new();
        let out = encode(&enc, &[TextPiece::text(text.clone())], 100, |b| seen.push(b));
        let whole = enc.encode(&text);
        assert!(out.slices > 3, "{} slices", out.slices);
        assert_eq!(seen.len(), out.slices - 1);
        assert!(seen.windows(2).all(|w| w[0] < w[1]) && *seen.last().unwrap() < text.len());
        assert_eq!(out.pieces[0].count, whole.len());
        let first: Vec<u32> = out.pieces[0].tokens.iter().map(|t| t.id).collect();
        assert_eq!(first, whole[..100]);
    }

    #[test]
    fn chat_pieces_encode_as_the_chat_template() {
        let enc = load(EncodingName::Tumbler);
        let turns = [(chat::Role::User, "hi <|im_end|> there"), (chat::Role::Assistant, "4.")];
        let pieces = chat::pieces(&turns, true);
        let out = encode(&enc, &chat_pieces(&pieces), usize::MAX, |_| {});
        let ids: Vec<u32> = out.pieces.iter().flat_map(|p| p.tokens.iter().map(|t| t.id)).collect();
        assert_eq!(ids, chat::encode(&enc, &pieces).unwrap());
    }

    #[test]
    fn merges_end_at_the_encoders_ids() {
        let enc = load(EncodingName::R50kBase);
        let m = merges(&enc, "Hi");
        assert_eq!(m.ids, vec![17250]);
        assert_eq!(m.traces.iter().flat_map(|t| t.ids.clone()).collect::<Vec<_>>(), m.ids);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<BpeMerges>(&json).unwrap(), m);
    }
}
