//! The learning-rate schedule: linear warm-up, then cosine decay to a floor (as in GPT-3 and
//! LLaMA). Warm-up keeps AdamW's first steps, taken with poor second-moment estimates, small.

/// Schedule parameters.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// Peak learning rate, reached at the end of warm-up.
    pub max_lr: f64,
    /// Floor the cosine decays to.
    pub min_lr: f64,
    /// Steps of linear warm-up from 0.
    pub warmup_steps: usize,
    /// Total steps; the cosine reaches `min_lr` here and stays there after.
    pub total_steps: usize,
}

impl Schedule {
    /// The learning rate for (0-based) `step`.
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.max_lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let decay = self.total_steps.saturating_sub(self.warmup_steps).max(1);
        let progress = ((step - self.warmup_steps) as f64 / decay as f64).min(1.0);
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        self.min_lr + (self.max_lr - self.min_lr) * cosine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_the_floor() {
        let s = Schedule { max_lr: 1e-3, min_lr: 1e-4, warmup_steps: 10, total_steps: 110 };
        assert!((s.lr(0) - 1e-4).abs() < 1e-12);
        assert!((s.lr(9) - 1e-3).abs() < 1e-12);
        assert!((s.lr(60) - 5.5e-4).abs() < 1e-9, "half-way is the mean of max and min");
        assert!((s.lr(110) - 1e-4).abs() < 1e-12);
        assert!((s.lr(500) - 1e-4).abs() < 1e-12);
        assert!((10..110).all(|i| s.lr(i + 1) <= s.lr(i)));
    }
}
