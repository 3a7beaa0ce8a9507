//! Reads a Hugging Face `tokenizer.json` holding a byte-level BPE (GPT-2 style) into the same
//! merge core as the OpenAI encodings, so the page needs no `tokenizers` crate in its wasm.
//!
//! Supported is what `tokenizers`' `ByteLevel` BPE trainer writes: no normalizer, a `ByteLevel`
//! pre-tokenizer (optionally after a regex `Split`), a BPE model without dropout, prefixes,
//! suffixes or byte fallback, and added tokens without strip or single-word rules. Anything else
//! is refused with an error naming it, rather than encoded differently from the library.

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::TokenizerError;
use super::bpe::{Merges, Rank};

/// The pattern of `tokenizers`' `ByteLevel` pre-tokenizer (GPT-2's original spelling).
pub(crate) const BYTE_LEVEL_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Everything an [`super::Encoding`] needs from a `tokenizer.json`.
pub(crate) struct HfParts {
    pub pattern: String,
    pub add_prefix_space: bool,
    pub merges: Merges,
    pub tokens: Vec<(u32, Vec<u8>)>,
    pub specials: Vec<(String, u32)>,
    pub added: Vec<(String, u32)>,
}

fn unsupported(what: impl Into<String>) -> TokenizerError {
    TokenizerError::TokenizerJson(what.into())
}

/// GPT-2's map from bytes to printable characters, which byte-level vocabularies are written in.
pub(crate) fn byte_to_char() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..=255u8 {
        let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        let code = if printable {
            u32::from(b)
        } else {
            next += 1;
            next - 1
        };
        table[b as usize] = char::from_u32(code).unwrap_or('\0');
    }
    table
}

fn is_null_or(v: Option<&Value>, ok: impl Fn(&Value) -> bool) -> bool {
    v.is_none_or(|v| v.is_null() || ok(v))
}

pub(crate) fn parse(json: &[u8]) -> Result<HfParts, TokenizerError> {
    let root: Value =
        serde_json::from_slice(json).map_err(|e| unsupported(format!("not JSON: {e}")))?;
    if !is_null_or(root.get("normalizer"), |_| false) {
        return Err(unsupported("a normalizer is not supported (expected null)"));
    }
    let (pattern, add_prefix_space) = pre_tokenizer(root.get("pre_tokenizer"))?;

    let model = root.get("model").ok_or_else(|| unsupported("no model"))?;
    if model.get("type").and_then(Value::as_str) != Some("BPE") {
        return Err(unsupported("model.type must be BPE"));
    }
    for (key, ok) in [
        ("dropout", &(|v: &Value| v.as_f64() == Some(0.0)) as &dyn Fn(&Value) -> bool),
        ("continuing_subword_prefix", &|v: &Value| v.as_str() == Some("")),
        ("end_of_word_suffix", &|v: &Value| v.as_str() == Some("")),
        ("byte_fallback", &|v: &Value| v.as_bool() == Some(false)),
    ] {
        if !is_null_or(model.get(key), ok) {
            return Err(unsupported(format!("model.{key} is not supported")));
        }
    }
    let ignore_merges = model.get("ignore_merges").and_then(Value::as_bool).unwrap_or(false);

    let to_byte: FxHashMap<char, u8> =
        byte_to_char().iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
    let decode_chars = |s: &str| -> Result<Vec<u8>, TokenizerError> {
        s.chars()
            .map(|c| to_byte.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| unsupported(format!("vocabulary entry {s:?} is not byte-level")))
    };

    let vocab = model
        .get("vocab")
        .and_then(Value::as_object)
        .ok_or_else(|| unsupported("no model.vocab"))?;
    let mut by_str: FxHashMap<&str, u32> = FxHashMap::default();
    let mut tokens = Vec::with_capacity(vocab.len());
    for (s, id) in vocab {
        let id = id
            .as_u64()
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| unsupported(format!("vocabulary id of {s:?} is not a u32")))?;
        by_str.insert(s, id);
        tokens.push((id, decode_chars(s)?));
    }
    let mut byte_ids = [0u32; 256];
    for (b, c) in byte_to_char().iter().enumerate() {
        byte_ids[b] = *by_str.get(c.to_string().as_str()).ok_or_else(|| {
            unsupported(format!(
                "byte {b:#04x} ({c:?}) is not in the vocabulary; train with \
                 initial_alphabet = ByteLevel::alphabet() so every text can be encoded"
            ))
        })?;
    }

    let merges_json =
        model.get("merges").and_then(Value::as_array).ok_or_else(|| unsupported("no merges"))?;
    let mut pairs = FxHashMap::default();
    for (rank, m) in merges_json.iter().enumerate() {
        // Older files write "a b", newer ones ["a", "b"].
        let (a, b) = match m {
            Value::String(s) => s.split_once(' ').ok_or_else(|| unsupported("bad merge"))?,
            Value::Array(v) if v.len() == 2 => match (v[0].as_str(), v[1].as_str()) {
                (Some(a), Some(b)) => (a, b),
                _ => return Err(unsupported("bad merge")),
            },
            _ => return Err(unsupported("bad merge")),
        };
        let id = |s: &str| {
            by_str.get(s).copied().ok_or_else(|| unsupported(format!("merge part {s:?} unknown")))
        };
        let merged = format!("{a}{b}");
        let value = (rank as Rank, id(&merged)?);
        // `tokenizers` keeps the last line for a repeated pair; so do we.
        pairs.insert((id(a)?, id(b)?), value);
    }

    let mut specials = Vec::new();
    let mut added = Vec::new();
    for t in root.get("added_tokens").and_then(Value::as_array).into_iter().flatten() {
        let content = t
            .get("content")
            .and_then(Value::as_str)
            .ok_or_else(|| unsupported("bad added token"))?;
        let id = t.get("id").and_then(Value::as_u64).and_then(|i| u32::try_from(i).ok());
        let id = id.ok_or_else(|| unsupported("bad added token id"))?;
        for flag in ["single_word", "lstrip", "rstrip"] {
            if t.get(flag).and_then(Value::as_bool) == Some(true) {
                return Err(unsupported(format!("added token {content:?}: {flag} not supported")));
            }
        }
        tokens.push((id, content.as_bytes().to_vec()));
        if t.get("special").and_then(Value::as_bool) == Some(true) {
            specials.push((content.to_string(), id));
        } else {
            added.push((content.to_string(), id));
        }
    }

    let whole = ignore_merges.then(|| tokens.iter().map(|(id, b)| (b.clone(), *id)).collect());
    Ok(HfParts {
        pattern,
        add_prefix_space,
        merges: Merges::Pairs { pairs, byte_ids: Box::new(byte_ids), whole },
        tokens,
        specials,
        added,
    })
}

