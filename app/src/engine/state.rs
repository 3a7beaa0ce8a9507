//! The engine's state as components see it: the base and chat models' states in signals,
//! provided through context.

use leptos::prelude::*;
use tumbler_engine::{Backend, LoadStatus};

/// Where the base model stands: the worker's own [`LoadStatus`] (progress while the worker's
/// code or the model's files load, with an empty file name for the worker's code).
pub type EngineState = LoadStatus;

/// The engine's signals, provided to every component by [`Engine::provide`].
#[derive(Clone, Copy)]
pub struct Engine {
    /// The base model's state.
    pub state: RwSignal<EngineState>,
    /// The chat model's state (loaded on the first question that needs it).
    pub chat: RwSignal<ChatModelState>,
    /// The backend of the worker the page starts (the status shows it while the model loads).
    pub asked: RwSignal<Backend>,
    /// Why that backend: forced, remembered, measured (see `choice`), or being measured.
    pub why: RwSignal<String>,
}

/// Where the chat model stands; the base model's state is [`state`].
#[derive(Clone, Debug, PartialEq)]
pub enum ChatModelState {
    /// No request has needed it yet.
    Idle,
    /// Its files are on their way.
    Loading {
        /// The file being read.
        file: String,
        /// Bytes so far.
        loaded: u64,
        /// Bytes in all, if the server said.
        total: Option<u64>,
    },
    /// Loaded.
    Ready {
        /// Its number of parameters.
        params: usize,
    },
    /// It did not load; the next request tries again.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// The engine, from a component under the app.
pub fn use_engine() -> Engine {
    expect_context::<Engine>()
}

/// The base model's state, from a component under the app.
pub fn state() -> RwSignal<EngineState> {
    use_engine().state
}

/// The loaded base model's parameter count, written out ("1,382,528"), once it is ready.
pub fn loaded_params() -> Option<String> {
    match state().get() {
        EngineState::Ready { params, .. } => Some(crate::widgets::token_chips::group(params)),
        _ => None,
    }
}

/// The chat model's state, from a component under the app.
pub fn chat_state() -> RwSignal<ChatModelState> {
    use_engine().chat
}

pub(crate) fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
