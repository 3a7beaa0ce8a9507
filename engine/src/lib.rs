//! The engine: the Tumbler (burn + its tokenizer) in a Web Worker, and the typed messages the page
//! and the worker exchange.
//!
//! The message types below compile everywhere and carry no tensor library, so the page depends on
//! this crate for them alone. The worker (`src/main.rs`, feature `worker`) runs the model on
//! WebGPU or on the CPU (burn's flex backend) and answers [`Request`]s with [`Reply`]s. Every
//! message crosses `postMessage` as one JSON string.

use serde::{Deserialize, Serialize};
pub use tumbler_model::chat::Role;
use tumbler_model::data::{Document, PipelineReport, Verdict};
pub use tumbler_model::generate::{DoneReason, GenerateOptions, TopToken, top_tokens};
use tumbler_model::gpt::{Array, TumblerConfig};
use tumbler_model::sampling::Rng;

/// The longest text, in tokens, a trace covers: a heatmap of T×T cells must stay quick to draw.
pub const MAX_TRACE_TOKENS: usize = 64;

/// The longest text, in tokens, a [`Request::Loss`] scores (at most the model's context too).
pub const MAX_LOSS_TOKENS: usize = 256;

/// The longest text, in bytes, the page sends for [`Request::Next`] or [`Request::Loss`]: a huge
/// paste is cut (and the page says so) before the worker spends seconds encoding what the model
/// would not read anyway.
pub const MAX_TEXT_BYTES: usize = 8192;

/// How many of the most likely next tokens a [`NextLogits`] names.
pub const NAMED_NEXT: usize = 64;

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn's wgpu backend on the browser's WebGPU, with our WGSL kernels.
    Webgpu,
    /// burn's flex backend: plain wasm on the CPU.
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

/// Where the model's files are, as absolute URLs (the page resolves them against its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUrls {
    /// `config.json`.
    pub config: String,
    /// `model.safetensors`.
    pub weights: String,
    /// The Tumbler's `tokenizer.json`.
    pub tokenizer: String,
}

/// Which of the Tumbler's two models answers.
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

