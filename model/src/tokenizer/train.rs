//! Trains a byte-level BPE (Sennrich et al., 2016; GPT-2's byte-level variant, Radford et al.,
//! 2019) on one text, in plain Rust, so the page can train a tokenizer on the reader's own text
//! in its engine worker (the `tokenizers` crate's trainer, which `tumbler train-tokenizer` uses,
//! is native only).
//!
//! The text is cut into pieces with the Tumbler's split pattern (cl100k_base's, as
//! [`crate::train::bpe`] uses), each piece starts as its UTF-8 bytes, and the most frequent
//! adjacent pair over all pieces is merged into a new token, again and again. The result is a
//! `tokenizer.json` in the form the `tokenizers` trainer writes, which [`Encoding`] and the
//! `tokenizers` crate both read.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Value, json};

use super::hf::byte_to_char;
use super::split::{CL100K_JSON_PATTERN, Splitter};
use super::{Encoding, TokenizerError};

/// The special tokens, ids 0, 1, 2, before the bytes (as the Tumbler's own tokenizer has them).
pub const SPECIAL_TOKENS: [&str; 3] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

/// A pair must occur at least this often to be merged.
const MIN_FREQUENCY: i64 = 2;

/// One learned merge, in the order learned (its rank).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LearnedMerge {
    /// The left part's bytes.
    pub left: Vec<u8>,
    /// The right part's bytes.
    pub right: Vec<u8>,
    /// The merged token's id.
    pub id: u32,
    /// How often the pair occurred in the text when it was merged.
    pub count: u64,
}

/// A tokenizer trained on a text.
#[derive(Debug, Clone)]
pub struct TrainedBpe {
    /// The merges in rank order.
    pub merges: Vec<LearnedMerge>,
    /// Entries of the vocabulary: special tokens, 256 bytes, merged tokens.
    pub vocab_size: usize,
    /// `tokenizer.json`.
    pub json: String,
}

impl TrainedBpe {
    /// The encoder for the trained vocabulary.
    pub fn encoding(&self) -> Result<Encoding, TokenizerError> {
        Encoding::from_tokenizer_json(self.json.as_bytes())
    }
}

/// The id of byte `b`: after the special tokens.
fn byte_id(b: u8) -> u32 {
    SPECIAL_TOKENS.len() as u32 + u32::from(b)
}

/// Trains a vocabulary of at most `vocab_size` entries (special tokens and the 256 bytes
/// included) on `text`. It stops early when no pair occurs twice.
pub fn train(text: &str, vocab_size: usize) -> TrainedBpe {
    // Distinct pieces and how often each occurs.
    let splitter = Splitter::new(CL100K_JSON_PATTERN).expect("the Tumbler's pattern is built in");
    let mut counts: FxHashMap<&str, u64> = FxHashMap::default();
    splitter.for_each(text, true, |piece| *counts.entry(piece).or_default() += 1);
    let mut pieces: Vec<(&str, u64)> = counts.into_iter().collect();
    // A fixed order, so the same text always gives the same tokenizer.
    pieces.sort_unstable();
    let freq: Vec<i64> = pieces.iter().map(|&(_, n)| n as i64).collect();
    let mut words: Vec<Vec<u32>> =
        pieces.iter().map(|(p, _)| p.bytes().map(byte_id).collect()).collect();

    let mut tokens: Vec<Vec<u8>> = SPECIAL_TOKENS.iter().map(|s| s.as_bytes().to_vec()).collect();
    tokens.extend((0..=255u8).map(|b| vec![b]));
    let mut by_bytes: FxHashMap<Vec<u8>, u32> = tokens
        .iter()
        .enumerate()
        .skip(SPECIAL_TOKENS.len())
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();

    let mut pairs: FxHashMap<(u32, u32), i64> = FxHashMap::default();
    let mut holders: FxHashMap<(u32, u32), FxHashSet<usize>> = FxHashMap::default();
    for (w, word) in words.iter().enumerate() {
        for pair in word.windows(2) {
            *pairs.entry((pair[0], pair[1])).or_default() += freq[w];
            holders.entry((pair[0], pair[1])).or_default().insert(w);
        }
    }
    // The most frequent pair first; among equals, the smallest ids (a fixed tie-break).
    let mut heap: BinaryHeap<(i64, Reverse<(u32, u32)>)> =
        pairs.iter().map(|(&p, &n)| (n, Reverse(p))).collect();

    let mut merges = Vec::new();
    while tokens.len() < vocab_size {
        let Some((n, Reverse(pair))) = heap.pop() else { break };
        if pairs.get(&pair) != Some(&n) {
            continue; // stale: the count changed after this entry was pushed
        }
        if n < MIN_FREQUENCY {
            break;
        }
        let bytes = [tokens[pair.0 as usize].as_slice(), &tokens[pair.1 as usize]].concat();
        // Two merges can spell the same bytes ("ab"+"c", "a"+"bc"): one token, as in `tokenizers`.
        let id = *by_bytes.entry(bytes.clone()).or_insert_with(|| {
            tokens.push(bytes);
            tokens.len() as u32 - 1
        });
        merges.push(LearnedMerge {
            left: tokens[pair.0 as usize].clone(),
            right: tokens[pair.1 as usize].clone(),
            id,
            count: n as u64,
        });
        let mut holding: Vec<usize> =
            holders.get(&pair).map(|s| s.iter().copied().collect()).unwrap_or_default();
        holding.sort_unstable();
        let mut touched = FxHashSet::default();
        for w in holding {
            let word = &mut words[w];
            let f = freq[w];
            for p in word.windows(2) {
                *pairs.get_mut(&(p[0], p[1])).expect("every pair present is counted") -= f;
                touched.insert((p[0], p[1]));
            }
            *word = merge_word(word, pair, id);
            for p in word.windows(2) {
                *pairs.entry((p[0], p[1])).or_default() += f;
                holders.entry((p[0], p[1])).or_default().insert(w);
                touched.insert((p[0], p[1]));
            }
        }
        for p in touched {
            let n = pairs[&p];
            if n > 0 {
                heap.push((n, Reverse(p)));
            }
        }
    }
    let json = tokenizer_json(&tokens, &merges);
    TrainedBpe { merges, vocab_size: tokens.len(), json }
}

