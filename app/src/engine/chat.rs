//! Conversations with the Tumbler: the chat model's own loading state (the worker loads it on the
//! first request that needs it) and a reply streaming in token by token.

use leptos::prelude::*;
use tumbler_engine::{
    ChatMessage, DoneReason, GenerateOptions, GeneratedToken, Model, Query, TopToken,
};

use super::ask::{Stream, stream};
use super::state::{ChatModelState, chat_state, mb};

/// One generated token and the candidates it was drawn from.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyStep {
    /// The chosen token and its probability.
    pub token: TopToken,
    /// The most likely candidates at this step, most likely first.
    pub top: Vec<TopToken>,
    /// How long the step took in the worker, in milliseconds.
    pub millis: f64,
}

/// A reply as it streams in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatReply {
    /// The tokens so far.
    pub steps: Vec<ReplyStep>,
    /// Their text.
    pub text: String,
    /// Why it ended, once it has.
    pub done: Option<DoneReason>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl ChatReply {
    /// Whether more tokens may still come.
    pub fn running(&self) -> bool {
        self.done.is_none() && self.error.is_none()
    }

    /// Where a panel of these replies stands: an error if one failed, a result once one has a
    /// token, working before.
    pub fn shown<'a>(replies: impl IntoIterator<Item = &'a ChatReply>) -> super::Shown {
        let mut shown = super::Shown::Working;
        for r in replies {
            if r.error.is_some() {
                return super::Shown::Error;
            }
            if !r.steps.is_empty() {
                shown = super::Shown::Result;
            }
        }
        shown
    }

    /// The mean probability of the chosen tokens (NaN before the first).
    pub fn mean_p(&self) -> f64 {
        let n = self.steps.len();
        self.steps.iter().map(|s| f64::from(s.token.p)).sum::<f64>() / n as f64
    }
}

/// How a reply ended, in words.
pub fn ending(reason: DoneReason) -> &'static str {
    match reason {
        DoneReason::EndOfTurn => "It wrote <|im_end|>: its turn is over.",
        DoneReason::EndOfText => "It wrote <|endoftext|>.",
        DoneReason::Length => "It reached the length limit without closing its turn.",
        DoneReason::Context => "It filled the context window.",
        DoneReason::Stopped => "Stopped.",
    }
}

/// How a reply ended, as a clause after its token count in a table cell ("12 tokens, then it
/// ended its reply"): [`ending`]'s sentence, short; nothing for a run stopped or out of context.
pub fn ending_in_brief(reason: DoneReason) -> &'static str {
    match reason {
        DoneReason::EndOfTurn | DoneReason::EndOfText => ", then it ended its reply",
        DoneReason::Length => ", the most it may write here",
        DoneReason::Context | DoneReason::Stopped => "",
    }
}

/// The reason's name in the engine's messages (`end_of_turn`, `length`, …), for `data-reason`.
pub fn reason_id(reason: DoneReason) -> &'static str {
    match reason {
        DoneReason::Length => "length",
        DoneReason::Context => "context",
        DoneReason::EndOfText => "end_of_text",
        DoneReason::EndOfTurn => "end_of_turn",
        DoneReason::Stopped => "stopped",
    }
}

/// Asks `model` to answer `messages`; `reply` fills as the tokens arrive (every write is a
/// `try_`, as the chapter may be gone first). The reply runs while the returned handle is kept.
pub fn ask(
    model: Model,
    messages: Vec<ChatMessage>,
    options: GenerateOptions,
    reply: RwSignal<ChatReply>,
) -> Stream {
    reply.set(ChatReply::default());
    stream(
        Query::Chat { model, messages, options },
        move |step: GeneratedToken| {
            reply.try_update(|r| {
                // A stream asked again after a lost GPU starts over.
                if step.step == 0 {
                    r.steps.clear();
                }
                r.steps.push(ReplyStep { token: step.token, top: step.top, millis: step.millis });
                r.text = step.generated;
            });
        },
        move |end| {
            reply.try_update(|r| match end {
                Ok(reason) => r.done = Some(reason),
                Err(message) => r.error = Some(message),
            });
        },
    )
}

/// The chat model's download and load, where a chapter uses it: nothing once it is ready.
#[component]
pub fn ChatModelStatus() -> impl IntoView {
    let state = chat_state();
    move || match state.get() {
        ChatModelState::Loading { file, loaded, total } => {
            let (value, text) = match total {
                Some(t) if t > 0 => (
                    Some((loaded as f64 / t as f64).min(1.0)),
                    format!("Loading the chat model\u{a0}· {file} {} of {}", mb(loaded), mb(t)),
                ),
                _ => (None, format!("Loading the chat model\u{a0}· {file} {}", mb(loaded))),
            };
            view! {
                <p class="note-live chat-model-status" data-chat-model="loading">
                    {text} " "
                    <progress max="1" value=value aria-label="Chat model download"></progress>
                </p>
            }
            .into_any()
        }
        ChatModelState::Error { message } => view! {
            <p class="note-live engine-error" role="alert" data-chat-model="error">
                {message} " Ask again to retry."
            </p>
        }
        .into_any(),
        ChatModelState::Idle | ChatModelState::Ready { .. } => ().into_any(),
    }
}
