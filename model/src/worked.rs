//! A sum answered at once or with its steps written out: the compute-per-token chapter's live
//! comparison. The model scores the same final answer after the bare question and after the
//! worked steps ([`AnswerLosses`]); this module builds those texts from the numbers, and counts
//! what each way costs — tokens written, one forward pass each, and their FLOPs from the model's
//! shape ([`TumblerConfig::flops_per_token`]).
//!
//! Needs no tensor library: the page computes it from the worker's answer, the CLI from its own.

use serde::{Deserialize, Serialize};

use crate::gpt::TumblerConfig;
use crate::inspect::AnswerLosses;

/// a × b − c ÷ d, with d dividing c so every step is a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub d: i64,
}

impl Problem {
    /// The guide's example: 17 × 24 − 156 ÷ 3.
    pub const GUIDE: Problem = Problem { a: 17, b: 24, c: 156, d: 3 };

    /// Checks that the steps are whole numbers small enough to write.
    pub fn validated(self) -> Result<Self, String> {
        let fits = |v: i64| (0..=9999).contains(&v);
        if ![self.a, self.b, self.c, self.d].into_iter().all(fits) {
            return Err("each number must be between 0 and 9999".into());
        }
        if self.d == 0 || self.c % self.d != 0 {
            return Err(format!("{} ÷ {} is not a whole number", self.c, self.d));
        }
        Ok(self)
    }

    /// a × b.
    pub fn product(&self) -> i64 {
        self.a * self.b
    }

    /// c ÷ d.
    pub fn quotient(&self) -> i64 {
        self.c / self.d
    }

    /// The result.
    pub fn value(&self) -> i64 {
        self.product() - self.quotient()
    }

    /// The question, ending where the answer starts.
    pub fn question(&self) -> String {
        format!("Question: What is {} × {} − {} ÷ {}?\nAnswer:", self.a, self.b, self.c, self.d)
    }

    /// The worked steps, ending where the final number starts.
    pub fn steps(&self) -> String {
        format!(
            " {} × {} = {}. {} ÷ {} = {}. {} − {} =",
            self.a,
            self.b,
            self.product(),
            self.c,
            self.d,
            self.quotient(),
            self.product(),
            self.quotient()
        )
    }

    /// The final number as it follows either context.
    pub fn answer(&self) -> String {
        format!(" {}", self.value())
    }

    /// The two contexts the answer is scored after: the question alone, then with the steps.
    pub fn contexts(&self) -> [String; 2] {
        let q = self.question();
        [q.clone(), q + &self.steps()]
    }
}

/// FLOPs of `n` forward passes for the tokens at positions `start`, `start + 1`, … (the token at
/// position p attends to the p + 1 tokens up to itself).
pub fn span_flops(config: &TumblerConfig, start: usize, n: usize) -> u64 {
    (start..start + n).map(|p| config.flops_per_token(p + 1)).sum()
}

/// One way of answering, counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Way {
    /// Tokens the model writes after the question: the answer's, plus the steps' if any.
    pub written_tokens: usize,
    /// Of which the final answer's.
    pub answer_tokens: usize,
    /// FLOPs of the forward passes that write them.
    pub flops: u64,
    /// ln p(answer | context): the sum of the answer tokens' log-probabilities, nats.
    pub answer_logprob: f64,
}

impl Way {
    /// p(answer | context).
    pub fn answer_p(&self) -> f64 {
        self.answer_logprob.exp()
    }
}

/// Both ways, and what reading the question costs either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The question's tokens.
    pub question_tokens: usize,
    /// FLOPs of reading them, the same both ways.
    pub question_flops: u64,
    /// The answer written straight after the question.
    pub at_once: Way,
    /// The steps written first, then the answer.
    pub step_by_step: Way,
}

/// Counts both ways from the model's scores of the answer after [`Problem::contexts`].
pub fn compare(config: &TumblerConfig, scored: &AnswerLosses) -> Result<Comparison, String> {
    let [bare, worked] = scored.contexts.as_slice() else {
        return Err(format!("expected two contexts, got {}", scored.contexts.len()));
    };
    if bare.dropped + worked.dropped > 0 {
        return Err("the contexts did not fit the model's window".into());
    }
    let (q, k) = (bare.context_tokens, scored.tokens.len());
    let steps = worked.context_tokens.checked_sub(q).ok_or("the steps' context is shorter")?;
    let logprob = |losses: &[f32]| -losses.iter().map(|&l| f64::from(l)).sum::<f64>();
    Ok(Comparison {
        question_tokens: q,
        question_flops: span_flops(config, 0, q),
        at_once: Way {
            written_tokens: k,
            answer_tokens: k,
            flops: span_flops(config, q, k),
            answer_logprob: logprob(&bare.losses),
        },
        step_by_step: Way {
            written_tokens: steps + k,
            answer_tokens: k,
            flops: span_flops(config, q, steps + k),
            answer_logprob: logprob(&worked.losses),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::ContextLoss;

    #[test]
    fn the_guide_problem_is_356_in_three_steps() {
        let p = Problem::GUIDE.validated().unwrap();
        assert_eq!((p.product(), p.quotient(), p.value()), (408, 52, 356));
        assert_eq!(p.steps(), " 17 × 24 = 408. 156 ÷ 3 = 52. 408 − 52 =");
        assert_eq!(p.answer(), " 356");
        let [q, worked] = p.contexts();
        assert!(worked.starts_with(&q) && q.ends_with("Answer:"));
        assert!(Problem { d: 5, ..p }.validated().is_err());
        assert!(Problem { d: 0, ..p }.validated().is_err());
    }

    #[test]
    fn writing_the_steps_costs_their_forward_passes() {
        let config = TumblerConfig::toy(512);
        let one = |p| config.flops_per_token(p);
        assert_eq!(span_flops(&config, 0, 2), one(1) + one(2));
        let context =
            |tokens, losses: Vec<f32>| ContextLoss { context_tokens: tokens, dropped: 0, losses };
        let scored = AnswerLosses {
            tokens: vec![" 3".into(), "56".into()],
            contexts: vec![context(10, vec![3.0, 2.0]), context(25, vec![0.5, 0.25])],
            millis: 0.0,
        };
        let c = compare(&config, &scored).unwrap();
        assert_eq!(c.question_tokens, 10);
        assert_eq!(c.question_flops, span_flops(&config, 0, 10));
        assert_eq!((c.at_once.written_tokens, c.step_by_step.written_tokens), (2, 17));
        assert_eq!(c.at_once.flops, one(11) + one(12));
        assert_eq!(c.step_by_step.flops, (11..=27).map(one).sum::<u64>());
        assert!((c.at_once.answer_logprob + 5.0).abs() < 1e-12);
        assert!((c.step_by_step.answer_p() - (-0.75f64).exp()).abs() < 1e-12);
        let one_context = AnswerLosses { contexts: scored.contexts[..1].to_vec(), ..scored };
        assert!(compare(&config, &one_context).is_err());
    }
}
