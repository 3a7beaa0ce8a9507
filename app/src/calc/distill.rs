//! Distillation's targets: a teacher's distribution softened by temperature, the one-hot "hard"
//! label, and the KL divergence a student pays for missing the teacher (Hinton et al. 2015).

/// softmax(logits / t); `t` must be positive.
pub fn softmax_t(logits: &[f64], t: f64) -> Vec<f64> {
    let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|&z| ((z - m) / t).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// The hard target: all probability on the teacher's top choice.
pub fn one_hot_argmax(p: &[f64]) -> Vec<f64> {
    let best = p
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc })
        .0;
    (0..p.len()).map(|i| if i == best { 1.0 } else { 0.0 }).collect()
}

/// KL(p ‖ q) = Σ p·ln(p/q) in nats; terms with p = 0 contribute nothing.
pub fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).filter(|(pi, _)| **pi > 0.0).map(|(pi, qi)| pi * (pi / qi).ln()).sum()
}

/// Shannon entropy in bits, a measure of how much a target says beyond its top choice.
pub fn entropy_bits(p: &[f64]) -> f64 {
    // A certain outcome sums to −0 (1 · log2 1 = 0, negated), and rounding can leave a hair below
    // zero: entropy is never negative, so neither is what the page prints ("0.00", not "-0.00").
    (-p.iter().filter(|&&x| x > 0.0).map(|x| x * x.log2()).sum::<f64>()).max(0.0) + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEACHER: [f64; 5] = [3.0, 1.5, 0.5, 0.0, -1.0];
    const STUDENT: [f64; 5] = [2.0, 2.0, 0.0, 0.0, 0.0];

    #[test]
    fn a_certain_outcome_has_zero_entropy_printed_without_a_sign() {
        assert_eq!(format!("{:.2}", entropy_bits(&[0.0, 1.0, 0.0])), "0.00");
        assert_eq!(format!("{:.2}", entropy_bits(&[0.5, 0.5])), "1.00");
    }

    #[test]
    fn temperature_flattens_the_teacher() {
        let p1 = softmax_t(&TEACHER, 1.0);
        assert!((p1[0] - 0.728_164).abs() < 1e-6);
        let p2 = softmax_t(&TEACHER, 2.0);
        assert!((p2[0] - 0.472_291).abs() < 1e-6);
        assert!((p2.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn kl_by_hand() {
        let p = softmax_t(&TEACHER, 1.0);
        let q = softmax_t(&STUDENT, 1.0);
        assert!((kl(&p, &q) - 0.224_213).abs() < 1e-6);
        let p2 = softmax_t(&TEACHER, 2.0);
        let q2 = softmax_t(&STUDENT, 2.0);
        assert!((kl(&p2, &q2) - 0.064_658).abs() < 1e-6);
        // Against the hard target, KL is the student's cross-entropy on the top token.
        let hard = one_hot_argmax(&p);
        assert!((kl(&hard, &q) - 0.877_968).abs() < 1e-6);
        assert_eq!(kl(&p, &p), 0.0);
    }

    #[test]
    fn entropy_of_uniform_and_one_hot() {
        assert!((entropy_bits(&[0.25; 4]) - 2.0).abs() < 1e-12);
        assert_eq!(entropy_bits(&[0.0, 1.0, 0.0]), 0.0);
    }
}
