//! The messages: what the page asks ([`Request`], [`Query`]) and the lifecycle of every reply
//! ([`Reply`]): a load's status, then for each question one [`Answer`] or a stream of [`Step`]s
//! ended by `Done`, or `Failed`.

use serde::{Deserialize, Serialize};
use tumbler_model::chat::Role;
use tumbler_model::data::Document;
use tumbler_model::generate::{DoneReason, GenerateOptions};
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::inspect::QuizItem;
use tumbler_model::rl::task::Reward;
use tumbler_model::rlhf::{PreferencePair, SampleOptions};
use tumbler_model::tokenizer::EncodingName;
use tumbler_model::why::Component;

use crate::answers::{Answer, Step};
use crate::text::TextPiece;

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Decoding with our WGSL kernels on the browser's WebGPU (everything else on the CPU).
    Webgpu,
    /// The fused CPU path and burn's flex backend: plain wasm on the CPU.
    Cpu,
}

impl Backend {
    /// The value of the status element's `data-backend`.
    pub fn id(self) -> &'static str {
        match self {
            Backend::Webgpu => "webgpu",
            Backend::Cpu => "cpu",
        }
    }
}

/// Where a model's files are, as absolute URLs (the page resolves them against its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUrls {
    /// `config.json`.
    pub config: String,
    /// `model.safetensors`.
    pub weights: String,
    /// The Tumbler's `tokenizer.json`.
    pub tokenizer: String,
}

/// Which of the Tumbler's two models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// The pre-trained model: it continues documents.
    Base,
    /// The base model after supervised fine-tuning on conversations in the chat template.
    Chat,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// What they wrote (always ordinary text: a typed `<|im_end|>` stays characters).
    pub text: String,
}

/// What the page tells the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Request {
    /// Download the base model and put it on `backend` (WebGPU falls back to the CPU if it
    /// fails); the chat model's files load on the first question that needs them.
    Load {
        /// The backend the page asks for.
        backend: Backend,
        /// The base model's files.
        urls: ModelUrls,
        /// The chat model's files.
        #[serde(default)]
        chat: Option<ModelUrls>,
    },
    /// A question; every reply to it carries `id`.
    Ask {
        /// Chosen by the page, unique among its questions.
        id: u32,
        /// What is asked.
        query: Query,
    },
    /// Stop the stream `id` after its current step.
    Stop {
        /// The stream to stop.
        id: u32,
    },
    /// Destroy the WebGPU device, as a driver reset would lose it (for the tests: the engine must
    /// move to the CPU and keep answering). An engine without a GPU device answers
    /// [`Reply::Failed`].
    DestroyGpu,
}

