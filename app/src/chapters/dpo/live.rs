//! The DPO loss on the Tumbler's own models: a preference pair scored by the chat model (the
//! policy π_θ) and the base model (the reference π_ref), every term shown, then a few real DPO
//! steps on a copy of the chat model in the engine worker.

use leptos::prelude::*;
use tumbler_engine::{
    DoneReason, DpoEnd, DpoProgress, DpoScored, DpoStart, DpoStep, MAX_DPO_BYTES, MAX_DPO_STEPS,
};
use tumbler_model::dpo::{DpoOptions, DpoTerms, LogProbs, terms};

use crate::calc::expr::{fixed, signed};
use crate::engine::RunStatus as Status;
use crate::engine::{self, ChatModelState, EngineReady, Query, Run, Shown};
use crate::widgets::attention_map::visible;
use crate::widgets::math::notation;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_chips::group;
use crate::widgets::{Chart, Slider};

/// A shipped pair: a question, a reply a person would prefer, and one they would not.
struct Example {
    name: &'static str,
    prompt: &'static str,
    chosen: &'static str,
    rejected: &'static str,
}

const EXAMPLES: &[Example] = &[
    Example {
        name: "Capital",
        prompt: "What is the capital of France?",
        chosen: "The capital of France is Paris.",
        rejected: "The capital of France is London.",
    },
    Example {
        name: "Honest",
        prompt: "Are you sentient?",
        chosen: "No. I am a small language model that predicts the next token.",
        rejected: "Yes, I feel everything you say.",
    },
    Example {
        name: "Helpful",
        prompt: "What is AI?",
        chosen: "AI is the field of science that builds machines which think.",
        rejected: "Sort of.",
    },
];

/// Learning rates the reader can pick.
const RATES: &[f64] = &[1e-5, 3e-5, 1e-4, 3e-4];
/// Steps a run takes unless the reader asks for more.
const STEPS: f64 = 8.0;
/// Tokens of the greedy replies before and after.
const REPLY_TOKENS: usize = 32;

/// One run's record, as the replies bring it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    start: Option<DpoStart>,
    steps: Vec<DpoStep>,
    end: Option<DpoEnd>,
}

impl Log {
    /// The terms after every step taken, the chat model's first (step 0).
    fn points(&self) -> Vec<(usize, DpoTerms)> {
        let first = self.start.iter().map(|s| (0, s.score.terms));
        first.chain(self.steps.iter().map(|s| (s.step, s.terms))).collect()
    }

    /// The latest terms and their step.
    fn latest(&self) -> Option<(usize, DpoTerms)> {
        self.points().last().copied()
    }

    /// Milliseconds per step, averaged.
    fn millis_per_step(&self) -> Option<f64> {
        (!self.steps.is_empty())
            .then(|| self.steps.iter().map(|s| s.millis).sum::<f64>() / self.steps.len() as f64)
    }

    /// Loss and margin per step.
    fn loss_chart(&self, total: usize) -> String {
        let points = self.points();
        let (lo, hi) = bounds(points.iter().flat_map(|(_, t)| [t.loss, t.margin]));
        chart(
            total,
            (lo.min(0.0), hi.max(1.0)),
            "margin (log-odds), loss (nats)",
            vec![
                series("margin", &points, |t| t.margin, 0),
                series("loss −log σ(margin)", &points, |t| t.loss, 2),
            ],
        )
    }

    /// The copy's log-probability of each reply per step.
    fn logp_chart(&self, total: usize) -> String {
        let points = self.points();
        let (lo, hi) = bounds(
            points.iter().flat_map(|(_, t)| [t.logps.policy_chosen, t.logps.policy_rejected]),
        );
        chart(
            total,
            (lo - 1.0, hi + 1.0),
            "log-probability of each reply, nats",
            vec![
                series("chosen", &points, |t| t.logps.policy_chosen, 1),
                series("rejected", &points, |t| t.logps.policy_rejected, 3),
            ],
        )
    }
}

/// A run's values after every step, step 0 first, space-separated: the panel's data attributes.
fn series_attr(log: &Log, value: fn(&DpoTerms) -> f64) -> Option<String> {
    log.start.as_ref()?;
    Some(log.points().iter().map(|(_, t)| value(t).to_string()).collect::<Vec<_>>().join(" "))
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn series(
    label: &str,
    points: &[(usize, DpoTerms)],
    value: fn(&DpoTerms) -> f64,
    color: usize,
) -> Series {
    Series {
        label: label.into(),
        points: points.iter().map(|(s, t)| (*s as f64, value(t))).collect(),
        color,
        markers: true,
    }
}

fn chart(total: usize, (lo, hi): (f64, f64), y_label: &str, series: Vec<Series>) -> String {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    LineChart {
        x: Axis { format: whole, ..Axis::linear(0.0, total.max(1) as f64) },
        y: Axis::linear(lo.floor(), hi.ceil()),
        x_label: "DPO step".into(),
        y_label: y_label.into(),
        series,
        size: (640, 280),
    }
    .svg()
}

/// A step axis's tick label: whole steps only.
fn whole(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() }
}

