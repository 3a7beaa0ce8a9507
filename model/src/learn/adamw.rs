//! AdamW over a whole model: burn's per-tensor AdamW update ([`burn::optim::AdamW`], the maths)
//! applied parameter by parameter, with each parameter's gradient clipped first, as burn's
//! `ModuleOptimizer` does; but the moments are kept here, where a checkpoint can read them back
//! asynchronously ([`AdamW::to_bytes_async`]). burn's `ModuleOptimizer` keeps them private and
//! reads them back synchronously when it saves them (`to_record` flattens each state with
//! `into_data`), which panics on WebGPU in the browser, where nothing may wait for the device.
//!
//! The saved state is burn's own optimizer record, byte for byte in content (burnpack: tensors
//! `{param id}.momentum.moment_1` and `.moment_2` with the parameter's shape, scalars
//! `{param id}.momentum.time` and `{param id}.__rank`, the module path as metadata): a state
//! burn's `ModuleOptimizer::into_bytes` wrote loads here, and one written here loads into burn's
//! `ModuleOptimizer::from_bytes`. The moments load onto the device the caller names (burn's put
//! them on `Device::default()`, the wgpu device whenever burn's wgpu backend is compiled in).

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::grad_clipping::{GradientClipping, GradientClippingConfig};
use burn::optim::{
    AdamWConfig, AdamWState, AdaptiveMomentumState, GradientsParams, LearningRate, Optimizer,
};
use burn::tensor::{Device, Tensor, TensorData, Transaction};

/// Names of a parameter's entries in the record, after `{param id}.` (those burn's
/// `#[derive(RecordState)]` gives `AdamWState`, and `ModuleOptimizer`'s rank key).
const FIRST: &str = "momentum.moment_1";
const SECOND: &str = "momentum.moment_2";
const TIME: &str = "momentum.time";
const RANK: &str = "__rank";

/// Why a saved state cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdamWError {
    #[error("reading the optimizer state back from the device failed: {0}")]
    Readback(String),
    #[error("the optimizer state is damaged: {0}")]
    Damaged(String),
}

/// AdamW with β = (β₁, β₂), ε, decoupled weight decay and per-parameter gradient clipping by
/// L2 norm; [`super::adamw`] configures the Tumbler's.
#[derive(Clone)]
pub struct AdamW {
    update: burn::optim::AdamW,
    clipping: Option<GradientClipping>,
    /// Each parameter's moments, by parameter id.
    moments: BTreeMap<u64, Moments>,
}

/// One parameter's state: its moments flattened to rank 1 (so parameters of every rank share
/// one map), the parameter's shape, the steps taken and its module path.
#[derive(Clone)]
struct Moments {
    path: String,
    shape: Vec<usize>,
    time: usize,
    /// (numel)
    first: Tensor<1>,
    /// (numel)
    second: Tensor<1>,
}

impl Moments {
    fn new<const D: usize>(state: AdamWState<D>, path: String) -> Self {
        let m = state.momentum;
        let shape = m.moment_1.dims().to_vec();
        let n = shape.iter().product::<usize>();
        Self {
            path,
            shape,
            time: m.time,
            first: m.moment_1.reshape([n]),
            second: m.moment_2.reshape([n]),
        }
    }

    /// burn's state for a parameter of rank `D` on `device`.
    fn state<const D: usize>(self, device: &Device) -> AdamWState<D> {
        let dims: [usize; D] = self.shape.as_slice().try_into().unwrap_or_else(|_| {
            panic!("a saved state of rank {} for a parameter of rank {D}", self.shape.len())
        });
        let (first, second) = (self.first.reshape(dims), self.second.reshape(dims));
        AdamWState::new(AdaptiveMomentumState::new(
            self.time,
            first.to_device(device),
            second.to_device(device),
        ))
    }
}

