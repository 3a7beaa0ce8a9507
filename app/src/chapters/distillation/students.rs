//! Two students, one teacher, live: two toy Tumblers trained side by side in the engine worker
//! from the same initial weights, one on the held-out text's next tokens and one on the base
//! model's distribution at the reader's temperature, with both students' held-out loss and KL to
//! the teacher drawn as they learn (`tumbler_model::distill`, `tumbler distill` natively).

use leptos::prelude::*;

use crate::engine::RunStatus as Status;
use crate::engine::{self, EngineReady, Query, Run, Shown};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_chips::group;
use crate::widgets::{Chart, Reproduce, Slider};
use tumbler_engine::fetch;
use tumbler_engine::{DistillEval, DistillProgress, DistillSetup, DistillStep, DoneReason};

/// The text: the Tumbler's held-out file, a slice of its validation split it never trained on.
/// The students train on its first windows and are measured on the ones after.
const TEXT_URL: &str = "public/model/heldout.txt";
/// The seed of the students' shared initial weights and of the batches: `tumbler distill --seed 7`.
pub const SEED: u64 = 7;

/// One run's record, as the replies bring it: plain data the view draws.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    setup: Option<DistillSetup>,
    /// Every step, in order.
    steps: Vec<DistillStep>,
    /// The held-out measurements: before training, then every few steps.
    evals: Vec<DistillEval>,
    /// Milliseconds the worker spent: the teacher's reading and every step.
    millis: f64,
}

impl Log {
    fn add(&mut self, progress: DistillProgress) {
        match progress {
            DistillProgress::Start(start) => {
                *self = Log {
                    evals: vec![start.setup.initial],
                    setup: Some(start.setup),
                    millis: start.millis,
                    ..Log::default()
                };
            }
            DistillProgress::Step(timed) => {
                self.millis += timed.millis;
                self.evals.extend(timed.step.eval);
                self.steps.push(timed.step);
            }
        }
    }

    fn latest(&self) -> Option<&DistillEval> {
        self.evals.last()
    }

    /// A chart of `what` (a held-out number per student) at each measurement, with an optional
    /// level drawn across (the teacher's own loss).
    fn chart(
        &self,
        what: fn(&DistillEval) -> (f32, f32),
        y_label: &str,
        level: Option<(&str, f32)>,
    ) -> String {
        let total = self.setup.as_ref().map_or(100, |s| s.options.steps) as f64;
        let line = |pick: fn((f32, f32)) -> f32| -> Vec<(f64, f64)> {
            self.evals.iter().map(|e| (e.step as f64, f64::from(pick(what(e))))).collect()
        };
        let hard = line(|(h, _)| h);
        let soft = line(|(_, s)| s);
        let top = hard.iter().chain(&soft).map(|&(_, y)| y).fold(1.0, f64::max);
        let mut series = vec![
            Series { label: "hard student".into(), points: hard, color: 0, markers: true },
            Series { label: "soft student".into(), points: soft, color: 1, markers: true },
        ];
        if let Some((label, y)) = level {
            series.push(Series::level(label, f64::from(y), (0.0, total), 2));
        }
        LineChart {
            x: Axis::linear(0.0, total),
            y: Axis::linear(0.0, (top * 1.1).ceil()),
            x_label: "training step".into(),
            y_label: y_label.into(),
            series,
            size: (640, 300),
        }
        .svg()
    }
}

/// Numbers joined by spaces, each in its shortest f32 form (the tests read them back).
fn joined(values: impl Iterator<Item = f32>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(" ")
}

fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// The two-students panel.
#[component]
pub fn TwoStudents() -> impl IntoView {
    let text = RwSignal::new(None::<Result<String, String>>);
    leptos::task::spawn_local(async move {
        let loaded = fetch::download(TEXT_URL, false, |_, _| {})
            .await
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| format!("{TEXT_URL}: {e}"));
        text.try_set(Some(loaded));
    });
    let temperature = number_param("distil_t", 2.0, 0.5, 8.0);
    let alpha = number_param("distil_alpha", 0.0, 0.0, 1.0);
    let steps = number_param("distil_steps", 60.0, 10.0, 300.0);
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());

    let begin = move || {
        let Some(Ok(body)) = text.get_untracked() else { return };
        log.set(Log::default());
        let query = Query::Distill {
            text: body,
            temperature: temperature.get_untracked() as f32,
            alpha: alpha.get_untracked() as f32,
            steps: steps.get_untracked() as usize,
            seed: SEED,
        };
        run.start(query, move |progress: DistillProgress| {
            log.try_update(|l| l.add(progress));
        });
    };
    let start = move |_| begin();
    let stop = move |_| run.stop();
    let busy = move || run.busy();
    // The first run, on the default (or linked) settings, starts by itself once the teacher is
    // ready and the held-out text is in: the untrained students' numbers show within a second or
    // two, each ten steps' after (60 steps take about 20 s on a laptop's CPU). Stop ends it.
    engine::when_ready_and(move || text.with(|t| matches!(t, Some(Ok(_)))), begin);
    let shown = Signal::derive(move || match status.get() {
        Status::Failed(_) => Shown::Error,
        _ if text.with(|t| matches!(t, Some(Err(_)))) => Shown::Error,
        _ if log.with(|l| l.setup.is_some()) => Shown::Result,
        _ => Shown::Working,
    });
    let can_start = move || !busy() && matches!(text.get(), Some(Ok(_)));

    let loss_chart = Signal::derive(move || {
        log.with(|l| {
            let teacher = l.setup.as_ref().map(|s| ("the teacher", s.teacher_loss));
            l.chart(|e| (e.hard.loss, e.soft.loss), "held‑out loss (nats/token)", teacher)
        })
    });
    let waiting = Signal::derive(move || {
        log.with(|l| l.setup.is_none()).then(|| {
            "The students are starting: each one's held‑out numbers are drawn here as it \
             learns."
                .to_string()
        })
    });
    let kl_chart = Signal::derive(move || {
        log.with(|l| l.chart(|e| (e.hard.kl, e.soft.kl), "KL(teacher ‖ student), nats", None))
    });

    let about = move || {
        log.with(|l| {
            l.setup.as_ref().map(|s| {
                let c = &s.student;
                format!(
                    "Two students of {} parameters each ({} layers, width {}, {} heads, the \
                     teacher's vocabulary of {} tokens), from the same random weights; the \
                     teacher: the {}\u{2011}parameter Tumbler. They train on the first {} tokens of the \
                     held‑out text, {} windows of {} per step, and are measured on the next {}, \
                     which they never train on. {}",
                    group(s.student_params),
                    c.n_layers,
                    c.d_model,
                    c.n_heads,
                    group(c.vocab_size),
                    group(s.teacher_params),
                    group(s.train_tokens),
                    s.options.batch_size,
                    s.options.seq_len,
                    group(s.heldout_tokens),
                    if s.options.alpha > 0.0 {
                        format!(
                            "The soft student's loss is {:.0}% the soft term and {:.0}% the hard one.",
                            (1.0 - s.options.alpha) * 100.0,
                            s.options.alpha * 100.0
                        )
                    } else {
                        "The soft student never sees the text's next tokens, only the teacher's \
                         distribution."
                            .to_string()
                    }
                )
            })
        })
    };

    let progress = move || {
        log.with(|l| {
            let setup = l.setup.as_ref()?;
            let step = l.steps.len();
            let last = l.steps.last();
            Some(view! {
                <p class="result distill-progress" role="status">
                    {format!(
                        "Step {step} of {}\u{a0}· T\u{a0}=\u{a0}{}\u{a0}· last batch: hard {}\u{a0}· soft {}\u{a0}· {:.1}\u{a0}s in the worker",
                        setup.options.steps,
                        setup.options.temperature,
                        last.map_or("–".into(), |s| format!("{:.3}", s.hard_loss)),
                        last.map_or("–".into(), |s| format!("{:.3}", s.soft_loss)),
                        l.millis / 1000.0
                    )}
                </p>
            })
        })
    };

    let table = move || {
        log.with(|l| {
            let setup = l.setup.as_ref()?;
            let before = setup.initial;
            let now = *l.latest()?;
            let row = |name: &'static str, class: &'static str, b: f32, h: f32, s: f32, t: String| {
                view! {
                    <tr class=class>
                        <th scope="row">{name}</th>
                        <td data-label="before">{format!("{b:.3}")}</td>
                        <td data-label="hard">{format!("{h:.3}")}</td>
                        <td data-label="soft">{format!("{s:.3}")}</td>
                        <td data-label="teacher">{t}</td>
                    </tr>
                }
            };
            Some(view! {
                <div class="distill-table-wrap">
                    <table class="dpo-table distill-results stack">
                        <caption>{format!("On the {} held‑out tokens after step\u{a0}{}: loss against the next tokens, and KL(teacher\u{a0}‖\u{a0}student) at T\u{a0}=\u{a0}1", setup.heldout_tokens, now.step)}</caption>
                        <thead>
                            <tr><th></th><th scope="col">"before"</th><th scope="col">"hard"</th><th scope="col">"soft"</th><th scope="col">"teacher"</th></tr>
                        </thead>
                        <tbody>
                            {row("held‑out loss, nats/token", "distill-row-loss", before.hard.loss, now.hard.loss, now.soft.loss, format!("{:.3}", setup.teacher_loss))}
                            {row("KL to the teacher, nats", "distill-row-kl", before.hard.kl, now.hard.kl, now.soft.kl, "0".into())}
                        </tbody>
                    </table>
                </div>
            })
        })
    };

    let summary = move || {
        log.with(|l| {
            let setup = l.setup.as_ref()?;
            let now = *l.latest()?;
            (now.step > 0).then(|| {
                format!(
                    "After {} steps at T\u{a0}=\u{a0}{}: the soft student is {:.3} nats from the teacher and \
                     the hard student {:.3} (both started at {:.3}); against the text's next \
                     tokens the hard student's loss is {:.3} and the soft student's {:.3} (the \
                     teacher's {:.3}).",
                    now.step,
                    setup.options.temperature,
                    now.soft.kl,
                    now.hard.kl,
                    setup.initial.hard.kl,
                    now.hard.loss,
                    now.soft.loss,
                    setup.teacher_loss
                )
            })
        })
    };

    let note = move || {
        match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped. Train again to start both students from scratch."</p> }
                .into_any(),
        ),
        _ => None,
    }
    };
    let text_note = move || match text.get() {
        Some(Err(e)) => Some(view! { <p class="note-live" role="alert">{e}</p> }),
        _ => None,
    };

    // The numbers the tests read.
    let attr = move |f: fn(&Log) -> Option<String>| move || log.with(f);
    let body = move || {
        view! {
            <div class="distill-train-controls">
                <Slider label="temperature T" value=temperature min=0.5 max=8.0 step=0.5 format=one_decimal/>
                <Slider label="α (hard loss share)" value=alpha min=0.0 max=1.0 step=0.1 format=one_decimal/>
                <Slider label="steps" value=steps min=10.0 max=300.0 step=10.0 format=whole/>
            </div>
            <div class="preset-row">
                <button type="button" class="distill-start" prop:disabled=move || !can_start() on:click=start>
                    "Train both students"
                </button>
                <button type="button" class="distill-stop" prop:disabled=move || !busy() on:click=stop>
                    "Stop"
                </button>
            </div>
            {text_note}
            {note}
            <p class="small">{about}</p>
            {progress}
            {table}
            <p class="distill-summary">{summary}</p>
                <Chart svg=loss_chart waiting label="Held-out loss of the hard and the soft student at each measurement, with the teacher's own as a level" caption="Cross-entropy against the held‑out text's real next tokens. The flat line is the teacher's own loss on the same tokens."/>
                <Chart svg=kl_chart waiting label="KL divergence from the teacher to each student on the held‑out text, at each measurement" caption="How far each student's next-token distribution is from the teacher's, at T\u{a0}=\u{a0}1, averaged over the held‑out tokens. 0 would be a perfect copy."/>
            <p class="small">
                "The two charts ask different questions. KL asks how much a student's guesses look \
                 like the teacher's; the loss asks how well it predicts the text itself. They need \
                 not agree: a student fitted to the one-hot labels of a thousand tokens can grow \
                 confident in what it saw, lowering its loss while its distribution moves away from \
                 the teacher's hedged one. Try T\u{a0}=\u{a0}1 and T\u{a0}=\u{a0}8, or give the soft student a share \
                 of the hard loss with α. These are toy students on a toy budget, seeded so the \
                 same settings give the same curves."
            </p>
            <Reproduce command="tumbler distill --t 2 --steps 60" gives="the same curves for the same settings, natively"/>
        }
    };
    view! {
        <div
            class="panel live-distill"
            data-live="distillation"
            data-state=move || status.get().id()
            data-seed=SEED
            data-t=attr(|l| l.setup.as_ref().map(|s| s.options.temperature.to_string()))
            data-alpha=attr(|l| l.setup.as_ref().map(|s| s.options.alpha.to_string()))
            data-steps=attr(|l| l.setup.as_ref().map(|s| s.options.steps.to_string()))
            data-student-params=attr(|l| l.setup.as_ref().map(|s| s.student_params.to_string()))
            data-teacher-params=attr(|l| l.setup.as_ref().map(|s| s.teacher_params.to_string()))
            data-teacher-loss=attr(|l| l.setup.as_ref().map(|s| s.teacher_loss.to_string()))
            data-step=attr(|l| l.setup.as_ref().map(|_| l.steps.len().to_string()))
            data-eval-step=attr(|l| l.latest().map(|e| e.step.to_string()))
            data-hard-loss=attr(|l| l.latest().map(|e| e.hard.loss.to_string()))
            data-soft-loss=attr(|l| l.latest().map(|e| e.soft.loss.to_string()))
            data-hard-kl=attr(|l| l.latest().map(|e| e.hard.kl.to_string()))
            data-soft-kl=attr(|l| l.latest().map(|e| e.soft.kl.to_string()))
            data-eval-steps=attr(|l| l.setup.as_ref().map(|_| l.evals.iter().map(|e| e.step.to_string()).collect::<Vec<_>>().join(" ")))
            data-hard-losses=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.hard.loss))))
            data-soft-losses=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.soft.loss))))
            data-hard-kls=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.hard.kl))))
            data-soft-kls=attr(|l| l.setup.as_ref().map(|_| joined(l.evals.iter().map(|e| e.soft.kl))))
            data-hard-train-losses=attr(|l| l.setup.as_ref().map(|_| joined(l.steps.iter().map(|s| s.hard_loss))))
            data-soft-train-losses=attr(|l| l.setup.as_ref().map(|_| joined(l.steps.iter().map(|s| s.soft_loss))))
            data-millis=attr(|l| l.setup.as_ref().map(|_| format!("{:.0}", l.millis)))
        >
            <h2>"Two students, one teacher"</h2>
            <p>
                "Now for real training. Two small students start from the same random weights and \
                 read the same windows of text in the same order, here in your browser. The "
                <strong>"hard"</strong>" student learns the text's next token at every position \
                 (cross-entropy with one-hot labels). The "<strong>"soft"</strong>" student learns \
                 the Tumbler's whole next-token distribution at each position, softened by T: its \
                 loss is T²·KL(teacher at T ‖ student at T). Every ten steps both are measured on \
                 text neither has seen."
            </p>
            <EngineReady loading="The Tumbler (the teacher) is loading in the engine; the students start training as soon as it is ready." shown=shown>
                {body}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_engine::{DistillStart, DistillTimedStep, StudentEval};
    use tumbler_model::distill::{DistillOptions, student_config};
    use tumbler_model::gpt::TumblerConfig;

    fn eval(step: usize, hard: f32, soft: f32) -> DistillEval {
        DistillEval {
            step,
            hard: StudentEval { loss: hard, kl: hard / 2.0 },
            soft: StudentEval { loss: soft, kl: soft / 4.0 },
        }
    }

    fn setup() -> DistillSetup {
        let student = student_config(&TumblerConfig::toy(4096));
        DistillSetup {
            options: DistillOptions::page(2.0, 20, SEED),
            student_params: student.param_count(),
            student,
            teacher_params: 1,
            train_tokens: 1024,
            heldout_tokens: 512,
            teacher_loss: 4.5,
            initial: eval(0, 8.3, 8.3),
        }
    }

    #[test]
    fn the_log_keeps_steps_measurements_and_time() {
        let mut log = Log::default();
        log.add(DistillProgress::Start(DistillStart { setup: setup(), millis: 500.0 }));
        for i in 1..=10 {
            let step = DistillStep {
                step: i,
                hard_loss: 7.0,
                soft_loss: 2.0,
                eval: (i == 10).then(|| eval(10, 6.0, 6.5)),
            };
            log.add(DistillProgress::Step(DistillTimedStep { step, millis: 100.0 }));
        }
        assert_eq!(log.steps.len(), 10);
        assert_eq!(log.evals.iter().map(|e| e.step).collect::<Vec<_>>(), [0, 10]);
        assert_eq!(log.latest().unwrap().soft.loss, 6.5);
        assert_eq!(log.millis, 1500.0);
        assert_eq!(joined([1.5f32, 0.1].into_iter()), "1.5 0.1");
        let svg = log.chart(|e| (e.hard.loss, e.soft.loss), "loss", Some(("teacher", 4.5)));
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
        // A new run starts a new log.
        log.add(DistillProgress::Start(DistillStart { setup: setup(), millis: 1.0 }));
        assert!(log.steps.is_empty() && log.evals.len() == 1);
    }
}
