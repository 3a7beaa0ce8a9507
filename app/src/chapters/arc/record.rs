//! The Tumbler's own three phases, read from what its training runs recorded: the corpus report,
//! the fine-tuning data summary and the model card. A missing file is said, not filled in.

use leptos::prelude::*;
use serde_json::Value;

use crate::calc::expr::group_thousands;
use tumbler_engine::fetch;

const CARD_URL: &str = "public/model/card.json";
const SFT_URL: &str = "public/model/sft_data.json";
const CORPUS_URL: &str = "public/model/pipeline_report.json";

/// "12,345,678".
/// Text set inside “…”: its own straight double quotes become single ones (‘…’), so a quoted
/// question that quotes a word reads “What does ‘harbor’ mean?”, not “What does "harbor" mean?”.
fn inner_quotes(s: &str) -> String {
    let mut open = true;
    s.chars()
        .map(|c| {
            if c != '"' {
                return c;
            }
            open = !open;
            if open { '’' } else { '‘' }
        })
        .collect()
}

fn grouped(n: u64) -> String {
    group_thousands(i128::from(n))
}

/// One phase as the table shows it: (phase, data, training, result).
pub type Row = (&'static str, String, String, String);

/// The rows, from the three files.
pub fn rows(card: &Value, sft: &Value, corpus: &Value) -> Vec<Row> {
    let u = |v: &Value| v.as_u64().unwrap_or(0);
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let base = &card["base"];
    let chat = &card["chat"];
    let kept = corpus["stages"].as_array().and_then(|s| s.last()).cloned().unwrap_or(Value::Null);
    let sources = corpus["sources"].as_array().map_or(0, Vec::len);
    let per_source = sft["per_source"]
        .as_object()
        .map(|m| {
            m.iter().map(|(k, v)| format!("{k} {}", grouped(u(v)))).collect::<Vec<_>>().join(", ")
        })
        .unwrap_or_default();
    let base_sample = &card["samples"]["base"][1];
    let chat_sample = &card["samples"]["chat"][0];
    vec![
        (
            "Pre-training",
            format!(
                "{} documents, {:.1} MB of cleaned text from {sources} sources in the package registries",
                grouped(u(&kept["docs_out"])),
                f(&kept["bytes_out"]) / 1e6
            ),
            format!(
                "{} tokens seen in {} steps, {:.0} minutes on {}",
                grouped(u(&base["run"]["tokens_seen"])),
                grouped(u(&base["run"]["steps"])),
                f(&base["run"]["seconds"]) / 60.0,
                crate::calc::expr::plain_name(card["hardware"].as_str().unwrap_or("?"))
            ),
            format!(
                "a text continuer: held‑out loss {:.2} nats per token. “{}” → “…{}…”",
                f(&base["heldout"]["loss_nats_per_token"]),
                inner_quotes(base_sample["prompt"].as_str().unwrap_or("")),
                inner_quotes(
                    &base_sample["text"]
                        .as_str()
                        .unwrap_or("")
                        .trim_start()
                        .chars()
                        .take(90)
                        .collect::<String>()
                )
            ),
        ),
        (
            "Fine-tuning (SFT)",
            format!(
                "{} question–answer pairs ({per_source}); {} used for training, {} held back",
                grouped(u(&sft["pairs"])),
                grouped(u(&sft["train_examples"])),
                grouped(u(&sft["val_examples"]))
            ),
            format!(
                "{} steps, {:.0} minutes; loss only on the {} reply tokens",
                grouped(u(&chat["run"]["steps"])),
                f(&chat["run"]["seconds"]) / 60.0,
                grouped(u(&sft["train_reply_tokens"]))
            ),
            format!(
                "answers in the assistant's format: loss on held-back replies {:.2} → {:.2}. “{}” → “{}”",
                f(&chat["run"]["val_reply_loss_base_nats_per_token"]),
                f(&chat["run"]["val_reply_loss_chat_nats_per_token"]),
                inner_quotes(chat_sample["question"].as_str().unwrap_or("")),
                inner_quotes(chat_sample["reply"].as_str().unwrap_or(""))
            ),
        ),
        (
            "Reinforcement learning",
            "none".to_string(),
            "not done: the Tumbler has had no reinforcement-learning phase".to_string(),
            "—".to_string(),
        ),
    ]
}

async fn load() -> Result<(Value, Value, Value), String> {
    Ok((fetch::json(CARD_URL).await?, fetch::json(SFT_URL).await?, fetch::json(CORPUS_URL).await?))
}

/// The Tumbler's arc, phase by phase.
#[component]
pub fn TumblerArc() -> impl IntoView {
    let files = RwSignal::new(None::<Result<(Value, Value, Value), String>>);
    leptos::task::spawn_local(async move { files.set(Some(load().await)) });
    view! {
        <div class="panel tumbler-arc" data-tumbler-arc="">
            <h2>"The same arc, for this guide's own model"</h2>
            <p>
                "The Tumbler, the small model that runs in this page, went through the first two \
                 phases on a two-core machine. What its training runs recorded:"
            </p>
            {move || match files.get() {
                None => view! { <p class="muted">"Loading the Tumbler's training record…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="status">"The Tumbler's training record could not be loaded: " {e}</p>
                }
                    .into_any(),
                Some(Ok((card, sft, corpus))) => view! {
                    <table class="data-table stack">
                        <thead>
                            <tr>
                                <th scope="col">"Phase"</th>
                                <th scope="col">"Data"</th>
                                <th scope="col">"Training"</th>
                                <th scope="col">"Result"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows(&card, &sft, &corpus)
                                .into_iter()
                                .map(|(phase, data, training, result)| view! {
                                    <tr data-phase=phase>
                                        <th scope="row">{phase}</th>
                                        <td data-label="Data">{data}</td>
                                        <td data-label="Training">{training}</td>
                                        <td data-label="Result">{result}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any(),
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> Value {
        let path = tumbler_model::repo_file("public/model").join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn quotes_inside_a_quote_are_single() {
        assert_eq!(inner_quotes("What does \"harbor\" mean?"), "What does ‘harbor’ mean?");
        assert_eq!(inner_quotes("no quotes"), "no quotes");
    }

    #[test]
    fn the_rows_carry_the_recorded_numbers() {
        let (card, sft, corpus) =
            (file("card.json"), file("sft_data.json"), file("pipeline_report.json"));
        let rows = rows(&card, &sft, &corpus);
        assert_eq!(rows.len(), 3);
        let tokens = grouped(card["base"]["run"]["tokens_seen"].as_u64().unwrap());
        assert!(rows[0].2.starts_with(&tokens), "{}", rows[0].2);
        let docs = corpus["stages"].as_array().unwrap().last().unwrap()["docs_out"].as_u64();
        assert!(rows[0].1.starts_with(&grouped(docs.unwrap())), "{}", rows[0].1);
        assert!(rows[1].1.starts_with(&grouped(sft["pairs"].as_u64().unwrap())));
        assert!(!rows.iter().flat_map(|r| [&r.1, &r.2, &r.3]).any(|s| s.contains("NaN")));
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }
}
