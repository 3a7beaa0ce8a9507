//! A small chat with the fine-tuned Tumbler: the reader's messages and its replies streaming in,
//! the whole conversation in the chat template as the model reads it, and each reply token's
//! candidates.

use leptos::prelude::*;
use tumbler_model::chat::{self, IM_END, Piece};

use crate::engine::chat::{self as engine_chat, ChatModelStatus, ChatReply, ending, reason_id};
use crate::engine::{
    self, ChatMessage, ChatModelState, DoneReason, EngineReady, EngineState, GenerateOptions,
    Model, Role, Stream,
};
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::chat_template::{ChatTemplate, TemplateSpan};
use crate::widgets::prob_tokens::{ProbToken, ProbTokens};
use crate::widgets::token_bars::{TokenBar, TokenBars};

/// Tokens one reply may take at most.
const MAX_REPLY_TOKENS: usize = 64;

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// The written-out template: the finished turns, the assistant's opening, and the reply so far
/// (closed with `<|im_end|>` once the model wrote it).
fn template_spans(turns: &[ChatMessage], reply: &ChatReply) -> Vec<TemplateSpan> {
    let pairs: Vec<(Role, &str)> = turns.iter().map(|m| (m.role, m.text.as_str())).collect();
    let mut spans = TemplateSpan::from_pieces(&chat::pieces(&pairs, !pairs.is_empty()));
    if !reply.text.is_empty() {
        spans.push(TemplateSpan { text: reply.text.clone(), class: "template-reply" });
    }
    if reply.done == Some(DoneReason::EndOfTurn) {
        spans.extend(TemplateSpan::from_pieces(&[Piece::Special(IM_END), Piece::Newline]));
    }
    spans
}

