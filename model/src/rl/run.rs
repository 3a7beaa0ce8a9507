//! A run of the `rl` chapter: the policy on burn's flex backend with autodiff, fine-tuned, then
//! improved round by round (see [`crate::rl`] for the algorithm).

use std::collections::HashSet;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::task::{self, Attempt, END, MAX_ANSWER, VOCAB, WORD_LEN};
use super::{Graded, Group, HeldOut, RlError, RlOptions, Round, advantages, config};
use crate::gpt::Tumbler;
use crate::learn::{AdamW, Batch, adamw, step};
use crate::sampling::{Rng, argmax, softmax_with_temperature};

/// Held-out examples kept for the page.
const EXAMPLES: usize = 8;

/// A run: the policy, its optimizer and the problems.
pub struct RlRun {
    /// `None` only while a step moves it through the optimizer.
    model: Option<Tumbler>,
    /// AdamW for fine-tuning, and a fresh one for the rounds: the policy gradient's scale has
    /// nothing to do with the supervised loss's, so it keeps no moments from it.
    sft_optim: AdamW,
    rl_optim: AdamW,
    options: RlOptions,
    device: Device,
    held_out: Vec<String>,
    held_out_set: HashSet<String>,
    sft_steps: usize,
    rounds: usize,
}

/// A seed for one part of the run, so each part's draws depend only on (seed, part, index).
fn mix(seed: u64, part: u64, index: usize) -> u64 {
    seed ^ part.wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const HELD_OUT: u64 = 1;
const SFT: u64 = 2;
const PROBLEMS: u64 = 3;
const SAMPLES: u64 = 4;

impl RlRun {
    /// A freshly initialised policy.
    pub fn new(options: RlOptions) -> Result<Self, RlError> {
        let options = options.validated()?;
        let device = Device::flex().autodiff();
        let model = Tumbler::init(&config(), options.seed, &device)?;
        let held_out = task::words(
            mix(options.seed, HELD_OUT, 0),
            options.held_out,
            options.letters,
            &HashSet::new(),
        );
        let held_out_set = held_out.iter().cloned().collect();
        Ok(Self {
            model: Some(model),
            sft_optim: adamw(0.0, 1.0),
            rl_optim: adamw(0.0, 1.0),
            options,
            device,
            held_out,
            held_out_set,
            sft_steps: 0,
            rounds: 0,
        })
    }

    fn model(&self) -> &Tumbler {
        self.model.as_ref().expect("the model is back after every step")
    }

    /// The run's options.
    pub fn options(&self) -> &RlOptions {
        &self.options
    }

    /// Supervised steps taken.
    pub fn sft_steps(&self) -> usize {
        self.sft_steps
    }

    /// Rounds taken.
    pub fn rounds(&self) -> usize {
        self.rounds
    }

    /// Whether fine-tuning is done and rounds can start.
    pub fn fine_tuned(&self) -> bool {
        self.sft_steps >= self.options.sft_steps
    }

    /// One supervised step on right answers ("abc=cba."), the loss counting the answer's tokens
    /// only; returns the loss before the update, in nats per answer token.
    pub fn sft_step(&mut self) -> f32 {
        let b = self.options.sft_batch;
        let words = task::words(
            mix(self.options.seed, SFT, self.sft_steps),
            b,
            self.options.letters,
            &self.held_out_set,
        );
        // "abc=cba.": T = 2·WORD_LEN + 2 tokens, predicted from the T − 1 before each.
        let t = 2 * WORD_LEN + 1;
        let mut inputs = Vec::with_capacity(b * t);
        let mut targets = Vec::with_capacity(b * t);
        let mut mask = Vec::with_capacity(b * t);
        for word in &words {
            let mut seq = task::prompt(word);
            seq.extend(task::reverse(word).chars().filter_map(task::token));
            seq.push(END);
            inputs.extend(seq[..t].iter().map(|&x| i64::from(x)));
            targets.extend(seq[1..].iter().map(|&x| i64::from(x)));
            // Targets from the answer's first letter on: positions WORD_LEN.. of the inputs.
            mask.extend((0..t).map(|i| if i >= WORD_LEN { 1.0 } else { 0.0 }));
        }
        let model = self.model.take().expect("the model is back after every step");
        let batch = Batch { inputs, targets, mask: Some(mask), b, t };
        let (model, loss) =
            step(model, &mut self.sft_optim, batch, self.options.sft_lr, &self.device);
        self.model = Some(model);
        self.sft_steps += 1;
        loss
    }

    /// Each prompt's continuation, up to [`MAX_ANSWER`] tokens or its end mark: drawn at the
    /// run's temperature with `rng`, or greedy without one. Every prompt has the same length, so
    /// the batch needs no padding: one full forward pass per new token (B, T ≤ 10 tokens).
    fn generate(&self, prompts: &[Vec<u32>], mut rng: Option<&mut Rng>) -> Vec<Attempt> {
        let model = self.model().valid();
        let device = self.device.clone().inner();
        let b = prompts.len();
        let mut seqs: Vec<Vec<u32>> = prompts.to_vec();
        let mut done = vec![false; b];
        let mut generated: Vec<Vec<u32>> = vec![Vec::new(); b];
        for _ in 0..MAX_ANSWER {
            if done.iter().all(|&d| d) {
                break;
            }
            let t = seqs[0].len();
            let ids: Vec<i64> = seqs.iter().flatten().map(|&x| i64::from(x)).collect();
            let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [b, t]), &device);
            let logits = model.forward(ids); // (B, T, V)
            let last = logits.slice([0..b, t - 1..t, 0..VOCAB]); // (B, 1, V)
            let last = last.into_data().try_to_vec::<f32>().expect("logits are f32"); // (B·V)
            for (i, row) in last.chunks(VOCAB).enumerate() {
                let next = if done[i] {
                    END
                } else {
                    let next = match rng.as_deref_mut() {
                        Some(rng) => draw(row, self.options.temperature, rng),
                        None => argmax(row) as u32,
                    };
                    generated[i].push(next);
                    done[i] = next == END;
                    next
                };
                seqs[i].push(next);
            }
        }
        generated.iter().map(|g| Attempt::from_tokens(g)).collect()
    }

    /// The held-out problems, answered greedily by the policy as it is now.
    pub fn evaluate(&self) -> HeldOut {
        let prompts: Vec<Vec<u32>> = self.held_out.iter().map(|w| task::prompt(w)).collect();
        let attempts = self.generate(&prompts, None);
        let passed: Vec<bool> =
            self.held_out.iter().zip(&attempts).map(|(w, a)| task::passes(w, a)).collect();
        HeldOut {
            passed: passed.iter().filter(|&&p| p).count(),
            total: self.held_out.len(),
            examples: self
                .held_out
                .iter()
                .zip(&attempts)
                .zip(&passed)
                .take(EXAMPLES)
                .map(|((w, a), &p)| (w.clone(), a.text(), p))
                .collect(),
        }
    }

    /// This round's problems and their sampled attempts (the samples the next [`RlRun::round`]
    /// would draw).
    pub fn sample(&self) -> (Vec<String>, Vec<Attempt>) {
        let (p, g) = (self.options.problems, self.options.group);
        let words = task::words(
            mix(self.options.seed, PROBLEMS, self.rounds),
            p,
            self.options.letters,
            &self.held_out_set,
        );
        let prompts: Vec<Vec<u32>> =
            words.iter().flat_map(|w| std::iter::repeat_n(task::prompt(w), g)).collect();
        let mut rng = Rng::new(mix(self.options.seed, SAMPLES, self.rounds));
        (words, self.generate(&prompts, Some(&mut rng)))
    }

    /// The policy-gradient loss L of `attempts` (each after the prompt of `words[i / G]`) with
    /// `advantages`, on the autodiff device.
    ///
    /// # Shapes
    /// - output: (1)
    fn policy_loss(
        model: &Tumbler,
        words: &[String],
        group: usize,
        attempts: &[Attempt],
        advantages: &[f32],
        device: &Device,
    ) -> Tensor<1> {
        let b = attempts.len();
        // Prompt, then the longest answer: T tokens in, each predicting the next.
        let t = WORD_LEN + MAX_ANSWER;
        let mut inputs = Vec::with_capacity(b * t);
        let mut targets = Vec::with_capacity(b * t);
        let mut weights = Vec::with_capacity(b * t);
        for (i, (attempt, a)) in attempts.iter().zip(advantages).enumerate() {
            let mut seq = task::prompt(&words[i / group]);
            seq.extend(&attempt.answer);
            if attempt.ended {
                seq.push(END);
            }
            let n = attempt.generated_len();
            seq.resize(t + 1, END);
            inputs.extend(seq[..t].iter().map(|&x| i64::from(x)));
            targets.extend(seq[1..].iter().map(|&x| i64::from(x)));
            // Input position WORD_LEN (the "=") predicts the first generated token.
            let w = a / (n as f32 * b as f32);
            weights.extend(
                (0..t).map(|j| if (WORD_LEN..WORD_LEN + n).contains(&j) { w } else { 0.0 }),
            );
        }
        let x = Tensor::<2, Int>::from_data(TensorData::new(inputs, [b, t]), device); // (B, T)
        let y = Tensor::<2, Int>::from_data(TensorData::new(targets, [b * t, 1]), device); // (B·T, 1)
        let w = Tensor::<1>::from_data(TensorData::new(weights, [b * t]), device); // (B·T)
        let logits = model.forward(x).reshape([b * t, VOCAB]); // (B·T, V)
        let log_probs = log_softmax(logits, 1).gather(1, y).reshape([b * t]); // (B·T)
        (log_probs * w).sum().neg()
    }

    /// One round: sample, grade, update, check the held-out problems.
    pub fn round(&mut self) -> Round {
        let g = self.options.group;
        let (words, attempts) = self.sample();
        let reward = self.options.reward;
        let rewards: Vec<f32> =
            attempts.iter().enumerate().map(|(i, a)| reward.score(&words[i / g], a)).collect();
        let adv = advantages(&rewards, g);
        let model = self.model.take().expect("the model is back after every step");
        let loss = Self::policy_loss(&model, &words, g, &attempts, &adv, &self.device);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.rl_optim.step(self.options.lr, model, grads));
        let loss = loss.into_scalar::<f32>();
        self.rounds += 1;

        let n = attempts.len() as f32;
        let passed: Vec<bool> =
            attempts.iter().enumerate().map(|(i, a)| task::passes(&words[i / g], a)).collect();
        let groups = words
            .iter()
            .enumerate()
            .map(|(k, word)| Group {
                word: word.clone(),
                attempts: (k * g..(k + 1) * g)
                    .map(|i| Graded {
                        text: attempts[i].text(),
                        ended: attempts[i].ended,
                        passed: passed[i],
                        reward: rewards[i],
                        advantage: adv[i],
                    })
                    .collect(),
            })
            .collect();
        Round {
            round: self.rounds,
            groups,
            mean_reward: rewards.iter().sum::<f32>() / n,
            sample_pass_rate: passed.iter().filter(|&&p| p).count() as f32 / n,
            loss,
            held_out: self.evaluate(),
        }
    }

    /// Mean log-probability per generated token of each attempt (after `words[i / G]`'s prompt)
    /// under the policy as it is now.
    pub fn log_probs(&self, words: &[String], attempts: &[Attempt]) -> Vec<f32> {
        let model = self.model().valid();
        let device = self.device.clone().inner();
        let g = attempts.len() / words.len();
        attempts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let one = [a.clone()];
                let loss =
                    Self::policy_loss(&model, &words[i / g..=i / g], 1, &one, &[1.0], &device);
                -loss.into_scalar::<f32>()
            })
            .collect()
    }
}

