//! Scaling laws measured on our own models: the records of a sweep (several sizes of the Tumbler
//! trained with one recipe on the same tokens, `tumbler scaling`), the training compute each point
//! cost, the compute frontier, and power laws fitted to them on log-log axes.
//!
//! Kaplan et al. (2020) fit loss to non-embedding parameters N, tokens D and compute C one variable
//! at a time, L(x) = (x_c / x)^α; Hoffmann et al. (2022) fit L(N, D) = E + A/N^α + B/D^β. With five
//! small models on a few million tokens we fit the first kind only (two numbers from a handful of
//! points), by least squares on the logarithms.

use serde::{Deserialize, Serialize};

use crate::gpt::TumblerConfig;

/// One validation measurement during a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Training tokens seen so far, D.
    pub tokens: u64,
    /// Mean loss on the validation tokens, nats per token.
    pub val_loss: f64,
}

/// One model size of a sweep, trained to the end of its schedule (or as far as it got).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeRun {
    /// A short name, e.g. `"d64-l3"`.
    pub name: String,
    pub config: TumblerConfig,
    /// Every parameter (the tied embedding counted once).
    pub params: usize,
    /// Parameters outside the embedding: Kaplan's N.
    pub non_embedding_params: usize,
    /// Training FLOPs per token: three times the forward pass's (forward plus a backward twice as
    /// dear), each token attending to half the training window on average.
    pub train_flops_per_token: f64,
    /// Steps done of the schedule's total.
    pub steps: usize,
    pub total_steps: usize,
    /// Seconds of training on the machine that ran it.
    pub seconds: f64,
    /// The validation loss every `eval_every` steps.
    pub curve: Vec<CurvePoint>,
}

impl SizeRun {
    /// The record of a run of `config`, with `seq_len`-token training windows.
    pub fn new(name: String, config: TumblerConfig, seq_len: usize) -> Self {
        let params = config.param_count();
        let non_embedding_params = params - config.vocab_size * config.d_model;
        let train_flops_per_token = 3.0 * config.flops_per_token(seq_len / 2) as f64;
        Self {
            name,
            config,
            params,
            non_embedding_params,
            train_flops_per_token,
            steps: 0,
            total_steps: 0,
            seconds: 0.0,
            curve: Vec::new(),
        }
    }

    /// Whether the run reached the end of its schedule.
    pub fn finished(&self) -> bool {
        self.total_steps > 0 && self.steps >= self.total_steps
    }

    /// The last validation measurement.
    pub fn last(&self) -> Option<CurvePoint> {
        self.curve.last().copied()
    }

    /// Training compute to reach `tokens`, in FLOPs.
    pub fn compute(&self, tokens: u64) -> f64 {
        self.train_flops_per_token * tokens as f64
    }
}

/// What every run of a sweep shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub batch_size: usize,
    pub seq_len: usize,
    pub steps: usize,
    pub max_lr: f64,
    pub min_lr: f64,
    pub warmup_steps: usize,
    pub weight_decay: f32,
    pub eval_every: usize,
    /// Validation tokens each measurement reads.
    pub eval_tokens: usize,
    pub seed: u64,
}

/// The records a sweep ships (`public/model/scaling.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub recipe: Recipe,
    /// Tokens in the training split the batches are drawn from.
    pub train_tokens: usize,
    pub runs: Vec<SizeRun>,
}

/// L = a · x^(−exponent), fitted to points (x, L) by least squares on (ln x, ln L).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    pub coefficient: f64,
    pub exponent: f64,
    /// The fraction of the variance of ln L the line explains.
    pub r_squared: f64,
    /// How many points it was fitted to.
    pub points: usize,
}

impl PowerLaw {
    /// The fitted loss at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.coefficient * x.powf(-self.exponent)
    }

    /// The factor by which the loss falls when x grows tenfold.
    pub fn per_decade(&self) -> f64 {
        10f64.powf(-self.exponent)
    }
}

