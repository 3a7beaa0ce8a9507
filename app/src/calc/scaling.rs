//! Scaling and cost arithmetic: Chinchilla's compute-optimal data budget and loss fit, Kaplan's
//! single-variable power laws, training FLOPs ≈ 6·N·D, its price, and compounding per-step error.

/// Chinchilla's rule of thumb: about 20 training tokens per parameter (Hoffmann et al. 2022).
pub const TOKENS_PER_PARAM: f64 = 20.0;

/// Compute-optimal training tokens for `params` parameters.
pub fn chinchilla_tokens(params: f64) -> f64 {
    TOKENS_PER_PARAM * params
}

/// The published constants of Hoffmann et al. (2022), approach 3: L(N, D) = E + A/N^α + B/D^β.
pub mod chinchilla {
    pub const E: f64 = 1.69;
    pub const A: f64 = 406.4;
    pub const B: f64 = 410.7;
    pub const ALPHA: f64 = 0.34;
    pub const BETA: f64 = 0.28;
}

/// Chinchilla's fitted pre-training loss (nats per token) for `n` parameters and `d` tokens.
pub fn chinchilla_loss(n: f64, d: f64) -> f64 {
    use chinchilla::*;
    E + A / n.powf(ALPHA) + B / d.powf(BETA)
}

/// Kaplan et al. (2020): loss against parameters alone, L(N) = (N_c / N)^α_N, when data is
/// not the limit. N_c = 8.8·10¹³ non-embedding parameters, α_N = 0.076.
pub fn kaplan_loss_params(n: f64) -> f64 {
    (8.8e13 / n).powf(0.076)
}

/// Kaplan et al. (2020): loss against tokens alone, L(D) = (D_c / D)^α_D, D_c = 5.4·10¹³, α_D = 0.095.
pub fn kaplan_loss_data(d: f64) -> f64 {
    (5.4e13 / d).powf(0.095)
}

/// Training FLOPs ≈ 6·N·D: 2 per parameter per token forward, 4 backward.
pub fn training_flops(params: f64, tokens: f64) -> f64 {
    6.0 * params * tokens
}

/// The hardware side of a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cluster {
    pub gpus: f64,
    /// Peak dense throughput of one GPU, FLOP/s.
    pub peak_flops: f64,
    /// Fraction of peak actually achieved (model FLOPs utilisation), 0–1.
    pub utilisation: f64,
    /// Rental price of one GPU for one hour, dollars.
    pub dollars_per_gpu_hour: f64,
}

/// What a run costs on a cluster.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunCost {
    pub flops: f64,
    pub wall_seconds: f64,
    pub gpu_hours: f64,
    pub dollars: f64,
}

/// Time and money to do `flops` of training on `c`; `None` if the cluster does no work.
pub fn run_cost(flops: f64, c: Cluster) -> Option<RunCost> {
    let rate = c.gpus * c.peak_flops * c.utilisation;
    if !(rate > 0.0 && flops.is_finite() && flops >= 0.0) {
        return None;
    }
    let wall_seconds = flops / rate;
    let gpu_hours = wall_seconds / 3600.0 * c.gpus;
    Some(RunCost { flops, wall_seconds, gpu_hours, dollars: gpu_hours * c.dollars_per_gpu_hour })
}

/// The chance that `steps` independent steps all succeed when each succeeds with `p`.
pub fn all_succeed(p: f64, steps: u32) -> f64 {
    p.powi(steps as i32)
}

/// The most steps that still succeed with probability at least `target`.
pub fn max_steps_for(p: f64, target: f64) -> Option<u32> {
    if !(0.0 < p && p < 1.0 && 0.0 < target && target < 1.0) {
        return None;
    }
    Some((target.ln() / p.ln()).floor() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn seventy_billion_wants_1_4_trillion_tokens() {
        assert_eq!(chinchilla_tokens(70e9), 1.4e12);
    }

    #[test]
    fn chinchilla_fit_at_its_own_model() {
        // 70B params, 1.4T tokens: 1.69 + 406.4/70e9^0.34 + 410.7/1.4e12^0.28, by hand ≈ 1.9367.
        let l = chinchilla_loss(70e9, 1.4e12);
        assert!(close(l, 1.9367, 1e-3), "{l}");
        assert!(chinchilla_loss(1e15, 1e18) > chinchilla::E);
    }

    #[test]
    fn kaplan_laws_fall_with_scale() {
        assert!(kaplan_loss_params(1e9) > kaplan_loss_params(1e10));
        // (8.8e13 / 1e9)^0.076 = 87,999^0.076 ≈ 2.3756
        assert!(close(kaplan_loss_params(1e9), 2.3756, 1e-4));
    }

    #[test]
    fn flops_and_cost_of_a_chinchilla_run() {
        let f = training_flops(70e9, 1.4e12);
        assert!(close(f, 5.88e23, 1e-12));
        let c = Cluster {
            gpus: 1000.0,
            peak_flops: 989e12,
            utilisation: 0.4,
            dollars_per_gpu_hour: 2.0,
        };
        let r = run_cost(f, c).unwrap();
        // 5.88e23 / (1000 · 989e12 · 0.4) = 1,486,349 s ≈ 17.2 days; ×1000 GPUs / 3600 = 412,875 GPU-h.
        assert!(close(r.wall_seconds, 1_486_349.0, 1e-5), "{}", r.wall_seconds);
        assert!(close(r.gpu_hours, 412_875.0, 1e-5));
        assert!(close(r.dollars, 825_750.0, 1e-5));
        assert!(run_cost(f, Cluster { gpus: 0.0, ..c }).is_none());
    }

    #[test]
    fn compounding_error_matches_the_guide() {
        assert!(close(all_succeed(0.95, 10), 0.598_737, 1e-5));
        assert!(close(all_succeed(0.95, 100), 0.005_921, 1e-3));
        assert_eq!(all_succeed(0.95, 0), 1.0);
        assert_eq!(max_steps_for(0.95, 0.5), Some(13));
        assert_eq!(max_steps_for(1.0, 0.5), None);
    }
}
