//! The reader's own checkpoint: read from the files they chose, checked before use (the model's
//! crate says what it refuses and why), built on the CPU and, where the engine decodes on WebGPU,
//! on the GPU; then it replaces the base model for every question, the shipped Tumbler kept aside
//! to go back to. Anything wrong leaves the model in use as it was.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use burn::tensor::Device;
use tumbler_engine::fetch::download;
use tumbler_engine::{Backend, LoadStatus, Model, ModelUrls, OpenedModel, Reply};
use tumbler_model::decode::{CpuDecoder, DecodeWeights};
use tumbler_model::gpt::checkpoint::read::{from_safetensors, naming_of};
use tumbler_model::gpt::checkpoint::{
    MAX_IMPORTED_CONTEXT, Naming, check_browser_size, check_vocab, read_config,
};
use tumbler_model::tokenizer::Encoding;

use super::gpu::GpuSlot;
use super::io::{now, post};
use super::load::Loaded;
use super::state::{Failure, Worker};

/// Why a question cannot run on the reader's checkpoint, if it cannot: the chapters whose model
/// is the Tumbler's own (its chat model, fine-tuned from it with its tokenizer's chat tokens;
/// the mixture of experts upcycled from it).
pub fn needs_shipped(query: &tumbler_engine::Query) -> Option<&'static str> {
    use tumbler_engine::Query;
    match query {
        Query::Chat { .. } | Query::Quiz { .. } => {
            Some("the chat model is the Tumbler fine-tuned on conversations in its own tokens")
        }
        Query::DpoScore { .. } | Query::DpoTrain { .. } | Query::Rlhf { .. } => {
            Some("it compares the Tumbler's chat model with the base model it was fine-tuned from")
        }
        Query::Route { .. } => {
            Some("the mixture of experts was upcycled from the Tumbler and reads its tokens")
        }
        _ => None,
    }
}

impl Worker {
    /// Opens the checkpoint at `urls` and puts it in place of the base model.
    pub async fn open(
        self: &Rc<Self>,
        fallback_name: &str,
        urls: &ModelUrls,
    ) -> Result<OpenedModel, Failure> {
        let started = now();
        let current = self.loaded()?;
        let read = |file: &'static str, url: &str| {
            let url = url.to_string();
            async move {
                download(&url, false, |_, _| {})
                    .await
                    .map_err(|e| format!("{file} could not be read ({e})"))
            }
        };
        let config = read("config.json", &urls.config).await?;
        let checkpoint = read_config(&String::from_utf8_lossy(&config), fallback_name)
            .map_err(|e| e.to_string())?;
        let name = checkpoint.name.clone();
        let tokenizer = read("tokenizer.json", &urls.tokenizer).await?;
        let encoding = Encoding::from_tokenizer_json(&tokenizer)
            .map_err(|e| format!("tokenizer.json: {e}"))?;
        check_vocab(&checkpoint.config, encoding.vocab_size()).map_err(|e| e.to_string())?;
        let weights = read("model.safetensors", &urls.weights).await?;
        let file_bytes = weights.len() as u64;
        check_browser_size(&name, &checkpoint.config, file_bytes).map_err(|e| e.to_string())?;
        let naming = naming_of(&weights);
        let model = from_safetensors(&checkpoint, &weights, &Device::flex())
            .map_err(|e| format!("model.safetensors: {e}"))?;
        drop(weights);
        let fused = Arc::new(
            DecodeWeights::read_cpu(&model)
                .map_err(|e| format!("reading the weights for the CPU path: {e}"))?,
        );

        let asked = self.asked.get().unwrap_or(current.backend);
        let worker = Rc::downgrade(self);
        let on_lost = move |reason| {
            if let Some(worker) = worker.upgrade() {
                worker.gpu_lost(reason);
            }
        };
        let (gpu, backend, gpu_note) = self.gpu.decoder(asked, &fused, on_lost).await;
        let cut = checkpoint.context_cut_from.map(|from| {
            format!("its context of {from} positions is read up to {MAX_IMPORTED_CONTEXT}")
        });
        let note = match (cut, gpu_note.clone()) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let loaded = Loaded {
            model,
            encoding: Rc::new(encoding),
            backend: Backend::Cpu,
            note: None,
            fused: RefCell::new(CpuDecoder::new(fused)),
            gpu: GpuSlot::default(),
            opened: Some(name.clone()),
        }
        .with_gpu(gpu, backend, gpu_note);
        let config = loaded.model.config.clone();
        self.replace(loaded);
        Ok(OpenedModel {
            name: Some(name),
            params: config.param_count(),
            config,
            naming: match naming {
                Naming::Llama => "Llama",
                Naming::Tumbler => "Tumbler",
            }
            .to_string(),
            file_bytes,
            millis: now() - started,
            note,
        })
    }

    /// The shipped Tumbler back in place of the reader's checkpoint.
    pub fn use_shipped(&self) -> Result<OpenedModel, Failure> {
        let current = self.loaded()?;
        let shipped = match self.shipped.borrow_mut().take() {
            Some(shipped) => shipped,
            None if current.opened.is_none() => current,
            None => return Err("the shipped Tumbler is not loaded".into()),
        };
        let config = shipped.model.config.clone();
        let note = shipped.note.clone();
        self.space.borrow_mut().take();
        *self.loaded.borrow_mut() = Some(shipped.clone());
        post(&Reply::Load { model: Model::Base, status: shipped.ready() });
        Ok(OpenedModel {
            name: None,
            params: config.param_count(),
            config,
            naming: "Tumbler".into(),
            file_bytes: 0,
            millis: 0.0,
            note,
        })
    }

    /// Puts `loaded` in use, the shipped model set aside (once), and tells the page.
    fn replace(&self, loaded: Loaded) {
        let previous = self.loaded.borrow_mut().replace(Rc::new(loaded));
        if let Some(previous) = previous.filter(|p| p.opened.is_none()) {
            *self.shipped.borrow_mut() = Some(previous);
        }
        self.space.borrow_mut().take();
        let status: LoadStatus =
            self.loaded.borrow().as_ref().map(|l| l.ready()).expect("just set");
        post(&Reply::Load { model: Model::Base, status });
    }
}