/// Why a power law cannot be fitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error("a power law needs at least two points, got {0}")]
    TooFewPoints(usize),
    #[error("a power law is fitted on logarithms: every x and y must be positive and finite")]
    NotPositive,
    #[error("every point has the same x: there is no slope to fit")]
    NoSpread,
}

/// Least-squares line through (ln x, ln y): ln y = ln a − exponent · ln x.
pub fn fit_power_law(points: &[(f64, f64)]) -> Result<PowerLaw, FitError> {
    let n = points.len();
    if n < 2 {
        return Err(FitError::TooFewPoints(n));
    }
    if points.iter().any(|&(x, y)| !(x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0)) {
        return Err(FitError::NotPositive);
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let syy: f64 = logs.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    if sxx <= f64::EPSILON * n as f64 {
        return Err(FitError::NoSpread);
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let r_squared = if syy > 0.0 { (sxy * sxy) / (sxx * syy) } else { 1.0 };
    Ok(PowerLaw { coefficient: intercept.exp(), exponent: -slope, r_squared, points: n })
}

/// Loss against non-embedding parameters at the end of each finished run. An unfinished run is
/// left out: its last loss is not what its size reaches with the sweep's budget. (The compute
/// frontier, [`compute_frontier`], keeps their curves: every point of a curve is a real loss at
/// its compute, finished or not.)
pub fn loss_by_params(sweep: &Sweep) -> Vec<(f64, f64)> {
    sweep
        .runs
        .iter()
        .filter(|r| r.finished())
        .filter_map(|r| Some((r.non_embedding_params as f64, r.last()?.val_loss)))
        .collect()
}

/// A point of the compute frontier: the lowest loss any run reached for at most this compute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrontierPoint {
    pub compute: f64,
    pub val_loss: f64,
    /// Index into `Sweep::runs` of the run that reached it.
    pub run: usize,
}

/// The lower envelope of every run's loss-against-compute curve, in order of compute: each point
/// is lower than every point of any run at less compute. Kaplan's L(C) is fitted to these.
/// Unfinished runs count here, unlike in [`loss_by_params`]: a point of a partial curve is a
/// loss its run did reach at that compute.
pub fn compute_frontier(sweep: &Sweep) -> Vec<FrontierPoint> {
    let mut all: Vec<FrontierPoint> = sweep
        .runs
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.curve.iter().map(move |p| FrontierPoint {
                compute: r.compute(p.tokens),
                val_loss: p.val_loss,
                run: i,
            })
        })
        .collect();
    all.sort_by(|a, b| a.compute.total_cmp(&b.compute).then(a.val_loss.total_cmp(&b.val_loss)));
    let mut best = f64::INFINITY;
    all.into_iter()
        .filter(|p| {
            let lower = p.val_loss < best;
            if lower {
                best = p.val_loss;
            }
            lower
        })
        .collect()
}

/// The three things the records are read for: L(N) over finished runs, the compute frontier, and
/// L(C) fitted to the frontier. The CLI (`tumbler scaling --fit`) and the page both compute them
/// here.
#[derive(Debug, Clone, PartialEq)]
pub struct Fits {
    pub by_params: Result<PowerLaw, FitError>,
    pub frontier: Vec<FrontierPoint>,
    pub by_compute: Result<PowerLaw, FitError>,
}

