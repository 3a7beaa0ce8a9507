//! The Tumbler's loss on every token of the reader's text, as a heatmap, with the mean loss and
//! the perplexity.

use leptos::prelude::*;
use tumbler_engine::MAX_LOSS_TOKENS;

use crate::calc::loss::{perplexity, shade};
use crate::engine::TokenLosses;
use crate::engine::live::{Answered, token_losses};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use crate::widgets::live_panel::LivePanel;
use crate::widgets::token_chips::lead_and_ink;

const DEFAULT_TEXT: &str = "Once upon a time, there was a little girl named Lily. She loved to play \
                            outside in the park with her friends.";

/// The live panel of the `loss` chapter.
#[component]
pub fn LiveLoss() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let losses = token_losses(text.into());
    let draw = move |answer: &Answered<TokenLosses>| {
        let l = &answer.value;
        let mean = l.mean();
        let n = l.ids.len();
        let cut = (answer.cut || l.total_tokens > n).then(|| {
            format!(
                " Your text is longer than {MAX_LOSS_TOKENS} tokens; only its first {n} are scored."
            )
        });
        let first = l.tokens.first().cloned().unwrap_or_default();
        let cells = l.tokens.iter().skip(1).zip(&l.losses).zip(&l.expected).enumerate().map(|(i, ((tok, &loss), exp))| {
                    let loss = f64::from(loss);
                    let title = format!(
                        "token {}: −ln p = {loss:.2} nats (p = {:.2}%); the model's top guess was “{}” ({:.1}%)",
                        i + 1, (-loss).exp() * 100.0, visible(&exp.text), exp.p * 100.0
                    );
                    view! {
                        <span class="tok" style=format!("--s: {:.3}", shade(loss)) data-loss=loss.to_string() title=title>{lead_and_ink(tok)}</span>
                    }
                }).collect_view();
        let scale = [0.0, 2.0, 4.0, 6.0, 8.0].into_iter().map(|x| view! {
                    <span class="swatch" style=format!("--s: {:.3}", shade(x))></span><span>{format!("{x:.0}")}</span>
                }).collect_view();
        view! {
                    <p class="loss-map" data-mean-loss=mean.to_string() data-scored=l.losses.len()>
                        <span class="tok first" title="the first token has nothing before it to be predicted from">{lead_and_ink(&first)}</span>
                        {cells}
                    </p>
                    <p class="loss-scale" aria-hidden="true">"−ln p in nats: " {scale}</p>
                    <p class="result">
                        {format!("Mean loss over {} predicted tokens: {mean:.3} nats per token; perplexity e", l.losses.len())}
                        <sup>{format!("{mean:.3}")}</sup>
                        {format!("\u{a0}=\u{a0}{:.1}. Forward pass: {:.0}\u{a0}ms.", perplexity(mean), l.millis)}
                        {cut}
                    </p>
                }
                .into_any()
    };
    view! {
        <LivePanel
            class="live-loss"
            title="The Tumbler's loss on your text"
            label="Text to score"
            text=text
            live=losses
            loading="The Tumbler is loading; its loss on your text appears here when it is ready."
            working="Scoring your text…"
            draw
            rows=3
        >
            <p>
                "Our small model reads your text in this page. Each token is shaded by how surprised \
                 the model was to see it after the tokens before it: a faint tint is expected, a \
                 strong one a surprise. Hover a token for its loss and the model's own guess."
            </p>
        </LivePanel>
    }
}
