//! Retrieval for the RAG chapter: BM25 keyword scores (Robertson & Zaragoza 2009) and cosine
//! similarity of TF-IDF vectors, over a small corpus held in memory.

use std::collections::HashMap;

/// Words too common to help tell passages apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "in", "into", "is", "it", "its", "of", "on", "or", "so", "than", "that", "the", "their",
    "them", "then", "they", "this", "to", "was", "what", "when", "which", "who", "why", "with",
    "you", "your",
];

/// Lower-cased alphanumeric words, stop words removed, a plural "s" trimmed.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

/// An index over documents, built once.
#[derive(Clone, Debug)]
pub struct Index {
    docs: Vec<HashMap<String, f64>>,
    lengths: Vec<f64>,
    avg_len: f64,
    df: HashMap<String, f64>,
}

/// BM25's term-frequency saturation.
pub const K1: f64 = 1.5;
/// BM25's length normalisation.
pub const B: f64 = 0.75;

impl Index {
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut df: HashMap<String, f64> = HashMap::new();
        let mut out = Vec::new();
        let mut lengths = Vec::new();
        for d in docs {
            let t = terms(d);
            lengths.push(t.len() as f64);
            let mut tf: HashMap<String, f64> = HashMap::new();
            for w in t {
                *tf.entry(w).or_default() += 1.0;
            }
            for w in tf.keys() {
                *df.entry(w.clone()).or_default() += 1.0;
            }
            out.push(tf);
        }
        let avg_len = if lengths.is_empty() {
            0.0
        } else {
            lengths.iter().sum::<f64>() / lengths.len() as f64
        };
        Index { docs: out, lengths, avg_len, df }
    }

    /// Number of documents indexed.
    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    fn n(&self) -> f64 {
        self.docs.len() as f64
    }

    /// BM25's idf: ln((N − df + 0.5)/(df + 0.5) + 1), never negative.
    pub fn bm25_idf(&self, term: &str) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0.0);
        ((self.n() - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// The BM25 score of document `i` for `query`.
    pub fn bm25(&self, query: &str, i: usize) -> f64 {
        let len_norm = 1.0 - B + B * self.lengths[i] / self.avg_len.max(1e-9);
        terms(query)
            .iter()
            .map(|q| {
                let tf = self.docs[i].get(q).copied().unwrap_or(0.0);
                self.bm25_idf(q) * tf * (K1 + 1.0) / (tf + K1 * len_norm)
            })
            .sum()
    }

    /// Smoothed idf for TF-IDF vectors: ln((1 + N)/(1 + df)) + 1.
    fn tfidf_idf(&self, term: &str) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0.0);
        ((1.0 + self.n()) / (1.0 + df)).ln() + 1.0
    }

    fn tfidf(&self, tf: &HashMap<String, f64>) -> HashMap<String, f64> {
        tf.iter().map(|(w, c)| (w.clone(), c * self.tfidf_idf(w))).collect()
    }

    /// Cosine similarity between the TF-IDF vectors of `query` and document `i`.
    pub fn cosine(&self, query: &str, i: usize) -> f64 {
        let mut qtf: HashMap<String, f64> = HashMap::new();
        for w in terms(query) {
            *qtf.entry(w).or_default() += 1.0;
        }
        let q = self.tfidf(&qtf);
        let d = self.tfidf(&self.docs[i]);
        let dot: f64 = q.iter().map(|(w, v)| v * d.get(w).copied().unwrap_or(0.0)).sum();
        let nq = q.values().map(|v| v * v).sum::<f64>().sqrt();
        let nd = d.values().map(|v| v * v).sum::<f64>().sqrt();
        if nq == 0.0 || nd == 0.0 { 0.0 } else { dot / (nq * nd) }
    }
}

/// One retrieved document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub doc: usize,
    pub bm25: f64,
    pub cosine: f64,
    /// Cosine between the question's and the document's word-vector embeddings, where given.
    pub embedding: Option<f64>,
}

