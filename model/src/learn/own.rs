//! A Tumbler trained on the reader's own text: a BPE tokenizer trained on the text
//! ([`crate::tokenizer::train`]), then a model of one of the [`PRESETS`](crate::own::PRESETS)
//! trained on it with the tiny model's loop ([`TinyRun`]), checkpointed to a set of named files
//! and resumed from them. Three of those files, `config.json`, `model.safetensors` and
//! `tokenizer.json`, are the export: the model directory `tumbler sample` and `tumbler eval` load.
//!
//! The engine worker runs it in the page (its files go to the browser's private file system);
//! nothing here reads a clock or a file, so the native tests run the same code.

use super::schedule::Schedule;
use super::tiny::{Saved, TinyError, TinyOptions, TinyRun};
use burn::tensor::Device;

use crate::generate::{TopToken, Vocab, top_tokens};
use crate::gpt::TumblerConfig;
use crate::own::{
    CONFIG_FILE, MAX_OWN_BYTES, OPTIMIZER_FILE, OwnState, Preset, SHOWN_MERGES, STATE_FILE,
    StepLoss, TOKENIZER_FILE, TOKENS_FILE, WEIGHTS_FILE, prompt_of,
};
use crate::tokenizer::Encoding;
use crate::tokenizer::train as bpe;

/// Warm-up steps of every preset's schedule.
const WARMUP: usize = 20;
/// AdamW's weight decay.
const WEIGHT_DECAY: f32 = 0.01;

