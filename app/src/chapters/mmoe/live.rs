//! Two tasks, shared experts, live: a toy Multi-gate Mixture-of-Experts trained in the engine
//! worker on the MMoE paper's synthetic tasks at the reader's task correlation, with both tasks'
//! held-out losses and both gates' mixtures drawn as it learns (`tumbler_model::mmoe`,
//! `tumbler mmoe` natively).

use leptos::prelude::*;

use crate::calc::expr::{signed, unbroken};
use crate::engine::RunStatus as Status;
use crate::engine::{self, EngineReady, Query, Shown, Stream};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_chips::group;
use crate::widgets::{Chart, Reproduce, Slider};
use tumbler_engine::{DoneReason, MmoeEval, MmoeProgress, MmoeSetup, MmoeStep};

/// The seed of the data, the initial weights and the batches: `tumbler mmoe --seed 1`.
pub const SEED: u64 = 1;
/// Steps per run, unless the reader picks otherwise.
pub const STEPS: usize = 600;
/// The correlated and the conflicting setting of the one-click comparison.
const COMPARE: [f64; 2] = [0.9, -0.5];

/// One run's record, as the replies bring it: plain data the view draws.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    setup: Option<MmoeSetup>,
    /// Every step, in order.
    steps: Vec<MmoeStep>,
    /// The held-out measurements: before training, then every few steps.
    evals: Vec<MmoeEval>,
    /// Milliseconds the worker spent.
    millis: f64,
}

impl Log {
    fn add(&mut self, progress: MmoeProgress) {
        match progress {
            MmoeProgress::Start(start) => {
                *self = Log {
                    evals: vec![start.setup.initial.clone()],
                    setup: Some(start.setup),
                    millis: start.millis,
                    ..Log::default()
                };
            }
            MmoeProgress::Steps(batch) => {
                self.millis += batch.millis;
                for step in batch.steps {
                    self.evals.extend(step.eval.clone());
                    self.steps.push(step);
                }
            }
        }
    }

    fn latest(&self) -> Option<&MmoeEval> {
        self.evals.last()
    }

    /// Both tasks' held-out losses at each measurement.
    fn loss_chart(&self) -> String {
        let total = self.setup.as_ref().map_or(STEPS, |s| s.options.steps) as f64;
        let line = |pick: fn(&MmoeEval) -> f32| -> Vec<(f64, f64)> {
            self.evals.iter().map(|e| (e.step as f64, f64::from(pick(e)))).collect()
        };
        let (a, b) = (line(|e| e.loss_a), line(|e| e.loss_b));
        // On a log axis: the losses fall from about 10 to about 0.3, and on a linear one the end,
        // where the two tasks part, was squeezed into the bottom 3% (the lines lay as one).
        let ys = || a.iter().chain(&b).map(|&(_, y)| y).filter(|y| *y > 0.0);
        let (low, top) = (ys().fold(f64::INFINITY, f64::min), ys().fold(0.0, f64::max));
        let (low, top) = if low.is_finite() && top > low { (low, top) } else { (0.1, 10.0) };
        LineChart {
            x: Axis::linear(0.0, total),
            y: Axis::log(low / 1.25, top * 1.25),
            x_label: "training step".into(),
            y_label: "held‑out mean squared error".into(),
            series: vec![
                Series { label: "task A".into(), points: a, color: 0, markers: true },
                Series { label: "task B".into(), points: b, color: 1, markers: true },
            ],
            size: (640, 280),
        }
        .svg()
    }
}

