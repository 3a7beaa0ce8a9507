//! The tiny Tumbler the training chapter trains in the page: the same GPT code at a toy size
//! ([`TumblerConfig::toy`]), learning from a few kilobytes of real text one short step at a time,
//! so the reader can watch its loss fall and its predictions change (and stop it between steps).
//!
//! It runs on burn's flex backend with autodiff, natively and in the engine worker alike, or on
//! any other autodiff device ([`TinyRun::new_on`]): burn's wgpu backend, natively on Vulkan and
//! in the browser on WebGPU, where a step's loss is read back asynchronously
//! ([`TinyRun::step_async`]) and the weights too ([`TinyRun::weights_async`]).

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::schedule::Schedule;
use super::{AdamW, Batch, SetIds, adamw, batches, param_ids, step, step_queued};
use crate::generate::{GenerateOptions, Generation, Step};
use crate::gpt::model::read_f32_async;
use crate::gpt::weights::{self, StorageDtype};
use crate::gpt::{ConfigError, Tumbler, TumblerConfig, ids_tensor};
use crate::sampling::softmax_with_temperature;

/// How the tiny model is trained.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TinyOptions {
    /// Sequences per step, B.
    pub batch_size: usize,
    /// Tokens per sequence, T (at most the model's context length).
    pub seq_len: usize,
    /// Warm-up and cosine decay over the run's steps.
    pub schedule: Schedule,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Seed of the initial weights and of the batches.
    pub seed: u64,
}

impl TinyOptions {
    /// What the page runs: batches of 8 windows of 32 tokens, a learning rate high enough for a
    /// small model to learn visibly within a few hundred steps.
    pub fn page(total_steps: usize, seed: u64) -> Self {
        Self {
            batch_size: 8,
            seq_len: 32,
            schedule: Schedule { max_lr: 1e-2, min_lr: 1e-3, warmup_steps: 10, total_steps },
            weight_decay: 0.01,
            seed,
        }
    }
}

/// Why a tiny run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TinyError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the text is {0} tokens; training needs at least {1}")]
    TooFewTokens(usize, usize),
    #[error("token {0} is outside the model's vocabulary of {1}")]
    OutOfVocabulary(u32, usize),
    #[error("the saved weights cannot be used: {0}")]
    Weights(String),
    #[error("the saved optimizer state cannot be used: {0}")]
    Optimizer(String),
    #[error("reading the loss back from the device failed: {0}")]
    Readback(String),
}

/// What a checkpoint holds of a run besides its text and options.
pub struct Saved<'a> {
    /// The weights, as [`TinyRun::weights`] wrote them.
    pub weights: &'a [u8],
    /// AdamW's state, as [`TinyRun::optimizer`] wrote it.
    pub optimizer: &'a [u8],
    /// The parameter ids AdamW's state is keyed by.
    pub param_ids: &'a [u64],
    /// Steps taken.
    pub steps: usize,
}

/// A tiny model being trained, with its optimizer state and its text.
pub struct TinyRun {
    /// `None` only while a step moves it through the optimizer.
    model: Option<Tumbler>,
    optim: AdamW,
    tokens: Vec<u32>,
    options: TinyOptions,
    device: Device,
    steps: usize,
}

impl TinyRun {
    /// A freshly initialised model of `config` that will learn from `tokens`.
    pub fn new(
        config: &TumblerConfig,
        tokens: Vec<u32>,
        options: TinyOptions,
    ) -> Result<Self, TinyError> {
        Self::new_on(config, tokens, options, Device::flex().autodiff())
    }

    /// [`TinyRun::new`] on `device` (made an autodiff device if it is not one). The initial
    /// weights come from the seed alone, so runs on two devices start from the same model.
    pub fn new_on(
        config: &TumblerConfig,
        tokens: Vec<u32>,
        options: TinyOptions,
        device: Device,
    ) -> Result<Self, TinyError> {
        let t = options.seq_len.min(config.context_length);
        let needed = options.batch_size.max(1) * t + 1;
        if tokens.len() < needed {
            return Err(TinyError::TooFewTokens(tokens.len(), needed));
        }
        if let Some(&id) = tokens.iter().find(|&&id| id as usize >= config.vocab_size) {
            return Err(TinyError::OutOfVocabulary(id, config.vocab_size));
        }
        let device = device.autodiff();
        let model = Tumbler::init(config, options.seed, &device)?;
        Ok(Self {
            model: Some(model),
            optim: adamw(options.weight_decay, 1.0),
            tokens,
            options: TinyOptions { seq_len: t, ..options },
            device,
            steps: 0,
        })
    }

