//! A distillation run: the teacher reads the text once, then two students on burn's flex backend
//! with autodiff take their steps on the same batches (see [`crate::distill`] for the losses).

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{
    DistillError, DistillEval, DistillOptions, DistillSetup, DistillStep, StudentEval,
    student_config,
};
use crate::gpt::Tumbler;
use crate::learn::schedule::Schedule;
use crate::learn::{AdamW, adamw};
use crate::sampling::Rng;

/// Windows the teacher reads per forward pass (bounds its peak memory).
const TEACHER_CHUNK: usize = 8;

/// The soft-target loss T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)), averaged over positions, in nats.
/// The teacher's logits are constants: no gradient flows into them.
///
/// # Shapes
/// - student, teacher: (N, V)
/// - output: (1)
pub fn soft_loss(student: Tensor<2>, teacher: Tensor<2>, temperature: f32) -> Tensor<1> {
    let n = student.dims()[0];
    let log_q = log_softmax(student.div_scalar(temperature), 1); // (N, V)
    let log_p = log_softmax(teacher.div_scalar(temperature), 1); // (N, V)
    kl_sum(log_p, log_q).mul_scalar(temperature * temperature / n as f32)
}

/// Σ p · (ln p − ln q) over every position and token.
///
/// # Shapes
/// - log_p, log_q: (N, V)
/// - output: (1)
fn kl_sum(log_p: Tensor<2>, log_q: Tensor<2>) -> Tensor<1> {
    kl_rows(log_p, log_q).sum()
}

/// KL(p ‖ q) of each row. Summed row by row first: one f32 sum over all N·V terms would add
/// thousandths to a total in the thousands, losing most of their digits, and differently on
/// each platform's summation order.
///
/// # Shapes
/// - log_p, log_q: (N, V)
/// - output: (N)
fn kl_rows(log_p: Tensor<2>, log_q: Tensor<2>) -> Tensor<1> {
    let n = log_p.dims()[0];
    let p = log_p.clone().exp(); // (N, V)
    (p * (log_p - log_q)).sum_dim(1).reshape([n]) // (N)
}

/// Windows of the text: inputs and targets (N, T), and the teacher's logits at every position.
struct Windows {
    /// (N, T)
    inputs: Tensor<2, Int>,
    /// (N, T)
    targets: Tensor<2, Int>,
    /// The teacher's logits, (N, T, V).
    teacher: Tensor<3>,
}

impl Windows {
    /// `n` consecutive windows of `t + 1` tokens from `tokens`, read by `teacher`, as tensors on
    /// `device`.
    fn read(teacher: &Tumbler, tokens: &[u32], n: usize, t: usize, device: &Device) -> Self {
        let ids = |offset: usize| -> Vec<i64> {
            (0..n)
                .flat_map(|w| tokens[w * t + offset..][..t].iter().map(|&x| i64::from(x)))
                .collect()
        };
        let (inputs, targets) = (ids(0), ids(1));
        let teacher_device = teacher.embedding.weight.val().device();
        let mut logits = Vec::new();
        for chunk in inputs.chunks(TEACHER_CHUNK * t) {
            let rows = chunk.len() / t;
            let x = Tensor::from_data(TensorData::new(chunk.to_vec(), [rows, t]), &teacher_device);
            let z = teacher.forward(x); // (rows, T, V)
            logits.extend(z.into_data().try_to_vec::<f32>().expect("logits are f32"));
        }
        let v = teacher.config.vocab_size;
        Self {
            inputs: Tensor::from_data(TensorData::new(inputs, [n, t]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n, t]), device),
            teacher: Tensor::from_data(TensorData::new(logits, [n, t, v]), device),
        }
    }
}

/// One student and its optimizer.
struct Student {
    /// `None` only while a step moves it through the optimizer.
    model: Option<Tumbler>,
    optim: AdamW,
}

impl Student {
    fn model(&self) -> &Tumbler {
        self.model.as_ref().expect("the student is back after every step")
    }

    /// One AdamW step on the loss `loss_of` builds from the student's logits (B·T, V); returns
    /// the loss before the update.
    fn step(
        &mut self,
        lr: f64,
        x: Tensor<2, Int>,
        loss_of: impl Fn(Tensor<2>) -> Tensor<1>,
    ) -> f32 {
        let model = self.model.take().expect("the student is back after every step");
        let [b, t] = x.dims();
        let v = model.config.vocab_size;
        let logits = model.forward(x).reshape([b * t, v]); // (B·T, V)
        let loss = loss_of(logits); // (1)
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(lr, model, grads));
        loss.into_scalar::<f32>()
    }
}

/// Two students learning from one teacher, side by side.
pub struct DistillRun {
    hard: Student,
    soft: Student,
    train: Windows,
    /// Held-out windows, on the plain (no autodiff) device.
    heldout: Windows,
    options: DistillOptions,
    schedule: Schedule,
    device: Device,
    setup: DistillSetup,
    steps: usize,
}

