//! RL with a verifiable reward, live: a toy policy fine-tuned in the engine worker, then improved
//! round by round by group-relative policy gradient, with the reader's choice of reward, the
//! graded attempts of each round and the held-out pass rate drawn as it goes.

use leptos::prelude::*;

use crate::calc::expr::signed;
use crate::engine::RunStatus as Status;
use crate::engine::{self, EngineReady, Query, Run, Shown};
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_chips::group;
use crate::widgets::{Chart, Math};
use tumbler_engine::{DoneReason, RlProgress, RlRoundStep, RlSftStep, RlStart};
use tumbler_model::rl::HeldOut;
use tumbler_model::rl::task::{self, Reward};

/// Rounds of one run.
pub const ROUNDS: usize = 40;
/// The seed of the weights, the problems and the samples: the same run every time, as
/// `tumbler rl --seed 7` runs it natively.
pub const SEED: u64 = 7;

const ADVANTAGE: &str = "<mrow><msub><mi>A</mi><mi>i</mi></msub><mo>=</mo><mfrac><mrow>\
<msub><mi>r</mi><mi>i</mi></msub><mo>−</mo><mtext>mean</mtext><mo stretchy=\"false\">(</mo>\
<mi>r</mi><mo stretchy=\"false\">)</mo></mrow><mrow><mtext>std</mtext><mo stretchy=\"false\">(\
</mo><mi>r</mi><mo stretchy=\"false\">)</mo><mo>+</mo><mi>ε</mi></mrow></mfrac></mrow>";

const LOSS: [&str; 2] = [
    "<mrow><mi>L</mi><mo>=</mo><mo>−</mo><mfrac><mn>1</mn><mrow><mi>P</mi><mi>G\
</mi></mrow></mfrac><munder><mo>∑</mo><mi>i</mi></munder><msub><mi>A</mi><mi>i</mi></msub><mo>⋅</mo></mrow>",
    "<mrow><mfrac><mn>1</mn><mrow><mo>|</mo><msub><mi>o</mi><mi>i</mi></msub><mo>|</mo></mrow></mfrac>\
<munder><mo>∑</mo><mi>t</mi></munder><mi>log</mi><msub><mi>π</mi><mi>θ</mi></msub><mo \
stretchy=\"false\">(</mo><msub><mi>o</mi><mrow><mi>i</mi><mo>,</mo><mi>t</mi></mrow></msub>\
<mo>|</mo><mi>q</mi><mo>,</mo><msub><mi>o</mi><mrow><mi>i</mi><mo>,</mo><mo>&lt;</mo><mi>t</mi>\
</mrow></msub><mo stretchy=\"false\">)</mo></mrow>",
];

/// What the reader reads about a reward choice.
fn describe(reward: Reward) -> &'static str {
    match reward {
        Reward::Correct => "1 if the grader passes it (the reversed string, then a stop), else 0",
        Reward::Partial => {
            "the share of the three letters in their right place (0 unless three letters and a stop)"
        }
        Reward::Format => "1 for any three letters and a stop, right or wrong",
        Reward::Length => "the number of letters written, over 6: rambling pays",
    }
}

/// One run's record, as the replies bring it: plain data the view draws.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    start: Option<RlStart>,
    /// (step, loss) per fine-tuning step.
    sft: Vec<(usize, f32)>,
    /// The held-out check after fine-tuning: round 0.
    fine_tuned: Option<HeldOut>,
    rounds: Vec<RlRoundStep>,
    /// Milliseconds the worker spent, all steps and rounds.
    millis: f64,
}

impl Log {
    fn add(&mut self, progress: RlProgress) {
        match progress {
            RlProgress::Start(start) => *self = Log { start: Some(start), ..Log::default() },
            RlProgress::Sft(RlSftStep { step, loss, millis, held_out }) => {
                self.sft.push((step, loss));
                self.millis += millis;
                if held_out.is_some() {
                    self.fine_tuned = held_out;
                }
            }
            RlProgress::Round(round) => {
                self.millis += round.millis;
                self.rounds.push(round);
            }
        }
    }

