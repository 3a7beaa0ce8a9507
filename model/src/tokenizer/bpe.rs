//! Byte-pair merging: the step that turns one pre-split piece of text into token ids.
//!
//! Two ways to decide which adjacent pair merges next, one per file format:
//! - tiktoken rank files: the pair whose concatenated bytes have the lowest rank merges first,
//!   and that rank is the new token's id (as in tiktoken's Rust core, `byte_pair_merge`);
//! - Hugging Face `tokenizer.json`: the pair of ids that comes first in the merges list merges
//!   first, and the list says which id it becomes (as in the `tokenizers` crate's `Word`).
//!
//! Both merge the leftmost of equally ranked pairs first. The fast paths here are checked against
//! the plain step-by-step merge of [`Merges::trace`], which the BPE animation shows.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub(crate) type Rank = u32;

/// How adjacent pieces of one pre-split piece merge.
pub(crate) enum Merges {
    /// tiktoken: bytes → rank, where a token's rank is also its id.
    Ranks(FxHashMap<Vec<u8>, Rank>),
    /// `tokenizer.json`: (left id, right id) → (priority, merged id), starting from one id per
    /// byte; `whole` is set when the file asks to emit a piece found in the vocabulary as is.
    Pairs {
        pairs: FxHashMap<(u32, u32), (Rank, u32)>,
        byte_ids: Box<[u32; 256]>,
        whole: Option<FxHashMap<Vec<u8>, u32>>,
    },
}

/// One merge the encoder performs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeStep {
    /// Bytes of the left piece of the merged pair.
    pub left: Vec<u8>,
    /// Bytes of the right piece of the merged pair.
    pub right: Vec<u8>,
    /// The pair's priority: the merged token's rank (tiktoken) or its line in the merges list.
    pub rank: Rank,
    /// The id of the merged token (equal to `rank` for OpenAI's encodings).
    pub id: u32,
    /// Index of the left piece in the pieces before this merge.
    pub position: usize,
    /// All pieces after this merge, left to right.
    pub pieces: Vec<Vec<u8>>,
}

/// How one pre-split piece became ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PieceTrace {
    /// The piece's UTF-8 bytes: the state before the first merge, one byte per part.
    pub bytes: Vec<u8>,
    /// Every merge in the order the encoder performs it.
    pub steps: Vec<MergeStep>,
    /// True when the encoder emits the whole piece as one vocabulary entry without merging
    /// (tiktoken's shortcut); `steps` then show the merges that reach the same token.
    pub whole_piece: bool,
    /// The ids the encoder emits for this piece.
    pub ids: Vec<u32>,
}