/// A question about the model or with it. Each is answered by one [`Answer`] of its kind, or (the
/// streams: generation, chat, the KV comparison, the timings, training) by [`Step`]s and `Done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Query {
    /// Every layer's attention over `text` (its first [`MAX_TRACE_TOKENS`] tokens).
    ///
    /// [`MAX_TRACE_TOKENS`]: crate::MAX_TRACE_TOKENS
    Trace { text: String },
    /// The logits of the token after `text`.
    Next { text: String },
    /// The loss of every token of `text`.
    Loss { text: String },
    /// The loss of each token of `answer` read after each of `contexts` (the memory chapter).
    AnswerLoss { contexts: Vec<String>, answer: String },
    /// The SwiGLU gate values of one token of `text` (`None`: the last), in every layer.
    Gates { text: String, position: Option<usize> },
    /// Shuffle `text`'s tokens (all but the last), positions off and on.
    Permutation { text: String, seed: u64 },
    /// The embedding rows of `text`'s tokens, their neighbours and the whole matrix in 2-D.
    Embeddings { text: String },
    /// One weight matrix of block `layer`: one of [`WEIGHT_MATRICES`](crate::WEIGHT_MATRICES).
    Weights { layer: usize, matrix: String },
    /// The text of each token of `ids` (at most [`MAX_TOKEN_TEXTS`](crate::MAX_TOKEN_TEXTS)):
    /// tokens the page drew by id itself from a distribution it was sent.
    TokenTexts { ids: Vec<u32> },
    /// The corpus pipeline over `documents`, as `tumbler corpus` runs it. Needs no model.
    Pipeline { documents: Vec<Document> },
    /// Continue `prompt`: a stream of tokens.
    Generate { prompt: String, options: GenerateOptions },
    /// `model`'s reply to `messages` in the chat template (the oldest turns are left out when the
    /// prompt would leave no room for `options.max_tokens`): a stream of tokens.
    Chat { model: Model, messages: Vec<ChatMessage>, options: GenerateOptions },
    /// Greedy generation with the KV cache, then without it: a stream of steps.
    KvCompare { prompt: String, max_tokens: usize },
    /// The forward pass timed at each length, `repeats` times after one warm-up.
    ForwardTimes { lengths: Vec<usize>, repeats: usize },
    /// How fast this worker decodes (on its GPU decoder where it has one, else on the CPU path):
    /// `tokens` tokens timed after as many untimed (the backend choice's measurement).
    DecodeSpeed { tokens: usize },
    /// The GPU decoder against the CPU path on `text`: logits, `tokens` greedy tokens, and what
    /// each token asked of the GPU (WebGPU builds on WebGPU only).
    GpuCheck { text: String, tokens: usize },
    /// Train a tiny Tumbler from scratch on `text`, in the worker, on the CPU, looking at its
    /// predictions for `prompt` every `sample_every` steps.
    Learn { text: String, prompt: String, steps: usize, sample_every: usize, seed: u64 },
    /// The rl chapter's run: a toy policy fine-tuned on the task, then `rounds` rounds of
    /// group-relative policy gradient with `reward`, in the worker, on the CPU. Needs no model.
    Rl { seed: u64, reward: Reward, rounds: usize },
    /// The DPO loss of a preference pair: each reply's per-token log-probabilities after
    /// `prompt` in the chat template, under the chat model (the policy) and the base model (the
    /// reference), and every term of the loss at `beta`.
    DpoScore { prompt: String, chosen: String, rejected: String, beta: f64 },
    /// `steps` DPO steps on a copy of the chat model (AdamW at `lr`), the base model frozen as
    /// the reference: a stream of the loss's terms per step, with the copy's greedy reply of at
    /// most `reply_tokens` tokens before and after. The copy is dropped at the end.
    DpoTrain {
        prompt: String,
        chosen: String,
        rejected: String,
        beta: f64,
        lr: f64,
        steps: usize,
        reply_tokens: usize,
    },
    /// Each item's reply scored by the chat model after its question, in one pass per item
    /// (teacher forcing): the benchmarks chapter's contamination check.
    Quiz { items: Vec<QuizItem> },
    /// The rlhf chapter's run: a reward head trained on `pairs` over the chat model's hidden
    /// states (`rm_steps` steps), then `options.samples` replies to each of `prompts` sampled
    /// from the chat model, each rewarded by the head and checked against the word list at the
    /// URL `dictionary`: a stream.
    Rlhf {
        pairs: Vec<PreferencePair>,
        prompts: Vec<String>,
        rm_steps: usize,
        options: SampleOptions,
        dictionary: String,
    },
    /// Two toy students trained side by side from the same weights on windows of `text` (its
    /// first [`MAX_DISTILL_BYTES`](crate::MAX_DISTILL_BYTES)), one on the next tokens, one on the
    /// base model's distribution at `temperature` (mixed with the hard loss by `alpha`), measured
    /// on held-out windows: a stream of both students' numbers per step, in the worker, on the CPU.
    Distill { text: String, temperature: f32, alpha: f32, steps: usize, seed: u64 },
    /// Download the `moe` chapter's mixture-of-experts model (once per worker): a stream of
    /// [`MoeDownload`](crate::MoeDownload) steps, then `Done`.
    MoeLoad { urls: MoeUrls },
    /// Every router's choices over `text` (its first [`MAX_ROUTE_TOKENS`](crate::MAX_ROUTE_TOKENS)
    /// tokens, else an input error) in the mixture-of-experts model at `urls` (downloaded first if
    /// it is not yet), on the CPU in either worker build.
    Route { text: String, urls: MoeUrls },
    /// Train a fresh model of the preset `preset` (see [`PRESETS`]) on the reader's `text`, from
    /// `source` (a file's name or "pasted text"): a byte-level BPE trained on the text first, then
    /// the model, in the worker on the CPU, checkpointed every few steps into the browser's
    /// private file system ([`crate::opfs`]): a stream of [`OwnProgress`](crate::OwnProgress).
    /// Needs no model.
    ///
    /// [`PRESETS`]: tumbler_model::own::PRESETS
    OwnTrain { text: String, preset: String, source: String, seed: u64 },
    /// Go on with the run saved in the browser's private file system, from its newest checkpoint.
    OwnResume,
    /// The mmoe chapter's run: a toy two-task Multi-gate Mixture-of-Experts trained on the MMoE
    /// paper's synthetic tasks whose weight vectors have cosine `correlation`: a stream of both
    /// tasks' losses and both gates' mixtures, in the worker, on the CPU. Needs no model.
    Mmoe { correlation: f64, steps: usize, seed: u64 },
    /// The fused CPU path against burn's forward pass on `text`: all but its last `steps` tokens
    /// in one batch, then those one at a time with the KV cache, the logits compared at each
    /// (on the CPU in either worker build: in the browser, the wasm build's SIMD128 loops).
    FusedCheck { text: String, steps: usize },
    /// The why chapter's logit lens over `prompt` (at most [`MAX_WHY_TOKENS`] tokens) and the
    /// direct logit attribution of `target` (`None`: the model's top token) at `position`
    /// (`None`: the last), on the CPU in either worker build.
    ///
    /// [`MAX_WHY_TOKENS`]: crate::MAX_WHY_TOKENS
    Why { prompt: String, target: Option<u32>, position: Option<usize> },
    /// The next-token distribution at `position` with `components` ablated (zero, or `mean`).
    WhyAblate {
        prompt: String,
        components: Vec<Component>,
        mean: bool,
        target: Option<u32>,
        position: Option<usize>,
    },
    /// Patching `source`'s residual stream into `prompt`'s run at every depth and position: a
    /// stream of a setup, then one row per depth.
    WhyPatch { prompt: String, source: String, target: Option<u32>, position: Option<usize> },
    /// Open the reader's own checkpoint (`config.json` in our format or transformers' Llama,
    /// `tokenizer.json`, `model.safetensors`) from `urls` (the page's `blob:` URLs of the files
    /// they chose), checked before use; once it is built it replaces the base model for every
    /// question, and the load status says so. `name` is what to call it when its config does not
    /// say. Anything wrong is a [`Reply::Failed`] and the model in use stays.
    Open { name: String, urls: ModelUrls },
    /// Go back to the shipped Tumbler after [`Query::Open`].
    UseShipped,
    /// Load `encoding`'s vocabulary into the text worker (downloaded, or read from the Cache
    /// API, then parsed): a stream of [`VocabStep`](crate::VocabStep)s, then
    /// [`VocabLoaded`](crate::VocabLoaded). Needs no model; the text worker answers it, as the
    /// three below.
    Vocab { encoding: EncodingName },
    /// The tokens of each of `pieces` in `encoding`, the first `keep` of each with their bytes
    /// ([`text::encode`](crate::text::encode)); a long text streams its progress first.
    Encode { encoding: EncodingName, pieces: Vec<TextPiece>, keep: usize },
    /// Every merge the BPE encoder of `encoding` performs on `text` (a word or two).
    BpeMerges { encoding: EncodingName, text: String },
    /// The RAG prompt: as many of `sources` (title, text; best first) and `question` as fit in
    /// `budget` tokens of the Tumbler's chat template ([`tumbler_model::chat::fit_prompt_to`]).
    FitPrompt { sources: Vec<(String, String)>, question: String, budget: usize },
}

