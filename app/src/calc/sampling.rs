//! Temperature, top-k and top-p applied to a distribution, showing which tokens stay in play.

use tumbler_model::sampling::{SamplingConfig, SamplingError, filtered_distribution};

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

/// Divides logits by `temperature` (T = 0 means greedy: only the top token), keeps the `top_k`
/// most likely (0 = no limit), then the smallest top set whose mass reaches `top_p` of what top-k
/// kept, and renormalises. The kept set is the Tumbler's sampler's own
/// ([`filtered_distribution`]), so the calculator and the live sampler follow one rule. Returned
/// in descending order of probability.
pub fn reshape(
    logits: &[f64],
    temperature: f64,
    top_k: usize,
    top_p: f64,
) -> Result<Vec<Candidate>, SamplingError> {
    let greedy = temperature <= 0.0;
    let scaled: Vec<f64> =
        logits.iter().map(|z| if greedy { *z } else { z / temperature }).collect();
    let p = softmax(&scaled);
    let config = SamplingConfig {
        temperature: temperature as f32,
        top_k: (top_k > 0).then_some(top_k),
        top_p: top_p as f32,
    };
    let logits: Vec<f32> = logits.iter().map(|&z| z as f32).collect();
    let kept = filtered_distribution(&logits, &config)?.ids;
    let total: f64 = kept.iter().map(|&i| p[i as usize]).sum();
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    Ok(order
        .into_iter()
        .map(|i| {
            let kept = kept.contains(&(i as u32));
            Candidate {
                index: i,
                tempered: p[i],
                kept,
                prob: if kept { p[i] / total } else { 0.0 },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const Z: [f64; 5] = [2.8, 1.2, 0.5, -1.0, -2.5];

    #[test]
    fn temperature_one_and_no_cuts_is_plain_softmax() {
        let c = reshape(&Z, 1.0, 0, 1.0).unwrap();
        let p = softmax(&Z);
        assert!(c.iter().all(|x| x.kept && (x.prob - p[x.index]).abs() < 1e-12));
        assert_eq!(c[0].index, 0);
    }

    #[test]
    fn top_k_two_renormalises_over_two() {
        let c = reshape(&Z, 1.0, 2, 1.0).unwrap();
        let kept: Vec<usize> = c.iter().filter(|x| x.kept).map(|x| x.index).collect();
        assert_eq!(kept, vec![0, 1]);
        // e^1.6 / (e^1.6 + 1) for mat against floor.
        assert!((c[0].prob - 0.832018).abs() < 1e-6);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_reaching_p_and_greedy_keeps_one() {
        // Softmax of Z: 0.7522, 0.1519, 0.0754, 0.0168, 0.0038: 0.8 needs two tokens, 0.75 one.
        let c = reshape(&Z, 1.0, 0, 0.8).unwrap();
        assert_eq!(c.iter().filter(|x| x.kept).count(), 2);
        let c = reshape(&Z, 1.0, 0, 0.75).unwrap();
        assert_eq!(c.iter().filter(|x| x.kept).count(), 1);
        let g = reshape(&Z, 0.0, 0, 1.0).unwrap();
        assert_eq!(g.iter().filter(|x| x.kept).count(), 1);
        assert_eq!(g[0].prob, 1.0);
        // Low temperature sharpens, high flattens.
        assert!(
            reshape(&Z, 0.5, 0, 1.0).unwrap()[0].prob > reshape(&Z, 2.0, 0, 1.0).unwrap()[0].prob
        );
    }

    #[test]
    fn top_p_counts_within_what_top_k_kept_as_the_sampler_does() {
        // Top-k 2 keeps mat and floor, 0.752 + 0.152 = 0.904 of the mass; mat alone is 0.832 of
        // that, past 0.8: top-p keeps mat alone (counted against all five tokens it would need
        // floor too, 0.752 < 0.8).
        let c = reshape(&Z, 1.0, 2, 0.8).unwrap();
        let kept: Vec<usize> = c.iter().filter(|x| x.kept).map(|x| x.index).collect();
        assert_eq!(kept, vec![0]);
        assert_eq!(c[0].prob, 1.0);
        let logits = Z.map(|z| z as f32);
        let config = SamplingConfig { temperature: 1.0, top_k: Some(2), top_p: 0.8 };
        assert_eq!(filtered_distribution(&logits, &config).unwrap().ids, vec![0]);
        assert!(reshape(&Z, 1.0, 0, 0.0).is_err(), "a top-p of 0 keeps nothing to draw");
    }
}
