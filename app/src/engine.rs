//! The engine from the page's side: the Tumbler's worker started after the first paint, its
//! status, and questions asked of it.
//!
//! The worker (crate `tumbler-engine`) holds burn and the model; the page holds neither. A chapter
//! asks with [`ask`] (one answer, a future), [`stream`] (steps, stopped when its handle drops) or
//! [`latest`] (the answer to the latest of a changing input, asked when the reader pauses), and
//! shows its live panel inside [`EngineReady`], which waits for the model. The engine's state
//! reaches components through context ([`use_engine`]).

mod ask;
pub mod chat;
mod connection;
mod launch;
pub mod live;
mod status;

use leptos::prelude::*;

pub use ask::{Latest, Stream, ask, latest, latest_with, stream};
use chat::ChatModelState;
pub use launch::requested_backend;
pub use status::{EngineReady, EngineStatus};
pub use tumbler_engine::{
    AttentionTrace, Backend, ChatMessage, DoneReason, GenerateOptions, Model, NextLogits, Query,
    Role, TokenLosses,
};
use tumbler_model::gpt::TumblerConfig;

/// Where the engine stands.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineState {
    /// The worker or the model's files are on their way.
    Loading {
        /// The file being read (empty while the worker's own code loads).
        file: String,
        /// Bytes of it so far.
        loaded: u64,
        /// Its size, if the server said.
        total: Option<u64>,
    },
    /// The model is loaded and answers questions.
    Ready {
        /// Where it runs.
        backend: Backend,
        /// Its hyper-parameters.
        config: TumblerConfig,
        /// Its number of parameters.
        params: usize,
        /// Why it runs on another backend than the one asked for.
        note: Option<String>,
    },
    /// It could not load; [`retry`] tries again.
    Error {
        /// What went wrong, for the reader.
        message: String,
    },
}

impl EngineState {
    /// The value of `data-engine-state`.
    pub fn id(&self) -> &'static str {
        match self {
            EngineState::Loading { .. } => "loading",
            EngineState::Ready { .. } => "ready",
            EngineState::Error { .. } => "error",
        }
    }

    /// The loaded model's hyper-parameters, once it is ready.
    pub fn config(&self) -> Option<&TumblerConfig> {
        match self {
            EngineState::Ready { config, .. } => Some(config),
            _ => None,
        }
    }
}

/// The engine's signals, provided to every component by [`Engine::provide`].
#[derive(Clone, Copy)]
pub struct Engine {
    /// The base model's state.
    pub state: RwSignal<EngineState>,
    /// The chat model's state (loaded on the first question that needs it).
    pub chat: RwSignal<ChatModelState>,
    /// The backend of the worker the page starts (the status shows it while the model loads).
    pub asked: RwSignal<Backend>,
}

impl Engine {
    /// Makes the engine's signals, provides them to the components below, and starts the
    /// worker once the page has painted.
    pub fn provide() -> Engine {
        let engine = Engine {
            state: RwSignal::new(EngineState::Loading {
                file: String::new(),
                loaded: 0,
                total: None,
            }),
            chat: RwSignal::new(ChatModelState::Idle),
            asked: RwSignal::new(requested_backend()),
        };
        provide_context(engine);
        request_animation_frame(move || {
            set_timeout(move || connection::start(engine), std::time::Duration::ZERO)
        });
        engine
    }
}

/// The engine, from a component under the app.
pub fn use_engine() -> Engine {
    expect_context::<Engine>()
}

/// The base model's state, from a component under the app.
pub fn state() -> RwSignal<EngineState> {
    use_engine().state
}

/// Starts over: a fresh worker, a fresh download.
pub fn retry() {
    connection::restart();
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