    /// Held-out pass rate after fine-tuning, then after each round.
    fn pass_rates(&self) -> Vec<f32> {
        let rounds = self.rounds.iter().map(|r| r.round.held_out.pass_rate());
        self.fine_tuned.iter().map(HeldOut::pass_rate).chain(rounds).collect()
    }

    fn chart(&self) -> String {
        let points = |f: &dyn Fn(&RlRoundStep) -> f32| -> Vec<(f64, f64)> {
            self.rounds.iter().map(|r| (r.round.round as f64, f64::from(f(r)))).collect()
        };
        let held_out: Vec<(f64, f64)> =
            self.pass_rates().iter().enumerate().map(|(i, &p)| (i as f64, f64::from(p))).collect();
        LineChart {
            x: Axis::linear(0.0, self.rounds.len().max(ROUNDS) as f64),
            y: Axis::linear(0.0, 1.0),
            x_label: "round (0: after fine-tuning)".into(),
            y_label: "rate or reward".into(),
            series: vec![
                Series {
                    label: "held‑out pass rate (greedy)".into(),
                    points: held_out,
                    color: 0,
                    markers: true,
                },
                Series {
                    label: "mean reward of the attempts".into(),
                    points: points(&|r| r.round.mean_reward),
                    color: 1,
                    markers: false,
                },
                Series {
                    label: "attempts the grader passes".into(),
                    points: points(&|r| r.round.sample_pass_rate),
                    color: 2,
                    // Under the "correct" reward it equals the mean reward: dots keep both visible.
                    markers: true,
                },
            ],
            size: (640, 300),
        }
        .svg()
    }
}

/// A finished run, kept so the reader can compare rewards.
#[derive(Clone, Debug, PartialEq)]
struct Past {
    reward: Reward,
    rounds: usize,
    first: f32,
    last: f32,
    reward_first: f32,
    reward_last: f32,
}

fn percent(p: f32) -> String {
    format!("{:.0}%", p * 100.0)
}

