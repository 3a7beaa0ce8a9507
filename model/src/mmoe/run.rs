//! An MMoE run on burn's flex backend with autodiff: the model, Adam, the data drawn once (see
//! [`crate::mmoe`] for the model and the measurements, [`super::data`] for the data).

use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::data::{Examples, Tasks, cosine, pearson, variance};
use super::{MmoeError, MmoeEval, MmoeOptions, MmoeSetup, MmoeStep, overlap};
use crate::sampling::Rng;

/// One task's gate and tower.
#[derive(Module, Debug)]
pub struct TaskHead {
    /// The gate's weights, (d, E).
    pub gate_w: Param<Tensor<2>>,
    /// The gate's bias, (1, E).
    pub gate_b: Param<Tensor<2>>,
    /// The tower's hidden layer, (h, t).
    pub tower_w1: Param<Tensor<2>>,
    /// Its bias, (1, t).
    pub tower_b1: Param<Tensor<2>>,
    /// The tower's output layer, (t, 1).
    pub tower_w2: Param<Tensor<2>>,
    /// Its bias, (1, 1).
    pub tower_b2: Param<Tensor<2>>,
}

/// Shared experts, and a gate and a tower per task.
#[derive(Module, Debug)]
pub struct Mmoe {
    /// Every expert's weights, (E, d, h).
    pub expert_w: Param<Tensor<3>>,
    /// Their biases, (E, 1, h).
    pub expert_b: Param<Tensor<3>>,
    /// Task A, then task B.
    pub tasks: Vec<TaskHead>,
}

/// Seeded weights drawn on the host (the same numbers on every backend).
struct Init<'a> {
    rng: Rng,
    device: &'a Device,
}

impl Init<'_> {
    /// N(0, 1/fan_in) entries: the variance a ReLU layer's input keeps.
    fn normal<const D: usize>(&mut self, shape: [usize; D], fan_in: usize) -> Param<Tensor<D>> {
        let std = (1.0 / fan_in as f64).sqrt();
        let n = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| (self.rng.next_normal() * std) as f32).collect();
        Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), self.device))
    }

    fn zeros<const D: usize>(&self, shape: [usize; D]) -> Param<Tensor<D>> {
        Param::from_tensor(Tensor::zeros(shape, self.device))
    }
}

impl Mmoe {
    /// The model for `options`, its weights seeded by `seed`. Gates start at zero: every task
    /// begins with the uniform mixture 1/E, so where they end is learned.
    pub fn init(options: &MmoeOptions, seed: u64, device: &Device) -> Self {
        let (d, e, h, t) =
            (options.dim, options.experts, options.expert_width, options.tower_width);
        let mut init = Init { rng: Rng::new(seed), device };
        let expert_w = init.normal([e, d, h], d);
        let expert_b = init.zeros([e, 1, h]);
        let tasks = (0..2)
            .map(|_| TaskHead {
                gate_w: init.zeros([d, e]),
                gate_b: init.zeros([1, e]),
                tower_w1: init.normal([h, t], h),
                tower_b1: init.zeros([1, t]),
                tower_w2: init.normal([t, 1], t),
                tower_b2: init.zeros([1, 1]),
            })
            .collect();
        Self { expert_w, expert_b, tasks }
    }

    /// Both tasks' predictions and gates.
    ///
    /// # Shapes
    /// - x: (B, d)
    /// - output: per task, the prediction (B) and the gate's weights (B, E)
    pub fn forward(&self, x: Tensor<2>) -> Vec<(Tensor<1>, Tensor<2>)> {
        let [b, _] = x.dims();
        let e = self.expert_w.dims()[0];
        let xs = x.clone().unsqueeze_dim::<3>(0).repeat_dim(0, e); // (E, B, d)
        let experts = relu(xs.matmul(self.expert_w.val()) + self.expert_b.val()); // (E, B, h)
        self.tasks
            .iter()
            .map(|task| {
                let gate = softmax(x.clone().matmul(task.gate_w.val()) + task.gate_b.val(), 1); // (B, E)
                let weights = gate.clone().swap_dims(0, 1).unsqueeze_dim::<3>(2); // (E, B, 1)
                let h = self.expert_w.dims()[2];
                let mixed = (experts.clone() * weights).sum_dim(0).reshape([b, h]); // (B, h)
                let hidden = relu(mixed.matmul(task.tower_w1.val()) + task.tower_b1.val()); // (B, t)
                let y = (hidden.matmul(task.tower_w2.val()) + task.tower_b2.val()).reshape([b]); // (B)
                (y, gate)
            })
            .collect()
    }
}

/// Examples as tensors: inputs (n, d) and each task's labels (n).
struct Split {
    x: Tensor<2>,
    y_a: Tensor<1>,
    y_b: Tensor<1>,
}

impl Split {
    fn new(examples: &Examples, d: usize, device: &Device) -> Self {
        let n = examples.len();
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        Self {
            x: Tensor::from_data(TensorData::new(f32s(&examples.inputs), [n, d]), device),
            y_a: Tensor::from_data(TensorData::new(f32s(&examples.labels_a), [n]), device),
            y_b: Tensor::from_data(TensorData::new(f32s(&examples.labels_b), [n]), device),
        }
    }
}

/// Mean squared error.
///
/// # Shapes
/// - prediction, label: (B)
/// - output: (1)
fn mse(prediction: Tensor<1>, label: Tensor<1>) -> Tensor<1> {
    (prediction - label).square().mean()
}

