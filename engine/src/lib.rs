//! The engine: the Tumbler (burn + its tokenizer) in a Web Worker, and the typed messages the page
//! and the worker exchange.
//!
//! The message types below compile everywhere and carry no tensor library, so the page depends on
//! this crate for them alone. The worker (`src/main.rs`, feature `worker`) runs the model on
//! WebGPU or on the CPU (burn's flex backend) and answers [`Request`]s with [`Reply`]s. Every
//! message crosses `postMessage` as one JSON string.

use serde::{Deserialize, Serialize};
use tumbler_model::gpt::{Array, TumblerConfig};

/// The longest text, in tokens, a trace covers: a heatmap of T×T cells must stay quick to draw.
pub const MAX_TRACE_TOKENS: usize = 64;

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

/// How to pick each generated token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GenerateOptions {
    /// Tokens to generate at most (fewer if the context fills or the model ends the text).
    pub max_tokens: usize,
    /// Softmax temperature; 0 is greedy (always the most likely token).
    pub temperature: f32,
    /// Seed of the sampler: the same seed gives the same text.
    pub seed: u64,
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
    /// Stop the generation `id` after its current step.
    Stop {
        /// The run to stop.
        id: u32,
    },
}

/// One candidate next token and its probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopToken {
    /// Token id.
    pub id: u32,
    /// The token as text (`<0xNN>` for bytes that are not UTF-8 on their own).
    pub text: String,
    /// Its probability.
    pub p: f32,
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

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoneReason {
    /// It produced the number of tokens asked for.
    Length,
    /// The context window is full.
    Context,
    /// The model produced its end-of-text token.
    EndOfText,
    /// The page asked it to stop.
    Stopped,
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
    /// The answer to [`Request::Trace`].
    Trace {
        /// The request's id.
        id: u32,
        /// The attention of the pass.
        trace: AttentionTrace,
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

/// The `n` most likely entries of `probs`, most likely first (ties: smaller id first), with the
/// token text `name` gives each id.
pub fn top_tokens(probs: &[f32], n: usize, name: impl Fn(u32) -> String) -> Vec<TopToken> {
    let mut order: Vec<u32> = (0..probs.len() as u32).collect();
    order.sort_by(|&a, &b| probs[b as usize].total_cmp(&probs[a as usize]));
    order
        .into_iter()
        .take(n)
        .map(|id| TopToken { id, text: name(id), p: probs[id as usize] })
        .collect()
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
            },
            Request::Trace { id: 3, text: "the cat <b>".into() },
            Request::Generate {
                id: 4,
                prompt: "Once".into(),
                options: GenerateOptions { max_tokens: 8, temperature: 0.0, seed: 7 },
            },
            Request::Stop { id: 4 },
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
            Reply::Trace { id: 3, trace },
            Reply::Done { id: 4, reason: DoneReason::EndOfText },
            Reply::Failed { id: None, message: "bad".into() },
        ];
        for r in replies {
            assert_eq!(serde_json::from_str::<Reply>(&r.to_json()).unwrap(), r);
        }
        assert!(Request::Stop { id: 1 }.to_json().contains(r#""type":"Stop""#));
        assert_eq!(serde_json::to_string(&Backend::Webgpu).unwrap(), r#""webgpu""#);
    }

    #[test]
    fn top_tokens_are_sorted_and_named() {
        let top = top_tokens(&[0.1, 0.5, 0.1, 0.3], 3, |id| format!("t{id}"));
        let ids: Vec<u32> = top.iter().map(|t| t.id).collect();
        assert_eq!(ids, [1, 3, 0]);
        assert_eq!(top[0].text, "t1");
        assert_eq!(top[2].p, 0.1);
    }
}
