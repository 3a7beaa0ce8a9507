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
        card.try_set(Some(fetch::json::<MoeCard>(CARD_URL).await));
    });
    move || {
        match card.get() {
        None => view! { <p class="muted">"Loading the expert model's training record…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="status">"The training record could not be loaded: " {e}</p> }.into_any(),
        Some(Ok(c)) => {
            let minutes = c.seconds / 60.0;
            view! {
                <figure class="panel moe-record" data-moe-record="" data-steps=c.steps data-moe-val-loss=c.moe_val_loss.to_string() data-dense-val-loss=c.dense_val_loss.to_string()>
                    <h3>{format!("The {}-expert Tumbler: its training record", c.config.n_experts)}</h3>
                    <p>{format!(
                        "Upcycled from the dense Tumbler's weights, then trained here: {} steps, {:.2}M tokens, {minutes:.0} minutes on 2 CPU cores. Each layer holds {} experts of width {}; each token runs the top {}.",
                        crate::calc::expr::group_thousands(c.steps as i128),
                        c.tokens_seen as f64 / 1e6,
                        c.config.n_experts,
                        c.config.d_expert,
                        c.config.top_k
                    )}</p>
                    <table class="numbers moe-record-losses">
                        <caption>"Validation loss, nats per token"</caption>
                        <tbody>
                            <tr><th scope="row">"the dense Tumbler"</th><td class="num">{format!("{:.3}", c.dense_val_loss)}</td></tr>
                            <tr><th scope="row">"the experts as upcycled, before training"</th><td class="num">{format!("{:.3}", c.upcycled_val_loss)}</td></tr>
                            <tr><th scope="row">"the experts after training"</th><td class="num">{format!("{:.3}", c.moe_val_loss)}</td></tr>
                        </tbody>
                    </table>
                    <figcaption class="small">{format!("Lower is better. Measured on the same {} held‑out tokens for both models. Load-balancing loss weight α\u{a0}=\u{a0}{}.", crate::calc::expr::group_thousands(c.val_tokens as i128), c.aux_weight)}</figcaption>
                </figure>
            }
            .into_any()
        }
    }
    }
}
