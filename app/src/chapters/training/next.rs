//! The Tumbler's real next-token probabilities for "The cat sat on the …" (editable).

use leptos::prelude::*;

use crate::engine;
use crate::engine::live::next_logits;
use crate::url_state::text_param;
use crate::widgets::token_bars::{TokenBar, TokenBars};

/// Candidates drawn.
const SHOWN: usize = 10;

/// What the trained Tumbler predicts after the reader's text.
#[component]
pub fn LiveNext() -> impl IntoView {
    let prompt = text_param("prompt", "The cat sat on the");
    let next = next_logits(prompt.into());
    let bars = move || {
        next.answer.with(|a| match a {
            None => view! { <p class="note-live">"Running the Tumbler on your text…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            Some(Ok(answer)) => {
                let next = &answer.value;
                let rows: Vec<TokenBar> = next
                    .top
                    .iter()
                    .take(SHOWN)
                    .enumerate()
                    .map(|(i, t)| TokenBar::token(t.id, &t.text, f64::from(t.p), i == 0))
                    .collect();
                let shown: f64 = rows.iter().map(|r| r.p).sum();
                let n = next.tokens.len();
                let cut = (answer.cut || next.total_tokens > n).then(|| {
                    format!(" Your text is longer than the model reads at once; it read the last {n} tokens.")
                });
                view! {
                    <div class="live-next-bars" data-read=next.tokens.concat()>
                        <TokenBars rows=Signal::derive(move || rows.clone()) label="The Tumbler's most likely next tokens"/>
                    </div>
                    <p class="small">
                        {format!("These {SHOWN} tokens hold {:.1}% of the probability; the other {} share the rest. \
                                  Forward pass: {:.0} ms.", shown * 100.0, next.logits.len() - SHOWN, next.millis)}
                        {cut}
                    </p>
                }
                .into_any()
            }
        })
    };
    let body = engine::when_ready(
        "The Tumbler is loading; its predictions for your text appear here when it is ready.",
        move || view! { {bars} }.into_any(),
    );
    view! {
        <div class="panel live-next">
            <h2>"What the trained Tumbler predicts"</h2>
            <p>
                "Step 2 of the loop, for real: our small model, after its pre-training, reads your \
                 text in this page and gives a probability to every token that could come next. \
                 Edit the text to see the prediction move."
            </p>
            <textarea
                aria-label="Text to continue"
                rows="2"
                maxlength="2000"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            {move || next.pending.get().then(|| view! { <p class="muted" role="status">"updating…"</p> })}
            {body}
        </div>
    }
}
