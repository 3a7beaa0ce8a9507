//! The Tumbler's real next-token probabilities for "The cat sat on the …" (editable).

use leptos::prelude::*;

use crate::engine::NextLogits;
use crate::engine::live::{Answered, next_logits};
use crate::url_state::text_param;
use crate::widgets::live_panel::LivePanel;
use crate::widgets::token_bars::{TokenBar, TokenBars};
use crate::widgets::token_chips::group;

/// Candidates drawn.
const SHOWN: usize = 10;

/// What the trained Tumbler predicts after the reader's text.
#[component]
pub fn LiveNext() -> impl IntoView {
    let prompt = text_param("prompt", "The cat sat on the");
    let next = next_logits(prompt.into());
    let draw = move |answer: &Answered<NextLogits>| {
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
            format!(
                " Your text is longer than the model reads at once; it read the last {n} tokens."
            )
        });
        view! {
                    <div class="live-next-bars" data-read=next.tokens.concat()>
                        <TokenBars rows=Signal::derive(move || rows.clone()) label="The Tumbler's most likely next tokens" relative=true/>
                    </div>
                    <p class="small">
                        {format!("These {SHOWN} tokens hold {:.1}% of the probability; the other {} share the rest. \
                                  The bars are drawn against the most likely token. \
                                  Forward pass: {:.0}\u{a0}ms.", shown * 100.0, group(next.logits.len() - SHOWN), next.millis)}
                        {cut}
                    </p>
                }
                .into_any()
    };
    view! {
        <LivePanel
            class="live-next"
            title="What the trained Tumbler predicts"
            label="Text to continue"
            text=prompt
            live=next
            loading="The Tumbler is loading; its predictions for your text appear here when it is ready."
            working="Running the Tumbler on your text…"
            draw
            maxlength=2000
        >
            <p>
                "Step 2 of the loop, for real: our small model, after its pre-training, reads your \
                 text in this page and gives a probability to every token that could come next. \
                 Edit the text to see the prediction move."
            </p>
        </LivePanel>
    }
}