impl AdamW {
    /// AdamW as `config` sets it up, clipping each parameter's gradient as `clipping` says.
    /// `config` leaves AMSGrad off (its third moment is not kept here): [`super::adamw`] is
    /// the one caller.
    pub(super) fn new(config: &AdamWConfig, clipping: Option<GradientClippingConfig>) -> Self {
        Self {
            update: config.build(),
            clipping: clipping.map(|c| c.init()),
            moments: BTreeMap::new(),
        }
    }

    /// Updates `module`'s parameters with their gradients at learning rate `lr`, advancing
    /// their moments. A parameter without a gradient is left as it is.
    pub fn step<M: Module>(
        &mut self,
        lr: LearningRate,
        module: M,
        mut grads: GradientsParams,
    ) -> M {
        module.map(&mut Stepper { optim: self, grads: &mut grads, lr, path: Vec::new() })
    }

    /// The state as burnpack bytes (burn's optimizer record), read back synchronously: on the
    /// CPU, or natively on a GPU.
    pub fn to_bytes(&self) -> Result<Vec<u8>, AdamWError> {
        let data =
            self.reads().try_execute().map_err(|e| AdamWError::Readback(format!("{e:?}")))?;
        self.encode(data)
    }

    /// [`AdamW::to_bytes`] read back asynchronously: on a GPU in the browser, where nothing may
    /// wait for the device. The same bytes.
    pub async fn to_bytes_async(&self) -> Result<Vec<u8>, AdamWError> {
        let data = self
            .reads()
            .execute_async()
            .await
            .map_err(|e| AdamWError::Readback(format!("{e:?}")))?;
        self.encode(data)
    }

    /// Every moment, in [`AdamW::encode`]'s order, as one read.
    fn reads(&self) -> Transaction {
        self.moments.values().fold(Transaction::default(), |reads, m| {
            reads.register(m.first.clone()).register(m.second.clone())
        })
    }

    /// The state as burnpack bytes, given its moments read back (`data`, in `moments`' order).
    fn encode(&self, data: Vec<TensorData>) -> Result<Vec<u8>, AdamWError> {
        let mut data = data.into_iter();
        let mut tensors = Vec::with_capacity(2 * self.moments.len());
        let mut writer_scalars = Vec::new();
        for (&id, m) in &self.moments {
            for name in [FIRST, SECOND] {
                let read = data
                    .next()
                    .ok_or_else(|| AdamWError::Readback("a moment is missing".into()))?;
                let (bytes, _, dtype) = read.into_parts();
                tensors.push(burn_pack::Tensor::new(
                    format!("{id}.{name}"),
                    dtype,
                    m.shape.clone(),
                    Some(id),
                    bytes,
                ));
            }
            writer_scalars.push((format!("{id}.{TIME}"), burn_pack::Scalar::from(m.time)));
            writer_scalars.push((format!("{id}.{RANK}"), burn_pack::Scalar::from(m.shape.len())));
        }
        let mut writer = burn_pack::Writer::new(tensors);
        for (key, value) in &writer_scalars {
            writer = writer.with_scalar(key, *value);
        }
        for (&id, m) in &self.moments {
            writer = writer.with_metadata(&id.to_string(), &m.path);
        }
        let bytes = writer.into_bytes().map_err(|e| AdamWError::Damaged(format!("{e:?}")))?;
        Ok(bytes.to_vec())
    }