/// Why a run cannot start or resume.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnError {
    #[error("there is no model size called {0:?}")]
    Preset(String),
    #[error("the text is empty")]
    Empty,
    #[error("the text is {0} bytes; the most a run learns from is {max} bytes (4 MB)", max = MAX_OWN_BYTES)]
    TooLong(usize),
    #[error("{0}")]
    Tiny(#[from] TinyError),
    #[error("the tokenizer: {0}")]
    Tokenizer(String),
    #[error("the checkpoint has no {0}")]
    Missing(&'static str),
    #[error("the checkpoint's {0} is damaged: {1}")]
    Damaged(&'static str, String),
}

/// A file of a checkpoint: its name (one of [`crate::own`]'s `*_FILE`) and bytes.
pub type File = (&'static str, Vec<u8>);

/// A run on the reader's text.
pub struct OwnRun {
    preset: &'static Preset,
    run: TinyRun,
    encoding: Encoding,
    tokenizer_json: String,
    state: OwnState,
}

impl OwnRun {
    /// Trains a tokenizer on `text`, encodes it and builds a fresh model of `preset` on it.
    pub fn new(text: &str, preset: &str, seed: u64, source: &str) -> Result<Self, OwnError> {
        Self::new_on(text, preset, seed, source, Device::flex())
    }

    /// [`OwnRun::new`], training on `device` (burn's flex CPU backend, or its wgpu backend).
    pub fn new_on(
        text: &str,
        preset: &str,
        seed: u64,
        source: &str,
        device: Device,
    ) -> Result<Self, OwnError> {
        let preset = Preset::named(preset).ok_or_else(|| OwnError::Preset(preset.to_string()))?;
        if text.len() > MAX_OWN_BYTES {
            return Err(OwnError::TooLong(text.len()));
        }
        if text.trim().is_empty() {
            return Err(OwnError::Empty);
        }
        let trained = bpe::train(text, preset.vocab_size);
        let encoding = trained.encoding().map_err(|e| OwnError::Tokenizer(e.to_string()))?;
        let tokens = encoding.encode(text);
        let config = preset.config(trained.vocab_size);
        let run = TinyRun::new_on(&config, tokens, options(preset, seed), device)?;
        let state = OwnState {
            preset: preset.name.to_string(),
            step: 0,
            seed,
            history: Vec::new(),
            text_bytes: text.len(),
            prompt: prompt_of(text),
            source: source.to_string(),
            vocab_size: trained.vocab_size,
            merges: trained.merges.iter().take(SHOWN_MERGES).cloned().collect(),
            param_ids: Vec::new(),
        };
        Ok(Self { preset, run, encoding, tokenizer_json: trained.json, state })
    }

    /// The run a checkpoint holds: `file(name)` gives each file's bytes.
    pub fn resume<'a>(file: impl Fn(&'static str) -> Option<&'a [u8]>) -> Result<Self, OwnError> {
        Self::resume_on(file, Device::flex())
    }

    /// [`OwnRun::resume`] on `device`: a checkpoint resumes on either device, whichever wrote it.
    pub fn resume_on<'a>(
        file: impl Fn(&'static str) -> Option<&'a [u8]>,
        device: Device,
    ) -> Result<Self, OwnError> {
        let need = |name: &'static str| file(name).ok_or(OwnError::Missing(name));
        let state: OwnState = serde_json::from_slice(need(STATE_FILE)?)
            .map_err(|e| OwnError::Damaged(STATE_FILE, e.to_string()))?;
        let preset =
            Preset::named(&state.preset).ok_or_else(|| OwnError::Preset(state.preset.clone()))?;
        let config = TumblerConfig::from_json(&String::from_utf8_lossy(need(CONFIG_FILE)?))
            .map_err(|e| OwnError::Damaged(CONFIG_FILE, e.to_string()))?;
        let tokenizer = need(TOKENIZER_FILE)?;
        let encoding = Encoding::from_tokenizer_json(tokenizer)
            .map_err(|e| OwnError::Damaged(TOKENIZER_FILE, e.to_string()))?;
        let tokens = need(TOKENS_FILE)?;
        if tokens.len() % 4 != 0 {
            return Err(OwnError::Damaged(TOKENS_FILE, format!("{} bytes", tokens.len())));
        }
        let tokens =
            tokens.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let saved = Saved {
            weights: need(WEIGHTS_FILE)?,
            optimizer: need(OPTIMIZER_FILE)?,
            param_ids: &state.param_ids,
            steps: state.step,
        };
        let run =
            TinyRun::restore_on(&config, tokens, options(preset, state.seed), &saved, device)?;
        let tokenizer_json = String::from_utf8_lossy(tokenizer).into_owned();
        Ok(Self { preset, run, encoding, tokenizer_json, state })
    }

    /// One training step; returns its loss (before the update), nats per token.
    pub fn step(&mut self) -> f32 {
        let loss = self.run.step();
        self.state.step = self.run.steps();
        self.state.history.push(StepLoss { step: self.state.step, loss });
        loss
    }

    /// [`OwnRun::step`] with the loss read back asynchronously, as a GPU in the browser needs.
    pub async fn step_async(&mut self) -> Result<f32, OwnError> {
        let loss = self.run.step_async().await?;
        self.state.step = self.run.steps();
        self.state.history.push(StepLoss { step: self.state.step, loss });
        Ok(loss)
    }

    /// Whether the run has taken all its preset's steps.
    pub fn finished(&self) -> bool {
        self.state.step >= self.preset.steps
    }

    /// Every file of a checkpoint of the run as it is now, [`STATE_FILE`] last (a reader that
    /// finds it knows the others were written before it). `with_text` leaves out the files that
    /// never change after the first checkpoint (the tokens and the tokenizer) when false.
    pub fn checkpoint(&self, with_text: bool) -> Result<Vec<File>, OwnError> {
        Ok(self.checkpoint_files(with_text, self.run.weights()?, self.run.optimizer()?))
    }

    /// [`OwnRun::checkpoint`] with the weights and AdamW's state read back asynchronously: what
    /// a run on a GPU in the browser saves (a synchronous read cannot wait for the device
    /// there). The same files.
    pub async fn checkpoint_async(&self, with_text: bool) -> Result<Vec<File>, OwnError> {
        let weights = self.run.weights_async().await?;
        let optimizer = self.run.optimizer_async().await?;
        Ok(self.checkpoint_files(with_text, weights, optimizer))
    }

    /// A checkpoint's files, given the weights and AdamW's state (with its parameter ids) read
    /// back.
    fn checkpoint_files(
        &self,
        with_text: bool,
        weights: Vec<u8>,
        (optimizer, param_ids): (Vec<u8>, Vec<u64>),
    ) -> Vec<File> {
        let mut files = Vec::with_capacity(6);
        if with_text {
            let tokens = self.run.tokens().iter().flat_map(|t| t.to_le_bytes()).collect();
            files.push((TOKENS_FILE, tokens));
        }
        files.extend(self.export_files(weights));
        if !with_text {
            files.retain(|(name, _)| *name != TOKENIZER_FILE);
        }
        files.push((OPTIMIZER_FILE, optimizer));
        let state = OwnState { param_ids, ..self.state.clone() };
        let state = serde_json::to_vec(&state).expect("the state serialises");
        files.push((STATE_FILE, state));
        files
    }

    /// The model as `tumbler sample --model DIR` and `tumbler eval` read it: `config.json`,
    /// `model.safetensors` (f32) and `tokenizer.json`.
    pub fn export(&self) -> Result<Vec<File>, OwnError> {
        Ok(self.export_files(self.run.weights()?))
    }

    /// [`OwnRun::export`] with the weights read back asynchronously.
    pub async fn export_async(&self) -> Result<Vec<File>, OwnError> {
        Ok(self.export_files(self.run.weights_async().await?))
    }

    /// The exported files, given the weights read back (safetensors, f32).
    fn export_files(&self, weights: Vec<u8>) -> Vec<File> {
        vec![
            (CONFIG_FILE, self.config().to_json().into_bytes()),
            (WEIGHTS_FILE, weights),
            (TOKENIZER_FILE, self.tokenizer_json.clone().into_bytes()),
        ]
    }

    /// The model's hyper-parameters.
    pub fn config(&self) -> &TumblerConfig {
        self.run.config()
    }

    /// The preset it was built from.
    pub fn preset(&self) -> &'static Preset {
        self.preset
    }

    /// Its state: steps, losses, prompt.
    pub fn state(&self) -> &OwnState {
        &self.state
    }

    /// The tokenizer trained on the text.
    pub fn encoding(&self) -> &Encoding {
        &self.encoding
    }

    /// The training run: batch size, window, text tokens.
    pub fn run(&self) -> &TinyRun {
        &self.run
    }

    /// The prompt's ids.
    pub fn prompt_ids(&self) -> Vec<u32> {
        self.encoding.encode(&self.state.prompt)
    }

    /// The model's `n` most likely next tokens after the prompt, and its greedy continuation of
    /// `length` tokens.
    pub fn sample(&self, n: usize, length: usize) -> (Vec<TopToken>, String) {
        let prompt = self.prompt_ids();
        if prompt.is_empty() {
            return (Vec::new(), String::new());
        }
        let probs = self.run.next_probs(&prompt);
        let next = top_tokens(&probs, n, |id| self.encoding.text(id));
        let continuation = self.encoding.decode_lossy(&self.run.greedy(&prompt, length));
        (next, continuation)
    }

    /// [`OwnRun::sample`] from a run on any device: on a GPU, its weights read back
    /// asynchronously into a CPU model, which samples.
    pub async fn sample_async(
        &self,
        n: usize,
        length: usize,
    ) -> Result<(Vec<TopToken>, String), OwnError> {
        let prompt = self.prompt_ids();
        if prompt.is_empty() {
            return Ok((Vec::new(), String::new()));
        }
        let model = self.run.cpu_model().await?;
        let probs = super::tiny::next_probs(&model, &prompt);
        let next = top_tokens(&probs, n, |id| self.encoding.text(id));
        let continuation =
            self.encoding.decode_lossy(&super::tiny::greedy(&model, &prompt, length));
        Ok((next, continuation))
    }
}

