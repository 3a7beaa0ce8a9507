//! The Tumbler's own pre-training, as its run recorded it: the loss history beside the weights
//! (`history.json`, written by `tumbler train`, or for the shipped run read back from the curve
//! it drew by `tumbler history`, which states its precision) and the numbers of `card.json`,
//! written by `tumbler card` from the runs and its own held-out measurements. Nothing here is
//! typed in: a missing file is said, not filled in.

use leptos::prelude::*;
use serde_json::Value;

use crate::calc::expr::group_thousands;
use crate::widgets::Chart;
use crate::widgets::plot::{Axis, Dots, LineChart, Series};
use tumbler_engine::fetch;

const CARD_URL: &str = "public/model/card.json";
const HISTORY_URL: &str = "public/model/base/history.json";
/// The curve the training program drew, linked as the history's source.
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
            "Layers, heads, width",
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
        ("Hardware", crate::calc::expr::plain_name(card["hardware"].as_str().unwrap_or(""))),
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

/// The run's loss history as the chart draws it: (millions of tokens seen, loss) for the
/// training loss at every logged step and for the validation loss where it was measured, and the
/// precision the file states (0 when the run recorded it itself).
#[derive(Clone, Debug, PartialEq)]
struct Curve {
    train: Vec<(f64, f64)>,
    val: Vec<(f64, f64)>,
    precision: f64,
}

impl Curve {
    fn parse(history: &Value) -> Result<Curve, String> {
        let points = history["points"].as_array().ok_or("the history has no points")?;
        let mut curve = Curve {
            train: Vec::new(),
            val: Vec::new(),
            precision: history["precision_nats"].as_f64().unwrap_or(f64::NAN),
        };
        for p in points {
            let (Some(tokens), Some(train)) = (p["tokens"].as_f64(), p["train_loss"].as_f64())
            else {
                return Err(format!("a point of the history is incomplete: {p}"));
            };
            let x = tokens / 1e6;
            curve.train.push((x, train));
            curve.val.extend(p["val_loss"].as_f64().map(|v| (x, v)));
        }
        if curve.train.is_empty() || curve.val.is_empty() {
            return Err("the history has no training or no validation loss".into());
        }
        Ok(curve)
    }

    /// The chart: both losses over tokens seen, the uniform guess over `vocab` tokens as the
    /// level training starts from, and the last validation loss named on the curve.
    fn chart(&self, vocab: Option<f64>) -> String {
        let x_max = self.train.iter().map(|p| p.0).fold(0.0, f64::max);
        let uniform = vocab.map(f64::ln);
        let top =
            self.train.iter().chain(&self.val).map(|p| p.1).chain(uniform).fold(0.0, f64::max);
        let low = self.train.iter().chain(&self.val).map(|p| p.1).fold(f64::MAX, f64::min);
        let mut series = vec![
            Series {
                label: "training loss (mean of every 10 steps' batches)".into(),
                points: self.train.clone(),
                color: 0,
                markers: false,
            },
            Series {
                label: "validation loss (text it never trains on)".into(),
                points: self.val.clone(),
                color: 1,
                markers: true,
            },
        ];
        series
            .extend(uniform.map(|u| Series::level("guessing uniformly, ln V", u, (0.0, x_max), 5)));
        let &(last_x, last_v) = self.val.last().expect("parse keeps at least one");
        let dots = [Dots {
            label: "where it ended".into(),
            points: vec![(last_x, last_v, format!("{last_v:.2} nats"))],
            color: 1,
        }];
        LineChart {
            x: Axis::linear(0.0, x_max),
            y: Axis::linear((low - 0.5).max(0.0).floor(), top.ceil()),
            x_label: "tokens seen (millions)".into(),
            y_label: "loss (nats per token)".into(),
            series,
            size: (720, 400),
        }
        .svg_with(&dots)
    }

    fn caption(&self) -> String {
        let how = if self.precision > 0.0 {
            format!(
                "The losses were read back from the curve the training program drew (its own record                  of them was not kept), each to within {:.3} nats: one pixel of that drawing.",
                self.precision
            )
        } else {
            "The losses as the training program recorded them.".to_owned()
        };
        format!(
            "Pre-training loss of the Tumbler, {} points every 10 steps and {} validation              measurements. {how}",
            self.train.len(),
            self.val.len()
        )
    }
}