/// The split pattern and prefix-space flag of a supported pre-tokenizer.
fn pre_tokenizer(v: Option<&Value>) -> Result<(String, bool), TokenizerError> {
    let v = v.filter(|v| !v.is_null()).ok_or_else(|| unsupported("no pre_tokenizer"))?;
    let kind = v.get("type").and_then(Value::as_str);
    let flag = |v: &Value, key: &str, default: bool| {
        v.get(key).and_then(Value::as_bool).unwrap_or(default)
    };
    match kind {
        Some("ByteLevel") if flag(v, "use_regex", true) => {
            Ok((BYTE_LEVEL_PATTERN.to_string(), flag(v, "add_prefix_space", true)))
        }
        Some("Sequence") => {
            let list = v.get("pretokenizers").and_then(Value::as_array);
            let [split, byte_level] = list.map(Vec::as_slice).unwrap_or_default() else {
                return Err(unsupported("pre_tokenizer Sequence must be [Split, ByteLevel]"));
            };
            let pattern = split.get("pattern").and_then(|p| p.get("Regex")).and_then(Value::as_str);
            let ok = split.get("type").and_then(Value::as_str) == Some("Split")
                && split.get("behavior").and_then(Value::as_str) == Some("Isolated")
                && !flag(split, "invert", false)
                && byte_level.get("type").and_then(Value::as_str) == Some("ByteLevel")
                && !flag(byte_level, "use_regex", true)
                && !flag(byte_level, "add_prefix_space", true);
            match pattern {
                Some(p) if ok => Ok((p.to_string(), false)),
                _ => Err(unsupported(
                    "pre_tokenizer Sequence must be Split(Regex, Isolated) then ByteLevel \
                     without regex or prefix space",
                )),
            }
        }
        _ => Err(unsupported("pre_tokenizer must be ByteLevel (with its regex) or Sequence")),
    }
}
