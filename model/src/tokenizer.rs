//! Tokenizers: GPT-4 (`cl100k_base`), GPT-4o (`o200k_base`), GPT-2 (`r50k_base`) and the Tumbler's
//! own byte-level BPE, behind one [`Encoding`] type.
//!
//! Every encoding works the same way: split the text with the encoding's regex, then merge each
//! piece's UTF-8 bytes pair by pair (see [`bpe`]). The vocabularies are read at run time from
//! bytes — OpenAI's `.tiktoken` rank files or a `tokenizer.json` — so a page fetches only the
//! encoding it shows and the wasm carries none of them. Ids equal OpenAI's `tiktoken` and the
//! `tokenizers` crate; `model/tests/tokenizer.rs` checks that against recorded vectors.
//!
//! The vectors, `model/tests/vectors/tiktoken_vectors.json`, are written by `make_vectors.py`
//! beside them with OpenAI's `tiktoken`: `{"tiktoken": version, "cases": [{"text": …,
//! "cl100k_base": [ids], "o200k_base": [ids], "r50k_base": [ids], "special": {…}?}]}`, where
//! `special` (only for texts holding `<|…|>`) is the encoding with special tokens allowed.
//! Browser tests can read the same file.

mod bpe;
pub(crate) mod hf;
pub mod slices;
pub(crate) mod split;
mod tiktoken;
pub mod train;
mod unicode;

#[cfg(feature = "train")]
pub(crate) use split::CL100K_JSON_PATTERN;

use std::fmt;
use std::str::FromStr;

pub use bpe::{MergeStep, PieceTrace};

/// An error reading a vocabulary or decoding ids.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("unknown encoding {0:?}; expected cl100k_base, o200k_base, r50k_base or tumbler")]
    UnknownEncoding(String),
    #[error("rank file, line {line}: {reason}")]
    RankFile { line: usize, reason: String },
    #[error("tokenizer.json: {0}")]
    TokenizerJson(String),
    #[error("split pattern: {0}")]
    Pattern(String),
    #[error("token id {0} is not in the vocabulary")]
    UnknownId(u32),
    #[error("reading {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// The encodings the guide shows (in messages, by [`EncodingName::as_str`]'s name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingName {
    /// GPT-4 and GPT-3.5-turbo.
    Cl100kBase,
    /// GPT-4o.
    O200kBase,
    /// GPT-2 (and GPT-3).
    R50kBase,
    /// The Tumbler's own byte-level BPE, from its `tokenizer.json`.
    Tumbler,
}

impl EncodingName {
    pub const ALL: [EncodingName; 4] =
        [Self::Cl100kBase, Self::O200kBase, Self::R50kBase, Self::Tumbler];

    /// The name tiktoken and the CLI use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cl100kBase => "cl100k_base",
            Self::O200kBase => "o200k_base",
            Self::R50kBase => "r50k_base",
            Self::Tumbler => "tumbler",
        }
    }

    /// The model family a reader knows it by.
    pub fn model(self) -> &'static str {
        match self {
            Self::Cl100kBase => "GPT-4",
            Self::O200kBase => "GPT-4o",
            Self::R50kBase => "GPT-2",
            Self::Tumbler => "Tumbler",
        }
    }

    /// Where the vocabulary file lives under `public/` (and so under the site root).
    pub fn public_path(self) -> &'static str {
        match self {
            Self::Cl100kBase => "tokenizers/cl100k_base.tiktoken",
            Self::O200kBase => "tokenizers/o200k_base.tiktoken",
            Self::R50kBase => "tokenizers/r50k_base.tiktoken",
            Self::Tumbler => "model/tokenizer.json",
        }
    }
}

impl fmt::Display for EncodingName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EncodingName {
    type Err = TokenizerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| TokenizerError::UnknownEncoding(s.to_string()))
    }
}

/// A loaded tokenizer: text ↔ ids.
pub struct Encoding {
    name: EncodingName,
    splitter: split::Splitter,
    merges: bpe::Merges,
    /// Bytes of each id; empty where an id is unused (no real token is empty).
    tokens: Vec<Box<[u8]>>,
    /// Recognised only when the caller asks for special tokens.
    specials: Vec<(String, u32)>,
    /// `tokenizer.json` added tokens that are not special: always split out, as `tokenizers` does.
    added: Vec<(String, u32)>,
    /// `tokenizer.json` only: text between regex matches is a piece too (`Isolated` splitting).
    keep_gaps: bool,
    add_prefix_space: bool,
}

impl fmt::Debug for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoding")
            .field("name", &self.name)
            .field("vocab_size", &self.vocab_size())
            .finish_non_exhaustive()
    }
}

impl Encoding {
    /// Builds `name` from its vocabulary file's bytes (see [`EncodingName::public_path`]).
    pub fn from_bytes(name: EncodingName, data: &[u8]) -> Result<Self, TokenizerError> {
        use tiktoken::*;
        let (pattern, specials) = match name {
            EncodingName::Cl100kBase => (CL100K_PATTERN, CL100K_SPECIALS),
            EncodingName::O200kBase => (O200K_PATTERN, O200K_SPECIALS),
            EncodingName::R50kBase => (R50K_PATTERN, R50K_SPECIALS),
            EncodingName::Tumbler => return Self::from_tokenizer_json(data),
        };
        let ranks = parse_rank_file(data)?;
        let mut tokens: Vec<(u32, Vec<u8>)> = ranks.iter().map(|(b, &r)| (r, b.clone())).collect();
        tokens.extend(specials.iter().map(|&(s, id)| (id, s.as_bytes().to_vec())));
        let specials = specials.iter().map(|&(s, id)| (s.to_string(), id)).collect();
        Ok(Self {
            name,
            splitter: split::Splitter::new(pattern)?,
            merges: bpe::Merges::Ranks(ranks),
            tokens: token_table(tokens),
            specials,
            added: Vec::new(),
            keep_gaps: false,
            add_prefix_space: false,
        })
    }