    /// A run restored from a checkpoint of one with the same `config`, `tokens` and `options`:
    /// its next step is the one the saved run would have taken (the batches depend only on the
    /// seed and the step).
    pub fn restore(
        config: &TumblerConfig,
        tokens: Vec<u32>,
        options: TinyOptions,
        saved: &Saved<'_>,
    ) -> Result<Self, TinyError> {
        Self::restore_on(config, tokens, options, saved, Device::flex().autodiff())
    }

    /// [`TinyRun::restore`] on `device`: a checkpoint written by a run on one device resumes
    /// on another.
    pub fn restore_on(
        config: &TumblerConfig,
        tokens: Vec<u32>,
        options: TinyOptions,
        saved: &Saved<'_>,
        device: Device,
    ) -> Result<Self, TinyError> {
        let mut run = Self::new_on(config, tokens, options, device)?;
        let model = weights::from_safetensors(config, saved.weights, &run.device)
            .map_err(|e| TinyError::Weights(e.to_string()))?;
        run.model = Some(model.map(&mut SetIds::new(saved.param_ids)));
        run.optim = adamw(run.options.weight_decay, 1.0)
            .with_state(saved.optimizer, &run.device)
            .map_err(|e| TinyError::Optimizer(e.to_string()))?;
        run.steps = saved.steps;
        Ok(run)
    }

    fn model(&self) -> &Tumbler {
        self.model.as_ref().expect("the model is back after every step")
    }

    /// The weights as safetensors bytes, in f32 (exact).
    pub fn weights(&self) -> Result<Vec<u8>, TinyError> {
        weights::to_safetensors(self.model(), StorageDtype::F32)
            .map_err(|e| TinyError::Weights(e.to_string()))
    }

    /// [`TinyRun::weights`], read back asynchronously: on a GPU in the browser, where a
    /// synchronous read cannot wait for the device.
    pub async fn weights_async(&self) -> Result<Vec<u8>, TinyError> {
        weights::to_safetensors_async(self.model(), StorageDtype::F32)
            .await
            .map_err(|e| TinyError::Weights(e.to_string()))
    }

    /// The device it trains on (an autodiff device).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// AdamW's state as bytes, and the parameter ids (in visiting order) it is keyed by.
    pub fn optimizer(&self) -> Result<(Vec<u8>, Vec<u64>), TinyError> {
        let bytes = self.optim.to_bytes().map_err(|e| TinyError::Optimizer(e.to_string()))?;
        Ok((bytes, param_ids(self.model())))
    }

    /// [`TinyRun::optimizer`], read back asynchronously: on a GPU in the browser, where a
    /// synchronous read cannot wait for the device. The same bytes.
    pub async fn optimizer_async(&self) -> Result<(Vec<u8>, Vec<u64>), TinyError> {
        let bytes =
            self.optim.to_bytes_async().await.map_err(|e| TinyError::Optimizer(e.to_string()))?;
        Ok((bytes, param_ids(self.model())))
    }

    /// The devices AdamW's moments are on (the device it trains on, once it has a state).
    pub fn optimizer_devices(&self) -> Vec<Device> {
        self.optim.devices()
    }