/// Seeds of the run's three random streams, all from the one seed.
const WEIGHTS_STREAM: u64 = 0x6D6D_6F65_5745_4947;
const BATCH_STREAM: u64 = 0x6D6D_6F65_4241_5443;

/// A two-task MMoE learning the paper's synthetic tasks.
pub struct MmoeRun {
    /// `None` only while a step moves it through the optimizer.
    model: Option<Mmoe>,
    optim: ModuleOptimizer,
    train: Split,
    /// On the plain (no autodiff) device.
    heldout: Split,
    options: MmoeOptions,
    device: Device,
    setup: MmoeSetup,
    steps: usize,
}

impl MmoeRun {
    /// Draws the tasks and the examples from `options.seed`, and builds the model.
    pub fn new(options: MmoeOptions) -> Result<Self, MmoeError> {
        let options = options.validated()?;
        let mut rng = Rng::new(options.seed);
        let tasks = Tasks::draw(&options, &mut rng);
        let train = tasks.examples(options.train_examples, &mut rng);
        let heldout = tasks.examples(options.heldout_examples, &mut rng);
        let device = Device::flex().autodiff();
        let plain = device.clone().inner();
        let model = Mmoe::init(&options, options.seed ^ WEIGHTS_STREAM, &device);
        let optim = AdamConfig::new().with_epsilon(1e-8).init();
        let heldout_split = Split::new(&heldout, options.dim, &plain);
        let initial = measure(&model.valid(), &heldout_split, 0);
        let setup = MmoeSetup {
            params: options.param_count(),
            cosine: cosine(&tasks.w_a, &tasks.w_b),
            label_correlation: pearson(&train.labels_a, &train.labels_b),
            label_variance: [variance(&heldout.labels_a), variance(&heldout.labels_b)],
            options: options.clone(),
            initial,
        };
        Ok(Self {
            model: Some(model),
            optim,
            train: Split::new(&train, options.dim, &device),
            heldout: heldout_split,
            options,
            device,
            setup,
            steps: 0,
        })
    }

    /// What the run is: its sizes, the data's correlations, the model before training.
    pub fn setup(&self) -> &MmoeSetup {
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

    /// One Adam step on the sum of both tasks' losses over a batch of training examples, and the
    /// held-out measurement when it is due.
    pub fn step(&mut self) -> MmoeStep {
        let b = self.options.batch_size;
        // The step's examples, drawn with replacement; they depend only on (seed, step).
        let mut rng = Rng::new(
            self.options.seed
                ^ BATCH_STREAM
                ^ (self.steps as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let n = self.options.train_examples as u64;
        let picked: Vec<i64> = (0..b).map(|_| (rng.next_u64() % n) as i64).collect();
        let picked: Tensor<1, Int> = Tensor::from_data(TensorData::new(picked, [b]), &self.device);
        let x = self.train.x.clone().select(0, picked.clone()); // (B, d)
        let y_a = self.train.y_a.clone().select(0, picked.clone()); // (B)
        let y_b = self.train.y_b.clone().select(0, picked); // (B)

        let model = self.model.take().expect("the model is back after every step");
        let mut outputs = model.forward(x).into_iter();
        let (p_a, _) = outputs.next().expect("task A");
        let (p_b, _) = outputs.next().expect("task B");
        let (loss_a, loss_b) = (mse(p_a, y_a), mse(p_b, y_b));
        let loss = loss_a.clone() + loss_b.clone(); // (1)
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.options.lr, model, grads));
        self.steps += 1;
        let due = self.steps.is_multiple_of(self.options.eval_every) || self.finished();
        MmoeStep {
            step: self.steps,
            loss_a: loss_a.into_scalar::<f32>(),
            loss_b: loss_b.into_scalar::<f32>(),
            eval: due.then(|| self.evaluate()),
        }
    }

    /// The model on the held-out examples now.
    pub fn evaluate(&self) -> MmoeEval {
        let model = self.model.as_ref().expect("the model is back after every step");
        measure(&model.valid(), &self.heldout, self.steps)
    }
}

/// Each task's loss, each gate's mean mixture, and their mean per-input overlap.
fn measure(model: &Mmoe, heldout: &Split, step: usize) -> MmoeEval {
    let mut outputs = model.forward(heldout.x.clone()).into_iter();
    let (p_a, g_a) = outputs.next().expect("task A");
    let (p_b, g_b) = outputs.next().expect("task B");
    let loss_a = mse(p_a, heldout.y_a.clone()).into_scalar::<f32>();
    let loss_b = mse(p_b, heldout.y_b.clone()).into_scalar::<f32>();
    let [n, e] = g_a.dims();
    let rows = |g: Tensor<2>| g.into_data().try_to_vec::<f32>().expect("gates are f32");
    let (g_a, g_b) = (rows(g_a), rows(g_b));
    let mean = |g: &[f32]| -> Vec<f32> {
        (0..e)
            .map(|j| {
                (g.iter().skip(j).step_by(e).map(|&v| f64::from(v)).sum::<f64>() / n as f64) as f32
            })
            .collect()
    };
    let per_input: f64 =
        g_a.chunks(e).zip(g_b.chunks(e)).map(|(a, b)| f64::from(overlap(a, b))).sum();
    MmoeEval {
        step,
        loss_a,
        loss_b,
        mixture_a: mean(&g_a),
        mixture_b: mean(&g_b),
        overlap: (per_input / n as f64) as f32,
    }
}
