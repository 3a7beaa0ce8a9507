//! Vectors as geometry: cosine similarity, nearest neighbours, word-vector analogies
//! (Mikolov et al. 2013's "3CosAdd": king − man + woman ≈ queen) and a 2-D principal component
//! projection, on plain `f32` rows; plus the compact float16 word-vector file the page downloads
//! (`public/vectors/`, written by `scripts/glove-subset.py`).
//!
//! No tensor library: the page runs these on GloVe vectors and the engine worker on the
//! Tumbler's embedding matrix.

use rustc_hash::FxHashMap;

/// The first bytes of a word-vector file.
pub const MAGIC: &[u8; 4] = b"TGV1";

/// Cosine of the angle between `a` and `b`: 1 same direction, 0 unrelated, −1 opposite (0 when
/// either is the zero vector).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "cosine of vectors of different lengths");
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = norm(a);
    let nb = norm(b);
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

/// Euclidean length.
pub fn norm(a: &[f32]) -> f32 {
    a.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// `rows` (n rows of `dims`) scaled to unit length; zero rows stay zero.
pub fn unit_rows(rows: &[f32], dims: usize) -> Vec<f32> {
    let mut out = rows.to_vec();
    for row in out.chunks_mut(dims) {
        let n = norm(row);
        if n > 0.0 {
            row.iter_mut().for_each(|x| *x /= n);
        }
    }
    out
}

/// One neighbour: a row index and its cosine with the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Row index.
    pub index: usize,
    /// Cosine similarity with the query.
    pub cosine: f32,
}

/// The `k` rows of `unit` (unit-length rows of `dims`) most similar to `query` by cosine, best
/// first, skipping the indices in `exclude` (ties: smaller index first).
pub fn nearest(
    unit: &[f32],
    dims: usize,
    query: &[f32],
    k: usize,
    exclude: &[usize],
) -> Vec<Neighbour> {
    assert_eq!(query.len(), dims, "query length");
    let qn = norm(query);
    if qn == 0.0 {
        return Vec::new();
    }
    let mut best: Vec<Neighbour> = Vec::with_capacity(k + 1);
    for (index, row) in unit.chunks_exact(dims).enumerate() {
        if exclude.contains(&index) {
            continue;
        }
        let cosine = row.iter().zip(query).map(|(x, y)| x * y).sum::<f32>() / qn;
        if best.len() == k && best.last().is_some_and(|w| cosine <= w.cosine) {
            continue;
        }
        let at = best.partition_point(|n| n.cosine >= cosine);
        best.insert(at, Neighbour { index, cosine });
        best.truncate(k);
    }
    best
}

/// A 2-D principal component projection of n rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// (x, y) per row: its coordinates along the first two principal components.
    pub points: Vec<[f32; 2]>,
    /// The share of the total variance each of the two components explains.
    pub explained: [f32; 2],
}