/// Where the `moe` chapter's model is, as absolute URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoeUrls {
    /// Its card, `moe.json`, which holds its config.
    pub card: String,
    /// `moe.safetensors`.
    pub weights: String,
}

impl Query {
    /// Whether the text worker (`tumbler-pipeline`: the corpus pipeline and the tokenizers)
    /// answers it, not the engine.
    pub fn for_text_worker(&self) -> bool {
        matches!(
            self,
            Query::Pipeline { .. }
                | Query::Vocab { .. }
                | Query::Encode { .. }
                | Query::BpeMerges { .. }
                | Query::FitPrompt { .. }
        )
    }

    /// Whether it is answered without a loaded model (while the model loads, or after it failed).
    pub fn needs_model(&self) -> bool {
        !matches!(
            self,
            Query::Pipeline { .. }
                | Query::Vocab { .. }
                | Query::Encode { .. }
                | Query::BpeMerges { .. }
                | Query::FitPrompt { .. }
                | Query::Rl { .. }
                | Query::Mmoe { .. }
                | Query::OwnTrain { .. }
                | Query::OwnResume
        )
    }
}

/// Where loading one of the models stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LoadStatus {
    /// Bytes of its files received so far.
    Progress {
        /// The file being read.
        file: String,
        /// Bytes of all its files received so far.
        loaded: u64,
        /// Bytes of all its files, where the server said.
        total: Option<u64>,
    },
    /// It is loaded (again, with a note, when a lost GPU moved it to the CPU).
    Ready {
        /// The backend it runs on (the CPU when WebGPU was asked for but failed).
        backend: Backend,
        /// Its hyper-parameters.
        config: TumblerConfig,
        /// Number of parameters.
        params: usize,
        /// Why the backend differs from the one asked for, if it does.
        note: Option<String>,
        /// The name of the reader's checkpoint ([`Query::Open`]) in use; `None`: the Tumbler.
        #[serde(default)]
        opened: Option<String>,
    },
    /// It could not be loaded: the page offers a retry (the chat model loads again with the next
    /// question that needs it).
    Failed {
        /// What went wrong, for the reader.
        message: String,
    },
}