/// Which score ranks the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ranking {
    Bm25,
    Cosine,
    /// By `embedding`: documents that share no word with the question can rank too.
    Embedding,
}

/// The `k` best documents, best first (ties by document order): with a positive keyword score,
/// or, ranked by embedding, every document that has one. `embedding[i]` is document i's cosine
/// with the question (word vectors), where the caller has them.
pub fn top_k(
    index: &Index,
    query: &str,
    k: usize,
    by: Ranking,
    embedding: Option<&[Option<f64>]>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = (0..index.doc_count())
        .map(|i| Hit {
            doc: i,
            bm25: index.bm25(query, i),
            cosine: index.cosine(query, i),
            embedding: embedding.and_then(|e| e.get(i).copied().flatten()),
        })
        .filter(|h| match by {
            Ranking::Embedding => h.embedding.is_some(),
            _ => h.bm25 > 0.0 || h.cosine > 0.0,
        })
        .collect();
    let key = |h: &Hit| match by {
        Ranking::Bm25 => h.bm25,
        Ranking::Cosine => h.cosine,
        Ranking::Embedding => h.embedding.unwrap_or(f64::NEG_INFINITY),
    };
    hits.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.doc.cmp(&b.doc)));
    hits.truncate(k);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: [&str; 3] = ["cat sat mat", "dog sat log", "cat cat purr"];

    #[test]
    fn terms_drop_stop_words_and_plurals() {
        assert_eq!(terms("The Cats are on the MATS!"), vec!["cat", "mat"]);
        assert_eq!(terms("glass"), vec!["glass"]);
    }

    #[test]
    fn bm25_by_hand() {
        let ix = Index::new(DOCS);
        // "cat": N = 3, df = 2 → idf = ln(1.5/2.5 + 1) = ln 1.6 = 0.470004.
        assert!((ix.bm25_idf("cat") - 1.6f64.ln()).abs() < 1e-12);
        // Doc 0: tf = 1, length 3 = average → 0.470004 · 2.5 / 2.5 = 0.470004.
        assert!((ix.bm25("cat", 0) - 0.470_004).abs() < 1e-6);
        // Doc 2: tf = 2 → 0.470004 · 2 · 2.5 / 3.5 = 0.671434.
        assert!((ix.bm25("cat", 2) - 0.671_434).abs() < 1e-6);
        assert_eq!(ix.bm25("cat", 1), 0.0);
    }

    #[test]
    fn cosine_by_hand() {
        let ix = Index::new(DOCS);
        // idf(cat) = ln(4/3)+1 = 1.287682, idf(sat) = 1.287682, idf(mat) = ln 2 + 1 = 1.693147.
        // Query "cat" is one axis; doc 0 = (1.287682, 1.287682, 1.693147): cos = 1.287682 / 2.486563 = 0.517856.
        let c = ix.cosine("cat", 0);
        assert!((c - 0.517_856).abs() < 1e-6, "{c}");
        assert!((ix.cosine("cat purr cat", 2) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn top_k_orders_and_cuts() {
        let ix = Index::new(DOCS);
        let hits = top_k(&ix, "cat", 5, Ranking::Bm25, None);
        assert_eq!(hits.iter().map(|h| h.doc).collect::<Vec<_>>(), vec![2, 0]);
        assert_eq!(top_k(&ix, "cat", 1, Ranking::Cosine, None).len(), 1);
        assert!(top_k(&ix, "zebra", 3, Ranking::Bm25, None).is_empty());
        // By embedding, a document with no shared word still ranks, by its given score.
        let scores = [Some(0.1), Some(0.9), None];
        let by_vectors = top_k(&ix, "zebra", 3, Ranking::Embedding, Some(&scores));
        assert_eq!(by_vectors.iter().map(|h| h.doc).collect::<Vec<_>>(), [1, 0]);
        assert_eq!(by_vectors[0].embedding, Some(0.9));
    }
}
