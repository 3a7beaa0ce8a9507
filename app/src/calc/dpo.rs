//! Direct Preference Optimization's loss for one chosen/rejected pair (Rafailov et al. 2023):
//! L = −log σ(β·[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))]).

/// Log-probabilities of the two answers under the model being trained and the frozen reference.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub policy_chosen: f64,
    pub ref_chosen: f64,
    pub policy_rejected: f64,
    pub ref_rejected: f64,
}

/// Every intermediate of the loss, so the page can show the working.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DpoTerms {
    /// β·(log π − log π_ref) for the chosen answer: DPO's implicit reward.
    pub reward_chosen: f64,
    /// The same for the rejected answer.
    pub reward_rejected: f64,
    /// reward_chosen − reward_rejected.
    pub margin: f64,
    /// σ(margin): the implied probability that the chosen answer is preferred.
    pub p_prefer: f64,
    /// −log σ(margin), in nats.
    pub loss: f64,
    /// How strongly a gradient step pushes on this pair: β·σ(−margin).
    pub weight: f64,
}

fn log_sigmoid(x: f64) -> f64 {
    // Stable for large |x|: log σ(x) = −log(1 + e^(−x)).
    if x >= 0.0 { -(-x).exp().ln_1p() } else { x - x.exp().ln_1p() }
}

/// The DPO loss and its parts for one pair at temperature `beta`.
pub fn dpo(pair: Pair, beta: f64) -> DpoTerms {
    let reward_chosen = beta * (pair.policy_chosen - pair.ref_chosen);
    let reward_rejected = beta * (pair.policy_rejected - pair.ref_rejected);
    let margin = reward_chosen - reward_rejected;
    let loss = -log_sigmoid(margin);
    let p_prefer = (-loss).exp();
    DpoTerms {
        reward_chosen,
        reward_rejected,
        margin,
        p_prefer,
        loss,
        weight: beta * (1.0 - p_prefer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untrained_policy_has_loss_ln2() {
        let p = Pair {
            policy_chosen: -12.0,
            ref_chosen: -12.0,
            policy_rejected: -9.0,
            ref_rejected: -9.0,
        };
        let t = dpo(p, 0.1);
        assert!((t.loss - std::f64::consts::LN_2).abs() < 1e-12);
        assert!((t.p_prefer - 0.5).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_pair() {
        // Chosen up 2 nats vs reference, rejected down 1: margin = 0.1·(2 − (−1)) = 0.3,
        // loss = ln(1 + e^−0.3) = 0.554355.
        let p = Pair {
            policy_chosen: -10.0,
            ref_chosen: -12.0,
            policy_rejected: -14.0,
            ref_rejected: -13.0,
        };
        let t = dpo(p, 0.1);
        assert!((t.margin - 0.3).abs() < 1e-12);
        assert!((t.loss - 0.554_355_244).abs() < 1e-8);
        assert!((t.reward_chosen - 0.2).abs() < 1e-12 && (t.reward_rejected + 0.1).abs() < 1e-12);
    }

    #[test]
    fn extreme_margins_do_not_overflow() {
        let p = Pair {
            policy_chosen: 0.0,
            ref_chosen: -2000.0,
            policy_rejected: -2000.0,
            ref_rejected: 0.0,
        };
        assert!(dpo(p, 1.0).loss.abs() < 1e-300);
        let q = Pair {
            policy_chosen: -2000.0,
            ref_chosen: 0.0,
            policy_rejected: 0.0,
            ref_rejected: -2000.0,
        };
        assert!((dpo(q, 1.0).loss - 4000.0).abs() < 1e-9);
    }
}
