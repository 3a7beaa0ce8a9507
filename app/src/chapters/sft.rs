//! Supervised fine-tuning: conversations in a chat template with special tokens.

mod compare;

use leptos::prelude::*;
use tumbler_model::chat::{self, Role};
use tumbler_model::tokenizer::EncodingName;

use crate::tokenizers::{self, VocabStatus};
use crate::url_state::text_param;
use crate::widgets::chat_template::{ChatTemplate, TemplateSpan};
use crate::widgets::token_chips::{Chip, TokenChips};

/// The example conversation.
const TURNS: [(Role, &str); 2] = [(Role::User, "What is 2+2?"), (Role::Assistant, "2 + 2 is 4.")];

/// The body of the `sft` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let spans = TemplateSpan::from_pieces(&chat::pieces(&TURNS, false));
    view! {
        <p>
            "A base model continues documents. Ask it a question and it may answer, or write three \
             more questions, or a forum thread. " <strong>"Supervised fine-tuning"</strong> " (SFT) \
             keeps training the same weights, now on example conversations written or reviewed by \
             people, each showing a good assistant reply: about 13,000 prompts for OpenAI's \
             InstructGPT, far more for today's assistants."
        </p>
        <h2>"The chat template"</h2>
        <p>
            "The conversations are flattened into one token sequence with a fixed layout. Special \
             tokens that never appear in ordinary text mark where each turn starts and ends and who \
             is speaking. In OpenAI's ChatML format it looks like this:"
        </p>
        <div class="panel">
            <ChatTemplate spans=spans label="A conversation in the ChatML template"/>
            <p class="small">"Highlighted: the special tokens. Each is a single token id of its own, not the characters it is written with."</p>
        </div>
        <p>
            "During fine-tuning the loss is usually counted only on the assistant's tokens: the model \
             learns to produce replies, not to imitate users. At chat time the program around the \
             model writes the template, ends the prompt with the start of an assistant turn, and lets \
             the model continue until it emits the end token."
        </p>
        <h2>"The persona shift"</h2>
        <p>
            "Nothing about the network changes, only its weights, and they change far less than in \
             pre-training. The knowledge still comes from pre-training; SFT teaches the format and a \
             persona: helpful, direct, willing to decline. The assistant is a statistical imitation \
             of the people who wrote the examples."
        </p>
        <TemplateTokens/>
        <compare::BaseVsChat/>
    }
}

/// The template as the Tumbler's own tokenizer cuts it, special tokens included, computed live on
/// the reader's own conversation.
#[component]
fn TemplateTokens() -> impl IntoView {
    let user = text_param("user", TURNS[0].1);
    let assistant = text_param("assistant", TURNS[1].1);
    let vocab = tokenizers::vocab(EncodingName::Tumbler);
    // The template's pieces: its markers with special tokens on; the typed text stays ordinary
    // text, so a typed <|im_end|> is characters, not the token.
    let encoded = tokenizers::live_encoded(EncodingName::Tumbler, move || {
        let (user, assistant) = (user.get(), assistant.get());
        let turns = [(Role::User, user.as_str()), (Role::Assistant, assistant.as_str())];
        tumbler_engine::text::chat_pieces(&chat::pieces(&turns, false))
    });
    let chips = Signal::derive(move || {
        encoded.get().map_or_else(Vec::new, |(_, e)| {
            e.pieces.iter().flat_map(|p| Chip::from_tokens(&p.tokens)).collect()
        })
    });
    let total = Signal::derive(move || chips.get().len());
    let field = |label: &'static str, value: RwSignal<String>| {
        view! {
            <label class="template-field">
                {label}
                <input
                    type="text"
                    maxlength="200"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <div class="panel live-template">
            <h3>"A conversation as the Tumbler's token ids"</h3>
            <div class="controls">
                {field("User", user)}
                {field("Assistant", assistant)}
            </div>
            <VocabStatus name=EncodingName::Tumbler vocab/>
            <TokenChips
                encoding=EncodingName::Tumbler.as_str()
                chips
                total
                label="The chat template as Tumbler tokens"
            />
            <p class="small">
                {move || format!(
                    "{} tokens. Each <|im_start|> and <|im_end|> is one id of its own; the role names \
                     and the words between them are ordinary tokens. Typing <|im_end|> into a \
                     message gives its characters, not the token: only the program writing the \
                     template can end a turn.",
                    total.get()
                )}
            </p>
        </div>
    }
}