/// Fits the sweep's records: see [`Fits`].
pub fn fits(sweep: &Sweep) -> Fits {
    let by_params = fit_power_law(&loss_by_params(sweep));
    let frontier = compute_frontier(sweep);
    let points: Vec<(f64, f64)> = frontier.iter().map(|p| (p.compute, p.val_loss)).collect();
    let by_compute = fit_power_law(&points);
    Fits { by_params, frontier, by_compute }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_law_is_recovered_exactly() {
        let points: Vec<(f64, f64)> =
            [1e4, 3e4, 1e5, 4e5, 2e6].iter().map(|&x| (x, 12.0 * f64::powf(x, -0.08))).collect();
        let fit = fit_power_law(&points).unwrap();
        assert!((fit.exponent - 0.08).abs() < 1e-12, "{fit:?}");
        assert!((fit.coefficient - 12.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
        assert!((fit.at(1e5) - 12.0 * 1e5f64.powf(-0.08)).abs() < 1e-12);
        assert!((fit.per_decade() - 10f64.powf(-0.08)).abs() < 1e-15);
    }

    #[test]
    fn noise_lowers_r_squared_and_bad_points_are_refused() {
        let noisy = [(1.0, 5.0), (10.0, 4.0), (100.0, 3.5), (1000.0, 3.3)];
        let fit = fit_power_law(&noisy).unwrap();
        assert!(fit.exponent > 0.0 && fit.r_squared < 1.0 && fit.r_squared > 0.9, "{fit:?}");
        assert_eq!(fit_power_law(&[(1.0, 2.0)]), Err(FitError::TooFewPoints(1)));
        assert_eq!(fit_power_law(&[(1.0, 2.0), (0.0, 1.0)]), Err(FitError::NotPositive));
        assert_eq!(fit_power_law(&[(1.0, 2.0), (1.0, f64::NAN)]), Err(FitError::NotPositive));
        assert_eq!(fit_power_law(&[(3.0, 2.0), (3.0, 1.0)]), Err(FitError::NoSpread));
    }

    fn run(name: &str, d_model: usize, curve: &[(u64, f64)]) -> SizeRun {
        let config = TumblerConfig {
            vocab_size: 64,
            d_model,
            n_heads: 2,
            n_kv_heads: 2,
            d_ff: 2 * d_model,
            ..TumblerConfig::tiny()
        };
        let mut r = SizeRun::new(name.into(), config, 16);
        r.curve = curve.iter().map(|&(tokens, val_loss)| CurvePoint { tokens, val_loss }).collect();
        r.steps = 10;
        r.total_steps = 10;
        r
    }

    fn sweep(runs: Vec<SizeRun>) -> Sweep {
        Sweep {
            recipe: Recipe {
                batch_size: 1,
                seq_len: 16,
                steps: 10,
                max_lr: 1e-3,
                min_lr: 1e-4,
                warmup_steps: 1,
                weight_decay: 0.1,
                eval_every: 5,
                eval_tokens: 16,
                seed: 1,
            },
            train_tokens: 1000,
            runs,
        }
    }

    #[test]
    fn counts_follow_the_config() {
        let r = run("a", 32, &[]);
        assert_eq!(r.params - r.non_embedding_params, 64 * 32);
        assert_eq!(r.non_embedding_params, r.config.n_layers * r.config.params_per_layer() + 32);
        assert_eq!(r.compute(1000), 1000.0 * 3.0 * r.config.flops_per_token(8) as f64);
        assert!(!SizeRun::new("b".into(), r.config.clone(), 16).finished());
    }

    #[test]
    fn the_frontier_keeps_only_points_no_cheaper_point_beats() {
        // The small model is cheaper per token; the large one ends lower.
        let small = run("small", 16, &[(100, 5.0), (200, 4.5), (400, 4.3)]);
        let large = run("large", 64, &[(100, 4.8), (200, 4.0), (400, 3.6)]);
        let s = sweep(vec![small, large]);
        let f = compute_frontier(&s);
        assert!(f.windows(2).all(|w| w[0].compute < w[1].compute && w[0].val_loss > w[1].val_loss));
        assert_eq!(f.first().unwrap().run, 0);
        assert_eq!(f.last().unwrap().run, 1);
        assert_eq!(f.last().unwrap().val_loss, 3.6);
        // Every point of every run lies on or above the frontier at its compute.
        for (i, r) in s.runs.iter().enumerate() {
            for p in &r.curve {
                let c = r.compute(p.tokens);
                let best = f
                    .iter()
                    .filter(|q| q.compute <= c)
                    .map(|q| q.val_loss)
                    .fold(f64::INFINITY, f64::min);
                assert!(p.val_loss >= best, "run {i} at {c}");
            }
        }
        assert_eq!(loss_by_params(&s).len(), 2);
    }
}
