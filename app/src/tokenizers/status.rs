//! What a reader sees while a vocabulary is not ready: download progress, a failure with a
//! retry button, or the note that the Tumbler's tokenizer has not been trained yet.

use leptos::prelude::*;
use tumbler_model::tokenizer::EncodingName;

use super::Vocab;
use crate::widgets::token_chips::group;

/// Progress, failure or absence of `name`'s vocabulary; nothing once it is ready.
#[component]
pub fn VocabStatus(
    /// The encoding whose vocabulary this reports on.
    name: EncodingName,
    /// Its state, from [`super::vocab`].
    vocab: ArcRwSignal<Vocab>,
) -> impl IntoView {
    move || match vocab.get() {
        Vocab::Ready(_) => ().into_any(),
        Vocab::Loading { received, total } => {
            let kb = |n: u64| group((n / 1024) as usize);
            let text = match total {
                Some(t) => {
                    format!("Downloading the {} vocabulary: {} of {} KB", name, kb(received), kb(t))
                }
                None => format!("Downloading the {} vocabulary: {} KB", name, kb(received)),
            };
            let (value, max) = match total {
                Some(t) if t > 0 => (received.min(t).to_string(), t.to_string()),
                _ => (String::new(), String::new()),
            };
            view! {
                <div class="vocab-status" data-vocab-state="loading" role="status">
                    <progress value=value max=max aria-label=format!("{name} vocabulary download")></progress>
                    <span>{text}</span>
                </div>
            }
            .into_any()
        }
        Vocab::Parsing => view! {
            <div class="vocab-status" data-vocab-state="loading" role="status">
                <progress aria-label=format!("{name} vocabulary")></progress>
                <span>{format!("Building the {name} tables…")}</span>
            </div>
        }
        .into_any(),
        Vocab::NotTrained => view! {
            <div class="vocab-status note" data-vocab-state="not-trained" role="status">
                "The Tumbler's own tokenizer is not trained yet, so there are no Tumbler ids to \
                 show. It appears here once its tokenizer.json is published with the model."
            </div>
        }
        .into_any(),
        Vocab::Failed(why) => view! {
            <div class="vocab-status error" data-vocab-state="error" role="alert">
                <span>{format!("Could not load the {name} vocabulary: {why}.")}</span>
                <button type="button" on:click=move |_| super::retry(name)>"Retry"</button>
            </div>
        }
        .into_any(),
    }
}