/// The chat panel of the `inference` chapter.
#[component]
pub fn LiveChat() -> impl IntoView {
    let draft = text_param("say", "What is Python?");
    let temperature = number_param("ct", 0.0, 0.0, 2.0);
    let seed = number_param("cseed", 1.0, 0.0, 9999.0);
    // Every turn so far but the latest reply, which streams into `reply`.
    let turns = RwSignal::new(Vec::<ChatMessage>::new());
    let reply = RwSignal::new(ChatReply::default());
    // The reply streams while its handle is kept; setting it to None stops it.
    let running = RwSignal::new(None::<Stream>);
    let picked = RwSignal::new(None::<usize>);
    let model = engine::use_engine().chat;
    Effect::new(move |_| {
        if !reply.with(ChatReply::running) {
            running.set(None);
        }
    });
    let send = move || {
        if running.with_untracked(Option::is_some) {
            running.set(None);
            return;
        }
        let text = draft.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let last = reply.get_untracked();
        turns.update(|t| {
            if !last.text.is_empty() {
                t.push(ChatMessage { role: Role::Assistant, text: last.text });
            }
            t.push(ChatMessage { role: Role::User, text });
        });
        draft.set(String::new());
        picked.set(None);
        let options = GenerateOptions {
            max_tokens: MAX_REPLY_TOKENS,
            temperature: temperature.get_untracked() as f32,
            seed: seed.get_untracked() as u64,
            top_k: None,
            top_p: 1.0,
        };
        running.set(Some(engine_chat::ask(Model::Chat, turns.get_untracked(), options, reply)));
    };
    let restart = move |_| {
        running.set(None);
        turns.set(Vec::new());
        reply.set(ChatReply::default());
        picked.set(None);
    };
    // Before the first message, the template shows the one being typed, as the model will read it
    // once sent: the box is never empty, and it changes as the reader types.
    let preview =
        move || turns.with(Vec::is_empty) && reply.with(|r| r.steps.is_empty() && r.done.is_none());
    let spans = Signal::derive(move || {
        if preview() {
            let text = draft.get().trim().to_string();
            let typed: Vec<ChatMessage> = (!text.is_empty())
                .then_some(ChatMessage { role: Role::User, text })
                .into_iter()
                .collect();
            template_spans(&typed, &ChatReply::default())
        } else {
            turns.with(|t| reply.with(|r| template_spans(t, r)))
        }
    });
    let reply_tokens = Signal::derive(move || {
        reply.with(|r| {
            r.steps
                .iter()
                .map(|s| ProbToken { id: s.token.id, text: s.token.text.clone(), p: s.token.p })
                .collect::<Vec<_>>()
        })
    });
    let shown = move || picked.get().or_else(|| reply.with(|r| r.steps.len().checked_sub(1)));
    let bars = Signal::derive(move || {
        let Some(i) = shown() else { return Vec::new() };
        reply.with(|r| {
            let Some(step) = r.steps.get(i) else { return Vec::new() };
            step.top
                .iter()
                .map(|t| TokenBar::token(t.id, &t.text, f64::from(t.p), t.id == step.token.id))
                .collect()
        })
    });
    let size = move || match (model.get(), engine::state().get()) {
        (ChatModelState::Ready { params }, _) | (_, EngineState::Ready { params, .. }) => {
            format!("{} parameters", crate::widgets::token_chips::group(params))
        }
        _ => "a little over a million parameters".to_string(),
    };
    let bubbles = move || {
        turns
            .get()
            .into_iter()
            .map(|m| {
                let class = match m.role {
                    Role::User => "chat-msg chat-user",
                    _ => "chat-msg chat-assistant",
                };
                view! { <p class=class data-role=m.role.as_str()>{m.text}</p> }
            })
            .collect_view()
    };
    let body = move || {
        view! {
            <div class="chat-log" aria-live="polite" aria-busy=move || running.with(Option::is_some).to_string()>
                {bubbles}
                <Show when=move || running.with(Option::is_some) || reply.with(|r| !r.steps.is_empty() || r.done.is_some())>
                    <p
                        class="chat-msg chat-assistant chat-reply"
                        data-generated=move || reply.with(|r| r.text.clone())
                        data-done=move || reply.with(|r| (!r.running()).to_string())
                        data-reason=move || reply.with(|r| r.done.map(reason_id).unwrap_or_default())
                    >
                        <ProbTokens tokens=reply_tokens label="The reply, token by token, with the probability of each" picked/>
                    </p>
                </Show>
                // Only once there is something to say: an empty paragraph's margins, in a flex
                // column where they do not collapse, made a blank band above the input.
                {move || reply.with(|r| match (&r.error, r.done) {
                    (Some(e), _) => Some(e.clone()),
                    (None, Some(reason)) => Some(ending(reason).to_string()),
                    (None, None) => None,
                }).map(|text| view! { <p class="small chat-outcome">{text}</p> })}
            </div>
            <ChatModelStatus/>
            <form class="chat-input" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <input
                    type="text"
                    aria-label="Your message"
                    maxlength="300"
                    placeholder="Ask the Tumbler something"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button type="submit" class="generate">
                    {move || if running.with(Option::is_some) { "Stop" } else { "Send" }}
                </button>
                <button type="button" class="restart" on:click=restart>"New conversation"</button>
            </form>
            <div class="controls">
                <Slider label="Temperature (0 = greedy)" value=temperature min=0.0 max=2.0 step=0.1/>
                <Slider label="Seed" value=seed min=0.0 max=99.0 step=1.0 format=whole/>
            </div>
            <h3>"What the model reads"</h3>
            {move || preview().then(|| view! {
                <p class="small muted chat-preview">
                    "Your message as it is typed, in the template the model will read once you \
                     press Send:"
                </p>
            })}
            <ChatTemplate spans label="The conversation in the chat template"/>
            <p class="small">
                "Highlighted: the template's special tokens, one id each. The page writes the \
                 template and stops at the opening of the assistant's turn; the model writes the \
                 rest and ends its turn with <|im_end|> itself."
            </p>
            {move || shown().map(|i| view! {
                <h3>{format!("Reply token {i}: the candidates it was drawn from")}</h3>
            })}
            <TokenBars rows=bars label="The most likely tokens at this step of the reply"/>
        }
    };
    view! {
        <div class="panel live-chat">
            <h2>"Chat with the fine‑tuned Tumbler"</h2>
            <p>
                "This is the Tumbler after supervised fine-tuning on a few thousand short question \
                 and answer pairs (see " <a href="#/sft">"fine-tuning"</a> "). It has "
                {size} ": the assistants people use have billions of parameters or more and were \
                 trained on trillions of tokens. Expect weak, often meaningless answers. What \
                 appears here is what the model really writes, unedited; each token is shaded by \
                 the probability it was chosen with (pick one to see the alternatives)."
            </p>
            <EngineReady loading="The Tumbler is loading; the chat starts when it is ready.">
                {body}
            </EngineReady>
        </div>
    }
}
