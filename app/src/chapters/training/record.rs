//! The Tumbler's own pre-training, as its run recorded it: the loss curve drawn by `tumbler
//! train` and the numbers of `card.json`, written by `tumbler card` from the runs and its own
//! held-out measurements. Nothing here is typed in: a missing file is said, not filled in.

use leptos::prelude::*;
use serde_json::Value;

use crate::calc::expr::group_thousands;
use tumbler_engine::fetch;

const CARD_URL: &str = "public/model/card.json";
const CURVE_URL: &str = "public/model/loss_base.svg";

/// "12,345,678".
fn grouped(n: u64) -> String {
    group_thousands(i128::from(n))
}

/// The rows of the record table, (label, value), from `card.json`.
fn rows(card: &Value) -> Vec<(&'static str, String)> {
    let u = |v: &Value| v.as_u64().unwrap_or(0);
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let base = &card["base"];
    let chat = &card["chat"];
    vec![
        ("Parameters", grouped(u(&card["parameters"]))),
        (
            "Layers × heads × width",
            format!(
                "{} × {} × {}",
                u(&card["config"]["n_layers"]),
                u(&card["config"]["n_heads"]),
                u(&card["config"]["d_model"])
            ),
        ),
        ("Pre-training steps", grouped(u(&base["run"]["steps"]))),
        ("Tokens seen", grouped(u(&base["run"]["tokens_seen"]))),
        ("Wall-clock time", format!("{:.0} minutes", f(&base["run"]["seconds"]) / 60.0)),
        ("Hardware", card["hardware"].as_str().unwrap_or("").to_string()),
        (
            "Held-out loss, base → chat",
            format!(
                "{:.3} → {:.3} nats per token",
                f(&base["heldout"]["loss_nats_per_token"]),
                f(&chat["heldout"]["loss_nats_per_token"])
            ),
        ),
        ("Held-out perplexity, base", format!("{:.1}", f(&base["heldout"]["perplexity"]))),
        ("Held-out bits per byte, base", format!("{:.3}", f(&base["heldout"]["bits_per_byte"]))),
    ]
}

/// The loss curve and the run's numbers.
#[component]
pub fn TrainingRecord() -> impl IntoView {
    let card = RwSignal::new(None::<Result<Value, String>>);
    leptos::task::spawn_local(async move {
        card.set(Some(fetch::json::<Value>(CARD_URL).await));
    });
    view! {
        <div class="panel training-record" data-training-record="">
            <h2>"How the Tumbler was trained"</h2>
            <p>
                "The model in this guide went through exactly this loop, on the CPU of a two-core \
                 machine. Its loss curve, drawn by the training program itself: the training loss \
                 every ten steps and, every 250 steps, the loss on validation text it never trains on."
            </p>
            <figure>
                <img
                    src=CURVE_URL
                    class="loss-curve"
                    alt="The Tumbler's pre-training loss against training steps: training and validation loss fall steeply at first, then slowly."
                    width="720"
                />
                <figcaption>"Pre-training loss of the Tumbler (nats per token)."</figcaption>
            </figure>
            {move || match card.get() {
                None => view! { <p class="muted">"Loading the training record…"</p> }.into_any(),
                Some(Err(e)) => {
                    view! { <p class="error" role="status">"The training record could not be loaded: " {e}</p> }
                        .into_any()
                }
                Some(Ok(card)) => view! {
                    <table class="record-table">
                        <tbody>
                            {rows(&card)
                                .into_iter()
                                .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> })
                                .collect_view()}
                        </tbody>
                    </table>
                    <p class="muted">
                        "From " <a href="public/model/MODEL_CARD.md">"the model card"</a>
                        ", written by " <code>"tumbler card"</code> " from the run's records and its own \
                         measurement on held-out text."
                    </p>
                }
                .into_any(),
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(10_240_000), "10,240,000");
    }

    #[test]
    fn rows_read_the_card() {
        let card = serde_json::json!({
            "parameters": 1377408,
            "config": {"n_layers": 4, "n_heads": 4, "d_model": 128},
            "hardware": "2 cores of X",
            "base": {"run": {"steps": 2500, "tokens_seen": 10240000, "seconds": 5400.0},
                     "heldout": {"loss_nats_per_token": 4.0, "perplexity": 54.6, "bits_per_byte": 1.8}},
            "chat": {"heldout": {"loss_nats_per_token": 4.1}}
        });
        let r = rows(&card);
        assert_eq!(r[0].1, "1,377,408");
        assert_eq!(r[1].1, "4 × 4 × 128");
        assert_eq!(r[4].1, "90 minutes");
        assert_eq!(r[6].1, "4.000 → 4.100 nats per token");
        assert_eq!(r[8].1, "1.800");
    }
}