    /// The token ids it learns from.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// The model's hyper-parameters.
    pub fn config(&self) -> &TumblerConfig {
        &self.model().config
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Tokens of the text it learns from.
    pub fn text_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Windows of text per step, B.
    pub fn batch_size(&self) -> usize {
        self.options.batch_size
    }

    /// Tokens per window, T.
    pub fn seq_len(&self) -> usize {
        self.options.seq_len
    }

    /// The learning rate of the next step.
    pub fn lr(&self) -> f64 {
        self.options.schedule.lr(self.steps)
    }

    /// What the next step takes: the model (given back by the step), its batch of windows of the
    /// text and its learning rate.
    fn next_step(&mut self) -> (Tumbler, Batch, f64) {
        let (b, t) = (self.options.batch_size, self.options.seq_len);
        let (inputs, targets) =
            batches::batch(&self.tokens, b, t, self.options.seed, self.steps as u64);
        let lr = self.lr();
        let model = self.model.take().expect("the model is back after every step");
        (model, Batch { inputs, targets, mask: None, b, t }, lr)
    }

    /// One optimisation step on a random batch of windows of the text; returns its loss (before
    /// the update) in nats per token.
    pub fn step(&mut self) -> f32 {
        let (model, batch, lr) = self.next_step();
        let (model, loss) = step(model, &mut self.optim, batch, lr, &self.device);
        self.model = Some(model);
        self.steps += 1;
        loss
    }

    /// [`TinyRun::step`] with the loss read back asynchronously (the same step, the same
    /// batch): what a GPU backend in the browser needs.
    pub async fn step_async(&mut self) -> Result<f32, TinyError> {
        let (model, batch, lr) = self.next_step();
        let (model, loss) = step_queued(model, &mut self.optim, batch, lr, &self.device);
        self.model = Some(model);
        self.steps += 1;
        let values = read_f32_async(loss).await.map_err(|e| TinyError::Readback(e.0))?;
        values.first().copied().ok_or(TinyError::Readback("the loss has no value".into()))
    }

    /// The probability of every token following `ids` (their last context-length tokens), (V).
    pub fn next_probs(&self, ids: &[u32]) -> Vec<f32> {
        next_probs(&self.model().valid(), ids)
    }

    /// Up to `n` tokens the model continues `prompt` with, each its most likely next token.
    pub fn greedy(&self, prompt: &[u32], n: usize) -> Vec<u32> {
        greedy(&self.model().valid(), prompt, n)
    }

    /// The model without autodiff, on the CPU: itself where it trains on the CPU, else its
    /// weights read back asynchronously into a model on burn's flex backend (what a run on a GPU
    /// in the browser samples from, as [`TinyRun::next_probs`] reads back synchronously).
    pub async fn cpu_model(&self) -> Result<Tumbler, TinyError> {
        if self.device.clone().inner() == Device::flex() {
            return Ok(self.model().valid());
        }
        let bytes = self.weights_async().await?;
        weights::from_safetensors(self.config(), &bytes, &Device::flex())
            .map_err(|e| TinyError::Weights(e.to_string()))
    }
}

/// The probability of every token following `ids` (their last context-length tokens) under
/// `model` (without autodiff), (V).
pub fn next_probs(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    let device = model.devices()[0].clone();
    let ids = &ids[ids.len().saturating_sub(model.config.context_length)..];
    let logits = model.forward(ids_tensor(ids, &device)); // (1, T, V)
    softmax_with_temperature(&last_row(logits), 1.0)
}

/// Up to `n` tokens `model` (without autodiff) continues `prompt` with, each its most likely
/// next token.
pub fn greedy(model: &Tumbler, prompt: &[u32], n: usize) -> Vec<u32> {
    {
        // Keep the prompt's last tokens, leaving room for the continuation.
        let keep = model.config.context_length.saturating_sub(n).max(1);
        let window = prompt[prompt.len().saturating_sub(keep)..].to_vec();
        let Ok(mut run) = Generation::new(model, window, &GenerateOptions::greedy(n), vec![])
        else {
            // An empty prompt, or no room left: nothing to continue.
            return Vec::new();
        };
        while let Step::Token(_) = run.step(model).expect("the CPU backend reads logits back") {}
        run.generated().to_vec()
    }
}

/// The last position's logits, read back.
///
/// # Shapes
/// - logits: (1, T, V)
/// - output: (V)
fn last_row(logits: Tensor<3>) -> Vec<f32> {
    let [_, t, v] = logits.dims();
    logits.slice([0..1, t - 1..t, 0..v]).into_data().try_to_vec::<f32>().expect("logits are f32")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::argmax;

    /// A stream with structure to learn: a repeated sentence of 12 tokens with some noise.
    fn text() -> Vec<u32> {
        let sentence = [5u32, 17, 9, 40, 3, 22, 8, 61, 2, 33, 7, 11];
        (0..600).map(|i| if i % 97 == 0 { 90 } else { sentence[i % sentence.len()] }).collect()
    }

    fn toy() -> TumblerConfig {
        TumblerConfig::toy(128)
    }

    #[test]
    fn the_loss_falls_and_the_model_learns_the_pattern() {
        let mut run = TinyRun::new(&toy(), text(), TinyOptions::page(40, 3)).unwrap();
        let losses: Vec<f32> = (0..40).map(|_| run.step()).collect();
        assert_eq!(run.steps(), 40);
        // An untrained model spreads its bets: the first loss is near ln V.
        assert!((losses[0] - (128f32).ln()).abs() < 0.3, "first loss {}", losses[0]);
        let last: f32 = losses[35..].iter().sum::<f32>() / 5.0;
        assert!(last < losses[0] / 3.0, "loss should fall: {} → {last}", losses[0]);
        // It has learnt what follows "5 17 9".
        let p = run.next_probs(&[5, 17, 9]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(argmax(&p), 40, "p(40) = {}", p[40]);
        assert_eq!(run.greedy(&[5, 17, 9], 4), [40, 3, 22, 8]);
    }

    /// What the training chapter does in the page: the toy config with the Tumbler's tokenizer,
    /// learning from the opening of *Emma* with the page's options and seed.
    #[test]
    fn the_page_run_lowers_its_loss_natively() {
        let root = crate::repo_file("public");
        let tokenizer = std::fs::read(root.join("model/tokenizer.json")).unwrap();
        let encoding = crate::tokenizer::Encoding::from_tokenizer_json(&tokenizer).unwrap();
        let sample: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("samples/austen.json")).unwrap())
                .unwrap();
        let tokens = encoding.encode(sample["text"].as_str().unwrap());
        let config = TumblerConfig::toy(4096);
        let mut run = TinyRun::new(&config, tokens, TinyOptions::page(300, 7)).unwrap();
        let losses: Vec<f32> = (0..30).map(|_| run.step()).collect();
        eprintln!("page run, first losses {:?}, steps 26-30 {:?}", &losses[..3], &losses[25..]);
        assert!((losses[0] - (4096f32).ln()).abs() < 0.3, "first loss {}", losses[0]);
        let late = losses[25..].iter().sum::<f32>() / 5.0;
        assert!(late < losses[0] - 1.0, "loss should fall: {} → {late}", losses[0]);
    }