/// Projects n rows of `dims` onto their first two principal components: the covariance matrix's
/// top eigenvectors, found by power iteration with deflation (deterministic start, fixed sign:
/// the largest coordinate of each component is positive).
pub fn pca_2d(rows: &[f32], dims: usize) -> Projection {
    assert!(dims > 0 && rows.len().is_multiple_of(dims), "rows are not a multiple of dims");
    let n = rows.len() / dims;
    let mut mean = vec![0f64; dims];
    for row in rows.chunks_exact(dims) {
        mean.iter_mut().zip(row).for_each(|(m, &x)| *m += f64::from(x));
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    // (dims, dims), accumulated in f64: thousands of rows of small numbers.
    let mut cov = vec![0f64; dims * dims];
    let mut centred = vec![0f64; dims];
    for row in rows.chunks_exact(dims) {
        centred.iter_mut().zip(row).zip(&mean).for_each(|((c, &x), m)| *c = f64::from(x) - m);
        for i in 0..dims {
            let ci = centred[i];
            let line = &mut cov[i * dims..(i + 1) * dims];
            line.iter_mut().zip(&centred).for_each(|(v, &cj)| *v += ci * cj);
        }
    }
    let denom = (n.max(2) - 1) as f64;
    cov.iter_mut().for_each(|v| *v /= denom);
    let total: f64 = (0..dims).map(|i| cov[i * dims + i]).sum();

    let mut components = Vec::with_capacity(2);
    let mut explained = [0f32; 2];
    for share in explained.iter_mut() {
        let (vector, value) = top_eigen(&cov, dims);
        *share = if total > 0.0 { (value / total) as f32 } else { 0.0 };
        // Deflate: remove this component so the next iteration finds the one after it.
        for i in 0..dims {
            for j in 0..dims {
                cov[i * dims + j] -= value * vector[i] * vector[j];
            }
        }
        components.push(vector);
    }
    let points = rows
        .chunks_exact(dims)
        .map(|row| {
            let along = |v: &[f64]| {
                row.iter().zip(&mean).zip(v).map(|((&x, m), w)| (f64::from(x) - m) * w).sum::<f64>()
                    as f32
            };
            [along(&components[0]), along(&components[1])]
        })
        .collect();
    Projection { points, explained }
}

/// The eigenvector with the largest eigenvalue of a symmetric positive semi-definite matrix,
/// and that eigenvalue.
fn top_eigen(m: &[f64], dims: usize) -> (Vec<f64>, f64) {
    let mut v: Vec<f64> = (0..dims).map(|i| 1.0 + (i as f64 * 0.618).fract()).collect();
    normalise(&mut v);
    let mut value = 0.0;
    for _ in 0..500 {
        let mut next = vec![0f64; dims];
        for i in 0..dims {
            next[i] = m[i * dims..(i + 1) * dims].iter().zip(&v).map(|(a, b)| a * b).sum();
        }
        let len = normalise(&mut next);
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        value = len;
        if len == 0.0 || change < 1e-10 {
            break;
        }
    }
    let largest =
        v.iter().copied().fold(0f64, |best, x| if x.abs() > best.abs() { x } else { best });
    if largest < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    (v, value)
}

fn normalise(v: &mut [f64]) -> f64 {
    let len = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if len > 0.0 {
        v.iter_mut().for_each(|x| *x /= len);
    }
    len
}

/// Why a word-vector file was rejected.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VectorsError {
    /// It does not start with [`MAGIC`].
    #[error("not a word-vector file (it does not start with TGV1)")]
    Magic,
    /// It is shorter or longer than its header says.
    #[error(
        "the file is {actual} bytes but its header describes {expected}: it is truncated or corrupt"
    )]
    Length {
        /// Bytes the header describes.
        expected: usize,
        /// Bytes there are.
        actual: usize,
    },
    /// The word list is not UTF-8 or does not hold the stated number of words.
    #[error("the word list is corrupt: {0}")]
    Words(String),
    /// A value is NaN or infinite.
    #[error("vector {row} holds a value that is not a finite number")]
    NotFinite {
        /// The word's row.
        row: usize,
    },
}

/// Word vectors: a vocabulary and one unit-length row per word.
#[derive(Debug, Clone)]
pub struct WordVectors {
    words: Vec<String>,
    index: FxHashMap<String, usize>,
    dims: usize,
    /// (n, dims), each row scaled to unit length.
    unit: Vec<f32>,
}

/// An analogy query `a − b + c` failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AnalogyError {
    /// Words missing from the vocabulary.
    #[error("not in the {size}-word vocabulary: {}", .words.join(", "))]
    Unknown {
        /// The words that are not there, as typed.
        words: Vec<String>,
        /// How many words the vocabulary has.
        size: usize,
    },
    /// A word was left empty.
    #[error("type a word in each box")]
    Empty,
}

impl WordVectors {
    /// Builds from words and their rows (any length; they are scaled to unit length).
    ///
    /// # Panics
    /// If `rows` does not hold `words.len() × dims` values.
    pub fn new(words: Vec<String>, dims: usize, rows: &[f32]) -> Self {
        assert_eq!(rows.len(), words.len() * dims, "rows vs words × dims");
        let index = words.iter().enumerate().map(|(i, w)| (w.clone(), i)).collect();
        Self { words, index, dims, unit: unit_rows(rows, dims) }
    }

