//! Supervised fine-tuning: conversations in a chat template with special tokens.

use leptos::prelude::*;
use tumbler_model::chat::{self, Role};
use tumbler_model::tokenizer::EncodingName;

use crate::tokenizers::{self, Vocab, VocabStatus};
use crate::widgets::token_chips::{Chip, TokenChips};

/// The example conversation.
const TURNS: [(Role, &str); 2] = [(Role::User, "What is 2+2?"), (Role::Assistant, "2 + 2 is 4.")];

/// The body of the `sft` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let rendered = chat::render(&TURNS);
    let rendered_for_tokens = rendered.clone();
    view! {
        <p>
            "A base model continues documents. Ask it a question and it may answer, or write three \
             more questions, or a forum thread. " <strong>"Supervised fine-tuning"</strong> " (SFT) \
             keeps training the same weights, now on hundreds of thousands of example conversations \
             written or reviewed by people, each showing a good assistant reply."
        </p>
        <h2>"The chat template"</h2>
        <p>
            "The conversations are flattened into one token sequence with a fixed layout. Special \
             tokens that never appear in ordinary text mark where each turn starts and ends and who \
             is speaking. In OpenAI's ChatML format it looks like this:"
        </p>
        <div class="panel">
            <pre class="chat-template" aria-label="A conversation in the ChatML template">
                {rendered.lines().map(|line| {
                    let mut parts = Vec::new();
                    let mut rest = line;
                    while let Some(start) = rest.find("<|") {
                        let end = rest[start..].find("|>").map_or(rest.len(), |e| start + e + 2);
                        if start > 0 { parts.push(view! { <span>{rest[..start].to_owned()}</span> }.into_any()); }
                        parts.push(view! { <span class="special-token">{rest[start..end].to_owned()}</span> }.into_any());
                        rest = &rest[end..];
                    }
                    if !rest.is_empty() { parts.push(view! { <span>{rest.to_owned()}</span> }.into_any()); }
                    view! { <span class="line">{parts}"\n"</span> }
                }).collect_view()}
            </pre>
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
        <TemplateTokens template=rendered_for_tokens/>
        <p class="note-live">
            "Live part not ready: comparing the Tumbler's base and fine-tuned versions on the same \
             prompt needs the in-page engine, which this build does not include yet."
        </p>
    }
}

/// The template as the Tumbler's own tokenizer cuts it, special tokens included, computed live.
#[component]
fn TemplateTokens(
    /// The conversation written out in the template.
    template: String,
) -> impl IntoView {
    let vocab = tokenizers::vocab(EncodingName::Tumbler);
    let state = vocab.clone();
    let chips = Signal::derive(move || match state.get() {
        Vocab::Ready(enc) => Chip::from_ids(&enc, &enc.encode_with_special_tokens(&template)),
        _ => Vec::new(),
    });
    let total = Signal::derive(move || chips.get().len());
    view! {
        <div class="panel">
            <h3>"The same conversation as the Tumbler's token ids"</h3>
            <VocabStatus name=EncodingName::Tumbler vocab/>
            <TokenChips
                encoding=EncodingName::Tumbler.as_str()
                chips
                total
                label="The chat template as Tumbler tokens"
            />
            <p class="small">
                {move || format!(
                    "{} tokens. Each <|im_start|> and <|im_end|> is one id of its own; the words \
                     between them are ordinary tokens.",
                    total.get()
                )}
            </p>
        </div>
    }
}
