//! Loading a model: its files downloaded and checked against each other, then built on a device.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use burn::tensor::Device;
use tumbler_engine::{Backend, LoadStatus, Model, ModelUrls, Reply};
use tumbler_model::decode::{CpuDecoder, DecodeWeights};
use tumbler_model::gpt::{Tumbler, TumblerConfig, weights};
use tumbler_model::inspect::Inspector;
use tumbler_model::tokenizer::Encoding;

use super::gpu::GpuSlot;
use super::io::post;
use tumbler_engine::fetch::{FetchError, download, forget};

/// A loaded model: burn's on the CPU (traces, losses, every question but decoding), the fused
/// CPU decoder, and on WebGPU the GPU decoder.
pub struct Loaded {
    pub model: Tumbler,
    pub encoding: Rc<Encoding>,
    /// Where it decodes: WebGPU when `gpu` holds a decoder.
    pub backend: Backend,
    /// Why the backend is not the one asked for, if it is not.
    pub note: Option<String>,
    /// The fused CPU path over the same weights, with its KV cache: how the CPU decodes.
    pub fused: RefCell<CpuDecoder>,
    /// The GPU decoder, where the model decodes on WebGPU (taken out while a step runs).
    pub gpu: GpuSlot,
    /// The name of the reader's checkpoint this is; `None`: the shipped Tumbler.
    pub opened: Option<String>,
}

impl Loaded {
    /// The model and its tokenizer, to ask about texts.
    pub fn inspector(&self) -> Inspector<'_> {
        Inspector::new(&self.model, &self.encoding)
    }

    /// Whether it decodes on WebGPU.
    pub fn on_gpu(&self) -> bool {
        self.backend == Backend::Webgpu
    }

    /// Decodes on WebGPU with `gpu` from now on (`note`: why not, when it did not start).
    pub fn with_gpu(mut self, gpu: GpuSlot, backend: Backend, note: Option<String>) -> Self {
        self.gpu = gpu;
        self.backend = backend;
        self.note = note;
        self
    }

    /// The status that says it is loaded.
    pub fn ready(&self) -> LoadStatus {
        LoadStatus::Ready {
            backend: self.backend,
            config: self.model.config.clone(),
            params: self.model.config.param_count(),
            note: self.note.clone(),
            opened: self.opened.clone(),
        }
    }

    /// The same model decoding on the CPU (everything else already runs there), with `note`
    /// saying why.
    pub fn on_cpu(&self, note: String) -> Loaded {
        Loaded {
            model: self.model.clone(),
            encoding: self.encoding.clone(),
            backend: Backend::Cpu,
            note: Some(note),
            fused: RefCell::new(CpuDecoder::new(self.fused.borrow().weights().clone())),
            gpu: GpuSlot::default(),
            opened: self.opened.clone(),
        }
    }
}

/// A model's files, downloaded and checked against each other.
pub struct Files {
    pub config: TumblerConfig,
    pub encoding: Rc<Encoding>,
    pub weights: Vec<u8>,
}

fn failed(file: &str, url: &str, e: FetchError) -> String {
    format!("{file} ({url}): {e}")
}

/// Downloads `model`'s files at `urls` (the tokenizer only when `encoding` is not given),
/// telling the page as bytes arrive.
pub async fn fetch_files(
    model: Model,
    urls: &ModelUrls,
    encoding: Option<Rc<Encoding>>,
) -> Result<Files, String> {
    let progress = |file: &'static str| {
        move |loaded, total| {
            let status = LoadStatus::Progress { file: file.to_string(), loaded, total };
            post(&Reply::Load { model, status });
        }
    };
    let config_bytes = download(&urls.config, false, progress("config.json"))
        .await
        .map_err(|e| failed("config.json", &urls.config, e))?;
    let config = TumblerConfig::from_json(&String::from_utf8_lossy(&config_bytes))
        .map_err(|e| format!("config.json: {e}"))?;

    let encoding = match encoding {
        Some(encoding) => encoding,
        None => {
            let tokenizer_bytes = download(&urls.tokenizer, true, progress("tokenizer.json"))
                .await
                .map_err(|e| failed("tokenizer.json", &urls.tokenizer, e))?;
            match Encoding::from_tokenizer_json(&tokenizer_bytes) {
                Ok(encoding) => Rc::new(encoding),
                Err(e) => {
                    forget(&urls.tokenizer).await;
                    return Err(format!("tokenizer.json: {e}"));
                }
            }
        }
    };
    if encoding.vocab_size() > config.vocab_size {
        return Err(format!(
            "tokenizer.json has {} tokens but config.json's vocabulary is {}: they belong to \
             different models",
            encoding.vocab_size(),
            config.vocab_size
        ));
    }

    let weights = download(&urls.weights, true, progress("model.safetensors"))
        .await
        .map_err(|e| failed("model.safetensors", &urls.weights, e))?;
    Ok(Files { config, encoding, weights })
}

/// The model of `files`, on the CPU (burn's flex and the fused path); weights that do not parse
/// are dropped from the cache.
pub async fn build(files: Files, urls: &ModelUrls) -> Result<Loaded, String> {
    let device = Device::flex();
    let model = match weights::from_safetensors(&files.config, &files.weights, &device) {
        Ok(model) => model,
        Err(e) => {
            forget(&urls.weights).await;
            return Err(format!("model.safetensors: {e}"));
        }
    };
    let fused = DecodeWeights::read_cpu(&model)
        .map_err(|e| format!("reading the weights for the CPU path: {e}"))?;
    Ok(Loaded {
        model,
        encoding: files.encoding,
        backend: Backend::Cpu,
        note: None,
        fused: RefCell::new(CpuDecoder::new(Arc::new(fused))),
        gpu: GpuSlot::default(),
        opened: None,
    })
}