    /// Reads a `TGV1` file: magic, then little-endian u32 word count n, dims d and word-list
    /// length L, then L bytes of UTF-8 words separated by `\n`, then n × d float16 values, row
    /// by row.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VectorsError> {
        if bytes.len() < 16 || &bytes[..4] != MAGIC {
            return Err(VectorsError::Magic);
        }
        let u32_at =
            |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let (n, dims, list) = (u32_at(4), u32_at(8), u32_at(12));
        let expected = n
            .checked_mul(dims)
            .and_then(|v| v.checked_mul(2))
            .and_then(|v| v.checked_add(16 + list))
            .unwrap_or(usize::MAX);
        if expected != bytes.len() || dims == 0 {
            return Err(VectorsError::Length { expected, actual: bytes.len() });
        }
        let text = std::str::from_utf8(&bytes[16..16 + list])
            .map_err(|e| VectorsError::Words(e.to_string()))?;
        let words: Vec<String> = text.split('\n').map(str::to_string).collect();
        if words.len() != n {
            return Err(VectorsError::Words(format!("{} words, the header says {n}", words.len())));
        }
        let values = &bytes[16 + list..];
        let rows: Vec<f32> =
            values.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect();
        if let Some(at) = rows.iter().position(|x| !x.is_finite()) {
            return Err(VectorsError::NotFinite { row: at / dims });
        }
        let vectors = Self::new(words, dims, &rows);
        if vectors.index.len() != n {
            return Err(VectorsError::Words("a word appears twice".into()));
        }
        Ok(vectors)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Numbers per vector.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The word at row `i`.
    pub fn word(&self, i: usize) -> &str {
        &self.words[i]
    }

    /// The row of `word` (lower-cased, trimmed), if it is in the vocabulary.
    pub fn find(&self, word: &str) -> Option<usize> {
        self.index.get(word.trim().to_lowercase().as_str()).copied()
    }

    /// Row `i`, at unit length.
    pub fn unit(&self, i: usize) -> &[f32] {
        &self.unit[i * self.dims..(i + 1) * self.dims]
    }

    /// The `k` words nearest to `query` by cosine, skipping `exclude`.
    pub fn nearest(&self, query: &[f32], k: usize, exclude: &[usize]) -> Vec<Neighbour> {
        nearest(&self.unit, self.dims, query, k, exclude)
    }

    /// A text as one unit vector: the weighted mean of its known words' unit rows, each word
    /// weighted a / (a + p(w)) with a = 10⁻³ (Arora et al., 2017, "smooth inverse frequency"),
    /// so "the" and "of" count for little. p(w) is estimated from the word's row, as GloVe's
    /// rows are in order of frequency: Zipf's law, p ≈ 1 / ((rank + 1) · H) with H ≈ 13.5 (the
    /// harmonic number of GloVe's 400,000 words). `None` when no word of the text is known.
    pub fn embed_text(&self, text: &str) -> Option<Vec<f32>> {
        const A: f64 = 1e-3;
        const H: f64 = 13.5;
        let mut sum = vec![0.0f64; self.dims];
        let mut known = false;
        for word in text.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            let Some(i) = self.find(word.trim_matches('\'')).filter(|_| !word.is_empty()) else {
                continue;
            };
            let p = 1.0 / ((i as f64 + 1.0) * H);
            let weight = A / (A + p);
            for (s, &x) in sum.iter_mut().zip(self.unit(i)) {
                *s += weight * f64::from(x);
            }
            known = true;
        }
        let norm = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
        (known && norm > 0.0).then(|| sum.iter().map(|&x| (x / norm) as f32).collect())
    }

    /// `a − b + c` on unit-length vectors and its `k` nearest words, leaving out the three
    /// inputs (as word2vec's and gensim's `most_similar` do): king − man + woman → queen.
    pub fn analogy(
        &self,
        a: &str,
        b: &str,
        c: &str,
        k: usize,
    ) -> Result<Vec<Neighbour>, AnalogyError> {
        if [a, b, c].iter().any(|w| w.trim().is_empty()) {
            return Err(AnalogyError::Empty);
        }
        let found: Vec<Option<usize>> = [a, b, c].iter().map(|w| self.find(w)).collect();
        let unknown: Vec<String> = [a, b, c]
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(w, _)| w.trim().to_string())
            .collect();
        if !unknown.is_empty() {
            return Err(AnalogyError::Unknown { words: unknown, size: self.len() });
        }
        let [ia, ib, ic] = [found[0].unwrap_or(0), found[1].unwrap_or(0), found[2].unwrap_or(0)];
        let target: Vec<f32> = (0..self.dims)
            .map(|d| self.unit(ia)[d] - self.unit(ib)[d] + self.unit(ic)[d])
            .collect();
        Ok(self.nearest(&target, k, &[ia, ib, ic]))
    }
}

