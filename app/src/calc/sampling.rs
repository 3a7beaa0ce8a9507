//! Temperature, top-k and top-p applied to a distribution, showing which tokens stay in play.

use super::softmax::softmax;

/// One candidate after reshaping.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Index into the original logits.
    pub index: usize,
    /// Softmax of logits / T, before any cut.
    pub tempered: f64,
    /// Whether top-k and top-p keep it.
    pub kept: bool,
    /// Its probability after the cut and renormalisation (0 if dropped).
    pub prob: f64,
}

/// Divides logits by `temperature` (T ≤ 0 means greedy: only the top token), keeps the `top_k`
/// most likely (0 = no limit), then the smallest top set whose mass reaches `top_p`, and
/// renormalises. Returned in descending order of probability.
pub fn reshape(logits: &[f64], temperature: f64, top_k: usize, top_p: f64) -> Vec<Candidate> {
    if logits.is_empty() {
        return Vec::new();
    }
    let greedy = temperature <= 0.0;
    let scaled: Vec<f64> =
        logits.iter().map(|z| if greedy { *z } else { z / temperature }).collect();
    let p = softmax(&scaled);
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    let k = if greedy {
        1
    } else if top_k == 0 {
        p.len()
    } else {
        top_k.min(p.len())
    };
    let mut kept = vec![false; p.len()];
    let mut mass = 0.0;
    for &i in order.iter().take(k) {
        kept[i] = true;
        mass += p[i];
        if mass >= top_p {
            break;
        }
    }
    let total: f64 = order.iter().filter(|&&i| kept[i]).map(|&i| p[i]).sum();
    order
        .into_iter()
        .map(|i| Candidate {
            index: i,
            tempered: p[i],
            kept: kept[i],
            prob: if kept[i] { p[i] / total } else { 0.0 },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: [f64; 5] = [2.8, 1.2, 0.5, -1.0, -2.5];

    #[test]
    fn temperature_one_and_no_cuts_is_plain_softmax() {
        let c = reshape(&Z, 1.0, 0, 1.0);
        let p = softmax(&Z);
        assert!(c.iter().all(|x| x.kept && (x.prob - p[x.index]).abs() < 1e-12));
        assert_eq!(c[0].index, 0);
    }

    #[test]
    fn top_k_two_renormalises_over_two() {
        let c = reshape(&Z, 1.0, 2, 1.0);
        let kept: Vec<usize> = c.iter().filter(|x| x.kept).map(|x| x.index).collect();
        assert_eq!(kept, vec![0, 1]);
        // e^1.6 / (e^1.6 + 1) for mat against floor.
        assert!((c[0].prob - 0.832018).abs() < 1e-6);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_reaching_p_and_greedy_keeps_one() {
        // Softmax of Z: 0.7522, 0.1519, 0.0754, 0.0168, 0.0038: 0.8 needs two tokens, 0.75 one.
        let c = reshape(&Z, 1.0, 0, 0.8);
        assert_eq!(c.iter().filter(|x| x.kept).count(), 2);
        let c = reshape(&Z, 1.0, 0, 0.75);
        assert_eq!(c.iter().filter(|x| x.kept).count(), 1);
        let g = reshape(&Z, 0.0, 0, 1.0);
        assert_eq!(g.iter().filter(|x| x.kept).count(), 1);
        assert_eq!(g[0].prob, 1.0);
        // Low temperature sharpens, high flattens.
        assert!(reshape(&Z, 0.5, 0, 1.0)[0].prob > reshape(&Z, 2.0, 0, 1.0)[0].prob);
    }
}