/// `word` with every occurrence of `pair`, left to right, replaced by `id`.
fn merge_word(word: &[u32], pair: (u32, u32), id: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(word.len());
    let mut i = 0;
    while i < word.len() {
        if i + 1 < word.len() && (word[i], word[i + 1]) == pair {
            out.push(id);
            i += 2;
        } else {
            out.push(word[i]);
            i += 1;
        }
    }
    out
}

/// The `tokenizer.json` of `tokens` (id = index) and `merges`, as `tokenizers`' byte-level BPE
/// trainer writes it (the Tumbler's own `public/model/tokenizer.json` has the same form).
fn tokenizer_json(tokens: &[Vec<u8>], merges: &[LearnedMerge]) -> String {
    let chars = byte_to_char();
    let spell = |bytes: &[u8]| bytes.iter().map(|&b| chars[b as usize]).collect::<String>();
    let specials = SPECIAL_TOKENS.len();
    let mut vocab = serde_json::Map::new();
    for (id, t) in tokens.iter().enumerate() {
        let key = if id < specials { SPECIAL_TOKENS[id].to_string() } else { spell(t) };
        vocab.insert(key, json!(id));
    }
    let merges: Vec<Value> =
        merges.iter().map(|m| json!([spell(&m.left), spell(&m.right)])).collect();
    let added: Vec<Value> = SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(id, s)| {
            json!({"id": id, "content": s, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let root = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": CL100K_JSON_PATTERN},
                 "behavior": "Isolated", "invert": false},
                {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                 "use_regex": false}
            ]
        },
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                    "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false,
            "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab, "merges": merges
        }
    });
    serde_json::to_string(&root).expect("JSON values serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The cat sat on the mat. The cat ate the rat! Tokens, tokens, 12345 tokens.\n\
                        Ünïcödé — 日本語のテキスト and emoji 🙂🙂 too.\n";

    #[test]
    fn learns_the_frequent_pairs_and_round_trips() {
        let text = TEXT.repeat(20);
        let bpe = train(&text, 400);
        assert!(bpe.vocab_size > 259 && bpe.vocab_size <= 400, "{}", bpe.vocab_size);
        assert!(bpe.merges.len() + 259 >= bpe.vocab_size, "one token per merge at most");
        // The first merge is the most frequent pair, and counts never rise.
        assert!(bpe.merges.windows(2).all(|m| m[0].count >= m[1].count));
        let enc = bpe.encoding().unwrap();
        assert_eq!(enc.vocab_size(), bpe.vocab_size);
        for s in [TEXT, "a fresh sentence, never seen: zyx 987 🙃", ""] {
            assert_eq!(enc.decode(&enc.encode(s)).unwrap(), s);
        }
        // It compresses the text it was trained on: well over a byte per token.
        let ids = enc.encode(&text);
        assert!(text.len() as f64 / ids.len() as f64 > 2.5, "{} tokens", ids.len());
        // " cat" became one token.
        let cat = enc.encode(" cat");
        assert_eq!(cat.len(), 1, "{cat:?}");
    }

    #[test]
    fn the_same_text_gives_the_same_tokenizer() {
        let a = train(TEXT, 300);
        let b = train(TEXT, 300);
        assert_eq!(a.json, b.json);
        assert_ne!(train(&TEXT.replace("cat", "dog"), 300).json, a.json);
    }

    #[test]
    fn stops_when_no_pair_repeats() {
        let bpe = train("abcdefg", 1000);
        assert_eq!(bpe.vocab_size, 259);
        assert!(bpe.merges.is_empty());
        assert_eq!(bpe.encoding().unwrap().encode("abc").len(), 3);
    }

    #[test]
    fn merges_replace_left_to_right() {
        assert_eq!(merge_word(&[1, 1, 1, 2, 1, 1], (1, 1), 9), [9, 1, 2, 9]);
    }

    /// The `tokenizers` crate, which wrote the Tumbler's own tokenizer.json, reads ours and
    /// encodes every text to the same ids as [`Encoding`].
    #[test]
    fn the_tokenizers_crate_reads_it_and_agrees() {
        let text = TEXT.repeat(10);
        let bpe = train(&text, 350);
        let theirs = tokenizers::Tokenizer::from_bytes(bpe.json.as_bytes()).unwrap();
        let ours = bpe.encoding().unwrap();
        for s in [TEXT, "The rat sat. 2024-12-06 日本 🙂!\n\n  spaced   out", "tokens"] {
            let expected = theirs.encode(s, false).unwrap().get_ids().to_vec();
            assert_eq!(ours.encode(s), expected, "{s:?}");
        }
    }
}