/// The attempts of one round: a row per problem, a cell per attempt.
fn attempts_table(round: &RlRoundStep) -> impl IntoView + use<> {
    let rows = round
        .round
        .groups
        .iter()
        .map(|g| {
            let cells = g
                .attempts
                .iter()
                .map(|a| {
                    let shown = if a.ended { a.text.clone() } else { format!("{}…", a.text) };
                    view! {
                        <td
                            class:ok=a.passed
                            class:bad=!a.passed
                            data-reward=a.reward.to_string()
                            data-advantage=a.advantage.to_string()
                            title=format!("reward {:.2}, advantage {}", a.reward, signed(a.advantage, 2))
                        >
                            <code>{shown}</code>
                            <small>{format!("{:.2} · {}", a.reward, signed(a.advantage, 1))}</small>
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr data-word=g.word.clone()>
                    <th scope="row"><code>{format!("{}=", g.word)}</code>" "<span class="muted">{task::reverse(&g.word)}</span></th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="rl-table-wrap">
            <table class="rl-live-attempts">
                <caption>{format!("Round {}: each problem's attempts, with reward · advantage (green: the grader passes it)", round.round.round)}</caption>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The live RL panel.
#[component]
pub fn LiveRl() -> impl IntoView {
    let reward = RwSignal::new(Reward::Correct);
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());
    let past = RwSignal::new(Vec::<Past>::new());

    let begin = move || {
        let chosen = reward.get_untracked();
        log.set(Log::default());
        let query = Query::Rl { seed: SEED, reward: chosen, rounds: ROUNDS };
        run.start_then(
            query,
            move |progress: RlProgress| {
                log.try_update(|l| l.add(progress));
            },
            move |end| {
                // The chapter may have closed (its signals disposed) before the run's end.
                if let Ok(reason) = end {
                    log.try_with_untracked(|l| {
                        let rates = l.pass_rates();
                        let (Some(&first), Some(&last)) = (rates.first(), rates.last()) else {
                            return;
                        };
                        let rewards: Vec<f32> =
                            l.rounds.iter().map(|r| r.round.mean_reward).collect();
                        if *reason == DoneReason::Length || !l.rounds.is_empty() {
                            past.try_update(|p| {
                                p.push(Past {
                                    reward: chosen,
                                    rounds: l.rounds.len(),
                                    first,
                                    last,
                                    reward_first: rewards.first().copied().unwrap_or(0.0),
                                    reward_last: rewards.last().copied().unwrap_or(0.0),
                                })
                            });
                        }
                    });
                }
            },
        );
    };
    let start = move |_| begin();
    let stop = move |_| run.stop();
    let busy = move || run.busy();
    // The first run, rewarding correct answers, starts by itself once the engine is ready: the
    // fine-tuning's progress and the untrained pass rate show within a second or two, the first
    // round's point in a few more (about 40 s for all 40 rounds on a laptop's CPU). Stop ends it.
    engine::when_ready(begin);
    let shown = Signal::derive(move || match status.get() {
        Status::Failed(_) => Shown::Error,
        _ if log.with(|l| l.start.is_some()) => Shown::Result,
        _ => Shown::Working,
    });

    let chart = Signal::derive(move || log.with(Log::chart));
    let waiting = Signal::derive(move || {
        log.with(|l| l.fine_tuned.is_none() && l.rounds.is_empty()).then(|| {
            "The policy is fine-tuned first; then each round of RL adds its pass rate and reward \
             here."
                .to_string()
        })
    });
    let choices = move || {
        Reward::ALL
            .into_iter()
            .map(|r| {
                view! {
                    <label class="rl-reward-choice">
                        <input
                            type="radio"
                            name="rl-reward"
                            value=r.id()
                            prop:checked=move || reward.get() == r
                            prop:disabled=busy
                            on:change=move |_| reward.set(r)
                        />
                        <strong>{r.id()}</strong>": "{describe(r)}
                    </label>
                }
            })
            .collect_view()
    };

    let progress = move || {
        log.with(|l| {
            let start = l.start.as_ref()?;
            let o = &start.options;
            let (total, done) = (o.sft_steps + ROUNDS, l.sft.len() + l.rounds.len());
            let phase = if l.fine_tuned.is_none() {
                format!(
                    "Fine-tuning: step {} of {} (loss {:.3})",
                    l.sft.len(),
                    o.sft_steps,
                    l.sft.last().map_or(f32::NAN, |s| s.1)
                )
            } else {
                format!("Round {} of {ROUNDS}", l.rounds.len())
            };
            Some(view! {
                <p class="small">
                    {format!(
                        "The policy: the training chapter's toy Tumbler (2 layers, width {}, {} \
                         parameters) over a 28-symbol character vocabulary (a–z, “=”, and “.” to \
                         stop). Fine-tuned on {} steps of {} right answers, then each round samples \
                         G\u{a0}=\u{a0}{} attempts at each of P\u{a0}=\u{a0}{} strings of the letters a–{} at temperature \
                         {}, and takes one AdamW step (learning rate {}). {} held‑out strings are never \
                         trained on.",
                        start.config.d_model,
                        group(start.params),
                        o.sft_steps,
                        o.sft_batch,
                        o.group,
                        o.problems,
                        task::char_of(o.letters as u32),
                        o.temperature,
                        o.lr,
                        o.held_out,
                    )}
                </p>
                <p class="result" role="status">
                    <progress max=total value=done></progress>
                    " "{phase}{format!("\u{a0}· {:.1}\u{a0}s in the worker", l.millis / 1000.0)}
                </p>
            })
        })
    };
    let stats = move || {
        log.with(|l| {
            let untrained = l.start.as_ref()?.held_out.pass_rate();
            let rates = l.pass_rates();
            let latest = l.rounds.last();
            let text = match (rates.first(), rates.last()) {
                (Some(&first), Some(&last)) => format!(
                    "Held-out pass rate: {} untrained, {} after fine-tuning, {} now",
                    percent(untrained),
                    percent(first),
                    percent(last)
                ),
                _ => format!("Held-out pass rate: {} untrained", percent(untrained)),
            };
            Some(view! {
                <p class="result rl-stats">
                    {text}
                    {latest.map(|r| format!(
                        "\u{a0}· round {}: mean reward {:.2}, attempts passing {}, loss {}, {:.0}\u{a0}ms",
                        r.round.round,
                        r.round.mean_reward,
                        percent(r.round.sample_pass_rate),
                        signed(r.round.loss, 4),
                        r.millis
                    ))}
                </p>
            })
        })
    };
    let examples = move || {
        log.with(|l| {
            let held = l.rounds.last().map(|r| &r.round.held_out).or(l.fine_tuned.as_ref())?;
            let items = held
                .examples
                .iter()
                .map(|(w, answer, ok)| {
                    view! {
                        <li class:ok=*ok class:bad=!*ok>
                            <code>{format!("{w}=")}</code>" → "<code>{answer.clone()}</code>
                        </li>
                    }
                })
                .collect_view();
            Some(view! {
                <p class="small">"Held-out strings, answered greedily now:"</p>
                <ul class="rl-held-out">{items}</ul>
            })
        })
    };
    let table = move || log.with(|l| l.rounds.last().map(attempts_table));
    let history = move || {
        let runs = past.get();
        (!runs.is_empty()).then(|| {
            let items = runs
                .iter()
                .map(|p| {
                    view! {
                        <li data-reward-kind=p.reward.id()>
                            {format!(
                                "reward “{}”, {} rounds: mean reward {:.2} → {:.2}; held‑out pass rate {} → {}",
                                p.reward.id(),
                                p.rounds,
                                p.reward_first,
                                p.reward_last,
                                percent(p.first),
                                percent(p.last)
                            )}
                        </li>
                    }
                })
                .collect_view();
            view! { <h3>"Your runs"</h3><ul class="rl-past">{items}</ul> }
        })
    };
    let note = move || match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped. Start again to run from a fresh policy."</p> }
                .into_any(),
        ),
        _ => None,
    };

    let attrs = move || {
        log.with(|l| {
            let rates = l.pass_rates();
            let latest = l.rounds.last().map(|r| &r.round);
            let join = |v: Vec<f32>| v.iter().map(f32::to_string).collect::<Vec<_>>().join(" ");
            (
                l.rounds.len(),
                rates.last().map(f32::to_string),
                latest.map(|r| r.mean_reward.to_string()),
                latest.map(|r| r.loss.to_string()),
                latest.map(|r| r.sample_pass_rate.to_string()),
                join(rates),
                join(l.rounds.iter().map(|r| r.round.mean_reward).collect()),
                join(l.rounds.iter().map(|r| r.round.loss).collect()),
                join(l.sft.iter().map(|s| s.1).collect()),
                l.start.as_ref().map(|s| s.held_out.pass_rate().to_string()),
                format!("{:.0}", l.millis),
            )
        })
    };
    let a = Memo::new(move |_| attrs());
    view! {
        <div
            class="panel live-rl"
            data-live="rl"
            data-state=move || status.get().id()
            data-reward-kind=move || reward.get().id()
            data-seed=SEED
            data-sft-step=move || log.with(|l| l.sft.len())
            data-round=move || a.with(|a| a.0)
            data-pass-rate=move || a.with(|a| a.1.clone())
            data-reward=move || a.with(|a| a.2.clone())
            data-loss=move || a.with(|a| a.3.clone())
            data-sample-pass-rate=move || a.with(|a| a.4.clone())
            data-pass-rates=move || a.with(|a| a.5.clone())
            data-rewards=move || a.with(|a| a.6.clone())
            data-losses=move || a.with(|a| a.7.clone())
            data-sft-losses=move || a.with(|a| a.8.clone())
            data-untrained-pass-rate=move || a.with(|a| a.9.clone())
            data-millis=move || a.with(|a| a.10.clone())
        >
            <h2>"Reinforcement learning, live: a toy task a program can grade"</h2>
            <p>
                "The task: reverse a three-letter string, “cab=” → “bac.”. A program grades every \
                 attempt, so no person is needed to score it. A tiny model is first shown right \
                 answers for a few steps (supervised fine-tuning: it learns the format and some of \
                 the task), then learns by trying: each round it makes several attempts at each \
                 problem, the grader scores them, and one gradient step makes the attempts that \
                 scored above their group's average likelier and the others less likely \
                 (GRPO-style group-relative advantages, as in DeepSeekMath):"
            </p>
            <Math parts=&[ADVANTAGE] label="A i equals r i minus the mean of r, over the standard deviation of r plus epsilon, within each problem's group"/>
            <Math parts=&LOSS joined=true label="L equals minus one over P G times the sum over attempts i of A i times the mean over its tokens t of log pi theta of o i t given the problem and the earlier tokens"/>
            <p class="small">
                "One update per batch of attempts keeps the policy on-policy, so GRPO's probability \
                 ratio is 1 and its clipping never acts; there is no KL penalty (as in Dr. GRPO and \
                 DAPO). ε = 10⁻⁴; a group whose attempts all score the same teaches nothing."
            </p>
            <EngineReady loading="The engine is loading; a first run trains here as soon as it is ready." shown=shown>
            <fieldset class="rl-rewards">
                <legend>"Reward the attempts for…"</legend>
                {choices}
            </fieldset>
            <div class="preset-row">
                <button type="button" class="rl-start" prop:disabled=busy on:click=start>
                    "Start"
                </button>
                <button type="button" class="rl-stop" prop:disabled=move || !busy() on:click=stop>
                    "Stop"
                </button>
            </div>
            {note}
            {progress}
            {stats}
            <Chart svg=chart waiting label="Held-out pass rate, mean reward and share of passing attempts per round" caption="Round 0 is the fine-tuned policy. The pass rate is measured on held‑out strings answered greedily; the reward is what the run optimises. Under the “correct” reward the mean reward is the share of passing attempts, so those two lines coincide. Choose “length” or “format” and watch the reward and the pass rate part."/>
            {history}
            {examples}
            {table}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_model::rl::{Graded, Group, RlOptions, Round, config};

    fn held(passed: usize) -> HeldOut {
        HeldOut { passed, total: 10, examples: vec![("abc".into(), "cba".into(), true)] }
    }

    fn round(n: usize, passed: usize) -> RlProgress {
        RlProgress::Round(RlRoundStep {
            round: Round {
                round: n,
                groups: vec![Group {
                    word: "abc".into(),
                    attempts: vec![Graded {
                        text: "<b>".into(),
                        ended: false,
                        passed: false,
                        reward: 0.0,
                        advantage: 0.0,
                    }],
                }],
                mean_reward: 0.5,
                sample_pass_rate: 0.25,
                loss: 0.1,
                held_out: held(passed),
            },
            millis: 10.0,
        })
    }

    #[test]
    fn the_log_keeps_the_pass_rate_from_fine_tuning_on() {
        let mut log = Log::default();
        log.add(RlProgress::Start(RlStart {
            config: config(),
            params: 1,
            options: RlOptions::page(1, Reward::Correct),
            held_out: held(0),
        }));
        log.add(RlProgress::Sft(RlSftStep { step: 1, loss: 3.0, millis: 5.0, held_out: None }));
        assert!(log.pass_rates().is_empty());
        log.add(RlProgress::Sft(RlSftStep {
            step: 2,
            loss: 2.0,
            millis: 5.0,
            held_out: Some(held(2)),
        }));
        log.add(round(1, 3));
        log.add(round(2, 5));
        assert_eq!(log.pass_rates(), [0.2, 0.3, 0.5]);
        assert_eq!(log.millis, 30.0);
        let svg = log.chart();
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
    }

    #[test]
    fn status_ids() {
        assert_eq!(Status::Idle.id(), "idle");
        assert_eq!(Status::Ended(DoneReason::Stopped).id(), "stopped");
        assert_eq!(Status::Ended(DoneReason::Length).id(), "done");
        assert_eq!(Status::Failed("x".into()).id(), "error");
    }
}
