//! The base model and the fine-tuned one answering the same prompt, greedily, side by side.

use leptos::prelude::*;

use crate::engine::chat::{self as engine_chat, ChatModelStatus, ChatReply, ending, reason_id};
use crate::engine::{ChatMessage, EngineReady, GenerateOptions, Model, Role, Stream};
use crate::url_state::text_param;
use crate::widgets::prob_tokens::{ProbToken, ProbTokens};

/// Tokens each answer may take at most.
const MAX_TOKENS: usize = 48;

/// One model's answer.
#[component]
fn Answer(
    /// Which model wrote it.
    model: Model,
    /// Its answer as it streams in.
    reply: RwSignal<ChatReply>,
) -> impl IntoView {
    let (name, about) = match model {
        Model::Base => ("Base model", "pre-trained only"),
        Model::Chat => ("After SFT", "the same weights, fine-tuned on conversations"),
    };
    let tokens = Signal::derive(move || {
        reply.with(|r| {
            r.steps
                .iter()
                .map(|s| ProbToken { id: s.token.id, text: s.token.text.clone(), p: s.token.p })
                .collect::<Vec<_>>()
        })
    });
    let id = match model {
        Model::Base => "base",
        Model::Chat => "chat",
    };
    view! {
        <section
            class="compare-run"
            aria-live="polite"
            aria-busy=move || reply.with(|r| r.running().to_string())
            data-model=id
            data-generated=move || reply.with(|r| r.text.clone())
            data-done=move || reply.with(|r| (!r.running()).to_string())
            data-reason=move || reply.with(|r| r.done.map(reason_id).unwrap_or_default())
        >
            <h3>{name} <small>" · " {about}</small></h3>
            <p class="compare-text"><ProbTokens tokens label=format!("{name}: its answer, token by token")/></p>
            <p class="small">
                {move || reply.with(|r| match (&r.error, r.done) {
                    (Some(e), _) => e.clone(),
                    (None, Some(reason)) => format!("{} tokens. {}", r.steps.len(), ending(reason)),
                    (None, None) if r.steps.is_empty() => String::new(),
                    (None, None) => format!("{} tokens so far…", r.steps.len()),
                })}
            </p>
        </section>
    }
}

/// Base versus SFT on the reader's question.
#[component]
pub fn BaseVsChat() -> impl IntoView {
    let question = text_param("ask", "What does \"harbor\" mean?");
    let base = RwSignal::new(ChatReply::default());
    let tuned = RwSignal::new(ChatReply::default());
    // The answers run while their handles are kept: asking again (or leaving) stops them.
    let runs = StoredValue::new(Vec::<Stream>::new());
    let asked = RwSignal::new(false);
    let ask_now = move || {
        runs.set_value(Vec::new());
        let text = question.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let messages = vec![ChatMessage { role: Role::User, text }];
        // Greedy: each model's single most likely answer, so the two differ only by their weights.
        let options = GenerateOptions {
            max_tokens: MAX_TOKENS,
            temperature: 0.0,
            seed: 0,
            top_k: None,
            top_p: 1.0,
        };
        let ids = [(Model::Base, base), (Model::Chat, tuned)]
            .into_iter()
            .map(|(model, reply)| engine_chat::ask(model, messages.clone(), options, reply))
            .collect();
        runs.set_value(ids);
        asked.set(true);
    };
    let ask = move |_| ask_now();
    // Both models answer the default question as soon as the engine is ready.
    crate::engine::when_ready(ask_now);
    let shown = move || base.with(|b| tuned.with(|t| ChatReply::shown([b, t])));
    let body = move || {
        view! {
            <form class="chat-input" on:submit=move |ev| ev.prevent_default()>
                <input
                    type="text"
                    aria-label="Question for both models"
                    maxlength="200"
                    prop:value=move || question.get()
                    on:input=move |ev| question.set(event_target_value(&ev))
                />
                <button type="submit" class="generate" on:click=ask>"Ask both"</button>
            </form>
            <ChatModelStatus/>
            <Show when=move || asked.get()>
                <div class="sft-compare">
                    <Answer model=Model::Base reply=base/>
                    <Answer model=Model::Chat reply=tuned/>
                </div>
            </Show>
        }
    };
    view! {
        <div class="panel live-sft">
            <h2>"Base versus fine-tuned, on the same prompt"</h2>
            <p>
                "Both models read exactly the same tokens: your question in the chat template, \
                 ending with the opening of the assistant's turn. Both answer greedily (always \
                 the most likely token), so any difference comes from fine-tuning alone. Each \
                 token is shaded by the probability the model gave it."
            </p>
            <EngineReady loading="The Tumbler is loading; both models answer here when it is ready." shown=shown>
                {body}
            </EngineReady>
            <p class="small">
                "The base model never saw <|im_start|> or <|im_end|> during pre-training: to it \
                 they are unknown symbols in an odd document, and it rarely closes the turn. The \
                 fine-tuned model learned the layout: it answers in the style of its training \
                 replies and learned to close its turn, though on a hard question it may still run to \
                 the 48-token limit. At this size the content is still mostly wrong."
            </p>
        </div>
    }
}
