//! Loading the model and tokenizer the `sample`, `trace`, `eval` and `bench` commands share.
//!
//! With a trained model in the model directory (`config.json` + `model.safetensors`, plus the
//! Tumbler `tokenizer.json`), that is what runs. Without one, a seeded random model runs in its
//! place and stderr says so: the commands still show every mechanism, on noise.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::{Args, ValueEnum};
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::checkpoint::check_vocab;
use tumbler_model::gpt::checkpoint::read::load_dir;
use tumbler_model::gpt::{Tumbler, TumblerConfig, weights};
use tumbler_model::tokenizer::{Encoding, EncodingName};

/// Where the model comes from and where it runs.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Directory holding config.json and model.safetensors; tokenizer.json is read from it or
    /// from its parent.
    #[arg(long, default_value = "public/model/base")]
    pub model: PathBuf,
    /// Seed of the random model used when the directory holds no trained model.
    #[arg(long, default_value_t = 0)]
    pub model_seed: u64,
    /// Where the tensors live.
    #[arg(long, value_enum, default_value_t = Backend::Flex)]
    pub backend: Backend,
}

/// A burn device.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's pure-Rust CPU backend.
    Flex,
    /// burn's wgpu backend with our WGSL kernels (needs the `wgpu` feature and an adapter).
    Wgpu,
}

/// Turns text into ids and ids into token strings.
pub enum Codec {
    /// The Tumbler's BPE from tokenizer.json.
    Tumbler(Box<Encoding>),
    /// One token per UTF-8 byte: the fallback until a tokenizer is trained.
    Bytes,
}

impl Codec {
    pub fn encode(&self, text: &str) -> Vec<u32> {
        match self {
            Self::Tumbler(encoding) => encoding.encode(text),
            Self::Bytes => text.bytes().map(u32::from).collect(),
        }
    }
}

impl Vocab for Codec {
    fn bytes(&self, id: u32) -> Cow<'_, [u8]> {
        match self {
            Self::Tumbler(encoding) => encoding.bytes(id),
            Self::Bytes => Cow::Owned(u8::try_from(id).map(|b| vec![b]).unwrap_or_default()),
        }
    }
}

/// A loaded model and its tokenizer.
pub struct Engine {
    pub model: Tumbler,
    pub codec: Codec,
    pub device: Device,
}

impl Engine {
    pub fn load(args: &ModelArgs) -> anyhow::Result<Self> {
        let device = device(args.backend)?;
        let dir = &args.model;
        let trained =
            dir.join(weights::CONFIG_FILE).is_file() && dir.join(weights::WEIGHTS_FILE).is_file();
        let tokenizer_path = [dir.join("tokenizer.json"), dir.join("../tokenizer.json")]
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| dir.join("tokenizer.json"));
        let encoding = if tokenizer_path.is_file() {
            Some(
                Encoding::from_file(EncodingName::Tumbler, &tokenizer_path)
                    .with_context(|| format!("loading {}", tokenizer_path.display()))?,
            )
        } else {
            None
        };
        if trained {
            // Our own format or transformers' Llama, read the way the page reads a checkpoint.
            let (_, model) = load_dir(dir, &device)
                .with_context(|| format!("loading the model in {}", dir.display()))?;
            let codec = match encoding {
                Some(e) => {
                    check_vocab(&model.config, e.vocab_size())?;
                    Codec::Tumbler(Box::new(e))
                }
                None => bail!("{} holds a model but no tokenizer.json", dir.display()),
            };
            return Ok(Self { model, codec, device });
        }
        let config = TumblerConfig::small();
        let codec = match encoding {
            Some(e) if e.vocab_size() <= config.vocab_size => Codec::Tumbler(Box::new(e)),
            _ => Codec::Bytes,
        };
        eprintln!(
            "note: no trained model in {} (config.json + model.safetensors); running a RANDOM \
             model (TumblerConfig::small, seed {}) with {} — its outputs are noise",
            dir.display(),
            args.model_seed,
            match codec {
                Codec::Tumbler(_) => "the Tumbler tokenizer",
                Codec::Bytes => "a byte-level tokenizer (one token per UTF-8 byte)",
            }
        );
        let model = Tumbler::init(&config, args.model_seed, &device)?;
        Ok(Self { model, codec, device })
    }

    /// Encodes a prompt, refusing one the model cannot take.
    pub fn encode_prompt(&self, prompt: &str) -> anyhow::Result<Vec<u32>> {
        let ids = self.codec.encode(prompt);
        if ids.is_empty() {
            bail!("the prompt is empty");
        }
        let context = self.model.config.context_length;
        if ids.len() > context {
            bail!("the prompt is {} tokens; the model's context is {context}", ids.len());
        }
        Ok(ids)
    }
}

fn device(backend: Backend) -> anyhow::Result<Device> {
    match backend {
        Backend::Flex => Ok(Device::flex()),
        #[cfg(feature = "wgpu")]
        Backend::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| anyhow::anyhow!("no usable wgpu adapter: {e:?}")),
        #[cfg(not(feature = "wgpu"))]
        Backend::Wgpu => bail!("this tumbler was built without the `wgpu` feature"),
    }
}

/// Reads a text file with a clear error.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