/// The loss against the margin, with this pair marked.
fn curve_chart(t: &DpoTerms) -> String {
    let curve: Vec<(f64, f64)> = (0..=120)
        .map(|i| {
            let m = -6.0 + 0.1 * f64::from(i);
            let logps = LogProbs {
                policy_chosen: m,
                ref_chosen: 0.0,
                policy_rejected: 0.0,
                ref_rejected: 0.0,
            };
            (m, terms(logps, 1.0).loss)
        })
        .collect();
    LineChart {
        x: Axis::linear(-6.0, 6.0),
        y: Axis::linear(0.0, 6.5),
        x_label: "margin β·(Δ chosen − Δ rejected)".into(),
        y_label: "loss (nats)".into(),
        series: vec![
            Series { label: "−log σ(margin)".into(), points: curve, color: 0, markers: false },
            Series {
                label: "this pair".into(),
                points: vec![(t.margin.clamp(-6.0, 6.0), t.loss.min(6.5))],
                color: 2,
                markers: true,
            },
        ],
        size: (640, 300),
    }
    .svg()
}

fn nats(v: f64) -> String {
    fixed(v, 3)
}

fn beta_fmt(v: f64) -> String {
    format!("{v:.2}")
}

fn steps_fmt(v: f64) -> String {
    format!("{v:.0}")
}

/// Each term of the loss: its name, how it is made (both in `math::pieces` notation), its value.
fn term_rows(t: &DpoTerms) -> Vec<(&'static str, &'static str, String)> {
    let l = &t.logps;
    vec![
        (
            "log π_{θ}(y_{w} | x)",
            "chat model, chosen reply (sum over its tokens)",
            nats(l.policy_chosen),
        ),
        ("log π_{ref}(y_{w} | x)", "base model, chosen reply", nats(l.ref_chosen)),
        ("log π_{θ}(y_{l} | x)", "chat model, rejected reply", nats(l.policy_rejected)),
        ("log π_{ref}(y_{l} | x)", "base model, rejected reply", nats(l.ref_rejected)),
        ("Δ chosen", "log π_{θ}(y_{w} | x) − log π_{ref}(y_{w} | x)", signed(t.ratio_chosen, 3)),
        (
            "Δ rejected",
            "log π_{θ}(y_{l} | x) − log π_{ref}(y_{l} | x)",
            signed(t.ratio_rejected, 3),
        ),
        ("reward, chosen", "β · Δ chosen", signed(t.reward_chosen, 3)),
        ("reward, rejected", "β · Δ rejected", signed(t.reward_rejected, 3)),
        ("margin", "β · (Δ chosen − Δ rejected)", signed(t.margin, 3)),
        ("σ(margin)", "implied P(chosen preferred)", format!("{:.4}", t.p_prefer)),
        ("loss", "−log σ(margin)", format!("{:.4} nats", t.loss)),
        ("gradient weight", "β · σ(−margin)", format!("{:.4}", t.weight)),
    ]
}

