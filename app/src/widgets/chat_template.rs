//! A conversation written out in the chat template, its special tokens highlighted. It takes the
//! template's pieces as plain data, so a marker typed inside a message is shown as the text it is.

use leptos::prelude::*;
use tumbler_model::chat::Piece;

/// One stretch of the written-out template.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateSpan {
    /// The text as the template writes it.
    pub text: String,
    /// What it is: `special-token`, `template-role`, `template-text` or `template-reply`.
    pub class: &'static str,
}

impl TemplateSpan {
    /// The spans of the template `pieces`.
    pub fn from_pieces(pieces: &[Piece<'_>]) -> Vec<TemplateSpan> {
        pieces
            .iter()
            .map(|piece| TemplateSpan {
                text: piece.as_str(),
                class: match piece {
                    Piece::Special(_) => "special-token",
                    Piece::Role(_) => "template-role",
                    Piece::Text(_) | Piece::Newline => "template-text",
                },
            })
            .collect()
    }
}

/// The template as preformatted text.
#[component]
pub fn ChatTemplate(
    /// The stretches, in order.
    #[prop(into)]
    spans: Signal<Vec<TemplateSpan>>,
    /// What the block shows, for screen readers.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <pre class="chat-template" role="figure" aria-label=label>
            {move || spans.get().into_iter().map(|s| view! { <span class=s.class>{s.text}</span> }).collect_view()}
        </pre>
    }
}