    #[test]
    fn runs_repeat_with_the_same_seed() {
        let losses = |seed| {
            let mut run = TinyRun::new(&toy(), text(), TinyOptions::page(10, seed)).unwrap();
            (0..3).map(|_| run.step()).collect::<Vec<f32>>()
        };
        let (a, b) = (losses(1), losses(1));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
        }
        assert_ne!(losses(1), losses(2));
    }

    /// A run resumed on the CPU keeps AdamW's moments on the CPU, before and after its next
    /// step. burn's own loader put them on its default device, which is the wgpu device when
    /// burn's wgpu backend is compiled in (CI's test build): this test runs in that build.
    #[test]
    fn a_run_resumed_on_the_cpu_keeps_its_state_there() {
        let mut run = TinyRun::new(&toy(), text(), TinyOptions::page(10, 4)).unwrap();
        run.step();
        let (weights, (optimizer, param_ids)) = (run.weights().unwrap(), run.optimizer().unwrap());
        let saved =
            Saved { weights: &weights, optimizer: &optimizer, param_ids: &param_ids, steps: 1 };
        let mut resumed =
            TinyRun::restore(&toy(), text(), TinyOptions::page(10, 4), &saved).unwrap();
        let on_the_cpu = |run: &TinyRun| {
            let devices = run.optimizer_devices();
            !devices.is_empty() && devices.iter().all(|d| *d == Device::flex())
        };
        assert!(on_the_cpu(&resumed));
        assert_eq!(resumed.step(), run.step());
        assert!(on_the_cpu(&resumed));
    }

    #[test]
    fn refuses_short_text_and_foreign_tokens() {
        let options = TinyOptions::page(10, 1);
        assert!(matches!(
            TinyRun::new(&toy(), vec![1, 2, 3], options.clone()),
            Err(TinyError::TooFewTokens(3, 257))
        ));
        let mut foreign = text();
        foreign[7] = 500;
        assert!(matches!(
            TinyRun::new(&toy(), foreign, options),
            Err(TinyError::OutOfVocabulary(500, 128))
        ));
    }
}
