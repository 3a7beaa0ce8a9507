//! Gradient descent on a 2-D loss surface: the ball rolling downhill.
//!
//! The surface is a stretched bowl, `L(x, y) = ½(x² + A·y²)`, steep across the valley and shallow
//! along it, like real loss surfaces. Its gradient is `(x, A·y)`, so a step of size η multiplies
//! y by `1 − η·A`: the walk diverges once η > 2/A.

/// How much steeper the surface is in y than in x.
pub const STEEP: f64 = 8.0;

/// The largest learning rate that still converges.
pub const ETA_LIMIT: f64 = 2.0 / STEEP;

/// The loss at a point.
pub fn loss(x: f64, y: f64) -> f64 {
    0.5 * (x * x + STEEP * y * y)
}

/// `(∂L/∂x, ∂L/∂y)`.
pub fn gradient(x: f64, y: f64) -> (f64, f64) {
    (x, STEEP * y)
}

/// The path of `steps` updates `w ← w − η·∇L` from `start`, the start included. Stops early if
/// the ball leaves the drawable area (|coordinate| > 1e6), since it has diverged.
pub fn path(start: (f64, f64), eta: f64, steps: usize) -> Vec<(f64, f64)> {
    let mut out = vec![start];
    let (mut x, mut y) = start;
    for _ in 0..steps {
        let (gx, gy) = gradient(x, y);
        x -= eta * gx;
        y -= eta * gy;
        out.push((x, y));
        if x.abs() > 1e6 || y.abs() > 1e6 {
            break;
        }
    }
    out
}

/// How a run went, for the words under the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Loss ended above a tenth of where it started: steps too small.
    TooSlow,
    /// Loss fell close to zero.
    Converged,
    /// Loss grew.
    Diverged,
}

/// Judges a path by its first and last loss.
pub fn verdict(path: &[(f64, f64)]) -> Verdict {
    let (first, last) = (path[0], path[path.len() - 1]);
    let (l0, l1) = (loss(first.0, first.1), loss(last.0, last.1));
    if l1 > l0 {
        Verdict::Diverged
    } else if l1 > 0.1 * l0 {
        Verdict::TooSlow
    } else {
        Verdict::Converged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: (f64, f64) = (-2.5, 1.2);

    #[test]
    fn one_step_by_hand() {
        // ∇L(−2.5, 1.2) = (−2.5, 9.6); with η = 0.1 the ball moves to (−2.25, 0.24).
        let p = path(START, 0.1, 1);
        assert!((p[1].0 + 2.25).abs() < 1e-12 && (p[1].1 - 0.24).abs() < 1e-12);
        assert!((loss(-2.5, 1.2) - 8.885).abs() < 1e-12);
    }

    #[test]
    fn too_small_right_and_divergent_learning_rates() {
        assert_eq!(verdict(&path(START, 0.005, 40)), Verdict::TooSlow);
        assert_eq!(verdict(&path(START, 0.2, 40)), Verdict::Converged);
        assert_eq!(verdict(&path(START, ETA_LIMIT + 0.01, 40)), Verdict::Diverged);
    }

    #[test]
    fn a_diverging_walk_stops_early() {
        let p = path(START, 2.0, 10_000);
        assert!(p.len() < 10_000);
    }
}