    /// This optimizer with the state `bytes` hold (as [`AdamW::to_bytes`] or burn's
    /// `ModuleOptimizer::into_bytes` wrote it), its moments on `device` (the device the model
    /// trains on).
    pub fn with_state(mut self, bytes: &[u8], device: &Device) -> Result<Self, AdamWError> {
        let damaged = AdamWError::Damaged;
        // Beside the parameters, where burn's optimizer steps them (its gradients' device).
        let device = &device.clone().inner();
        let reader =
            burn_pack::Reader::from_bytes(burn_pack::Bytes::from_bytes_vec(bytes.to_vec()))
                .map_err(|e| damaged(format!("{e:?}")))?;
        let scalars = reader.scalars().clone();
        let paths = reader.metadata().clone();
        let mut tensors: BTreeMap<String, TensorData> = BTreeMap::new();
        for tensor in reader.into_tensors().map_err(|e| damaged(format!("{e:?}")))? {
            let (name, dtype, shape, _, bytes) =
                tensor.into_parts().map_err(|e| damaged(format!("{e:?}")))?;
            tensors.insert(name, TensorData::from_bytes(bytes, shape, dtype));
        }
        let scalar = |key: &str| -> Result<usize, AdamWError> {
            let value = scalars.get(key).ok_or_else(|| damaged(format!("{key} is missing")))?;
            usize::try_from(*value).map_err(|_| damaged(format!("{key} is not a count")))
        };
        let mut moments = BTreeMap::new();
        for key in scalars.keys() {
            let Some(id) = key.strip_suffix(&format!(".{RANK}")) else { continue };
            let id: u64 = id.parse().map_err(|_| damaged(format!("{key}: not a parameter id")))?;
            let rank = scalar(key)?;
            let mut take = |name: &str| -> Result<(Tensor<1>, Vec<usize>), AdamWError> {
                let key = format!("{id}.{name}");
                let data =
                    tensors.remove(&key).ok_or_else(|| damaged(format!("{key} is missing")))?;
                let shape = data.shape().to_vec();
                if shape.len() != rank {
                    return Err(damaged(format!("{key} has rank {}, not {rank}", shape.len())));
                }
                let n = shape.iter().product::<usize>();
                let (bytes, _, dtype) = data.into_parts();
                Ok((Tensor::from_data(TensorData::from_bytes(bytes, [n], dtype), device), shape))
            };
            let ((first, shape), (second, second_shape)) = (take(FIRST)?, take(SECOND)?);
            if shape != second_shape {
                return Err(damaged(format!("the moments of parameter {id} differ in shape")));
            }
            let time = scalar(&format!("{id}.{TIME}"))?;
            let path = paths.get(&id.to_string()).cloned().unwrap_or_default();
            moments.insert(id, Moments { path, shape, time, first, second });
        }
        if let Some(name) = tensors.keys().next() {
            return Err(damaged(format!(
                "{name} is not AdamW's (AMSGrad and other optimizers are not read)"
            )));
        }
        self.moments = moments;
        Ok(self)
    }

    /// The devices its moments are on, one per moment tensor.
    pub fn devices(&self) -> Vec<Device> {
        self.moments.values().flat_map(|m| [m.first.device(), m.second.device()]).collect()
    }
}

/// Walks a module's parameters, updating each that has a gradient.
struct Stepper<'a> {
    optim: &'a mut AdamW,
    grads: &'a mut GradientsParams,
    lr: LearningRate,
    /// The module path of the parameter being visited.
    path: Vec<String>,
}