impl Merges {
    /// The ids of one piece, appended to `out`.
    pub(crate) fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) {
        match self {
            Merges::Ranks(ranks) => {
                if let Some(&id) = ranks.get(piece) {
                    out.push(id);
                    return;
                }
                if piece.is_empty() {
                    return;
                }
                if piece.len() > LONG_PIECE {
                    out.extend(long_piece_merge(ranks, piece));
                    return;
                }
                let parts = byte_pair_merge(ranks, piece);
                // Every part is a token: single bytes all have ranks, merges only make tokens.
                out.extend(parts.windows(2).map(|w| ranks[&piece[w[0].0..w[1].0]]));
            }
            Merges::Pairs { pairs, byte_ids, whole } => {
                if let Some(id) = whole.as_ref().and_then(|w| w.get(piece)) {
                    out.push(*id);
                    return;
                }
                let mut ids: Vec<u32> = piece.iter().map(|&b| byte_ids[b as usize]).collect();
                merge_pairs(pairs, &mut ids);
                out.extend(ids);
            }
        }
    }

    /// The merges of one piece, step by step, with `token_bytes` giving each id's bytes.
    pub(crate) fn trace(&self, piece: &[u8], token_bytes: impl Fn(u32) -> Vec<u8>) -> PieceTrace {
        let mut parts: Vec<Vec<u8>> = piece.iter().map(|&b| vec![b]).collect();
        let mut ids: Vec<u32> = match self {
            Merges::Ranks(ranks) => piece.iter().map(|b| ranks[std::slice::from_ref(b)]).collect(),
            Merges::Pairs { byte_ids, .. } => piece.iter().map(|&b| byte_ids[b as usize]).collect(),
        };
        let mut steps = Vec::new();
        loop {
            let best = (0..parts.len().saturating_sub(1))
                .filter_map(|i| self.pair(&parts, &ids, i).map(|(rank, id)| (rank, i, id)))
                .min_by_key(|&(rank, i, _)| (rank, i));
            let Some((rank, i, id)) = best else { break };
            let right = parts.remove(i + 1);
            let left = std::mem::take(&mut parts[i]);
            parts[i] = [left.as_slice(), right.as_slice()].concat();
            ids.remove(i + 1);
            ids[i] = id;
            debug_assert_eq!(token_bytes(id), parts[i]);
            steps.push(MergeStep { left, right, rank, id, position: i, pieces: parts.clone() });
        }
        let whole = match self {
            Merges::Ranks(ranks) => ranks.get(piece).copied(),
            Merges::Pairs { whole, .. } => whole.as_ref().and_then(|w| w.get(piece).copied()),
        };
        let whole_piece = whole.is_some();
        PieceTrace {
            bytes: piece.to_vec(),
            steps,
            whole_piece,
            ids: whole.map_or(ids, |id| vec![id]),
        }
    }

    /// The priority and merged id of the pair starting at part `i`, if it merges at all.
    fn pair(&self, parts: &[Vec<u8>], ids: &[u32], i: usize) -> Option<(Rank, u32)> {
        match self {
            Merges::Ranks(ranks) => {
                let joined = [parts[i].as_slice(), parts[i + 1].as_slice()].concat();
                ranks.get(&joined).map(|&r| (r, r))
            }
            Merges::Pairs { pairs, .. } => pairs.get(&(ids[i], ids[i + 1])).copied(),
        }
    }
}

/// Pieces longer than this merge through a heap: tiktoken's loop rescans all parts after every
/// merge, quadratic in the piece length, and a pasted megabyte of one letter or of spaces is one
/// piece. Short pieces, nearly all of them, are faster with the plain scan.
const LONG_PIECE: usize = 128;

/// The same merges as [`byte_pair_merge`] in O(n log n): a min-heap of (rank, part start) pops
/// the lowest rank, leftmost first, as the scan picks it. An entry is stale once its part has
/// been merged away or its pair has changed; a pair's bytes only grow, so (rank, start) never
/// repeats and comparing the rank tells a live entry from a stale one.
fn long_piece_merge(ranks: &FxHashMap<Vec<u8>, Rank>, piece: &[u8]) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    let n = piece.len();
    let rank_of = |a: usize, b: usize| ranks.get(&piece[a..b]).copied().unwrap_or(Rank::MAX);
    // Parts are linked by start offset: part i covers piece[i..next[i]].
    let mut next: Vec<usize> = (1..=n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut alive = vec![true; n];
    let mut pair_rank: Vec<Rank> =
        (0..n).map(|i| if i + 2 <= n { rank_of(i, i + 2) } else { Rank::MAX }).collect();
    let mut heap: BinaryHeap<Reverse<(Rank, usize)>> =
        (0..n).filter(|&i| pair_rank[i] != Rank::MAX).map(|i| Reverse((pair_rank[i], i))).collect();
    while let Some(Reverse((rank, i))) = heap.pop() {
        if !alive[i] || pair_rank[i] != rank {
            continue;
        }
        // Merge part i with the part after it.
        let j = next[i];
        alive[j] = false;
        next[i] = next[j];
        if next[i] < n {
            prev[next[i]] = i;
        }
        pair_rank[i] = if next[i] < n { rank_of(i, next[next[i]]) } else { Rank::MAX };
        if pair_rank[i] != Rank::MAX {
            heap.push(Reverse((pair_rank[i], i)));
        }
        let p = prev[i];
        if p < n {
            pair_rank[p] = rank_of(p, next[i]);
            if pair_rank[p] != Rank::MAX {
                heap.push(Reverse((pair_rank[p], p)));
            }
        }
    }
    let mut ids = Vec::new();
    let mut i = 0;
    while i < n {
        ids.push(ranks[&piece[i..next[i]]]);
        i = next[i];
    }
    ids
}

