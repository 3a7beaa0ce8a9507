//! OpenAI's encodings: the rank-file format and each encoding's split pattern and special tokens,
//! copied from `tiktoken_ext/openai_public.py` (tiktoken 0.14).

use base64::Engine as _;
use rustc_hash::FxHashMap;

use super::TokenizerError;
use super::bpe::Rank;

/// GPT-2's pattern in tiktoken's faster, equivalent spelling (possessive quantifiers).
pub(crate) const R50K_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

pub(crate) const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

pub(crate) const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"\p{N}{1,3}",
    "|",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    "|",
    r"\s*[\r\n]+",
    "|",
    r"\s+(?!\S)",
    "|",
    r"\s+",
);

pub(crate) const R50K_SPECIALS: &[(&str, u32)] = &[("<|endoftext|>", 50256)];

pub(crate) const CL100K_SPECIALS: &[(&str, u32)] = &[
    ("<|endoftext|>", 100257),
    ("<|fim_prefix|>", 100258),
    ("<|fim_middle|>", 100259),
    ("<|fim_suffix|>", 100260),
    ("<|endofprompt|>", 100276),
];

pub(crate) const O200K_SPECIALS: &[(&str, u32)] =
    &[("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)];

/// Parses a `.tiktoken` file: one `base64(token bytes) rank` per line.
pub(crate) fn parse_rank_file(data: &[u8]) -> Result<FxHashMap<Vec<u8>, Rank>, TokenizerError> {
    let text = std::str::from_utf8(data)
        .map_err(|e| TokenizerError::RankFile { line: 0, reason: format!("not UTF-8: {e}") })?;
    let mut ranks = FxHashMap::default();
    ranks.reserve(text.len() / 16);
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let bad = |reason: String| TokenizerError::RankFile { line: n + 1, reason };
        let (token, rank) =
            line.split_once(' ').ok_or_else(|| bad("expected `base64 rank`".into()))?;
        let token = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|e| bad(format!("bad base64: {e}")))?;
        let rank: Rank = rank.trim().parse().map_err(|e| bad(format!("bad rank: {e}")))?;
        if ranks.insert(token, rank).is_some() {
            return Err(bad("token listed twice".into()));
        }
    }
    // The merge loop relies on every single byte being a token.
    if let Some(b) = (0..=255u8).find(|b| !ranks.contains_key(std::slice::from_ref(b))) {
        return Err(TokenizerError::RankFile {
            line: 0,
            reason: format!("byte {b:#04x} has no rank"),
        });
    }
    Ok(ranks)
}
