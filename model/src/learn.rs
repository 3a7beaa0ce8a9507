//! Learning: one optimisation step of the Tumbler on burn's autodiff backend — a batch's loss,
//! its gradients by backpropagation, an AdamW update (Loshchilov & Hutter, 2019) — with the
//! training batches ([`batches`]) and the learning-rate schedule ([`schedule`]).
//!
//! Nothing here reads a clock or a file or starts a thread, so it runs in the browser as well:
//! the CLI's training loop (`train`) and the tiny model the training chapter trains in the page
//! ([`tiny`]) take their steps through [`step`].

pub mod adamw;
pub mod batches;
pub mod own;
pub mod schedule;
pub mod tiny;
#[cfg(all(test, feature = "wgpu"))]
mod wgpu_tests;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::gpt::Tumbler;
pub use adamw::{AdamW, AdamWError};

/// One optimisation step's data: inputs and targets (B, T), and for fine-tuning a 0/1 mask of the
/// targets the loss counts.
pub struct Batch {
    pub inputs: Vec<i64>,
    pub targets: Vec<i64>,
    pub mask: Option<Vec<f32>>,
    pub b: usize,
    pub t: usize,
}

impl Batch {
    /// The batch's mean loss in nats per (counted) target token.
    ///
    /// # Shapes
    /// - output: (1)
    pub fn loss(self, model: &Tumbler, device: &Device) -> Tensor<1> {
        let (x, y) = tensors(self.inputs, self.targets, self.b, self.t, device);
        match self.mask {
            None => model.loss(x, y),
            Some(mask) => {
                let mask = Tensor::from_data(TensorData::new(mask, [self.b, self.t]), device);
                model.masked_loss(x, y, mask)
            }
        }
    }
}

/// Inputs and targets as (B, T) integer tensors.
pub(crate) fn tensors(
    inputs: Vec<i64>,
    targets: Vec<i64>,
    b: usize,
    t: usize,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<2, Int>) {
    let x = Tensor::from_data(TensorData::new(inputs, [b, t]), device); // (B, T)
    let y = Tensor::from_data(TensorData::new(targets, [b, t]), device); // (B, T)
    (x, y)
}

/// AdamW as the Tumbler is trained with: β = (0.9, 0.95) as in GPT-3, decoupled weight decay, and
/// each parameter's gradient clipped to an L2 norm of `grad_clip` (tensor by tensor, as burn
/// clips). burn's update, with the state kept where a checkpoint can read it back
/// asynchronously ([`adamw`]).
pub fn adamw(weight_decay: f32, grad_clip: f32) -> AdamW {
    AdamW::new(&adamw_config(weight_decay), Some(GradientClippingConfig::Norm(grad_clip)))
}

/// burn's configuration of [`adamw`]'s update (without its clipping).
fn adamw_config(weight_decay: f32) -> AdamWConfig {
    AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.95)
        .with_epsilon(1e-8)
        .with_weight_decay(weight_decay)
}

/// One step: the loss of `batch` under `model` (on an autodiff device), backpropagation, and an
/// update at learning rate `lr`. Returns the updated model and the loss before the update.
pub fn step(
    model: Tumbler,
    optim: &mut AdamW,
    batch: Batch,
    lr: f64,
    device: &Device,
) -> (Tumbler, f32) {
    let (model, loss) = step_queued(model, optim, batch, lr, device);
    (model, loss.into_scalar::<f32>())
}

/// [`step`] with the loss left on the device (not detached from its graph, which is dropped
/// with it): a GPU backend in the browser reads it back asynchronously (`into_data_async`), as
/// it cannot wait for one synchronously.
///
/// # Shapes
/// - loss: (1)
pub fn step_queued(
    model: Tumbler,
    optim: &mut AdamW,
    batch: Batch,
    lr: f64,
    device: &Device,
) -> (Tumbler, Tensor<1>) {
    let loss = batch.loss(&model, device); // (1)
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let model = optim.step(lr, model, grads);
    (model, loss)
}

// AdamW keys its moments by parameter id, and loading weights mints new ids: a checkpoint saves
// the ids in the order the model visits its parameters and gives them back to the loaded model.

/// The ids of `model`'s parameters in visiting order.
pub(crate) fn param_ids<M: Module>(model: &M) -> Vec<u64> {
    struct Ids(Vec<u64>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.id.val());
        }
    }
    let mut v = Ids(Vec::new());
    model.visit(&mut v);
    v.0
}

/// Gives a loaded model's parameters the ids saved with it.
pub(crate) struct SetIds<'a> {
    ids: &'a [u64],
    next: usize,
}

impl<'a> SetIds<'a> {
    /// Hands out `ids` in visiting order.
    pub(crate) fn new(ids: &'a [u64]) -> Self {
        Self { ids, next: 0 }
    }
}

impl ModuleMapper for SetIds<'_> {
    fn map_float<const D: usize>(&mut self, mut param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if let Some(&id) = self.ids.get(self.next) {
            param.id = ParamId::from(id);
        }
        self.next += 1;
        param
    }
}
