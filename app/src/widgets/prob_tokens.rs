//! Generated tokens, each shaded by the probability the model gave it when it was chosen, with the
//! percentage under it: how sure the model was, token by token.

use leptos::prelude::*;

use crate::widgets::attention_map::visible;

/// One chosen token.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbToken {
    /// Token id, for `data-token-id`.
    pub id: u32,
    /// The token's text.
    pub text: String,
    /// The probability it had when it was chosen, for `data-p`.
    pub p: f32,
}

/// The tokens in a row; with `picked`, each is a button that sets it to its index.
#[component]
pub fn ProbTokens(
    /// The tokens, in order.
    #[prop(into)]
    tokens: Signal<Vec<ProbToken>>,
    /// What the row shows, for screen readers.
    #[prop(into)]
    label: String,
    /// The token the reader picked, if the row is clickable.
    #[prop(optional)]
    picked: Option<RwSignal<Option<usize>>>,
) -> impl IntoView {
    view! {
        <span class="prob-tokens" role="list" aria-label=label>
            {move || tokens.get().into_iter().enumerate().map(|(i, t)| {
                let style = format!("--p: {:.3}", t.p.clamp(0.0, 1.0));
                let title = format!("p = {:.1}%", t.p * 100.0);
                let percent = format!("{:.0}%", t.p * 100.0);
                let text = visible(&t.text);
                let is_picked = move || picked.is_some_and(|p| p.get() == Some(i));
                view! {
                    <span role="listitem" class="prob-token" class:picked=is_picked data-token-id=t.id data-p=t.p.to_string() style=style title=title>
                        {match picked {
                            Some(p) => view! { <button type="button" class="tok" on:click=move |_| p.set(Some(i))>{text}</button> }.into_any(),
                            None => view! { <span class="tok">{text}</span> }.into_any(),
                        }}
                        <small>{percent}</small>
                    </span>
                }
            }).collect_view()}
        </span>
    }
}