impl DistillRun {
    /// The teacher reads the first `train_windows + heldout_windows` windows of `tokens`; two
    /// students of [`student_config`] start from the same weights (seeded by `options.seed`).
    pub fn new(
        teacher: &Tumbler,
        tokens: &[u32],
        options: DistillOptions,
    ) -> Result<Self, DistillError> {
        let options = options.validated()?;
        let config = student_config(&teacher.config);
        let t = options.seq_len;
        if t > config.context_length {
            return Err(DistillError::Options(format!(
                "windows of {t} tokens do not fit the students' context of {}",
                config.context_length
            )));
        }
        let needed = options.tokens_needed();
        if tokens.len() < needed {
            return Err(DistillError::TooFewTokens(tokens.len(), needed));
        }
        let v = teacher.config.vocab_size;
        if let Some(&id) = tokens[..needed].iter().find(|&&id| id as usize >= v) {
            return Err(DistillError::OutOfVocabulary(id, v));
        }
        let device = Device::flex().autodiff();
        let plain = device.clone().inner();
        let (n, e) = (options.train_windows, options.heldout_windows);
        let train = Windows::read(teacher, tokens, n, t, &device);
        let heldout = Windows::read(teacher, &tokens[n * t..], e, t, &plain);
        let student = || -> Result<Student, DistillError> {
            Ok(Student {
                model: Some(Tumbler::init(&config, options.seed, &device)?),
                optim: adamw(options.weight_decay, 1.0),
            })
        };
        let (hard, soft) = (student()?, student()?);
        let schedule = Schedule {
            max_lr: options.max_lr,
            min_lr: options.min_lr,
            warmup_steps: options.warmup_steps,
            total_steps: options.steps,
        };
        let teacher_loss = {
            let [e, t, v] = heldout.teacher.dims();
            let z_t = heldout.teacher.clone().reshape([e * t, v]); // (E·T, V)
            cross_entropy(z_t, heldout.targets.clone().reshape([e * t])).into_scalar::<f32>()
        };
        let initial = DistillEval {
            step: 0,
            hard: measure(&heldout, hard.model()),
            soft: measure(&heldout, soft.model()),
        };
        let setup = DistillSetup {
            options: options.clone(),
            student_params: config.param_count(),
            student: config,
            teacher_params: teacher.config.param_count(),
            train_tokens: n * t,
            heldout_tokens: e * t,
            teacher_loss,
            initial,
        };
        Ok(Self { hard, soft, train, heldout, options, schedule, device, setup, steps: 0 })
    }

    /// What the run is: sizes, the teacher's held-out loss, both students before training.
    pub fn setup(&self) -> &DistillSetup {
        &self.setup
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Whether the run has taken all its steps.
    pub fn finished(&self) -> bool {
        self.steps >= self.options.steps
    }

    /// One step of both students on the same batch of training windows, and the held-out
    /// measurement when it is due.
    pub fn step(&mut self) -> DistillStep {
        let (b, t) = (self.options.batch_size, self.options.seq_len);
        let v = self.setup.student.vocab_size;
        // The step's windows, drawn with replacement; they depend only on (seed, step).
        let mut rng = Rng::new(
            self.options.seed ^ (self.steps as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let picked: Vec<i64> =
            (0..b).map(|_| (rng.next_u64() % self.options.train_windows as u64) as i64).collect();
        let picked: Tensor<1, Int> = Tensor::from_data(TensorData::new(picked, [b]), &self.device);
        let x = self.train.inputs.clone().select(0, picked.clone()); // (B, T)
        let y = self.train.targets.clone().select(0, picked.clone()).reshape([b * t]); // (B·T)
        let z_t = self.train.teacher.clone().select(0, picked).reshape([b * t, v]); // (B·T, V)
        let lr = self.schedule.lr(self.steps);

        let hard_loss = self.hard.step(lr, x.clone(), |z_s| cross_entropy(z_s, y.clone()));
        let (temperature, alpha) = (self.options.temperature, self.options.alpha);
        let soft_loss = self.soft.step(lr, x, |z_s| {
            let soft = soft_loss(z_s.clone(), z_t.clone(), temperature);
            if alpha > 0.0 {
                soft.mul_scalar(1.0 - alpha) + cross_entropy(z_s, y.clone()).mul_scalar(alpha)
            } else {
                soft
            }
        });
        self.steps += 1;
        let due = self.steps.is_multiple_of(self.options.eval_every) || self.finished();
        DistillStep { step: self.steps, hard_loss, soft_loss, eval: due.then(|| self.evaluate()) }
    }

    /// Both students on the held-out windows now.
    pub fn evaluate(&self) -> DistillEval {
        DistillEval {
            step: self.steps,
            hard: measure(&self.heldout, self.hard.model()),
            soft: measure(&self.heldout, self.soft.model()),
        }
    }
}

/// `student` on the held-out windows: cross-entropy against the next tokens, and KL(teacher ‖
/// student) at T = 1.
fn measure(heldout: &Windows, student: &Tumbler) -> StudentEval {
    let student = student.valid();
    let [e, t, v] = heldout.teacher.dims();
    let z_s = student.forward(heldout.inputs.clone()).reshape([e * t, v]); // (E·T, V)
    let z_t = heldout.teacher.clone().reshape([e * t, v]); // (E·T, V)
    let y = heldout.targets.clone().reshape([e * t]); // (E·T)
    let kl = kl_rows(log_softmax(z_t, 1), log_softmax(z_s.clone(), 1)); // (E·T)
    let kl = kl.into_data().try_to_vec::<f32>().expect("KL is f32");
    let kl = kl.iter().map(|&x| f64::from(x)).sum::<f64>() / kl.len() as f64;
    StudentEval { loss: cross_entropy(z_s, y).into_scalar::<f32>(), kl: kl as f32 }
}

/// Cross-entropy against the text's next tokens, nats per token.
///
/// # Shapes
/// - logits: (N, V), targets: (N)
/// - output: (1)
fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let n = targets.dims()[0];
    log_softmax(logits, 1).gather(1, targets.reshape([n, 1])).mean().neg()
}

#[cfg(test)]
mod tests;