/// IEEE 754 half precision to single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: value = frac × 2^-24.
            let v = frac as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (frac << 13),
        _ => sign | ((exp + 112) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_known_vectors() {
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        assert!(close(cosine(&[1.0, 0.0], &[2.0, 0.0]), 1.0));
        assert!(close(cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0));
        assert!(close(cosine(&[1.0, 1.0], &[-1.0, -1.0]), -1.0));
        assert!(close(cosine(&[1.0, 0.0], &[1.0, 1.0]), std::f32::consts::FRAC_1_SQRT_2));
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn nearest_sorts_by_cosine_and_skips_excluded() {
        let rows = unit_rows(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, -1.0, 0.0], 2);
        let n = nearest(&rows, 2, &[1.0, 0.2], 3, &[]);
        let order: Vec<usize> = n.iter().map(|x| x.index).collect();
        assert_eq!(order, [0, 2, 1]);
        assert!(n[0].cosine > n[1].cosine && n[1].cosine > n[2].cosine);
        let skipped: Vec<usize> =
            nearest(&rows, 2, &[1.0, 0.2], 2, &[0]).iter().map(|x| x.index).collect();
        assert_eq!(skipped, [2, 1]);
    }

    /// Four words in a toy space where gender and royalty are two axes.
    fn toy() -> WordVectors {
        let words = ["king", "queen", "man", "woman", "apple"].map(String::from).to_vec();
        #[rustfmt::skip]
        let rows = [
            1.0, 1.0, 0.1,  // king: royal, male
            1.0, -1.0, 0.1, // queen: royal, female
            0.0, 1.0, 0.1,  // man
            0.0, -1.0, 0.1, // woman
            0.0, 0.0, 1.0,  // apple
        ];
        WordVectors::new(words, 3, &rows)
    }

    #[test]
    fn analogy_finds_queen_and_leaves_out_its_inputs() {
        let v = toy();
        let top = v.analogy("king", "man", "woman", 2).unwrap();
        assert_eq!(v.word(top[0].index), "queen");
        assert!(top[0].cosine > 0.9, "{top:?}");
        assert!(top.iter().all(|n| !["king", "man", "woman"].contains(&v.word(n.index))));
        assert_eq!(v.analogy(" King ", "MAN", "woman", 1).unwrap()[0].index, 1);
    }

    #[test]
    fn analogy_names_unknown_words() {
        let err = toy().analogy("king", "zzyzx", "qwerty", 3).unwrap_err();
        assert_eq!(
            err,
            AnalogyError::Unknown { words: vec!["zzyzx".into(), "qwerty".into()], size: 5 }
        );
        assert_eq!(err.to_string(), "not in the 5-word vocabulary: zzyzx, qwerty");
        assert_eq!(toy().analogy("king", " ", "woman", 3).unwrap_err(), AnalogyError::Empty);
    }

    #[test]
    fn pca_finds_the_axis_of_largest_spread() {
        // Points along (1, 1) with a little spread along (1, −1).
        let mut rows = Vec::new();
        for i in -5..=5 {
            let t = i as f32;
            let s = if i % 2 == 0 { 0.1 } else { -0.1 };
            rows.extend([t + s, t - s]);
        }
        let p = pca_2d(&rows, 2);
        assert!(p.explained[0] > 0.99, "{:?}", p.explained);
        assert!((p.explained[0] + p.explained[1] - 1.0).abs() < 1e-4);
        // The first coordinate follows t·√2, in order.
        for (i, pt) in p.points.iter().enumerate() {
            let t = i as f32 - 5.0;
            assert!((pt[0] - t * std::f32::consts::SQRT_2).abs() < 1e-3, "{i}: {pt:?}");
            assert!(pt[1].abs() < 0.2);
        }
    }

    #[test]
    fn f16_conversion() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x8000), -0.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    /// A `TGV1` file of `words` with every value `value` (as float16 bits).
    fn file(words: &[&str], dims: usize, value: u16) -> Vec<u8> {
        let list = words.join("\n");
        let mut out = MAGIC.to_vec();
        for v in [words.len(), dims, list.len()] {
            out.extend((v as u32).to_le_bytes());
        }
        out.extend(list.as_bytes());
        for _ in 0..words.len() * dims {
            out.extend(value.to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_a_file_and_rejects_corrupt_ones() {
        let good = file(&["a", "b"], 3, 0x3c00);
        let v = WordVectors::from_bytes(&good).unwrap();
        assert_eq!((v.len(), v.dims(), v.word(1)), (2, 3, "b"));
        assert!((norm(v.unit(0)) - 1.0).abs() < 1e-6);

        assert_eq!(
            WordVectors::from_bytes(b"<!doctype html>...").unwrap_err(),
            VectorsError::Magic
        );
        let cut = &good[..good.len() - 1];
        assert_eq!(
            WordVectors::from_bytes(cut).unwrap_err(),
            VectorsError::Length { expected: good.len(), actual: good.len() - 1 }
        );
        assert!(
            WordVectors::from_bytes(cut).unwrap_err().to_string().contains("truncated or corrupt")
        );
        let nan = file(&["a", "b"], 3, 0x7e00);
        assert_eq!(WordVectors::from_bytes(&nan).unwrap_err(), VectorsError::NotFinite { row: 0 });
        let twice = file(&["a", "a"], 3, 0x3c00);
        assert!(matches!(WordVectors::from_bytes(&twice), Err(VectorsError::Words(_))));
        let mut bad_utf8 = good.clone();
        bad_utf8[16] = 0xff;
        assert!(matches!(WordVectors::from_bytes(&bad_utf8), Err(VectorsError::Words(_))));
    }
}

#[cfg(test)]
mod glove {
    use super::*;

    /// The subset the page downloads: king − man + woman must land on queen.
    #[test]
    fn the_published_glove_subset_does_the_classic_analogy() {
        let path = crate::repo_file("public/vectors/glove-20k-50d.tgv");
        let bytes = std::fs::read(path).expect("public/vectors/glove-20k-50d.tgv");
        let v = WordVectors::from_bytes(&bytes).unwrap();
        assert_eq!((v.len(), v.dims()), (20_000, 50));
        let top = v.analogy("king", "man", "woman", 5).unwrap();
        assert_eq!(v.word(top[0].index), "queen", "{top:?}");
        // gensim on the float32 vectors gives 0.8524; float16 moves it by less than 0.001.
        assert!((top[0].cosine - 0.852).abs() < 0.002, "{}", top[0].cosine);
        let paris = v.analogy("paris", "france", "italy", 1).unwrap();
        assert_eq!(v.word(paris[0].index), "rome");
    }

    /// Text embeddings: a one-word text is that word's row; frequent words weigh little;
    /// texts on one subject are closer than texts on two.
    #[test]
    fn text_embeddings_weigh_rare_words_and_group_subjects() {
        let bytes = std::fs::read(crate::repo_file("public/vectors/glove-20k-50d.tgv")).unwrap();
        let v = WordVectors::from_bytes(&bytes).unwrap();
        let king = v.embed_text("King!").unwrap();
        assert!((cosine(&king, v.unit(v.find("king").unwrap())) - 1.0).abs() < 1e-5);
        assert!(v.embed_text("zzqx ---").is_none());
        assert!(v.embed_text("").is_none());
        // "the" (row 0) barely moves "the king".
        assert!(cosine(&v.embed_text("the the the king").unwrap(), &king) > 0.95);
        let e = |t: &str| v.embed_text(t).unwrap();
        let (q, sports, money) = (
            e("which team won the football match"),
            e("the players scored two goals in the final game"),
            e("the bank raised interest rates on loans"),
        );
        assert!(
            cosine(&q, &sports) > cosine(&q, &money) + 0.1,
            "{} vs {}",
            cosine(&q, &sports),
            cosine(&q, &money)
        );
    }
}