/// The training options of `preset`.
fn options(preset: &Preset, seed: u64) -> TinyOptions {
    TinyOptions {
        batch_size: preset.batch_size,
        seq_len: preset.context_length,
        schedule: Schedule {
            max_lr: preset.max_lr,
            min_lr: preset.max_lr / 10.0,
            warmup_steps: WARMUP,
            total_steps: preset.steps,
        },
        weight_decay: WEIGHT_DECAY,
        seed,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The text the tests train on: the opening of *Emma*, as the page's tiny run uses.
    pub(in crate::learn) fn text() -> String {
        let sample: serde_json::Value = serde_json::from_slice(
            &std::fs::read(crate::repo_file("public/samples/austen.json")).unwrap(),
        )
        .unwrap();
        sample["text"].as_str().unwrap().to_string()
    }

    /// A checkpoint's files by name, as `OwnRun::resume` asks for them.
    pub(in crate::learn) fn files_of<'a>(
        files: &'a [File],
    ) -> impl Fn(&'static str) -> Option<&'a [u8]> + 'a {
        move |name| files.iter().find(|(n, _)| *n == name).map(|(_, b)| b.as_slice())
    }

    /// A run stopped after 3 steps and resumed from its checkpoint takes the same steps as one
    /// that never stopped: the same losses, to float noise.
    #[test]
    fn a_resumed_run_continues_where_it_stopped() {
        let text = text();
        let mut straight = OwnRun::new(&text, "tiny", 5, "austen").unwrap();
        let vocab = straight.config().vocab_size;
        assert!(vocab > 259 && vocab <= 512, "{vocab}");
        assert_eq!(straight.encoding().vocab_size(), vocab);
        assert_eq!(straight.state().merges.len(), SHOWN_MERGES);
        let all: Vec<f32> = (0..6).map(|_| straight.step()).collect();

        let mut first = OwnRun::new(&text, "tiny", 5, "austen").unwrap();
        for _ in 0..3 {
            first.step();
        }
        let files = first.checkpoint(true).unwrap();
        assert_eq!(files.last().unwrap().0, STATE_FILE, "the state is written last");
        let mut resumed = OwnRun::resume(files_of(&files)).unwrap();
        assert_eq!(resumed.state().step, 3);
        assert_eq!(resumed.state().history.len(), 3);
        assert_eq!(resumed.state().prompt, "EMMA By Jane Austen");
        let rest: Vec<f32> = (0..3).map(|_| resumed.step()).collect();
        for (a, b) in all[3..].iter().zip(&rest) {
            assert!((a - b).abs() < 1e-4, "straight {all:?}, resumed {rest:?}");
        }
        assert_eq!(resumed.state().history.len(), 6);
        // A later checkpoint without the text's files still resumes, given the first one's.
        let mut later = resumed.checkpoint(false).unwrap();
        assert!(later.iter().all(|(n, _)| *n != TOKENS_FILE && *n != TOKENIZER_FILE));
        later.extend(files.into_iter().filter(|(n, _)| [TOKENS_FILE, TOKENIZER_FILE].contains(n)));
        assert_eq!(OwnRun::resume(files_of(&later)).unwrap().state().step, 6);
    }

    #[test]
    fn the_loss_falls_on_the_readers_text() {
        let mut run = OwnRun::new(&text(), "tiny", 1, "austen").unwrap();
        let losses: Vec<f32> = (0..30).map(|_| run.step()).collect();
        let vocab = run.config().vocab_size as f32;
        assert!((losses[0] - vocab.ln()).abs() < 0.3, "first loss {}", losses[0]);
        let late = losses[25..].iter().sum::<f32>() / 5.0;
        // Measured: 6.25 → 5.31 with vocabulary 512 on these 6 KB.
        assert!(late < losses[0] - 0.5, "loss should fall: {} → {late}", losses[0]);
        let (next, _) = run.sample(5, 8);
        assert_eq!(next.len(), 5);
    }

    #[test]
    fn refuses_what_it_cannot_train_on() {
        assert_eq!(OwnRun::new("x", "huge", 1, "").err(), Some(OwnError::Preset("huge".into())));
        assert_eq!(OwnRun::new(" \n\t", "tiny", 1, "").err(), Some(OwnError::Empty));
        let long = "a".repeat(MAX_OWN_BYTES + 1);
        assert_eq!(OwnRun::new(&long, "tiny", 1, "").err(), Some(OwnError::TooLong(long.len())));
        assert!(matches!(
            OwnRun::new("just a few words", "tiny", 1, ""),
            Err(OwnError::Tiny(TinyError::TooFewTokens(..)))
        ));
        let missing = OwnRun::resume(|_| None).err();
        assert_eq!(missing, Some(OwnError::Missing(STATE_FILE)));
    }

    #[test]
    fn the_file_names_are_the_model_directory_s() {
        assert_eq!(CONFIG_FILE, crate::gpt::weights::CONFIG_FILE);
        assert_eq!(WEIGHTS_FILE, crate::gpt::weights::WEIGHTS_FILE);
    }

    /// A training step's time per preset on this machine's CPU (burn's flex backend), for the
    /// chapter's closing note: `cargo test -p tumbler-model --release own::tests::step_times
    /// -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn step_times() {
        let text = std::fs::read_to_string(crate::repo_file("public/model/heldout.txt")).unwrap();
        for preset in crate::own::PRESETS {
            let mut run = OwnRun::new(&text, preset.name, 1, "austen").unwrap();
            run.step();
            let t0 = std::time::Instant::now();
            let n = 5;
            for _ in 0..n {
                run.step();
            }
            let ms = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
            eprintln!(
                "{}: {} parameters, {} tokens per step, {ms:.0} ms per step",
                preset.name,
                run.config().param_count(),
                preset.tokens_per_step()
            );
        }
    }
}