/// tiktoken's merge loop: `parts` holds (start offset, rank of the pair starting here); the
/// lowest rank merges, and only the two neighbouring ranks need recomputing after each merge.
fn byte_pair_merge(ranks: &FxHashMap<Vec<u8>, Rank>, piece: &[u8]) -> Vec<(usize, Rank)> {
    let rank_of = |bytes: &[u8]| ranks.get(bytes).copied().unwrap_or(Rank::MAX);
    let mut parts: Vec<(usize, Rank)> = Vec::with_capacity(piece.len() + 1);
    let mut min = (Rank::MAX, usize::MAX);
    for i in 0..piece.len() - 1 {
        let rank = rank_of(&piece[i..i + 2]);
        if rank < min.0 {
            min = (rank, i);
        }
        parts.push((i, rank));
    }
    parts.push((piece.len() - 1, Rank::MAX));
    parts.push((piece.len(), Rank::MAX));

    // The rank of the pair that would start at part i once parts i and i+1 are merged.
    let merged_rank = |parts: &[(usize, Rank)], i: usize| {
        if i + 3 < parts.len() { rank_of(&piece[parts[i].0..parts[i + 3].0]) } else { Rank::MAX }
    };
    while min.0 != Rank::MAX {
        let i = min.1;
        if i > 0 {
            parts[i - 1].1 = merged_rank(&parts, i - 1);
        }
        parts[i].1 = merged_rank(&parts, i);
        parts.remove(i + 1);
        min = (Rank::MAX, usize::MAX);
        for (j, &(_, rank)) in parts[..parts.len() - 1].iter().enumerate() {
            if rank < min.0 {
                min = (rank, j);
            }
        }
    }
    parts
}

/// The `tokenizers` merge loop over ids: the pair with the lowest priority merges, leftmost first.
fn merge_pairs(pairs: &FxHashMap<(u32, u32), (Rank, u32)>, ids: &mut Vec<u32>) {
    loop {
        let mut best: Option<(Rank, usize, u32)> = None;
        for i in 0..ids.len().saturating_sub(1) {
            if let Some(&(rank, id)) = pairs.get(&(ids[i], ids[i + 1]))
                && best.is_none_or(|(r, _, _)| rank < r)
            {
                best = Some((rank, i, id));
            }
        }
        let Some((_, i, id)) = best else { return };
        ids[i] = id;
        ids.remove(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heap merge against tiktoken's scan on long pieces of real text and repeats.
    #[test]
    fn tokenizer_long_piece_merge_equals_scan() {
        let path = crate::repo_file("public/tokenizers/cl100k_base.tiktoken");
        let ranks =
            crate::tokenizer::tiktoken::parse_rank_file(&std::fs::read(path).unwrap()).unwrap();
        let scan = |piece: &[u8]| -> Vec<u32> {
            let parts = byte_pair_merge(&ranks, piece);
            parts.windows(2).map(|w| ranks[&piece[w[0].0..w[1].0]]).collect()
        };
        let mut cases: Vec<Vec<u8>> = vec![
            b"a".repeat(1000),
            b" ".repeat(777),
            b"ab".repeat(300),
            "Donaudampfschifffahrtsgesellschaftskapitän".repeat(20).into_bytes(),
            "日本語のテキスト".repeat(40).into_bytes(),
            "😀👍🏽".repeat(50).into_bytes(),
            b"\n".repeat(200),
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in [2usize, 3, 5, 130, 400, 1500] {
            let mut piece = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                piece.push(b"etaoinshrdlu EIO"[(state % 16) as usize]);
            }
            cases.push(piece);
        }
        for piece in cases {
            assert_eq!(
                long_piece_merge(&ranks, &piece),
                scan(&piece),
                "{:?}",
                String::from_utf8_lossy(&piece)
            );
        }
    }
}