/// The loss curve and the run's numbers.
#[component]
pub fn TrainingRecord() -> impl IntoView {
    let card = RwSignal::new(None::<Result<Value, String>>);
    let curve = RwSignal::new(None::<Result<Curve, String>>);
    leptos::task::spawn_local(async move {
        card.set(Some(fetch::json::<Value>(CARD_URL).await));
    });
    leptos::task::spawn_local(async move {
        curve.set(Some(fetch::json::<Value>(HISTORY_URL).await.and_then(|h| Curve::parse(&h))));
    });
    let vocab = move || {
        card.with(|c| c.as_ref().and_then(|c| c.as_ref().ok()?["config"]["vocab_size"].as_f64()))
    };
    view! {
            <div class="panel training-record" data-training-record="">
                <h2>"How the Tumbler was trained"</h2>
                <p>
                    "The model in this guide went through exactly this loop, on the CPU of a two\u{2011}core \
                     machine. Its loss curve: the training loss every ten steps and, every 250 steps, \
                     the loss on validation text it never trains on."
                </p>
    {move || match curve.get() {
                    None => view! { <p class="muted chart-wait">"Loading the loss history…"</p> }.into_any(),
                    Some(Err(e)) => {
                        view! { <p class="error" role="status">"The loss history could not be loaded: " {e}</p> }
                            .into_any()
                    }
                    Some(Ok(c)) => {
                        let svg = c.chart(vocab());
                        view! {
                            <div data-loss-history="" data-points=c.train.len() data-precision=c.precision>
                                <Chart
                                    svg=svg
                                    label="The Tumbler's pre-training loss against tokens seen: training and validation loss fall steeply from the uniform guess at first, then slowly."
                                    caption=c.caption()
                                />
                                <p class="muted">
                                    "Sources: " <a href=HISTORY_URL>"the history"</a> " and "
                                    <a href=CURVE_URL>"the curve the training program drew"</a> "."
                                </p>
                            </div>
                        }
                        .into_any()
                    }
                }}
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
                            ", written by the guide's command-line tool from the run's records and its own \
                             measurement on held‑out text."
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

    fn history(precision: f64) -> Value {
        serde_json::json!({
            "source": "test",
            "precision_nats": precision,
            "points": [
                {"step": 10, "tokens": 40960, "lr": 0.0004, "train_loss": 8.1, "val_loss": null},
                {"step": 20, "tokens": 81920, "lr": 0.0008, "train_loss": 7.0, "val_loss": 7.2},
                {"step": 30, "tokens": 122880, "lr": 0.0012, "train_loss": 6.0, "val_loss": null},
                {"step": 40, "tokens": 163840, "lr": 0.0016, "train_loss": 5.1, "val_loss": 5.3}
            ]
        })
    }

    #[test]
    fn the_history_becomes_two_lines_in_millions_of_tokens() {
        let c = Curve::parse(&history(0.0143)).unwrap();
        assert_eq!(c.train.len(), 4);
        assert_eq!(c.val, vec![(0.08192, 7.2), (0.16384, 5.3)]);
        assert!(c.caption().contains("within 0.014 nats"), "{}", c.caption());
        assert!(
            Curve::parse(&history(0.0))
                .unwrap()
                .caption()
                .contains("as the training program recorded")
        );
        let svg = c.chart(Some(4096.0));
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
        // The last validation loss is named on the chart, and ln V is the level it starts from.
        assert!(svg.contains("5.30 nats") && svg.contains("ln V"), "{svg}");
        assert!(svg.contains("<table"), "the numbers go to screen readers");
    }

    #[test]
    fn a_broken_history_is_said() {
        assert!(Curve::parse(&serde_json::json!({})).unwrap_err().contains("no points"));
        let e = Curve::parse(&serde_json::json!({"points": [{"step": 1}]})).unwrap_err();
        assert!(e.contains("incomplete"), "{e}");
        let e = Curve::parse(&serde_json::json!({"points": [{"tokens": 1, "train_loss": 3.0}]}))
            .unwrap_err();
        assert!(e.contains("no validation"), "{e}");
    }
}
