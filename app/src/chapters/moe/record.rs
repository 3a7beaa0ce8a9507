//! How the chapter's 8-expert model was made, as its training run recorded it in
//! `public/model/moe.json` (written by `tumbler moe --train`). Nothing here is typed in.

use leptos::prelude::*;
use tumbler_engine::fetch;
use tumbler_model::moe::MoeCard;

const CARD_URL: &str = "public/model/moe.json";

/// The run's numbers: steps, tokens, minutes, and validation loss against the dense Tumbler.
#[component]
pub fn MoeRecord() -> impl IntoView {
    let card = RwSignal::new(None::<Result<MoeCard, String>>);
    leptos::task::spawn_local(async move {
        card.set(Some(fetch::json::<MoeCard>(CARD_URL).await));
    });
    move || {
        match card.get() {
        None => view! { <p class="muted">"Loading the expert model's training record…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="status">"The training record could not be loaded: " {e}</p> }.into_any(),
        Some(Ok(c)) => {
            let minutes = c.seconds / 60.0;
            view! {
                <table class="dpo-table moe-record" data-moe-record="" data-steps=c.steps data-moe-val-loss=c.moe_val_loss.to_string() data-dense-val-loss=c.dense_val_loss.to_string()>
                    <caption>{format!("An {}-expert variant of the Tumbler, upcycled from its weights and trained {minutes:.0} minutes here", c.config.n_experts)}</caption>
                    <tbody>
                        <tr><th scope="row">"Experts per layer, run per token"</th><td>{format!("{} of width {}, top-{}", c.config.n_experts, c.config.d_expert, c.config.top_k)}</td></tr>
                        <tr><th scope="row">"Training"</th><td>{format!("{} steps, {:.2}M tokens, {minutes:.0} min on 2 CPU cores", c.steps, c.tokens_seen as f64 / 1e6)}</td></tr>
                        <tr><th scope="row">"Validation loss, dense Tumbler"</th><td>{format!("{:.3} nats per token", c.dense_val_loss)}</td></tr>
                        <tr><th scope="row">"Validation loss, experts as upcycled (before training)"</th><td>{format!("{:.3}", c.upcycled_val_loss)}</td></tr>
                        <tr><th scope="row">"Validation loss, experts after training"</th><td>{format!("{:.3}", c.moe_val_loss)}</td></tr>
                    </tbody>
                </table>
                <p class="muted small">{format!("Measured on the same {} held-out tokens for both models. Load-balancing loss weight α = {}.", crate::calc::expr::group_thousands(c.val_tokens as i128), c.aux_weight)}</p>
            }
            .into_any()
        }
    }
    }
}
