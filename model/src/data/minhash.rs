//! MinHash near-duplicate detection (Broder, 1997) with locality-sensitive hashing, configured as
//! in FineWeb: 5-word shingles, 112 hash functions in 14 bands of 8 rows, so that pairs with
//! Jaccard similarity 0.75 collide in some band with probability ~0.77 and pairs at 0.5 only ~0.05.

use rustc_hash::FxHashMap;

/// MinHash parameters.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MinHashConfig {
    /// Words per shingle.
    pub shingle: usize,
    /// LSH bands and rows per band (the signature has bands × rows hashes).
    pub bands: usize,
    pub rows: usize,
    /// Seed of the hash family.
    pub seed: u64,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        Self { shingle: 5, bands: 14, rows: 8, seed: 0x5eed_7ab1e }
    }
}

/// The Mersenne prime 2^61 − 1: universal hashing `(a·x + b) mod p` stays exact in u128.
const P: u64 = (1 << 61) - 1;

/// A seeded family of hash functions and the signatures it computes.
#[derive(Debug, Clone)]
pub struct MinHasher {
    cfg: MinHashConfig,
    coeffs: Vec<(u64, u64)>,
}

impl MinHasher {
    pub fn new(cfg: MinHashConfig) -> Self {
        let mut state = cfg.seed;
        let coeffs = (0..cfg.bands * cfg.rows)
            .map(|_| (1 + splitmix(&mut state) % (P - 1), splitmix(&mut state) % P))
            .collect();
        Self { cfg, coeffs }
    }

    /// The MinHash signature of `text` over its word shingles (lower-cased, punctuation kept).
    pub fn signature(&self, text: &str) -> Vec<u64> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let k = self.cfg.shingle.min(words.len()).max(1);
        let shingles: Vec<u64> = if words.is_empty() {
            vec![fnv1a(b"")]
        } else {
            words.windows(k).map(|w| fnv1a(w.join(" ").as_bytes()) % P).collect()
        };
        self.coeffs
            .iter()
            .map(|&(a, b)| {
                shingles
                    .iter()
                    .map(|&x| ((a as u128 * x as u128 + b as u128) % P as u128) as u64)
                    .min()
                    .unwrap_or(u64::MAX)
            })
            .collect()
    }

    /// Groups documents into near-duplicate clusters: returns, for each document, the index of
    /// the first document of its cluster (itself if it is kept).
    pub fn cluster(&self, signatures: &[Vec<u64>]) -> Vec<usize> {
        let mut parent: Vec<usize> = (0..signatures.len()).collect();
        for band in 0..self.cfg.bands {
            let mut buckets: FxHashMap<&[u64], usize> = FxHashMap::default();
            for (i, sig) in signatures.iter().enumerate() {
                let key = &sig[band * self.cfg.rows..(band + 1) * self.cfg.rows];
                match buckets.get(key) {
                    Some(&j) => union(&mut parent, i, j),
                    None => {
                        buckets.insert(key, i);
                    }
                }
            }
        }
        (0..signatures.len()).map(|i| find(&mut parent, i)).collect()
    }
}

/// Estimated Jaccard similarity: the share of equal signature entries.
pub fn similarity(a: &[u64], b: &[u64]) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / a.len().max(1) as f32
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Joins two clusters under the smaller index so the earliest document is the one kept.
fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
    parent[hi] = lo;
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: stable across platforms and releases, unlike std's `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "The Python FAQ answers common questions about the language, its design and \
its history, and explains why some choices were made the way they were, with examples for each \
answer and links to the reference manual for further reading on every topic it covers.";

    #[test]
    fn finds_near_duplicates_and_keeps_distinct_texts() {
        let h = MinHasher::new(MinHashConfig::default());
        let near = A.replace("common questions", "frequent questions");
        let other = "Call me Ishmael. Some years ago, never mind how long precisely, having little \
or no money in my purse, and nothing particular to interest me on shore, I thought I would sail \
about a little and see the watery part of the world.";
        let sigs: Vec<Vec<u64>> =
            [A, other, near.as_str(), A].iter().map(|t| h.signature(t)).collect();
        assert!(similarity(&sigs[0], &sigs[2]) > 0.6);
        assert!(similarity(&sigs[0], &sigs[1]) < 0.1);
        assert_eq!(h.cluster(&sigs), vec![0, 1, 0, 0]);
    }

    #[test]
    fn signatures_are_deterministic_and_seeded() {
        let a = MinHasher::new(MinHashConfig::default()).signature(A);
        assert_eq!(a, MinHasher::new(MinHashConfig::default()).signature(A));
        let other_seed = MinHasher::new(MinHashConfig { seed: 1, ..MinHashConfig::default() });
        assert_ne!(a, other_seed.signature(A));
    }
}