    /// Builds the Tumbler encoding from a byte-level BPE `tokenizer.json`.
    pub fn from_tokenizer_json(data: &[u8]) -> Result<Self, TokenizerError> {
        let parts = hf::parse(data)?;
        Ok(Self {
            name: EncodingName::Tumbler,
            splitter: split::Splitter::new(&parts.pattern)?,
            merges: parts.merges,
            tokens: token_table(parts.tokens),
            specials: parts.specials,
            added: parts.added,
            keep_gaps: true,
            add_prefix_space: parts.add_prefix_space,
        })
    }

    /// Reads the vocabulary file at `path` (natively; the browser fetches and calls
    /// [`Encoding::from_bytes`]).
    pub fn from_file(name: EncodingName, path: &std::path::Path) -> Result<Self, TokenizerError> {
        let data = std::fs::read(path)
            .map_err(|source| TokenizerError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(name, &data)
    }

    /// The vocabulary this source tree ships under `public/` (natively: the tests of every crate
    /// read the same files the page fetches).
    pub fn shipped(name: EncodingName) -> Result<Self, TokenizerError> {
        Self::from_file(name, &crate::repo_file("public").join(name.public_path()))
    }

    pub fn name(&self) -> EncodingName {
        self.name
    }

    /// One more than the largest id, special tokens included (tiktoken's `n_vocab`).
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The special tokens and their ids.
    pub fn special_tokens(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// The bytes of one token; a token may hold part of a UTF-8 character.
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.tokens.get(id as usize).map(|b| &b[..]).filter(|b| !b.is_empty())
    }

    /// Encodes `text`, treating special-token text such as `<|endoftext|>` as plain text
    /// (tiktoken's `encode_ordinary`).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        self.encode_with(text, false)
    }

    /// Encodes `text`, turning special-token text into its special id (tiktoken's
    /// `encode(text, allowed_special="all")`).
    pub fn encode_with_special_tokens(&self, text: &str) -> Vec<u32> {
        self.encode_with(text, true)
    }

    fn encode_with(&self, text: &str, allow_special: bool) -> Vec<u32> {
        let specials = if allow_special { &self.specials[..] } else { &[] };
        let candidates: Vec<(&str, u32)> =
            self.added.iter().chain(specials).map(|(s, id)| (s.as_str(), *id)).collect();
        // Where each candidate next occurs at or after `pos` (None: nowhere). A position is
        // searched again only once the text before it has been consumed, so a long text with
        // many special tokens is scanned once per candidate, not once per occurrence.
        let mut next: Vec<Option<usize>> = candidates.iter().map(|(s, _)| text.find(s)).collect();
        let mut out = Vec::with_capacity(text.len() / 3);
        let mut pos = 0;
        loop {
            for (slot, (s, _)) in next.iter_mut().zip(&candidates) {
                if slot.is_some_and(|at| at < pos) {
                    *slot = text[pos..].find(s).map(|at| at + pos);
                }
            }
            // The leftmost match, the longest where several start there.
            let best = next
                .iter()
                .zip(&candidates)
                .filter_map(|(at, c)| at.map(|at| (at, c)))
                .min_by_key(|&(at, (s, _))| (at, std::cmp::Reverse(s.len())));
            let Some((at, &(token, id))) = best else { break };
            self.encode_ordinary(&text[pos..at], &mut out);
            out.push(id);
            pos = at + token.len();
        }
        self.encode_ordinary(&text[pos..], &mut out);
        out
    }

    fn encode_ordinary(&self, text: &str, out: &mut Vec<u32>) {
        self.for_each_piece(text, |piece| self.merges.encode_piece(piece.as_bytes(), out));
    }

    /// Calls `f` on each pre-split piece of `text` (no special tokens), in order.
    fn for_each_piece(&self, text: &str, f: impl FnMut(&str)) {
        if text.is_empty() {
            return;
        }
        let prefixed;
        let text = if self.add_prefix_space && !text.starts_with(' ') {
            prefixed = format!(" {text}");
            &prefixed
        } else {
            text
        };
        self.splitter.for_each(text, self.keep_gaps, f);
    }

    /// The bytes of `ids` joined.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>, TokenizerError> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            out.extend_from_slice(self.token_bytes(id).ok_or(TokenizerError::UnknownId(id))?);
        }
        Ok(out)
    }

    /// The text of `ids`; bytes that do not form UTF-8 (a cut character) become U+FFFD, as
    /// tiktoken's `decode` does.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        Ok(String::from_utf8_lossy(&self.decode_bytes(ids)?).into_owned())
    }

    /// The merges the encoder performs on each piece of `text`, from UTF-8 bytes to its ids.
    /// Special-token text is traced as plain text.
    pub fn trace(&self, text: &str) -> Vec<PieceTrace> {
        let mut traces = Vec::new();
        let token = |id: u32| self.token_bytes(id).unwrap_or_default().to_vec();
        self.for_each_piece(text, |piece| traces.push(self.merges.trace(piece.as_bytes(), token)));
        traces
    }
}

fn token_table(tokens: Vec<(u32, Vec<u8>)>) -> Vec<Box<[u8]>> {
    let size = tokens.iter().map(|(id, _)| *id as usize + 1).max().unwrap_or(0);
    let mut table = vec![Box::<[u8]>::default(); size];
    for (id, bytes) in tokens {
        table[id as usize] = bytes.into_boxed_slice();
    }
    table
}