/// What the page asks the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Request {
    /// Download the model and put it on `backend` (WebGPU falls back to the CPU if it fails).
    Load {
        /// The backend the page asks for.
        backend: Backend,
        /// The files to load.
        urls: ModelUrls,
        /// The chat model's files, loaded on the first [`Request::Chat`] that needs it.
        #[serde(default)]
        chat: Option<ModelUrls>,
    },
    /// One forward pass over `text`; the reply holds every layer's attention.
    Trace {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (its first [`MAX_TRACE_TOKENS`] tokens are traced).
        text: String,
    },
    /// Continue `prompt`, one [`Reply::Token`] per step, then [`Reply::Done`].
    Generate {
        /// Echoed in every reply of this run.
        id: u32,
        /// The text to continue.
        prompt: String,
        /// Length, temperature, seed.
        options: GenerateOptions,
    },
    /// The assistant's reply to `messages` in the chat template, one [`Reply::Token`] per step,
    /// then [`Reply::Done`] (at the model's `<|im_end|>`, or the length limit). The chat model
    /// loads first if it has not yet ([`Reply::ChatProgress`], [`Reply::ChatReady`]).
    Chat {
        /// Echoed in every reply of this run.
        id: u32,
        /// The model that answers: the fine-tuned one, or the base model to compare.
        model: Model,
        /// The conversation so far, the user's turn last; the oldest turns are left out when the
        /// prompt would leave no room for `options.max_tokens`.
        messages: Vec<ChatMessage>,
        /// Length, temperature, seed.
        options: GenerateOptions,
    },
    /// One forward pass over `text`; the reply holds the logits of the token that follows it.
    Next {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (its last context-length tokens are read).
        text: String,
    },
    /// One forward pass over `text`; the reply holds the loss of every token given the ones
    /// before it.
    Loss {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (its first [`MAX_LOSS_TOKENS`] tokens are scored).
        text: String,
    },
    /// Run the corpus pipeline (`tumbler_model::data`) over `documents`, all together as
    /// `tumbler corpus` did. Needs no model: it is answered while the model loads, or if it failed.
    Pipeline {
        /// Echoed in the reply.
        id: u32,
        /// The documents, in the order the verdicts come back.
        documents: Vec<Document>,
    },
    /// Stop the generation `id` after its current step.
    Stop {
        /// The run to stop.
        id: u32,
    },
    /// The embedding rows of `text`'s tokens, their nearest tokens by cosine and a 2-D map of
    /// the whole embedding matrix.
    Embeddings {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (its first [`MAX_EMBEDDED_TOKENS`] tokens are shown).
        text: String,
    },
    /// Greedy generation twice, with the KV cache and without it: one [`Reply::KvStep`] per step
    /// of each run, then [`Reply::Done`].
    KvCompare {
        /// Echoed in every reply.
        id: u32,
        /// The text to continue.
        prompt: String,
        /// Tokens per run at most.
        max_tokens: usize,
    },
    /// Time the forward pass at each length: one [`Reply::ForwardTime`] per length, then
    /// [`Reply::Done`].
    ForwardTimes {
        /// Echoed in every reply.
        id: u32,
        /// Sequence lengths in tokens (each at most the context length).
        lengths: Vec<usize>,
        /// Timed passes per length (after one untimed warm-up).
        repeats: usize,
    },
    /// Shuffle `text`'s tokens (all but the last) and compare the model's attention and
    /// next-token distribution before and after, with positions off and on.
    Permutation {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (at most [`MAX_PERMUTED_TOKENS`] tokens are used).
        text: String,
        /// Seed of the shuffle.
        seed: u64,
    },
    /// The SwiGLU gate values of one token of `text`, in every layer.
    Gates {
        /// Echoed in the reply.
        id: u32,
        /// The reader's text (its first [`MAX_TRACE_TOKENS`] tokens).
        text: String,
        /// The token to show; `None` is the last.
        position: Option<usize>,
    },
    /// Train a tiny Tumbler from scratch on `text`, in the worker, on the CPU: one
    /// [`Reply::LearnStart`], then one [`Reply::LearnStep`] per step, then [`Reply::Done`].
    /// [`Request::Stop`] ends it between two steps.
    Learn {
        /// Echoed in every reply.
        id: u32,
        /// The text it learns from (its first [`MAX_LEARN_BYTES`] bytes).
        text: String,
        /// The prompt whose continuation shows what the model has learnt so far.
        prompt: String,
        /// Steps to take (1 to [`MAX_LEARN_STEPS`]).
        steps: usize,
        /// Steps between two looks at the model's predictions for the prompt.
        sample_every: usize,
        /// Seed of the initial weights and of the batches.
        seed: u64,
    },
    /// One weight matrix of the loaded model, all its numbers.
    Weights {
        /// Echoed in the reply.
        id: u32,
        /// The block, 0 for the first.
        layer: usize,
        /// Which of the block's matrices: one of [`WEIGHT_MATRICES`].
        matrix: String,
    },
    /// Destroy the WebGPU device, as a driver reset would lose it (for the tests: the engine must
    /// move to the CPU and keep answering). An engine without a GPU device answers
    /// [`Reply::Failed`].
    DestroyGpu,
}

/// The most steps one [`Request::Learn`] takes.
pub const MAX_LEARN_STEPS: usize = 2000;
/// The most text, in bytes, the tiny model learns from.
pub const MAX_LEARN_BYTES: usize = 32 * 1024;
/// The weight matrices of a block, by their names in the weights file (`blocks.{layer}.{name}`).
pub const WEIGHT_MATRICES: [&str; 7] =
    ["attn.wq", "attn.wk", "attn.wv", "attn.wo", "mlp.w_gate", "mlp.w_up", "mlp.w_down"];