/// Gate weights in words: "expert 1 0.31, expert 2 0.22, …".
fn weights(mix: &[f32]) -> String {
    mix.iter()
        .enumerate()
        .map(|(j, v)| format!("expert {} {v:.2}", j + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A heatmap of the two gates' mean mixtures: one row per expert, one column per task (narrow
/// enough for a phone), each cell as strong as its weight (full colour at the largest weight
/// shown), the weight written in.
/// A weight on a strong fill is written in the accent's text colour (chapters-1.css), past the
/// strength where that reads better than the theme's own text colour. The point differs by task
/// and theme (the light fills darken, the dark ones lighten; contrast computed from main.css's
/// colours): past 0.75 of task A's purple and 0.84 of task B's green in the light theme, 0.64
/// and 0.55 in the dark one. With one point for both tasks, some of B's cells had the weaker.
fn gates_svg(a: &[f32], b: &[f32]) -> String {
    const LIGHT: [f32; 2] = [0.75, 0.84];
    const DARK: [f32; 2] = [0.64, 0.55];
    let e = a.len().max(1);
    let (left, cell, h, top_row) = (76.0, 80.0, 26.0, 20.0);
    let width = left + 2.0 * cell;
    let top = a.iter().chain(b).fold(1e-6f32, |m, &v| m.max(v));
    let mut s = format!(
        "<svg viewBox=\"0 0 {width} {}\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">",
        top_row + h * e as f64 + 2.0
    );
    for j in 0..e {
        let y = top_row + h * j as f64;
        s += &format!(
            "<text x=\"0\" y=\"{}\" class=\"mm-axis\">expert {}</text>",
            y + h / 2.0 + 4.0,
            j + 1
        );
    }
    for (col, (name, mix, class)) in
        [("task A", a, "mm-cell-a"), ("task B", b, "mm-cell-b")].iter().enumerate()
    {
        let x = left + cell * col as f64;
        s += &format!(
            "<text x=\"{}\" y=\"14\" text-anchor=\"middle\" class=\"mm-axis\">{name}</text>",
            x + cell / 2.0
        );
        for (j, &v) in mix.iter().enumerate() {
            let y = top_row + h * j as f64;
            let strength = (v / top).clamp(0.0, 1.0);
            let text = format!(
                "mm-value{}{}",
                if strength > LIGHT[col] { " ink-light" } else { "" },
                if strength > DARK[col] { " ink-dark" } else { "" }
            );
            s += &format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"{class}\" fill-opacity=\"{:.3}\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"{text}\">{:.2}</text>",
                x + 1.0,
                y + 1.0,
                cell - 2.0,
                h - 2.0,
                strength,
                x + cell / 2.0,
                y + h / 2.0 + 4.0,
                v
            );
        }
    }
    s + "</svg>"
}

/// Numbers joined by spaces, each in its shortest f32 form (the tests read them back).
fn joined(values: impl Iterator<Item = f32>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(" ")
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn two_decimals(v: f64) -> String {
    signed(v, 2)
}

/// A finished (or stopped) run, for the comparison table.
#[derive(Clone, Debug, PartialEq)]
struct Past {
    correlation: f64,
    label_correlation: f64,
    end: MmoeEval,
    millis: f64,
}

/// The signals a run writes, so a run can start the next one (the comparison).
#[derive(Clone, Copy)]
struct Panel {
    status: RwSignal<Status>,
    log: RwSignal<Log>,
    past: RwSignal<Vec<Past>>,
    running: StoredValue<Option<Stream>>,
    /// Which launch is current: a replaced or stopped stream's late replies are dropped.
    current: StoredValue<u32>,
    /// Correlations still to run after this one.
    queue: StoredValue<Vec<f64>>,
    correlation: RwSignal<f64>,
    steps: RwSignal<f64>,
}

/// Trains at `correlation`; when the run ends by itself, starts the next queued one.
fn launch(panel: Panel, correlation: f64) {
    panel.running.set_value(None);
    let mine = panel.current.get_value().wrapping_add(1);
    panel.current.set_value(mine);
    // False once another launch replaced this one, or the chapter closed (disposed).
    let is_current = move || panel.current.try_get_value() == Some(mine);
    panel.correlation.set(correlation);
    panel.log.set(Log::default());
    panel.status.set(Status::Starting);
    let steps = panel.steps.get_untracked() as usize;
    let query = Query::Mmoe { correlation, steps, seed: SEED };
    let run = engine::stream(
        query,
        move |progress: MmoeProgress| {
            if !is_current() {
                return;
            }
            panel.log.try_update(|l| l.add(progress));
            panel.status.try_set(Status::Running);
        },
        move |end| {
            if !is_current() {
                return;
            }
            panel.log.try_with_untracked(|l| {
                if let (Some(setup), Some(last)) = (&l.setup, l.latest())
                    && last.step > 0
                {
                    let past = Past {
                        correlation: setup.options.correlation,
                        label_correlation: setup.label_correlation,
                        end: last.clone(),
                        millis: l.millis,
                    };
                    panel.past.try_update(|p| p.push(past));
                }
            });
            let finished = matches!(end, Ok(DoneReason::Length));
            panel.status.try_set(match end {
                Ok(reason) => Status::Ended(reason),
                Err(message) => Status::Failed(message),
            });
            let next =
                panel.queue.try_update_value(|q| (!q.is_empty()).then(|| q.remove(0))).flatten();
            match next {
                Some(next) if finished => launch(panel, next),
                _ => {
                    panel.queue.try_set_value(Vec::new());
                }
            }
        },
    );
    panel.running.set_value(Some(run));
}

/// The live MMoE panel.
#[component]
pub fn LiveMmoe() -> impl IntoView {
    let correlation = number_param("mmoe_corr", 0.9, -1.0, 1.0);
    let steps = number_param("mmoe_steps", STEPS as f64, 50.0, 2000.0);
    let panel = Panel {
        status: RwSignal::new(Status::Idle),
        log: RwSignal::new(Log::default()),
        past: RwSignal::new(Vec::new()),
        running: StoredValue::new(None),
        current: StoredValue::new(0),
        queue: StoredValue::new(Vec::new()),
        correlation,
        steps,
    };
    let Panel { status, log, past, .. } = panel;
    let start = move |_| launch(panel, correlation.get_untracked());
    let compare = move |_| {
        panel.queue.set_value(COMPARE[1..].to_vec());
        launch(panel, COMPARE[0]);
    };
    let stop = move |_| {
        panel.queue.set_value(Vec::new());
        panel.running.set_value(None);
    };
    let busy = move || matches!(status.get(), Status::Starting | Status::Running);
    // The first run, on the default (or linked) correlation, starts by itself: about a second's
    // work in the worker, so the panel opens on a trained model, not on an empty chart.
    engine::when_ready(move || launch(panel, correlation.get_untracked()));
    let shown = Signal::derive(move || match status.get() {
        Status::Failed(_) => Shown::Error,
        _ if log.with(|l| !l.evals.is_empty()) => Shown::Result,
        _ => Shown::Working,
    });

    let loss_chart = Signal::derive(move || log.with(Log::loss_chart));
    let waiting = Signal::derive(move || {
        log.with(|l| l.evals.is_empty()).then(|| {
            "The first run is starting: both tasks' held‑out errors are drawn here every ten \
             steps as the model learns, in this page."
                .to_string()
        })
    });
    let gates = move || {
        log.with(|l| {
            let e = l.latest()?;
            Some(view! {
                <div
                    class="mm-gates"
                    role="img"
                    aria-label=format!(
                        "Each task's gate weights on the {} experts, averaged over the held‑out inputs, after step {}: task A {}; task B {}",
                        e.mixture_a.len(),
                        e.step,
                        weights(&e.mixture_a),
                        weights(&e.mixture_b),
                    )
                    inner_html=gates_svg(&e.mixture_a, &e.mixture_b)
                ></div>
            })
        })
    };

    let about = move || {
        log.with(|l| {
            l.setup.as_ref().map(|s| {
                let o = &s.options;
                format!(
                    "A toy two-task model of {} parameters: {} shared experts (one ReLU layer of \
                     {} units each), one softmax gate and one tower ({} units) per task, trained \
                     here in your browser with Adam on {} examples of d = {} inputs, {} per step, \
                     measured on {} others. The task vectors' cosine is {:.2}; over the training \
                     examples the two labels' correlation is {:.2} (the sinusoids make it differ \
                     from the cosine). Always answering the mean would score {:.2} and {:.2}.",
                    group(s.params),
                    o.experts,
                    o.expert_width,
                    o.tower_width,
                    group(o.train_examples),
                    o.dim,
                    o.batch_size,
                    group(o.heldout_examples),
                    s.cosine,
                    s.label_correlation,
                    s.label_variance[0],
                    s.label_variance[1],
                )
            })
        })
    };

    let progress = move || {
        log.with(|l| {
            let setup = l.setup.as_ref()?;
            let e = l.latest()?;
            Some(view! {
                // One item a line on a phone (run on, its lines ended in "·" and split
                // "held‑out" from "loss"); a line of items apart by "·" on a desktop.
                <p class="result mm-progress" role="status">
                    {[
                        format!("Step {} of {}", l.steps.len(), setup.options.steps),
                        format!("correlation {}", signed(setup.options.correlation, 2)),
                        format!("held‑out loss A {:.3}, B {:.3}", e.loss_a, e.loss_b),
                        format!("gate overlap {:.3}", e.overlap),
                        format!("{:.1}\u{a0}s in the worker", l.millis / 1000.0),
                    ]
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| view! {
                        {(i > 0).then(|| view! { <span class="sep">" · "</span> })}
                        <span class="item">{unbroken(&item)}</span>
                    })
                    .collect_view()}
                </p>
            })
        })
    };

    let table = move || {
        let rows = past.get();
        (!rows.is_empty()).then(|| {
            view! {
                <div class="mm-table-wrap">
                    <table class="dpo-table mm-runs stack">
                        <caption>"Runs in this page (same seed, same initial weights)"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"cosine"</th>
                                <th scope="col">"labels' r"</th>
                                <th scope="col">"steps"</th>
                                <th scope="col">"loss A"</th>
                                <th scope="col">"loss B"</th>
                                <th scope="col">"gate overlap"</th>
                                <th scope="col">"time"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|p| view! {
                                    <tr data-corr=p.correlation.to_string() data-overlap=p.end.overlap.to_string()>
                                        <td data-label="cosine">{signed(p.correlation, 2)}</td>
                                        <td data-label="labels' r">{signed(p.label_correlation, 2)}</td>
                                        <td data-label="steps">{p.end.step}</td>
                                        <td data-label="loss A">{format!("{:.3}", p.end.loss_a)}</td>
                                        <td data-label="loss B">{format!("{:.3}", p.end.loss_b)}</td>
                                        <td data-label="gate overlap">{format!("{:.3}", p.end.overlap)}</td>
                                        <td data-label="time">{format!("{:.1} s", p.millis / 1000.0)}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
        })
    };

    let note = move || {
        match status.get() {
        Status::Failed(message) => Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any()),
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped. Train again to start from the same initial weights."</p> }.into_any(),
        ),
        _ => None,
    }
    };

    // The numbers the tests read.
    let attr = move |f: fn(&Log) -> Option<String>| move || log.with(f);
    view! {
        <div
            class="panel live-mmoe"
            data-live="mmoe"
            data-state=move || status.get().id()
            data-seed=SEED
            data-corr=attr(|l| l.setup.as_ref().map(|s| s.options.correlation.to_string()))
            data-cosine=attr(|l| l.setup.as_ref().map(|s| s.cosine.to_string()))
            data-label-corr=attr(|l| l.setup.as_ref().map(|s| s.label_correlation.to_string()))
            data-params=attr(|l| l.setup.as_ref().map(|s| s.params.to_string()))
            data-steps=attr(|l| l.setup.as_ref().map(|s| s.options.steps.to_string()))
            data-step=attr(|l| l.setup.as_ref().map(|_| l.steps.len().to_string()))
            data-eval-step=attr(|l| l.latest().map(|e| e.step.to_string()))
            data-loss-a=attr(|l| l.latest().map(|e| e.loss_a.to_string()))
            data-loss-b=attr(|l| l.latest().map(|e| e.loss_b.to_string()))
            data-overlap=attr(|l| l.latest().map(|e| e.overlap.to_string()))
            data-mixture-a=attr(|l| l.latest().map(|e| joined(e.mixture_a.iter().copied())))
            data-mixture-b=attr(|l| l.latest().map(|e| joined(e.mixture_b.iter().copied())))
            data-eval-steps=attr(|l| l.setup.as_ref().map(|_| l.evals.iter().map(|e| e.step.to_string()).collect::<Vec<_>>().join(" ")))
            data-losses-a=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.loss_a))))
            data-losses-b=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.loss_b))))
            data-overlaps=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.overlap))))
            data-millis=attr(|l| l.setup.as_ref().map(|_| format!("{:.0}", l.millis)))
        >
            <h2>"Two tasks, eight shared experts, trained here"</h2>
            <p>
                "The MMoE paper tests its idea on synthetic tasks whose relatedness is a dial: each \
                 label is a weight vector's dot product with the input plus ten sinusoids of it, \
                 and the two tasks' weight vectors have a chosen cosine. Pick the cosine, train, \
                 and watch each task's gate decide how to mix the shared experts."
            </p>
            <EngineReady loading="The engine is loading; a first run trains here as soon as it is ready." shown=shown>
            <div class="distill-train-controls">
                <Slider label="task correlation (cosine)" value=correlation min=-1.0 max=1.0 step=0.05 format=two_decimals/>
                <Slider label="steps" value=steps min=50.0 max=2000.0 step=50.0 format=whole/>
            </div>
            <div class="preset-row">
                <button type="button" class="mm-preset" prop:disabled=busy on:click=move |_| correlation.set(0.9)>"correlated: +0.9"</button>
                <button type="button" class="mm-preset" prop:disabled=busy on:click=move |_| correlation.set(0.0)>"unrelated: 0"</button>
                <button type="button" class="mm-preset" prop:disabled=busy on:click=move |_| correlation.set(-0.5)>"conflicting: −0.5"</button>
            </div>
            <div class="preset-row">
                <button type="button" class="mm-start" prop:disabled=busy on:click=start>"Train"</button>
                <button type="button" class="mm-compare" prop:disabled=busy on:click=compare>"Compare +0.9 with −0.5"</button>
                <button type="button" class="mm-stop" prop:disabled=move || !busy() on:click=stop>"Stop"</button>
            </div>
            {note}
            <p class="small">{about}</p>
            {progress}
            {gates}
            <Chart svg=loss_chart waiting label="Each task's held‑out mean squared error at each measurement" caption="Mean squared error on held‑out examples the model never trains on, every ten steps."/>
            {table}
            <p class="small">
                "The gate overlap is Σ min(g"<sub>"A"</sub>", g"<sub>"B"</sub>") over the experts for \
                 each held‑out input, averaged: 1 when both tasks mix the experts the same way, 0 when they use disjoint \
                 experts. Both gates start at zero, so every run begins at overlap 1. This toy is \
                 small and the effect in it is small and varies with the seed: judge it over a few \
                 runs, not one."
            </p>
            <Reproduce command="tumbler mmoe --corr 0.9 --seed 1 --steps 600" gives="the same numbers for the same seed, natively"/>
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_engine::{MmoeStart, MmoeSteps};
    use tumbler_model::mmoe::MmoeOptions;

    fn eval(step: usize, loss: f32) -> MmoeEval {
        MmoeEval {
            step,
            loss_a: loss,
            loss_b: loss / 2.0,
            mixture_a: vec![0.5, 0.5],
            mixture_b: vec![0.25, 0.75],
            overlap: 0.75,
        }
    }

    #[test]
    fn the_log_keeps_steps_measurements_and_time() {
        let options = MmoeOptions::page(0.9, 20, SEED);
        let setup = MmoeSetup {
            params: options.param_count(),
            options,
            cosine: 0.9,
            label_correlation: 0.8,
            label_variance: [2.0, 2.0],
            initial: eval(0, 4.0),
        };
        let mut log = Log::default();
        log.add(MmoeProgress::Start(Box::new(MmoeStart { setup: setup.clone(), millis: 5.0 })));
        let steps = (1..=10)
            .map(|i| MmoeStep {
                step: i,
                loss_a: 3.0,
                loss_b: 1.0,
                eval: (i == 10).then(|| eval(10, 1.0)),
            })
            .collect();
        log.add(MmoeProgress::Steps(MmoeSteps { steps, millis: 20.0 }));
        assert_eq!(log.steps.len(), 10);
        assert_eq!(log.evals.iter().map(|e| e.step).collect::<Vec<_>>(), [0, 10]);
        assert_eq!(log.millis, 25.0);
        assert!(log.loss_chart().starts_with("<svg"));
        let svg = gates_svg(&[0.5, 0.5], &[0.25, 0.75]);
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains(">0.75<"));
        // Task B's strongest cell (0.75, full colour) takes the accent's ink in both themes;
        // task A's 0.5 (2/3 strength) only in the dark theme (past 0.64 of purple, not 0.75);
        // 0.25 (1/3) in neither.
        assert_eq!(svg.matches("mm-value ink-light ink-dark").count(), 1);
        assert_eq!(svg.matches("class=\"mm-value ink-dark\"").count(), 2);
        assert!(svg.contains("class=\"mm-value\">0.25<"));
        log.add(MmoeProgress::Start(Box::new(MmoeStart { setup, millis: 1.0 })));
        assert!(log.steps.is_empty() && log.evals.len() == 1);
    }
}
