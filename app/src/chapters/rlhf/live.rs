//! The rlhf chapter's live part: a reward model trained in the engine worker on preference pairs
//! (the shipped ones and the reader's), then best-of-n against it on replies sampled from the
//! chat model, with a check the reward model never saw and a KL penalty. The maths is
//! `tumbler_model::rlhf`; this file asks, collects and draws.

use leptos::prelude::*;
use tumbler_engine::{
    DoneReason, MAX_RLHF_BYTES, MAX_RLHF_PAIRS, RlhfProgress, RlhfReply, RlhfTrained,
};
use tumbler_model::rlhf::{
    BonPoint, Candidate, PROMPTS, PreferencePair, RmOptions, RmStep, SampleOptions, best_of_n,
    penalised_pick,
};

use crate::calc::expr::signed;
use crate::engine::RunStatus as Status;
use crate::engine::{self, EngineReady, Query, Run, Shown};
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::{Chart, Slider};

/// The word list of the quality check: the embeddings chapter's GloVe file.
const DICTIONARY: &str = "public/vectors/glove-20k-50d.tgv";
/// Replies per prompt the reader can pick.
const SAMPLES: &[usize] = &[4, 8, 16, 32];
/// β the panel starts with.
const BETA: f64 = 3.0;

/// One run's record, as the replies bring it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    /// Replies per question the run asked for.
    samples: usize,
    rm: Vec<RmStep>,
    trained: Option<RlhfTrained>,
    /// Per prompt, its replies in order.
    replies: Vec<Vec<Candidate>>,
    /// Milliseconds per reply, summed, and replies.
    millis: (f64, usize),
}

impl Log {
    fn add(&mut self, r: RlhfReply) {
        if self.replies.len() <= r.prompt {
            self.replies.resize(r.prompt + 1, Vec::new());
        }
        self.replies[r.prompt].push(r.candidate);
        self.millis.0 += r.millis;
        self.millis.1 += 1;
    }

    /// The questions whose replies are all in (a stopped run: the finished ones).
    fn complete(&self) -> Vec<Vec<Candidate>> {
        self.replies.iter().filter(|r| r.len() >= self.samples).cloned().collect()
    }

    /// Best-of-n over the complete questions.
    fn points(&self) -> Vec<BonPoint> {
        best_of_n(&self.complete())
    }

    fn received(&self) -> usize {
        self.replies.iter().map(Vec::len).sum()
    }
}

/// A reader's pair, or why it cannot be added.
fn checked_pair(prompt: &str, chosen: &str, rejected: &str) -> Result<PreferencePair, String> {
    let texts = [(prompt, "prompt"), (chosen, "preferred reply"), (rejected, "other reply")];
    if let Some((_, what)) = texts.iter().find(|(t, _)| t.trim().is_empty()) {
        return Err(format!("Write the {what}."));
    }
    if let Some((t, what)) = texts.iter().find(|(t, _)| t.len() > MAX_RLHF_BYTES) {
        return Err(format!("The {what} is {} bytes; keep it under {MAX_RLHF_BYTES}.", t.len()));
    }
    if chosen.trim() == rejected.trim() {
        return Err("The two replies are the same text: a pair needs a preference.".into());
    }
    Ok(PreferencePair {
        prompt: prompt.trim().into(),
        chosen: chosen.trim().into(),
        rejected: rejected.trim().into(),
    })
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn whole(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() }
}

/// The n axis: log₂ n, labelled with n.
fn power(v: f64) -> String {
    if v.fract() == 0.0 && v >= 0.0 { format!("{:.0}", v.exp2()) } else { String::new() }
}

fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// The reward head's loss and accuracy per step.
fn rm_chart(rm: &[RmStep], steps: usize) -> String {
    let loss = rm.iter().map(|s| (s.step as f64, s.loss)).collect();
    let acc = rm.iter().map(|s| (s.step as f64, s.accuracy)).collect();
    LineChart {
        x: Axis { format: whole, ..Axis::linear(0.0, steps.max(1) as f64) },
        y: Axis::linear(0.0, 1.0),
        x_label: "gradient step".into(),
        y_label: "loss (nats), accuracy".into(),
        series: vec![
            Series { label: "Bradley–Terry loss".into(), points: loss, color: 0, markers: false },
            Series { label: "pairs ranked right".into(), points: acc, color: 2, markers: false },
        ],
        size: (640, 240),
    }
    .svg()
}

/// One quantity of best-of-n against log₂ n, the penalised pick marked.
/// Best-of-n's reward against n, on an axis of whole rewards around the points (−2 to 2 while
/// there are none).
fn reward_chart(points: &[BonPoint], star: Option<usize>) -> String {
    let y = if points.is_empty() {
        Axis::linear(-2.0, 2.0)
    } else {
        let (lo, hi) = bounds(points.iter().map(|p| p.reward));
        Axis::linear(lo.floor(), hi.ceil().max(lo.floor() + 1.0))
    };
    bon_chart(points, star, |p| p.reward, ("reward of the pick", "reward r (log-odds)", 0), y)
}

/// Best-of-n's share of English words against n, from 0 to 100%.
fn quality_chart(points: &[BonPoint], star: Option<usize>) -> String {
    let y = Axis { format: percent, ..Axis::linear(0.0, 1.0) };
    bon_chart(
        points,
        star,
        |p| p.quality,
        ("English words in the pick", "share of English words", 1),
        y,
    )
}

fn bon_chart(
    points: &[BonPoint],
    star: Option<usize>,
    value: fn(&BonPoint) -> f64,
    (label, y_label, color): (&str, &str, usize),
    y: Axis,
) -> String {
    let xy = |p: &BonPoint| ((p.n as f64).log2(), value(p));
    let mut series = vec![Series {
        label: label.into(),
        points: points.iter().map(xy).collect(),
        color,
        markers: true,
    }];
    if let Some(p) = star.and_then(|i| points.get(i)) {
        series.push(Series {
            label: "KL-penalised pick".into(),
            points: vec![xy(p)],
            color: 3,
            markers: true,
        });
    }
    // An empty chart (the replies still coming) spans n = 1 to 32, the page's default.
    let max = points.last().map_or(5.0, |p| (p.n as f64).log2().max(1.0));
    LineChart {
        x: Axis { format: power, ..Axis::linear(0.0, max) },
        y,
        x_label: "n (replies the pick is made among)".into(),
        y_label: y_label.into(),
        series,
        size: (640, 260),
    }
    .svg()
}

