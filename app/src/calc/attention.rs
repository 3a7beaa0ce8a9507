//! One attention head on small vectors: scores, scaling, softmax, and the weighted mix of values.

use super::softmax::softmax;

/// Every intermediate of `softmax(Q·Kᵀ / √d_k) · V` for one head, with a causal mask.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// `Q·Kᵀ`, (T, T); masked entries are `None`.
    pub scores: Vec<Vec<Option<f64>>>,
    /// The scores divided by `√d_k`.
    pub scaled: Vec<Vec<Option<f64>>>,
    /// Softmax of each row over the visible keys, (T, T); masked entries are 0.
    pub probs: Vec<Vec<f64>>,
    /// `probs · V`, (T, d_v).
    pub out: Vec<Vec<f64>>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Runs the head. Query t sees keys `0..=t`. All rows of `q` and `k` have length d_k.
pub fn head(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Head {
    let t = q.len();
    let dk = q.first().map_or(1, Vec::len).max(1) as f64;
    let scores: Vec<Vec<Option<f64>>> =
        (0..t).map(|i| (0..t).map(|j| (j <= i).then(|| dot(&q[i], &k[j]))).collect()).collect();
    let scaled: Vec<Vec<Option<f64>>> =
        scores.iter().map(|r| r.iter().map(|s| s.map(|x| x / dk.sqrt())).collect()).collect();
    let probs: Vec<Vec<f64>> = scaled
        .iter()
        .map(|r| {
            let seen: Vec<f64> = r.iter().flatten().copied().collect();
            let p = softmax(&seen);
            (0..t).map(|j| p.get(j).copied().unwrap_or(0.0)).collect()
        })
        .collect();
    let dv = v.first().map_or(0, Vec::len);
    let out = probs
        .iter()
        .map(|p| (0..dv).map(|c| p.iter().zip(v).map(|(w, row)| w * row[c]).sum()).collect())
        .collect();
    Head { scores, scaled, probs, out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_tokens_by_hand() {
        let q = vec![vec![1.0, 0.0], vec![0.0, 2.0]];
        let k = vec![vec![1.0, 1.0], vec![0.0, 1.0]];
        let v = vec![vec![10.0, 0.0], vec![0.0, 10.0]];
        let h = head(&q, &k, &v);
        assert_eq!(h.scores[0], vec![Some(1.0), None]);
        assert_eq!(h.scores[1], vec![Some(2.0), Some(2.0)]);
        assert!((h.scaled[1][0].unwrap() - 2.0 / 2f64.sqrt()).abs() < 1e-12);
        // The first token sees only itself; the second splits evenly between equal scores.
        assert_eq!(h.probs[0], vec![1.0, 0.0]);
        assert!((h.probs[1][0] - 0.5).abs() < 1e-12);
        assert_eq!(h.out[0], vec![10.0, 0.0]);
        assert!((h.out[1][0] - 5.0).abs() < 1e-12 && (h.out[1][1] - 5.0).abs() < 1e-12);
    }
}