/// What the tiny model predicts for the prompt at one point of its training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnSample {
    /// Steps taken when it was asked (0: untrained).
    pub step: usize,
    /// Its greedy continuation of the prompt: each token its most likely next one.
    pub continuation: String,
    /// Its most likely next tokens after the prompt, most likely first.
    pub next: Vec<TopToken>,
}

/// The tiny model a [`Request::Learn`] trains, before its first step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnRun {
    /// Its hyper-parameters.
    pub config: TumblerConfig,
    /// Its number of parameters.
    pub params: usize,
    /// Tokens in the text it learns from.
    pub text_tokens: usize,
    /// Windows of text per step, B.
    pub batch_size: usize,
    /// Tokens per window, T.
    pub seq_len: usize,
    /// The prompt's tokens.
    pub prompt: Vec<String>,
    /// Its predictions with random weights.
    pub sample: LearnSample,
}

/// One block weight matrix of the loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightMatrix {
    /// Its name in the weights file, e.g. `blocks.0.mlp.w_gate`.
    pub name: String,
    /// Its numbers, (rows, cols): a token's vector (1, rows) times the matrix gives (1, cols).
    pub values: Array,
    /// Parameters of the whole model.
    pub model_params: usize,
}

/// The most tokens an embedding map labels.
pub const MAX_EMBEDDED_TOKENS: usize = 16;
/// The most tokens the permutation check shuffles.
pub const MAX_PERMUTED_TOKENS: usize = 24;
/// How many neighbours the embedding map lists per token.
pub const NEIGHBOURS: usize = 6;

/// A token and its cosine similarity with another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarToken {
    /// Token id.
    pub id: u32,
    /// The token as text.
    pub text: String,
    /// Cosine similarity of the two embedding rows.
    pub cosine: f32,
}

/// One of the reader's tokens in the embedding map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedToken {
    /// Token id: the row of the embedding matrix.
    pub id: u32,
    /// The token as text.
    pub text: String,
    /// Its row of the embedding matrix, C numbers.
    pub row: Vec<f32>,
    /// Where the 2-D projection puts it.
    pub point: [f32; 2],
    /// The tokens whose rows are most similar by cosine (itself excluded), most similar first.
    pub neighbours: Vec<SimilarToken>,
}

/// The Tumbler's embedding matrix seen from the reader's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingMap {
    /// The reader's tokens (duplicates once), in order.
    pub tokens: Vec<EmbeddedToken>,
    /// How many tokens the text has.
    pub total_tokens: usize,
    /// Every row of the matrix projected onto its first two principal components, by token id.
    pub points: Vec<[f32; 2]>,
    /// The share of the variance each of the two components explains.
    pub explained: [f32; 2],
    /// How long the worker took, in milliseconds (the projection is computed once per model).
    pub millis: f64,
}

/// One setting (positions off or on) of the permutation check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationRun {
    /// Whether rotary position embeddings were applied.
    pub positions: bool,
    /// Layer 0: how the last token spreads its attention over the tokens, (nh, T), tokens in the
    /// original order.
    pub original: Array,
    /// The same after the shuffle, read back into the original order of the tokens, (nh, T).
    pub shuffled: Array,
    /// The largest difference between the two, over heads and tokens.
    pub attention_diff: f32,
    /// The most likely next tokens for the original order.
    pub next_original: Vec<TopToken>,
    /// The most likely next tokens for the shuffled order.
    pub next_shuffled: Vec<TopToken>,
    /// The largest difference between the two next-token distributions, over the vocabulary.
    pub prob_diff: f32,
    /// The same difference in the last layer's attention of the last token, (nh, T) compared.
    pub last_layer_diff: f32,
}

/// The answer to [`Request::Permutation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationCheck {
    /// The tokens in their original order.
    pub tokens: Vec<String>,
    /// The shuffle: position i of the shuffled text holds original token `order[i]`; the last
    /// token stays last.
    pub order: Vec<usize>,
    /// Positions off, then on.
    pub runs: Vec<PermutationRun>,
}