/// A token drawn from `softmax(logits / temperature)` by inverse CDF with one uniform number.
fn draw(logits: &[f32], temperature: f32, rng: &mut Rng) -> u32 {
    let probs = softmax_with_temperature(logits, temperature);
    let u = rng.next_f64();
    let mut cumulative = 0.0f64;
    for (id, &p) in probs.iter().enumerate() {
        cumulative += f64::from(p);
        if u < cumulative {
            return id as u32;
        }
    }
    // Rounding can leave the total a hair under 1: the last token takes that sliver.
    (probs.len() - 1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rl::task::Reward;
    use crate::rl::{RlError, Round};

    #[test]
    fn fine_tuning_teaches_the_format() {
        let mut run = RlRun::new(RlOptions::page(7, Reward::Correct)).unwrap();
        let before = run.evaluate();
        let mut losses = Vec::new();
        while !run.fine_tuned() {
            losses.push(run.sft_step());
        }
        assert_eq!(losses.len(), 150);
        assert!((losses[0] - (VOCAB as f32).ln()).abs() < 0.3, "first loss {}", losses[0]);
        assert!(losses[149] < losses[0] / 3.0, "{} → {}", losses[0], losses[149]);
        let after = run.evaluate();
        assert_eq!(before.passed, 0, "{before:?}");
        // Three letters and a stop, on most held-out strings.
        let (words, attempts) = run.sample();
        let formatted = attempts
            .iter()
            .enumerate()
            .filter(|(i, a)| Reward::Format.score(&words[i / run.options().group], a) == 1.0)
            .count();
        assert!(formatted * 2 > attempts.len(), "{formatted} of {} well-formed", attempts.len());
        assert!(after.passed > before.passed, "{after:?}");
        eprintln!("after fine-tuning: {} of {} held out", after.passed, after.total);
    }

    /// A round makes rewarded attempts likelier and unrewarded ones less likely.
    #[test]
    fn a_round_raises_the_log_prob_of_rewarded_attempts() {
        let mut run = RlRun::new(RlOptions::page(7, Reward::Correct)).unwrap();
        while !run.fine_tuned() {
            run.sft_step();
        }
        let (words, attempts) = run.sample();
        let before = run.log_probs(&words, &attempts);
        let round = run.round();
        let after = run.log_probs(&words, &attempts);
        let adv: Vec<f32> =
            round.groups.iter().flat_map(|g| g.attempts.iter().map(|a| a.advantage)).collect();
        let texts: Vec<String> =
            round.groups.iter().flat_map(|g| g.attempts.iter().map(|a| a.text.clone())).collect();
        assert_eq!(
            texts,
            attempts.iter().map(Attempt::text).collect::<Vec<_>>(),
            "the round graded these samples"
        );
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for ((b, a), adv) in before.iter().zip(&after).zip(&adv) {
            if *adv > 0.0 {
                up.push(a - b);
            } else if *adv < 0.0 {
                down.push(a - b);
            }
        }
        assert!(!up.is_empty() && !down.is_empty(), "some groups must have mixed rewards");
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!(mean(&up) > 0.0, "rewarded attempts: mean change {}", mean(&up));
        assert!(mean(&down) < mean(&up), "{} vs {}", mean(&down), mean(&up));
    }

    #[test]
    fn a_run_repeats_for_a_seed() {
        let rounds = |seed| {
            let mut options = RlOptions::page(seed, Reward::Correct);
            options.sft_steps = 10;
            let mut run = RlRun::new(options).unwrap();
            while !run.fine_tuned() {
                run.sft_step();
            }
            (0..2).map(|_| run.round()).collect::<Vec<Round>>()
        };
        let a = rounds(5);
        assert_eq!(a, rounds(5));
        assert_ne!(a[0].groups, rounds(6)[0].groups);
    }

    #[test]
    fn rejects_bad_options() {
        let mut o = RlOptions::page(1, Reward::Length);
        o.group = 1;
        assert!(matches!(RlRun::new(o), Err(RlError::Options)));
        let mut o = RlOptions::page(1, Reward::Length);
        o.temperature = f32::NAN;
        assert!(RlRun::new(o).is_err());
    }
}