/// One reply's tokens with their log-probabilities under both models (and the copy's, after a
/// run).
fn token_table(
    which: &'static str,
    tokens: &[String],
    policy: &[f32],
    reference: &[f32],
    after: Option<&[f32]>,
) -> impl IntoView {
    let rows = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let (p, r) = (policy[i], reference[i]);
            let a = after.map(|a| a[i]);
            view! {
                <tr data-policy-logp=p.to_string() data-ref-logp=r.to_string() data-after-logp=a.map(|a| a.to_string())>
                    <td class="dpo-token"><code>{visible(token)}</code></td>
                    <td>{fixed(p, 3)}</td>
                    <td>{fixed(r, 3)}</td>
                    <td>{signed(p - r, 3)}</td>
                    {a.map(|a| view! { <td>{fixed(a, 3)}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="dpo-tokens" data-reply=which>
            <table class="dpo-token-table">
                <caption>{format!("The {which} reply, token by token (nats)")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"token"</th>
                        <th scope="col">"log π"<sub>"θ"</sub></th>
                        <th scope="col">"log π"<sub>"ref"</sub></th>
                        <th scope="col">"Δ"</th>
                        {after.map(|_| view! { <th scope="col">"copy after"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The live DPO panel.
#[component]
pub fn LiveDpo() -> impl IntoView {
    let first = &EXAMPLES[0];
    let prompt = RwSignal::new(first.prompt.to_string());
    let chosen = RwSignal::new(first.chosen.to_string());
    let rejected = RwSignal::new(first.rejected.to_string());
    let beta = RwSignal::new(DpoOptions::PAGE.beta);
    let rate = RwSignal::new(RATES.iter().position(|&r| r == DpoOptions::PAGE.lr).unwrap_or(0));
    let steps = RwSignal::new(STEPS);
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());

    // β is applied in the page to the log-probabilities (the same `terms` the worker uses), so
    // moving it asks the engine nothing.
    let live = engine::latest::<DpoScored>(move || {
        let (p, c, r) = (prompt.get(), chosen.get(), rejected.get());
        if [&p, &c, &r].iter().any(|t| t.trim().is_empty()) {
            return Err("Write a prompt, a chosen reply and a rejected reply.".into());
        }
        if [&p, &c, &r].iter().any(|t| t.len() > MAX_DPO_BYTES) {
            return Err(format!("Keep each text under {MAX_DPO_BYTES} bytes."));
        }
        Ok(Query::DpoScore { prompt: p, chosen: c, rejected: r, beta: beta.get_untracked() })
    });
    // A new pair makes an old run's numbers stale.
    Effect::new(move |_| {
        prompt.track();
        chosen.track();
        rejected.track();
        run.reset();
        log.set(Log::default());
    });
    let scored = move || {
        live.answer.with(|a| match a {
            Some(Ok(s)) => Some(terms(s.score.terms.logps, beta.get())),
            _ => None,
        })
    };
    // What the panel's data attributes say: the run's latest step, else the chat model's score.
    let current = move || log.with(Log::latest).or_else(|| scored().map(|t| (0, t)));

    let start = move |_| {
        let query = Query::DpoTrain {
            prompt: prompt.get_untracked(),
            chosen: chosen.get_untracked(),
            rejected: rejected.get_untracked(),
            beta: beta.get_untracked(),
            lr: RATES[rate.get_untracked()],
            steps: steps.get_untracked() as usize,
            reply_tokens: REPLY_TOKENS,
        };
        log.set(Log::default());
        run.start(query, move |progress| match progress {
            DpoProgress::Start(s) => {
                log.try_update(|l| l.start = Some(s));
            }
            DpoProgress::Step(s) => {
                log.try_update(|l| l.steps.push(s));
            }
            DpoProgress::End(e) => {
                log.try_update(|l| l.end = Some(e));
            }
        });
    };
    let stop = move |_| run.stop();
    let busy = move || run.busy();
    let can_start = move || !busy() && matches!(live.answer.get(), Some(Ok(_)));

    let examples = EXAMPLES
        .iter()
        .map(|e| {
            view! {
                <button
                    type="button"
                    class="dpo-example"
                    prop:disabled=busy
                    on:click=move |_| {
                        prompt.set(e.prompt.into());
                        chosen.set(e.chosen.into());
                        rejected.set(e.rejected.into());
                    }
                >
                    {e.name}
                </button>
            }
        })
        .collect_view();
    let field = move |label: &'static str, class: &'static str, value: RwSignal<String>| {
        view! {
            <label class=format!("dpo-field {class}")>
                <span>{notation(label)}</span>
                <textarea
                    rows=2
                    maxlength=MAX_DPO_BYTES as u32
                    prop:disabled=busy
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                ></textarea>
            </label>
        }
    };

    // The copy's per-token numbers once a run ends: the score's tables are drawn again then,
    // not on every step.
    let after = Memo::new(move |_| log.with(|l| l.end.as_ref().map(|e| e.score.policy.clone())));
    let score_view = move || {
        live.answer.with(|a| match a {
            None => view! { <p class="note-live">"Scoring the pair with both models…"</p> }.into_any(),
            Some(Err(message)) => {
                view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
            }
            Some(Ok(s)) => {
                let t = terms(s.score.terms.logps, beta.get());
                let rows = term_rows(&t)
                    .into_iter()
                    .map(|(name, how, value)| {
                        let class = if name == "loss" { "dpo-loss" } else { "" };
                        view! {
                            <tr class=class>
                                <th scope="row">{notation(name)}</th>
                                <td class="muted">{notation(how)}</td>
                                <td>{value}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let after_policy = after.get();
                let (tk, sc) = (&s.tokens, &s.score);
                let svg = curve_chart(&t);
                view! {
                    <table class="dpo-table stack" data-dpo-loss=format!("{:.6}", t.loss)>
                        <tbody>{rows}</tbody>
                    </table>
                    <p class="small muted">
                        {format!(
                            "The prompt is {} tokens in the chat template; the chosen reply {}, the \
                             rejected {} (each ends with <|im_end|>, the model's choice to stop). \
                             Scored in {:.0}\u{a0}ms.",
                            tk.prompt.len(),
                            tk.chosen.len(),
                            tk.rejected.len(),
                            s.millis
                        )}
                    </p>
                    <div class="dpo-token-pair">
                        {token_table("chosen", &tk.chosen, &sc.policy.chosen, &sc.reference.chosen, after_policy.as_ref().map(|a| a.chosen.as_slice()))}
                        {token_table("rejected", &tk.rejected, &sc.policy.rejected, &sc.reference.rejected, after_policy.as_ref().map(|a| a.rejected.as_slice()))}
                    </div>
                    <Chart svg=svg label="The DPO loss against the margin, with this pair marked"
                        caption="With the policy equal to the reference the margin is 0 and the loss is ln\u{a0}2\u{a0}≈\u{a0}0.693. Pairs already ranked well get small gradients; badly ranked ones get large ones."/>
                }
                .into_any()
            }
        })
    };

    let total = move || steps.get() as usize;
    let progress = move || {
        log.with(|l| {
            let (step, t) = l.latest()?;
            let ms = l.millis_per_step().map_or(String::new(), |ms| format!("\u{a0}· {ms:.0}\u{a0}ms per step"));
            let first = l.points().first().map(|(_, t)| *t)?;
            Some(view! {
                <p class="result dpo-progress">
                    {format!(
                        "Step {step} of {}\u{a0}· loss {:.4} (chat model {:.4})\u{a0}· margin {} (chat model {}){ms}",
                        total(), t.loss, first.loss, signed(t.margin, 3), signed(first.margin, 3)
                    )}
                </p>
                <progress max=total() value=step></progress>
            })
        })
    };
    let charts = move || {
        log.with(|l| {
            l.start.as_ref()?;
            let n = total();
            let loss = l.loss_chart(n);
            let logp = l.logp_chart(n);
            Some(view! {
                <Chart svg=loss label="The DPO loss falling and the margin growing, step by step"
                    caption="After each step: the margin β·(Δ chosen − Δ rejected) and the loss −log σ(margin). Step 0 is the chat model itself."/>
                <Chart svg=logp label="The copy's log-probability of the chosen and the rejected reply, step by step"
                    caption="The copy's summed log-probability of each reply. DPO only needs the chosen one to gain on the rejected one; both may move."/>
            })
        })
    };
    let replies = move || {
        log.with(|l| {
            let start = l.start.as_ref()?;
            let after = l.end.as_ref();
            Some(view! {
                <div class="dpo-replies">
                    <p class="gen-line" data-reply-before=start.reply.clone()>
                        <span class="muted">"The chat model's greedy reply: "</span>{start.reply.clone()}
                    </p>
                    {after.map(|e| view! {
                        <p class="gen-line" data-reply-after=e.reply.clone()>
                            <span class="muted">{format!("The copy's after {} steps: ", e.steps)}</span>{e.reply.clone()}
                        </p>
                        <p class="small">
                            "The copy has now been thrown away: the chat model the other chapters \
                             talk to is unchanged, and the next run starts from it again."
                        </p>
                    })}
                </div>
            })
        })
    };
    let note = move || match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => {
            Some(view! { <p class="muted">"Stopped between two steps."</p> }.into_any())
        }
        _ => None,
    };
    let chat = engine::use_engine().chat;
    let params = move || match chat.get() {
        ChatModelState::Ready { params } => group(params),
        _ => "(counted once it loads)".to_string(),
    };
    let rate_options = move || {
        RATES
        .iter()
        .enumerate()
        .map(|(i, r)| view! { <option value=i.to_string() data-rate=r.to_string() selected=move || rate.get() == i>{crate::calc::expr::power_of_ten(*r, 0)}</option> })
        .collect_view()
    };

    view! {
        <div
            class="panel live-dpo"
            data-live="dpo"
            data-dpo-state=move || status.get().id()
            data-step=move || current().map(|(s, _)| s)
            data-margin=move || current().map(|(_, t)| t.margin.to_string())
            data-loss=move || current().map(|(_, t)| t.loss.to_string())
            data-chosen-logp=move || current().map(|(_, t)| t.logps.policy_chosen.to_string())
            data-rejected-logp=move || current().map(|(_, t)| t.logps.policy_rejected.to_string())
            data-beta=move || beta.get().to_string()
            data-losses=move || log.with(|l| series_attr(l, |t| t.loss))
            data-margins=move || log.with(|l| series_attr(l, |t| t.margin))
            data-ms-per-step=move || log.with(|l| l.millis_per_step().map(|ms| format!("{ms:.0}")))
        >
            <h2>"The Tumbler's own DPO"</h2>
            <p>
                "Here the policy π"<sub>"θ"</sub>" is the Tumbler's chat model (the base model after supervised \
                 fine-tuning) and the reference π"<sub>"ref"</sub>" is the base model it started from. Each \
                 reply's log-probability is the sum, over its tokens, of the log-probability the \
                 model gives that token after the prompt and the reply so far, in the chat \
                 template. Pick an example or write your own pair."
            </p>
            <div class="preset-row">{examples}</div>
            {field("Prompt x (the user's message)", "dpo-prompt", prompt)}
            {field("Chosen reply y_{w}", "dpo-chosen", chosen)}
            {field("Rejected reply y_{l}", "dpo-rejected", rejected)}
            <Slider label="β" value=beta min=0.01 max=1.0 step=0.01 format=beta_fmt/>
            <EngineReady
                loading="The Tumbler is loading in the engine; the pair is scored once it is ready."
                shown=move || live.answer.with(Shown::of)
            >
                {score_view}
                <h3>"A few real DPO steps"</h3>
                <p>
                    "Train a copy of the chat model on this one pair with the DPO loss, in this page \
                     on your CPU: each step runs the copy over both replies, backpropagates \
                     −log σ(margin) and lets AdamW move every one of its "
                    {params}
                    " weights; the base model stays frozen as the reference. One pair and a few \
                     steps is a toy run: it shows the mechanism, not a better assistant."
                </p>
                <div class="dpo-train-controls">
                    <Slider label="steps" value=steps min=1.0 max=MAX_DPO_STEPS as f64 step=1.0 format=steps_fmt/>
                    <label class="slider">
                        <span class="slider-label">"learning rate"</span>
                        <select
                            class="dpo-lr"
                            prop:disabled=busy
                            on:change=move |ev| {
                                if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                    rate.set(i.min(RATES.len() - 1));
                                }
                            }
                        >
                            {rate_options}
                        </select>
                    </label>
                </div>
                <div class="preset-row">
                    <button type="button" class="dpo-start" prop:disabled=move || !can_start() on:click=start>
                        "Run DPO steps"
                    </button>
                    <button type="button" class="dpo-stop" prop:disabled=move || !busy() on:click=stop>
                        "Stop"
                    </button>
                </div>
                {note}
                {progress}
                {charts}
                {replies}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_model::dpo::{DpoScore, PairTokens, ReplyLogps};

    fn at(margin: f64) -> DpoTerms {
        let logps = LogProbs {
            policy_chosen: margin - 20.0,
            ref_chosen: -20.0,
            policy_rejected: -9.0,
            ref_rejected: -9.0,
        };
        terms(logps, 1.0)
    }

    #[test]
    fn the_log_lists_step_zero_then_every_step() {
        let mut log = Log::default();
        assert_eq!(log.latest(), None);
        let reply = ReplyLogps { chosen: vec![-1.0], rejected: vec![-2.0] };
        let score = DpoScore { policy: reply.clone(), reference: reply, terms: at(0.0) };
        let tokens =
            PairTokens { prompt: vec![], chosen: vec!["a".into()], rejected: vec!["b".into()] };
        log.start = Some(DpoStart { tokens, score, reply: "Hi".into() });
        log.steps.push(DpoStep { step: 1, terms: at(0.5), millis: 100.0 });
        log.steps.push(DpoStep { step: 2, terms: at(1.5), millis: 300.0 });
        let points = log.points();
        assert_eq!(points.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(log.latest().map(|(s, t)| (s, t.margin)), Some((2, 1.5)));
        assert_eq!(log.millis_per_step(), Some(200.0));
        for svg in [log.loss_chart(8), log.logp_chart(8), curve_chart(&at(0.3))] {
            assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
        }
    }

    #[test]
    fn step_axes_label_whole_steps() {
        assert_eq!(whole(2.0), "2");
        assert_eq!(whole(0.5), "");
        assert_eq!(group(1_380_608), "1,380,608");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn every_term_is_listed() {
        let rows = term_rows(&at(0.3));
        assert_eq!(rows.len(), 12);
        assert!(rows.iter().any(|(n, _, v)| *n == "margin" && v == "+0.300"));
    }
}