/// The gate values of one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateTrace {
    /// The traced tokens.
    pub tokens: Vec<String>,
    /// The token shown.
    pub position: usize,
    /// Per layer, `silu(x W_gate)` for that token: (n_layers, d_ff).
    pub gates: Array,
}

/// The attention of one forward pass, as the heatmaps draw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionTrace {
    /// Token ids of the traced text.
    pub ids: Vec<u32>,
    /// The token strings, one per id.
    pub tokens: Vec<String>,
    /// How many tokens the whole text has (more than `ids.len()` when it was cut).
    pub total_tokens: usize,
    /// Per layer, the attention probabilities, (nh, T, T): row i is where token i looks.
    pub layers: Vec<Array>,
    /// The most likely tokens to follow the text, most likely first.
    pub next: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

/// What the model predicts after a text: the raw logits over its whole vocabulary. The page
/// reshapes them (temperature, top-k, top-p) with `tumbler_model::sampling`, the code the CLI and
/// the generator use, so a slider needs no new forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextLogits {
    /// The ids of the tokens the model read.
    #[serde(default)]
    pub ids: Vec<u32>,
    /// The tokens the model read: the text's last ones when it was cut.
    pub tokens: Vec<String>,
    /// How many tokens the text had (more than `tokens.len()` when it was cut).
    pub total_tokens: usize,
    /// The logit of every token in the vocabulary, by id: (V).
    pub logits: Vec<f32>,
    /// The [`NAMED_NEXT`] most likely next tokens at temperature 1, most likely first, with their
    /// text: the only ones the page draws by name.
    pub top: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

impl NextLogits {
    /// The text of token `id`, if it is among the named ones.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.top.iter().find(|t| t.id == id).map(|t| t.text.as_str())
    }
}

/// How surprised the model is by each token of a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenLosses {
    /// Token ids of the scored text.
    pub ids: Vec<u32>,
    /// The token strings, one per id.
    pub tokens: Vec<String>,
    /// How many tokens the whole text has (more than `ids.len()` when it was cut).
    pub total_tokens: usize,
    /// `losses[i]` = −ln p(token i+1 | tokens 0..=i), in nats: one per token after the first.
    pub losses: Vec<f32>,
    /// At each position, the token the model found most likely to come next (what it expected
    /// instead of token i+1).
    pub expected: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

impl LearnRun {
    /// Target tokens per step, B × T.
    pub fn tokens_per_step(&self) -> usize {
        self.batch_size * self.seq_len
    }
}

impl TokenLosses {
    /// The mean loss per predicted token, in nats (the training loss on this text).
    pub fn mean(&self) -> f64 {
        if self.losses.is_empty() {
            return f64::NAN;
        }
        self.losses.iter().map(|&l| f64::from(l)).sum::<f64>() / self.losses.len() as f64
    }
}