impl LoadStatus {
    /// Its name, as the page's `data-engine-state` says it: `loading`, `ready` or `error`.
    pub fn id(&self) -> &'static str {
        match self {
            LoadStatus::Progress { .. } => "loading",
            LoadStatus::Ready { .. } => "ready",
            LoadStatus::Failed { .. } => "error",
        }
    }

    /// The loaded model's hyper-parameters, once it is ready.
    pub fn config(&self) -> Option<&TumblerConfig> {
        match self {
            LoadStatus::Ready { config, .. } => Some(config),
            _ => None,
        }
    }
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Reply {
    /// The worker's wasm is running and listening.
    Started,
    /// Where loading `model` stands.
    Load {
        /// The model loading.
        model: Model,
        /// How far it got.
        status: LoadStatus,
    },
    /// The answer to the question `id` (its last reply).
    Answer {
        /// The question's id.
        id: u32,
        /// The answer.
        answer: Answer,
    },
    /// One step of the stream `id`; `Done` or `Failed` follows the last.
    Step {
        /// The question's id.
        id: u32,
        /// The step.
        step: Step,
    },
    /// The stream `id` ended.
    Done {
        /// The question's id.
        id: u32,
        /// Why.
        reason: DoneReason,
    },
    /// The question `id` failed (the model stays loaded); with no id, a message that could not
    /// be read.
    Failed {
        /// The question's id, if it had one.
        id: Option<u32>,
        /// What went wrong, for the reader.
        message: String,
    },
}

impl Reply {
    /// The question it answers, and whether it is the last reply to it.
    pub fn question(&self) -> Option<(u32, bool)> {
        match self {
            Reply::Answer { id, .. }
            | Reply::Done { id, .. }
            | Reply::Failed { id: Some(id), .. } => Some((*id, true)),
            Reply::Step { id, .. } => Some((*id, false)),
            Reply::Started | Reply::Load { .. } | Reply::Failed { id: None, .. } => None,
        }
    }
}

impl Request {
    /// The JSON sent through `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests serialise")
    }
}

impl Reply {
    /// The JSON sent through `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("replies serialise")
    }
}