fn pairs_table(
    pairs: RwSignal<Vec<PreferencePair>>,
    rewards: Memo<Option<Vec<[f64; 2]>>>,
) -> impl IntoView {
    let shipped = PreferencePair::shipped().len();
    let rows = move || {
        let rewards = rewards.get();
        pairs
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let r = rewards.as_ref().and_then(|r| r.get(i).copied());
                let cell = |v: Option<f64>| v.map_or("–".to_string(), |v| signed(v, 2));
                let added = i >= shipped;
                view! {
                    <tr
                        class:rlhf-added=added
                        data-pair=i
                        data-r-chosen=r.map(|r| r[0].to_string())
                        data-r-rejected=r.map(|r| r[1].to_string())
                    >
                        <td data-label="prompt">{p.prompt}</td>
                        <td class="grow" data-label="preferred">{p.chosen}</td>
                        <td class="num" data-label="reward r">{cell(r.map(|r| r[0]))}</td>
                        <td class="grow" data-label="other">{p.rejected}</td>
                        <td class="num" data-label="reward r">{cell(r.map(|r| r[1]))}</td>
                        <td>
                            {added.then(|| view! {
                                <button type="button" class="rlhf-remove"
                                    on:click=move |_| pairs.update(|p| { p.remove(i); })>
                                    "remove"
                                </button>
                            })}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="rlhf-pairs">
            <table class="rag-hits rlhf-pair-table stack">
                <caption>"The preference pairs, and the trained reward model's score of each reply"</caption>
                <thead>
                    <tr>
                        <th scope="col">"prompt"</th>
                        <th scope="col">"preferred"</th>
                        <th scope="col">"r"</th>
                        <th scope="col">"other"</th>
                        <th scope="col">"r"</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The live RLHF panel.
#[component]
pub fn LiveRlhf() -> impl IntoView {
    let pairs = RwSignal::new(PreferencePair::shipped());
    let (new_prompt, new_chosen, new_rejected) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let add_error = RwSignal::new(None::<String>);
    let samples = RwSignal::new(SampleOptions::PAGE.samples);
    let beta = RwSignal::new(BETA);
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());
    let busy = move || run.busy();

    let add = move |_| {
        if pairs.with(Vec::len) >= MAX_RLHF_PAIRS {
            add_error.set(Some(format!("At most {MAX_RLHF_PAIRS} pairs.")));
            return;
        }
        match checked_pair(&new_prompt.get(), &new_chosen.get(), &new_rejected.get()) {
            Ok(pair) => {
                pairs.update(|p| p.push(pair));
                add_error.set(None);
                for s in [new_prompt, new_chosen, new_rejected] {
                    s.set(String::new());
                }
            }
            Err(message) => add_error.set(Some(message)),
        }
    };
    // New pairs make an old run's numbers stale: editing them stops a run in progress. (Not on
    // the effect's first run, which would stop the first run the panel starts by itself.)
    Effect::new(move |edited: Option<()>| {
        pairs.track();
        if edited.is_some() {
            run.reset();
            log.set(Log::default());
        }
    });

    let begin = move || {
        let options = SampleOptions { samples: samples.get_untracked(), ..SampleOptions::PAGE };
        let query = Query::Rlhf {
            pairs: pairs.get_untracked(),
            prompts: PROMPTS.iter().map(|p| p.to_string()).collect(),
            rm_steps: RmOptions::PAGE.steps,
            options,
            dictionary: engine::absolute(DICTIONARY),
        };
        log.set(Log { samples: options.samples, ..Log::default() });
        run.start(query, move |progress| match progress {
            RlhfProgress::Rm(s) => {
                log.try_update(|l| l.rm.push(s));
            }
            RlhfProgress::Trained(t) => {
                log.try_update(|l| l.trained = Some(t));
            }
            RlhfProgress::Reply(r) => {
                log.try_update(|l| l.add(r));
            }
        });
    };
    let start = move |_| begin();
    let stop = move |_| run.stop();
    // The first run, on the shipped pairs, starts by itself once the engine is ready: the reward
    // model trains in about a second and scores every pair; the replies follow as they are
    // sampled (a few seconds on a laptop's CPU at four per question).
    engine::when_ready(begin);
    let shown = Signal::derive(move || match status.get() {
        Status::Failed(_) => Shown::Error,
        _ if log.with(|l| !l.rm.is_empty()) => Shown::Result,
        _ => Shown::Working,
    });

    let rewards =
        Memo::new(move |_| log.with(|l| l.trained.as_ref().map(|t| t.pair_rewards.clone())));
    let rm_last = move || log.with(|l| l.rm.last().copied());
    let points = Memo::new(move |_| log.with(Log::points));
    let star = move || points.with(|p| penalised_pick(p, beta.get()));
    let at = move |i: Option<usize>| points.with(|p| i.and_then(|i| p.get(i).cloned()));
    let first = move || at(Some(0));
    let last = move || points.with(|p| p.last().cloned());
    let starred = move || at(star());

    let sample_options = move || {
        SAMPLES
            .iter()
            .map(|&n| view! { <option value=n.to_string() selected=move || samples.get() == n>{n.to_string()}</option> })
            .collect_view()
    };
    let field = move |label: &'static str, class: &'static str, value: RwSignal<String>| {
        view! {
            <label class=format!("dpo-field {class}")>
                <span>{label}</span>
                <input
                    type="text"
                    maxlength=MAX_RLHF_BYTES as u32
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };

    let progress = move || {
        log.with(|l| {
            let rm = l.rm.last()?;
            let total = l.samples * PROMPTS.len();
            let got = l.received();
            let ms = (l.millis.1 > 0).then(|| l.millis.0 / l.millis.1 as f64);
            Some(view! {
                <p class="result rlhf-progress">
                    {format!(
                        "Reward model: step {} of {}\u{a0}· loss {:.4} nats\u{a0}· {:.0}% of the {} pairs ranked right",
                        rm.step, RmOptions::PAGE.steps, rm.loss, rm.accuracy * 100.0, pairs.with(Vec::len)
                    )}
                    {l.trained.as_ref().map(|t| format!("\u{a0}· trained in {:.0}\u{a0}ms", t.millis))}
                </p>
                <p class="result">
                    {format!("Replies sampled and scored: {got} of {total}")}
                    {ms.map(|ms| format!("\u{a0}· {ms:.0}\u{a0}ms per reply"))}
                </p>
                <progress max=total value=got></progress>
            })
        })
    };
    let rm_view = move || {
        log.with(|l| {
            (!l.rm.is_empty()).then(|| {
                let svg = rm_chart(&l.rm, RmOptions::PAGE.steps);
                view! {
                    <Chart svg=svg label="The reward model's loss and accuracy on its pairs, step by step"
                        caption="Full-batch gradient descent on the mean of −log\u{a0}σ(r(preferred)\u{a0}−\u{a0}r(other)) plus a small L2 penalty, from w\u{a0}=\u{a0}0 (loss ln\u{a0}2)."/>
                }
            })
        })
    };
    let bon_view = move || {
        points.with(|p| {
            if p.is_empty() {
                // Empty axes under a line that says what comes, while the replies are sampled
                // and scored (the panel ended at its β slider, looking unfinished).
                let waiting = Signal::derive(|| {
                    Some("Drawn here as the replies are sampled and scored.".to_string())
                });
                let (reward, quality) = (reward_chart(&[], None), quality_chart(&[], None));
                return Some(view! {
                    <Chart svg=reward waiting label="The reward of best-of-n's pick against n, once the replies are scored"/>
                    <Chart svg=quality waiting label="The share of English words in best-of-n's pick against n, once the replies are scored"/>
                }.into_any());
            }
            let star = star();
            let (reward, quality) = (reward_chart(p, star), quality_chart(p, star));
            let rows = p
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    view! {
                        <tr class:rlhf-star=Some(i) == star>
                            <td class="num">{q.n}</td>
                            <td class="num">{format!("{:.2}", q.kl)}</td>
                            <td class="num">{signed(q.reward, 2)}</td>
                            <td class="num">{format!("{:.1}%", q.quality * 100.0)}</td>
                            <td class="num">{signed(q.reward - beta.get() * q.kl, 2)}</td>
                        </tr>
                    }
                })
                .collect_view();
            Some(view! {
                <Chart svg=reward label="The reward of best-of-n's pick against n"
                    caption="Expected over every way of choosing n of each prompt's replies, averaged over the prompts: it can only rise."/>
                <Chart svg=quality label="The share of English words in best-of-n's pick against n"
                    caption="The held‑out check the reward model never saw: the share of the pick's words that are among the 20,000 most frequent English words of GloVe's vocabulary."/>
                <table class="rag-hits rlhf-bon-table">
                    <thead>
                        <tr>
                            <th scope="col" class="num">"n"</th>
                            <th scope="col" class="num">"KL bound (nats)"</th>
                            <th scope="col" class="num">"reward"</th>
                            <th scope="col" class="num">"English words"</th>
                            <th scope="col" class="num">"reward − β·KL"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any())
        })
    };
    let summary = move || {
        let (f, l, s) = (first()?, last()?, starred()?);
        Some(view! {
            <p class="result rlhf-summary">
                {format!(
                    "Best-of-{} lifts the reward from {} to {} while the share of English \
                     words {} from {:.0}% to {:.0}%. With the KL penalty at β\u{a0}=\u{a0}{:.2} the pick \
                     is best-of-{}: reward {}, English words {:.0}%.",
                    l.n, signed(f.reward, 2), signed(l.reward, 2),
                    if l.quality < f.quality { "falls" } else { "goes" },
                    f.quality * 100.0, l.quality * 100.0,
                    beta.get(), s.n, signed(s.reward, 2), s.quality * 100.0
                )}
            </p>
        })
    };
    let picks = move || {
        let (l, s) = (last()?, starred()?);
        let rows = log.with(|log| {
            log.complete()
                .into_iter()
                .enumerate()
                .map(|(k, replies)| {
                    let show = |c: &Candidate| {
                        view! {
                            <div class="rlhf-reply">
                                <span class="gen-line">{c.text.clone()}</span>
                                <span class="small muted">{format!(" r {}\u{a0}· {:.0}% English", signed(c.reward, 2), c.quality * 100.0)}</span>
                            </div>
                        }
                    };
                    view! {
                        <tr>
                            <td>{PROMPTS.get(k).copied().unwrap_or_default()}</td>
                            <td class="rlhf-first">{show(&replies[0])}</td>
                            <td class="rlhf-star-pick">{show(&replies[s.picks[k]])}</td>
                            <td class="rlhf-best">{show(&replies[l.picks[k]])}</td>
                        </tr>
                    }
                })
                .collect_view()
        });
        Some(view! {
            <div class="rlhf-picks-wrap">
            <table class="rag-hits rlhf-picks">
                <caption>"The replies themselves, for each prompt"</caption>
                <thead>
                    <tr>
                        <th scope="col">"prompt"</th>
                        <th scope="col">"first sample (n = 1)"</th>
                        <th scope="col">{format!("best of the first {} (KL-penalised)", s.n)}</th>
                        <th scope="col">{format!("best of all {}", l.n)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        })
    };
    let note = move || {
        match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped between two replies; the charts use the prompts whose replies all came in."</p> }
                .into_any(),
        ),
        _ => None,
    }
    };
    let beta_fmt = |v: f64| format!("{v:.2}");

    view! {
        <div
            class="panel live-rlhf"
            data-live="rlhf"
            data-rlhf-state=move || status.get().id()
            data-pairs=move || pairs.with(Vec::len)
            data-rm-step=move || rm_last().map(|s| s.step)
            data-rm-loss=move || rm_last().map(|s| s.loss.to_string())
            data-rm-accuracy=move || rm_last().map(|s| s.accuracy.to_string())
            data-replies=move || log.with(Log::received)
            data-samples=move || samples.get()
            data-n=move || last().map(|p| p.n)
            data-reward=move || last().map(|p| p.reward.to_string())
            data-quality=move || last().map(|p| p.quality.to_string())
            data-reward-first=move || first().map(|p| p.reward.to_string())
            data-quality-first=move || first().map(|p| p.quality.to_string())
            data-rewards=move || points.with(|p| (!p.is_empty()).then(|| p.iter().map(|p| p.reward.to_string()).collect::<Vec<_>>().join(" ")))
            data-qualities=move || points.with(|p| (!p.is_empty()).then(|| p.iter().map(|p| p.quality.to_string()).collect::<Vec<_>>().join(" ")))
            data-beta=move || beta.get().to_string()
            data-n-star=move || starred().map(|p| p.n)
            data-reward-star=move || starred().map(|p| p.reward.to_string())
            data-quality-star=move || starred().map(|p| p.quality.to_string())
            data-ms-per-reply=move || log.with(|l| (l.millis.1 > 0).then(|| format!("{:.0}", l.millis.0 / l.millis.1 as f64)))
        >
            <h2>"Reward hacking on the Tumbler, live"</h2>
            <p>
                "The reward model here is the Tumbler's chat model, frozen, with a linear head: a \
                 reply's reward is w\u{a0}·\u{a0}φ, where φ is the chat model's final hidden state (128 \
                 numbers) averaged over the reply's tokens. Only the 128 weights of w are trained, \
                 on the pairs below, with the Bradley–Terry loss −log\u{a0}σ(r(preferred)\u{a0}−\u{a0}r(other)). \
                 The pairs were written for this page, and like real preference data they carry a \
                 bias: the raters they imitate liked long, rare words, so every preferred reply is \
                 the one in jargon. Add your own pairs to change what the judge learns."
            </p>
            {pairs_table(pairs, rewards)}
            <div class="rlhf-add">
                {field("Prompt", "rlhf-new-prompt", new_prompt)}
                {field("Preferred reply", "rlhf-new-chosen", new_chosen)}
                {field("Other reply", "rlhf-new-rejected", new_rejected)}
                <button type="button" class="rlhf-add-pair" on:click=add>"Add the pair"</button>
                {move || add_error.get().map(|m| view! { <p class="note-live rlhf-add-error" role="alert">{m}</p> })}
            </div>
            <EngineReady loading="The Tumbler is loading in the engine; a first run starts here as soon as it is ready." shown=shown>
                <p>
                    "Then the chat model answers eight new questions (none of them a pair's), \
                     sampled at temperature 1 with fixed seeds, and best-of-n keeps the reply the \
                     reward model scores highest among n. The check is something the reward model \
                     never saw: how many of the reply's words are English words."
                </p>
                <div class="dpo-train-controls">
                    <label class="slider">
                        <span class="slider-label">"replies per question"</span>
                        <select
                            class="rlhf-samples"
                            prop:disabled=busy
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                                    samples.set(n);
                                }
                            }
                        >
                            {sample_options}
                        </select>
                    </label>
                </div>
                <div class="preset-row">
                    <button type="button" class="rlhf-start" prop:disabled=busy on:click=start>
                        "Train and sample"
                    </button>
                    <button type="button" class="rlhf-stop" prop:disabled=move || !busy() on:click=stop>
                        "Stop"
                    </button>
                </div>
                {note}
                {progress}
                {rm_view}
                <Slider label="β of the KL penalty" value=beta min=0.0 max=10.0 step=0.1 format=beta_fmt/>
                <p class="small muted">
                    "Best-of-n moves away from the chat model by at most log n − (n − 1)/n nats of \
                     KL divergence. The penalised objective, reward − β·KL, picks the n that \
                     maximises it: β = 0 takes every reply there is; a larger β stops earlier."
                </p>
                {summary}
                {bon_view}
                {picks}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_checked_before_it_is_added() {
        assert!(checked_pair("Hi", "Hello!", "Go away.").is_ok());
        assert_eq!(checked_pair(" ", "a", "b").unwrap_err(), "Write the prompt.");
        assert!(checked_pair("Hi", "same", "same").unwrap_err().contains("same text"));
        let long = "x".repeat(MAX_RLHF_BYTES + 1);
        assert!(checked_pair("Hi", &long, "b").unwrap_err().contains("bytes"));
    }

    #[test]
    fn the_charts_draw_and_the_n_axis_reads_n() {
        assert_eq!(power(5.0), "32");
        assert_eq!(power(0.5), "");
        let rm = [RmStep { step: 0, loss: 0.69, accuracy: 0.0 }];
        assert!(rm_chart(&rm, 200).starts_with("<svg"));
        let c = |reward, quality| Candidate { text: "a".into(), tokens: 1, reward, quality };
        let points = best_of_n(&[vec![c(0.0, 1.0), c(1.0, 0.5)]]);
        let svg = bon_chart(&points, Some(0), |p| p.reward, ("r", "r", 0), Axis::linear(0.0, 1.0));
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
    }
}