/// The first at most `max_bytes` bytes of `text`, cut at a character boundary.
pub fn head(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The last at most `max_bytes` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut start = text.len() - max_bytes;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Reply {
    /// The worker's wasm is running and listening.
    Started,
    /// Bytes of the model's files received so far.
    Progress {
        /// The file being read.
        file: String,
        /// Bytes of all files received so far.
        loaded: u64,
        /// Bytes of all files, where the server said.
        total: Option<u64>,
    },
    /// The model is loaded.
    Ready {
        /// The backend it runs on (the CPU when WebGPU was asked for but failed).
        backend: Backend,
        /// Its hyper-parameters.
        config: TumblerConfig,
        /// Number of parameters.
        params: usize,
        /// Why the backend differs from the one asked for, if it does.
        note: Option<String>,
    },
    /// The model could not be loaded; the page offers a retry.
    LoadFailed {
        /// What went wrong, for the reader.
        message: String,
    },
    /// Bytes of the chat model's files received so far.
    ChatProgress {
        /// The file being read.
        file: String,
        /// Bytes of all files received so far.
        loaded: u64,
        /// Bytes of all files, where the server said.
        total: Option<u64>,
    },
    /// The chat model is loaded (on the base model's backend).
    ChatReady {
        /// Number of parameters.
        params: usize,
    },
    /// The chat model could not be loaded; the next [`Request::Chat`] for it tries again.
    ChatLoadFailed {
        /// What went wrong, for the reader.
        message: String,
    },
    /// The answer to [`Request::Trace`].
    Trace {
        /// The request's id.
        id: u32,
        /// The attention of the pass.
        trace: AttentionTrace,
    },
    /// The answer to [`Request::Next`].
    Next {
        /// The request's id.
        id: u32,
        /// The logits after the text.
        next: NextLogits,
    },
    /// The answer to [`Request::Loss`].
    Loss {
        /// The request's id.
        id: u32,
        /// The loss of every token.
        loss: TokenLosses,
    },
    /// The answer to [`Request::Pipeline`].
    Pipeline {
        /// The request's id.
        id: u32,
        /// One per document, in the request's order.
        verdicts: Vec<Verdict>,
        /// Documents and bytes in and out of each stage.
        report: PipelineReport,
        /// How long the run took in the worker, in milliseconds.
        millis: f64,
    },
    /// One generated token.
    Token {
        /// The request's id.
        id: u32,
        /// 0 for the first generated token.
        step: usize,
        /// The chosen token.
        token: TopToken,
        /// The distribution it was drawn from (at the run's temperature, or 1 when greedy): the
        /// most likely tokens, most likely first.
        top: Vec<TopToken>,
        /// All the text generated so far.
        generated: String,
        /// How long this step took in the worker, in milliseconds.
        millis: f64,
    },
    /// The generation `id` ended.
    Done {
        /// The request's id.
        id: u32,
        /// Why.
        reason: DoneReason,
    },
    /// The answer to [`Request::Embeddings`].
    Embeddings {
        /// The request's id.
        id: u32,
        /// The map.
        map: EmbeddingMap,
    },
    /// One step of [`Request::KvCompare`].
    KvStep {
        /// The request's id.
        id: u32,
        /// Whether this run uses the KV cache.
        cached: bool,
        /// 0 for the first generated token.
        step: usize,
        /// The greedy token.
        token: TopToken,
        /// Tokens the forward pass processed: 1 with the cache (the prompt at step 0), the whole
        /// text so far without.
        processed: usize,
        /// Bytes of keys and values in the cache after the step (0 without the cache).
        cache_bytes: u64,
        /// How long the step took, logits read back included, in milliseconds.
        millis: f64,
    },
    /// The timings of one length of [`Request::ForwardTimes`].
    ForwardTime {
        /// The request's id.
        id: u32,
        /// Tokens in the pass.
        length: usize,
        /// Each timed pass, logits read back included, in milliseconds.
        millis: Vec<f64>,
    },
    /// The answer to [`Request::Permutation`].
    Permutation {
        /// The request's id.
        id: u32,
        /// The comparison.
        check: PermutationCheck,
    },
    /// The answer to [`Request::Gates`].
    Gates {
        /// The request's id.
        id: u32,
        /// The gate values.
        gates: GateTrace,
    },
    /// The tiny model of [`Request::Learn`] is built; its steps follow.
    LearnStart {
        /// The request's id.
        id: u32,
        /// The model, its text and its untrained predictions.
        run: LearnRun,
    },
    /// One training step of [`Request::Learn`].
    LearnStep {
        /// The request's id.
        id: u32,
        /// Steps taken, this one included.
        step: usize,
        /// The batch's loss before the update, in nats per token.
        loss: f32,
        /// How long the step (forward, backward, update) took, in milliseconds.
        millis: f64,
        /// The model's predictions after this step, every few steps.
        sample: Option<LearnSample>,
    },
    /// The answer to [`Request::Weights`].
    Weights {
        /// The request's id.
        id: u32,
        /// The matrix.
        weights: WeightMatrix,
    },
    /// A request failed (the model stays loaded).
    Failed {
        /// The request's id, if it had one.
        id: Option<u32>,
        /// What went wrong, for the reader.
        message: String,
    },
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

/// The shuffle of the permutation check: a seeded order of `0..t` that keeps the last index last
/// (the token whose next-token distribution is compared) and moves at least one other.
pub fn shuffle_order(t: usize, seed: u64) -> Vec<usize> {
    assert!(t >= 3, "a shuffle needs at least three tokens");
    let mut order: Vec<usize> = (0..t - 1).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        order.rotate_left(1);
    }
    order.push(t - 1);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let requests = [
            Request::Load {
                backend: Backend::Webgpu,
                urls: ModelUrls {
                    config: "http://x/c.json".into(),
                    weights: "http://x/m.safetensors".into(),
                    tokenizer: "http://x/t.json".into(),
                },
                chat: Some(ModelUrls {
                    config: "http://x/chat/c.json".into(),
                    weights: "http://x/chat/m.safetensors".into(),
                    tokenizer: "http://x/t.json".into(),
                }),
            },
            Request::Chat {
                id: 11,
                model: Model::Chat,
                messages: vec![
                    ChatMessage { role: Role::User, text: "Hi <|im_end|>".into() },
                    ChatMessage { role: Role::Assistant, text: "Hello.".into() },
                    ChatMessage { role: Role::User, text: "Who is Orson Kovats?".into() },
                ],
                options: GenerateOptions {
                    max_tokens: 48,
                    temperature: 0.0,
                    seed: 1,
                    top_k: None,
                    top_p: 1.0,
                },
            },
            Request::Trace { id: 3, text: "the cat <b>".into() },
            Request::Generate {
                id: 4,
                prompt: "Once".into(),
                options: GenerateOptions {
                    max_tokens: 8,
                    temperature: 0.0,
                    seed: 7,
                    top_k: Some(5),
                    top_p: 0.9,
                },
            },
            Request::Next { id: 5, text: "é\u{0}<script>".into() },
            Request::Loss { id: 6, text: "The cat".into() },
            Request::Pipeline {
                id: 7,
                documents: vec![Document {
                    id: "a".into(),
                    source: "test".into(),
                    url: Some("https://example.org/<b>".into()),
                    html: true,
                    text: "<p>caf\u{e9}</p>".into(),
                }],
            },
            Request::Stop { id: 4 },
            Request::Embeddings { id: 5, text: "king queen".into() },
            Request::KvCompare { id: 6, prompt: "Once".into(), max_tokens: 16 },
            Request::ForwardTimes { id: 7, lengths: vec![8, 256], repeats: 5 },
            Request::Permutation { id: 8, text: "a b c".into(), seed: 3 },
            Request::Gates { id: 9, text: "a b".into(), position: Some(1) },
            Request::Gates { id: 10, text: "a b".into(), position: None },
            Request::Learn {
                id: 11,
                text: "Emma Woodhouse".into(),
                prompt: "Emma".into(),
                steps: 300,
                sample_every: 10,
                seed: 1,
            },
            Request::Weights { id: 12, layer: 1, matrix: "mlp.w_up".into() },
            Request::DestroyGpu,
        ];
        for r in requests {
            assert_eq!(serde_json::from_str::<Request>(&r.to_json()).unwrap(), r);
        }
        let trace = AttentionTrace {
            ids: vec![1, 2],
            tokens: vec!["a".into(), "b".into()],
            total_tokens: 2,
            layers: vec![Array::new(vec![1, 2, 2], vec![1.0, 0.0, 0.25, 0.75])],
            next: vec![TopToken { id: 9, text: "c".into(), p: 0.5 }],
            millis: 1.5,
        };
        let replies = [
            Reply::Started,
            Reply::Progress { file: "model.safetensors".into(), loaded: 10, total: None },
            Reply::Ready {
                backend: Backend::Cpu,
                config: TumblerConfig::tiny(),
                params: 1,
                note: Some("WebGPU failed".into()),
            },
            Reply::LoadFailed { message: "404".into() },
            Reply::ChatProgress { file: "model.safetensors".into(), loaded: 5, total: Some(9) },
            Reply::ChatReady { params: 1_377_408 },
            Reply::ChatLoadFailed { message: "404".into() },
            Reply::Done { id: 11, reason: DoneReason::EndOfTurn },
            Reply::Trace { id: 3, trace },
            Reply::Next {
                id: 5,
                next: NextLogits {
                    ids: vec![464],
                    tokens: vec!["The".into()],
                    total_tokens: 1,
                    logits: vec![1.5, -2.25, 0.0],
                    top: vec![TopToken { id: 0, text: " cat".into(), p: 0.7 }],
                    millis: 2.0,
                },
            },
            Reply::Loss {
                id: 6,
                loss: TokenLosses {
                    ids: vec![1, 2],
                    tokens: vec!["The".into(), " cat".into()],
                    total_tokens: 3,
                    losses: vec![4.5],
                    expected: vec![TopToken { id: 7, text: " dog".into(), p: 0.2 }],
                    millis: 3.0,
                },
            },
            Reply::Done { id: 4, reason: DoneReason::EndOfText },
            Reply::Pipeline {
                id: 8,
                verdicts: vec![Verdict {
                    id: "a".into(),
                    dropped_at: None,
                    reason: None,
                    duplicate_of: None,
                    text: Some("mail <email>".into()),
                    pii: tumbler_model::data::pii::PiiCounts { emails: 1, ..Default::default() },
                }],
                report: PipelineReport::default(),
                millis: 12.5,
            },
            Reply::Embeddings {
                id: 5,
                map: EmbeddingMap {
                    tokens: vec![EmbeddedToken {
                        id: 2,
                        text: " king".into(),
                        row: vec![0.5, -0.25],
                        point: [1.0, -2.0],
                        neighbours: vec![SimilarToken {
                            id: 3,
                            text: " queen".into(),
                            cosine: 0.75,
                        }],
                    }],
                    total_tokens: 1,
                    points: vec![[0.0, 1.0], [2.0, 3.0]],
                    explained: [0.125, 0.0625],
                    millis: 3.5,
                },
            },
            Reply::KvStep {
                id: 6,
                cached: true,
                step: 0,
                token: TopToken { id: 1, text: " upon".into(), p: 0.5 },
                processed: 1,
                cache_bytes: 4096,
                millis: 2.0,
            },
            Reply::ForwardTime { id: 7, length: 8, millis: vec![1.0, 1.5] },
            Reply::Permutation {
                id: 8,
                check: PermutationCheck {
                    tokens: vec!["a".into(), "b".into(), "c".into()],
                    order: vec![1, 0, 2],
                    runs: vec![PermutationRun {
                        positions: false,
                        original: Array::new(vec![1, 3], vec![0.25, 0.25, 0.5]),
                        shuffled: Array::new(vec![1, 3], vec![0.25, 0.25, 0.5]),
                        attention_diff: 0.0,
                        next_original: vec![TopToken { id: 9, text: "d".into(), p: 0.5 }],
                        next_shuffled: vec![TopToken { id: 9, text: "d".into(), p: 0.5 }],
                        prob_diff: 0.0,
                        last_layer_diff: 0.125,
                    }],
                },
            },
            Reply::Gates {
                id: 9,
                gates: GateTrace {
                    tokens: vec!["a".into(), "b".into()],
                    position: 1,
                    gates: Array::new(vec![2, 2], vec![0.5, -0.25, 1.0, 0.0]),
                },
            },
            Reply::LearnStart {
                id: 11,
                run: LearnRun {
                    config: TumblerConfig::toy(4096),
                    params: 10,
                    text_tokens: 1500,
                    batch_size: 8,
                    seq_len: 32,
                    prompt: vec!["Emma".into()],
                    sample: LearnSample {
                        step: 0,
                        continuation: " the".into(),
                        next: vec![TopToken { id: 3, text: " the".into(), p: 0.001 }],
                    },
                },
            },
            Reply::LearnStep { id: 11, step: 1, loss: 8.25, millis: 40.5, sample: None },
            Reply::Weights {
                id: 12,
                weights: WeightMatrix {
                    name: "blocks.1.mlp.w_up".into(),
                    values: Array::new(vec![1, 2], vec![0.5, -0.25]),
                    model_params: 99,
                },
            },
            Reply::Failed { id: None, message: "bad".into() },
        ];
        for r in replies {
            assert_eq!(serde_json::from_str::<Reply>(&r.to_json()).unwrap(), r);
        }
        assert!(Request::Stop { id: 1 }.to_json().contains(r#""type":"Stop""#));
        assert_eq!(serde_json::to_string(&Backend::Webgpu).unwrap(), r#""webgpu""#);
        assert_eq!(serde_json::to_string(&DoneReason::EndOfTurn).unwrap(), r#""end_of_turn""#);
    }

    #[test]
    fn a_load_without_a_chat_model_still_reads() {
        // A page built before the chat model existed sends no `chat` field.
        let old = r#"{"type":"Load","backend":"cpu","urls":{"config":"c","weights":"w","tokenizer":"t"}}"#;
        let Request::Load { chat, .. } = serde_json::from_str(old).unwrap() else {
            panic!("a Load request")
        };
        assert_eq!(chat, None);
        let chat = r#"{"type":"Chat","id":1,"model":"base","messages":[{"role":"user","text":"Hi"}],
            "options":{"max_tokens":4,"temperature":0,"seed":0}}"#;
        let Request::Chat { model, messages, .. } = serde_json::from_str(chat).unwrap() else {
            panic!("a Chat request")
        };
        assert_eq!((model, messages[0].role), (Model::Base, Role::User));
    }

    #[test]
    fn generate_options_default_to_no_filter() {
        // A page built before top-k/top-p existed still sends a valid request.
        let old = r#"{"max_tokens":4,"temperature":0.5,"seed":1}"#;
        let options: GenerateOptions = serde_json::from_str(old).unwrap();
        assert_eq!(options.top_k, None);
        assert_eq!(options.top_p, 1.0);
    }

    #[test]
    fn head_and_tail_cut_at_character_boundaries() {
        assert_eq!(head("abc", 10), "abc");
        assert_eq!(tail("abc", 10), "abc");
        // "é" is two bytes: a cut through it moves to the nearest whole character inside.
        assert_eq!(head("aéb", 2), "a");
        assert_eq!(tail("aéb", 2), "b");
        assert_eq!(head("aéb", 3), "aé");
        assert_eq!(tail("aéb", 3), "éb");
        assert_eq!(head("🙂🙂", 5), "🙂");
        assert_eq!(tail("🙂🙂", 5), "🙂");
        assert_eq!(head("🙂", 3), "");
    }

    #[test]
    fn mean_loss_is_the_average_and_names_are_found() {
        let loss = TokenLosses {
            ids: vec![1, 2, 3],
            tokens: vec!["a".into(), "b".into(), "c".into()],
            total_tokens: 3,
            losses: vec![1.0, 2.0],
            expected: vec![],
            millis: 0.0,
        };
        assert_eq!(loss.mean(), 1.5);
        assert!(TokenLosses { losses: vec![], ..loss }.mean().is_nan());
        let next = NextLogits {
            ids: vec![],
            tokens: vec![],
            total_tokens: 0,
            logits: vec![0.0; 3],
            top: vec![TopToken { id: 2, text: "x".into(), p: 0.5 }],
            millis: 0.0,
        };
        assert_eq!(next.name(2), Some("x"));
        assert_eq!(next.name(1), None);
    }

    #[test]
    fn shuffles_keep_the_last_token_and_move_another() {
        for seed in 0..50 {
            for t in 3..10 {
                let order = shuffle_order(t, seed);
                assert_eq!(order[t - 1], t - 1);
                let mut sorted = order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..t).collect::<Vec<_>>());
                assert!(order.iter().enumerate().any(|(i, &o)| i != o), "{order:?}");
            }
        }
        assert_eq!(shuffle_order(6, 1), shuffle_order(6, 1));
    }
}