impl ModuleMapper for Stepper<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        // What autodiff knows of the parameter, put back on the updated value (burn's
        // `ModuleOptimizer` does the same; none of the Tumbler's parameters is distributed).
        let (require_grad, checkpointing) =
            (tensor.is_require_grad(), tensor.gradient_checkpointing_strategy());
        let device = grad.device();
        let tensor = if tensor.device() == device { tensor } else { tensor.to_device(&device) };
        let grad = match &self.optim.clipping {
            Some(clipping) => clipping.clip_gradient(grad),
            None => grad,
        };
        let state = self.optim.moments.remove(&id.val()).map(|m| m.state::<D>(&device));
        let (updated, state) = self.optim.update.step(self.lr, tensor.inner(), grad, state);
        if let Some(state) = state {
            self.optim.moments.insert(id.val(), Moments::new(state, self.path.join(".")));
        }
        let mut updated = Tensor::from_inner(updated);
        if let Some(strategy) = checkpointing {
            updated = updated.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

#[cfg(test)]
mod tests {
    use burn::module::Module;
    use burn::optim::grad_clipping::GradientClippingConfig;
    use burn::optim::{GradientsParams, ModuleOptimizer};
    use burn::tensor::{Device, read_sync};

    use super::super::{Batch, SetIds, adamw, adamw_config, batches, param_ids};
    use super::{AdamW, AdamWError};
    use crate::gpt::{Tumbler, TumblerConfig};

    const WEIGHT_DECAY: f32 = 0.01;
    const CLIP: f32 = 1.0;
    /// Steps compared: the first moves every weight by about the learning rate, the later ones
    /// use the moments and their bias corrections (time 2..).
    const STEPS: usize = 4;

    /// burn's whole-module AdamW, configured as [`adamw`]: the reference.
    fn burns() -> ModuleOptimizer {
        adamw_config(WEIGHT_DECAY)
            .with_grad_clipping(Some(GradientClippingConfig::Norm(CLIP)))
            .init()
    }

    fn device() -> Device {
        Device::flex().autodiff()
    }

    fn model() -> Tumbler {
        Tumbler::init(&TumblerConfig::toy(64), 5, &device()).unwrap()
    }

    /// The gradients of batch `step` of a fixed token stream under `model`.
    fn grads(model: &Tumbler, step: usize) -> GradientsParams {
        let tokens: Vec<u32> = (0..400u32).map(|i| (i * 7 + i / 13) % 64).collect();
        let (inputs, targets) = batches::batch(&tokens, 4, 16, 9, step as u64);
        let batch = Batch { inputs, targets, mask: None, b: 4, t: 16 };
        GradientsParams::from_grads(batch.loss(model, &device()).backward(), model)
    }

    fn values(model: &Tumbler) -> Vec<f32> {
        model
            .named_params()
            .into_iter()
            .flat_map(|(_, t, _)| t.into_data().try_to_vec::<f32>().unwrap())
            .collect()
    }

    /// Every entry of a burnpack optimizer record: tensors (name, dtype, shape, parameter id,
    /// bytes), scalars and metadata, in name order (burn writes its tensors in its hash map's
    /// order, so the bytes themselves are compared entry by entry).
    fn entries(bytes: &[u8]) -> (Vec<String>, Vec<String>, Vec<String>) {
        let reader =
            burn_pack::Reader::from_bytes(burn_pack::Bytes::from_bytes_vec(bytes.to_vec()))
                .unwrap();
        let scalars = reader.scalars().iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        let metadata = reader.metadata().iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut tensors: Vec<String> = reader
            .into_tensors()
            .unwrap()
            .into_iter()
            .map(|t| {
                let (name, dtype, shape, id, bytes) = t.into_parts().unwrap();
                format!("{name} {dtype:?} {shape:?} {id:?} {:?}", &bytes[..])
            })
            .collect();
        tensors.sort();
        (tensors, scalars, metadata)
    }

    /// The same steps from the same model through burn's `ModuleOptimizer` and through ours:
    /// the same weights, bit for bit (the update is burn's, applied in the same order), and the
    /// same saved state, entry for entry.
    #[test]
    fn it_steps_and_saves_as_burns_module_optimizer() {
        let (mut theirs, mut ours) = (burns(), adamw(WEIGHT_DECAY, CLIP));
        // The same model twice, with the same parameter ids (which name the saved moments).
        let mut a = model();
        let mut b = model().map(&mut SetIds::new(&param_ids(&a)));
        for step in 0..STEPS {
            let (ga, gb) = (grads(&a, step), grads(&b, step));
            a = theirs.step(1e-2, a, ga);
            b = ours.step(1e-2, b, gb);
        }
        let (va, vb) = (values(&a), values(&b));
        let differ = va.iter().zip(&vb).filter(|(x, y)| x.to_bits() != y.to_bits()).count();
        assert_eq!(differ, 0, "{differ} of {} weights differ from burn's", va.len());
        let moved = values(&model()).iter().zip(&vb).filter(|(x, y)| x != y).count();
        assert!(moved > va.len() / 2, "the steps moved only {moved} weights");
        let burns = entries(&theirs.into_bytes().unwrap());
        let mine = entries(&ours.to_bytes().unwrap());
        assert_eq!(mine.0.len(), 2 * a.named_params().len(), "two moments per parameter");
        assert_eq!(mine.0.len(), burns.0.len());
        for (m, t) in mine.0.iter().zip(&burns.0) {
            assert!(m == t, "a moment differs from burn's: {:.120} vs {:.120}", m, t);
        }
        assert_eq!((mine.1, mine.2), (burns.1, burns.2), "scalars and paths");
    }

    /// A state burn saved (an older checkpoint) continues here as it would have in burn.
    #[test]
    fn a_state_burn_saved_continues_here() {
        let mut theirs = burns();
        let mut a = model();
        for step in 0..2 {
            let ga = grads(&a, step);
            a = theirs.step(1e-2, a, ga);
        }
        // burn's state, loaded here, takes the step burn takes.
        let mut loaded =
            adamw(WEIGHT_DECAY, CLIP).with_state(&theirs.into_bytes().unwrap(), &device()).unwrap();
        let continued = loaded.step(1e-2, a.clone(), grads(&a, 2));
        let reference = theirs.step(1e-2, a.clone(), grads(&a, 2));
        assert_eq!(values(&continued), values(&reference));
    }

    /// The asynchronous save is the synchronous one (the same bytes), and a round trip through
    /// the bytes leaves the state as it was.
    #[test]
    fn the_async_bytes_are_the_sync_bytes() {
        let mut optim = adamw(WEIGHT_DECAY, CLIP);
        let mut m = model();
        for step in 0..3 {
            let g = grads(&m, step);
            m = optim.step(1e-2, m, g);
        }
        let sync = optim.to_bytes().unwrap();
        let async_ = read_sync(optim.to_bytes_async()).unwrap();
        assert!(sync.len() > 4 * 2 * m.num_params(), "{} bytes", sync.len());
        assert_eq!(sync, async_);
        let again = adamw(WEIGHT_DECAY, CLIP).with_state(&sync, &device()).unwrap();
        assert_eq!(again.to_bytes().unwrap(), sync);
        // An empty state (before the first step) saves and loads too.
        let empty = adamw(WEIGHT_DECAY, CLIP).to_bytes().unwrap();
        assert!(
            adamw(WEIGHT_DECAY, CLIP).with_state(&empty, &device()).unwrap().moments.is_empty()
        );
    }

    /// The moments load onto the device the caller names, whatever burn's default device is
    /// (the wgpu device when burn's wgpu backend is compiled in, as in CI's test build).
    #[test]
    fn a_loaded_state_is_on_the_named_device() {
        let mut optim = adamw(WEIGHT_DECAY, CLIP);
        let m = model();
        let m = optim.step(1e-2, m.clone(), grads(&m, 0));
        let mut loaded =
            adamw(WEIGHT_DECAY, CLIP).with_state(&optim.to_bytes().unwrap(), &device()).unwrap();
        let on_the_cpu = |o: &AdamW| o.devices().iter().all(|d| *d == Device::flex());
        assert!(!loaded.devices().is_empty());
        assert!(on_the_cpu(&loaded));
        let _ = loaded.step(1e-2, m.clone(), grads(&m, 1));
        assert!(on_the_cpu(&loaded));
    }

    #[test]
    fn a_damaged_state_says_so() {
        let mut optim = adamw(WEIGHT_DECAY, CLIP);
        let m = model();
        let _ = optim.step(1e-2, m.clone(), grads(&m, 0));
        let bytes = optim.to_bytes().unwrap();
        let load = |b: &[u8]| adamw(WEIGHT_DECAY, CLIP).with_state(b, &device()).err();
        assert!(matches!(load(&bytes[..bytes.len() / 2]), Some(AdamWError::Damaged(_))));
        assert!(matches!(load(b"<!doctype html>"), Some(AdamWError::Damaged(_))));
        // A state whose moments are missing: one parameter's rank without its tensors.
        let lone = burn_pack::Writer::new(Vec::new())
            .with_scalar("7.__rank", burn_pack::Scalar::from(2usize))
            .into_bytes()
            .unwrap();
        let error = load(&lone).unwrap().to_string();
        assert!(error.contains("7.momentum.moment_1 is missing"), "{error}");
    }
}
