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
mod choice;
mod connection;
mod launch;
pub mod live;
mod open;
mod pipeline;
mod run_status;
mod state;
mod status;

use leptos::prelude::*;

pub use ask::{Latest, Stream, ask, ask_with_steps, latest, stream};
pub use launch::absolute;
use launch::requested_backend;
pub use open::OpenModel;
pub use pipeline::started as text_worker_started;
pub use run_status::{Run, RunStatus};
pub use state::{ChatModelState, Engine, EngineState, loaded_params, state, use_engine};
pub use status::{EngineReady, EngineStatus, Shown, when_ready, when_ready_and};
pub use tumbler_engine::{
    AttentionTrace, Backend, ChatMessage, DoneReason, GenerateOptions, Model, NextLogits, Query,
    Role, TokenLosses,
};

/// Makes the engine's signals, provides them to the components below, and starts the worker
/// once the page has painted.
pub fn provide() -> Engine {
    let engine = Engine {
        state: RwSignal::new(EngineState::Progress { file: String::new(), loaded: 0, total: None }),
        chat: RwSignal::new(ChatModelState::Idle),
        asked: RwSignal::new(requested_backend()),
        why: RwSignal::new(String::new()),
    };
    provide_context(engine);
    request_animation_frame(move || {
        set_timeout(move || connection::start(engine), std::time::Duration::ZERO)
    });
    engine
}
