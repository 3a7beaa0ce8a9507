//! A tiny Tumbler trained from scratch in the engine worker while the reader watches: its loss
//! per step, its speed, and what it predicts after a fixed prompt as it learns.

use leptos::prelude::*;
use serde_json::Value;

use crate::engine::RunStatus as Status;
use crate::engine::{self, EngineReady, Query, Run, Shown};
use crate::widgets::Chart;
use crate::widgets::attention_map::visible;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_bars::{TokenBar, TokenBars};
use crate::widgets::token_chips::group;
use tumbler_engine::fetch;
use tumbler_engine::{DoneReason, LearnProgress, LearnRun, LearnSample, LearnStep};

/// The text it learns from: the opening of Jane Austen's *Emma*, one of the pipeline's samples.
const TEXT_URL: &str = "public/samples/austen.json";
/// A prompt from that text, so the reader can see the model learn how it goes on.
const PROMPT: &str = "Emma Woodhouse, handsome,";
const STEPS: usize = 300;
const SAMPLE_EVERY: usize = 10;
const SEED: u64 = 7;
/// Steps the speed is averaged over.
const SPEED_WINDOW: usize = 10;

/// One run's record, as the replies bring it: plain data the view draws.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    run: Option<LearnRun>,
    /// (step, loss in nats) per step.
    losses: Vec<(usize, f32)>,
    /// Milliseconds per step.
    millis: Vec<f64>,
    /// The predictions so far: the untrained one first.
    samples: Vec<LearnSample>,
}

impl Log {
    fn start(run: LearnRun) -> Self {
        Self { samples: vec![run.sample.clone()], run: Some(run), ..Self::default() }
    }

    fn step(&mut self, step: usize, loss: f32, millis: f64, sample: Option<LearnSample>) {
        self.losses.push((step, loss));
        self.millis.push(millis);
        self.samples.extend(sample);
    }

    /// Training tokens per second over the last few steps.
    fn tokens_per_second(&self) -> Option<f64> {
        let run = self.run.as_ref()?;
        let recent = &self.millis[self.millis.len().saturating_sub(SPEED_WINDOW)..];
        let ms: f64 = recent.iter().sum();
        (ms > 0.0).then(|| (recent.len() * run.tokens_per_step()) as f64 * 1000.0 / ms)
    }

    /// The loss per step against a model that guesses every token equally likely, ln V.
    fn chart(&self) -> String {
        let uniform = self.run.as_ref().map_or(8.0, |r| (r.config.vocab_size as f64).ln());
        let top =
            self.losses.iter().map(|&(_, l)| f64::from(l)).fold(uniform, f64::max).ceil() + 0.5;
        let x_max = self.losses.last().map_or(STEPS, |&(s, _)| s).max(STEPS) as f64;
        LineChart {
            x: Axis::linear(0.0, x_max),
            y: Axis::linear(0.0, top),
            x_label: "training step".into(),
            y_label: "loss (nats per token)".into(),
            series: vec![
                Series {
                    label: "loss of each step's batch".into(),
                    points: self.losses.iter().map(|&(s, l)| (s as f64, f64::from(l))).collect(),
                    color: 0,
                    markers: false,
                },
                Series::level("guessing uniformly, ln V", uniform, (0.0, x_max), 5),
            ],
            size: (640, 300),
        }
        .svg()
    }
}

/// The tiny model's training panel.
#[component]
pub fn TinyTraining() -> impl IntoView {
    let text = RwSignal::new(None::<Result<String, String>>);
    leptos::task::spawn_local(async move {
        let loaded = fetch::json::<Value>(TEXT_URL).await.and_then(|v| {
            v["text"].as_str().map(str::to_string).ok_or_else(|| format!("{TEXT_URL} has no text"))
        });
        text.try_set(Some(loaded));
    });
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());

    let begin = move || {
        let Some(Ok(body)) = text.get_untracked() else { return };
        log.set(Log::default());
        let query = Query::Learn {
            text: body,
            prompt: PROMPT.to_string(),
            steps: STEPS,
            sample_every: SAMPLE_EVERY,
            seed: SEED,
        };
        run.start(query, move |progress| match progress {
            LearnProgress::Start(run) => {
                log.try_set(Log::start(run));
            }
            LearnProgress::Step(LearnStep { step, loss, millis, sample }) => {
                log.try_update(|l| l.step(step, loss, millis, sample));
            }
        });
    };
    let start = move |_| begin();
    let stop = move |_| run.stop();
    let state = engine::state();
    let busy = move || run.busy();
    // The run starts by itself once the engine is ready and the text is in: the untrained
    // model's loss (about ln V) and guess show within a second or two, and the 300 steps take
    // about a minute on a laptop's CPU. Stop ends it; Start trains again from the same seed.
    engine::when_ready_and(move || text.with(|t| matches!(t, Some(Ok(_)))), begin);
    let shown = Signal::derive(move || match status.get() {
        Status::Failed(_) => Shown::Error,
        _ if text.with(|t| matches!(t, Some(Err(_)))) => Shown::Error,
        _ if log.with(|l| l.run.is_some()) => Shown::Result,
        _ => Shown::Working,
    });
    let can_start = move || {
        !busy() && matches!(text.get(), Some(Ok(_))) && state.with(|s| s.config().is_some())
    };

    let chart = Signal::derive(move || log.with(Log::chart));
    let waiting = Signal::derive(move || {
        log.with(|l| l.losses.is_empty()).then(|| {
            "Training is starting: the loss of every step is drawn here, starting near the flat \
             line of a uniform guess."
                .to_string()
        })
    });
    let about = move || {
        log.with(|l| {
            l.run.as_ref().map(|r| {
                let c = &r.config;
                format!(
                    "A fresh model with random weights: {} layers, width {}, {} heads, the \
                     Tumbler's vocabulary of {} tokens; {} parameters. It learns from {} tokens \
                     of Emma, {} windows of {} per step, with AdamW.",
                    c.n_layers,
                    c.d_model,
                    c.n_heads,
                    group(c.vocab_size),
                    group(r.params),
                    group(r.text_tokens),
                    r.batch_size,
                    r.seq_len
                )
            })
        })
    };
    let stats = move || {
        log.with(|l| {
            let (step, loss) = l.losses.last().copied()?;
            let first = l.losses.first().map_or(loss, |&(_, f)| f);
            let speed = l.tokens_per_second().unwrap_or(0.0);
            let per_step = l.millis.last().copied().unwrap_or(0.0);
            let all: Vec<String> = l.losses.iter().map(|(_, x)| format!("{x:.4}")).collect();
            Some(view! {
                <p
                    class="result learn-stats"
                    data-losses=all.join(" ")
                    data-step=step
                    data-loss=loss.to_string()
                    data-first-loss=first.to_string()
                    data-tokens-per-second=format!("{speed:.0}")
                >
                    {format!(
                        "Step {step} of {STEPS}\u{a0}· loss {loss:.3} (first step {first:.3})\u{a0}· \
                         {} tokens/s\u{a0}· {per_step:.0}\u{a0}ms for the last step",
                        group(speed.round() as usize)
                    )}
                </p>
            })
        })
    };
    let predictions = move || {
        log.with(|l| {
            let latest = l.samples.last()?;
            let rows: Vec<TokenBar> = latest
                .next
                .iter()
                .enumerate()
                .map(|(i, t)| TokenBar::token(t.id, &t.text, f64::from(t.p), i == 0))
                .collect();
            let history = l
                .samples
                .iter()
                .rev()
                .take(6)
                .map(|s| {
                    let top = s.next.first();
                    view! {
                        <li
                            data-sample-step=s.step
                            data-top-id=top.map(|t| t.id)
                            data-top-p=top.map(|t| t.p.to_string())
                        >
                            <span class="muted">{format!("step {}: ", s.step)}</span>
                            {PROMPT}<strong>{visible(&s.continuation)}</strong>
                        </li>
                    }
                })
                .collect_view();
            Some(view! {
                <h3>{format!("What it predicts after “{PROMPT}” at step {}", latest.step)}</h3>
                <p class="gen-line learn-continuation" aria-live="polite" data-generated=latest.continuation.clone()>
                    {PROMPT}<strong>{latest.continuation.clone()}</strong>
                </p>
                <TokenBars rows=Signal::derive(move || rows.clone()) label="The tiny model's most likely next tokens" relative=true/>
                <p class="small muted">"Bars are drawn against the most likely token."</p>
                <ul class="learn-history">{history}</ul>
            })
        })
    };
    let note = move || {
        match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped. Start again to train a new model from scratch."</p> }
                .into_any(),
        ),
        _ => None,
    }
    };
    let text_note = move || match text.get() {
        Some(Err(e)) => Some(view! { <p class="note-live" role="alert">{e}</p> }),
        _ => None,
    };
    let body = move || {
        view! {
            <div class="preset-row">
                <button type="button" class="learn-start" prop:disabled=move || !can_start() on:click=start>
                    "Start training"
                </button>
                <button type="button" class="learn-stop" prop:disabled=move || !busy() on:click=stop>
                    "Stop"
                </button>
            </div>
            {text_note}
            {note}
            <p class="small">{about}</p>
            {stats}
            <Chart svg=chart waiting label="The tiny model's training loss per step, falling from about ln V" caption="Loss of each step's batch. The flat line is the loss of a model that gives every token the same probability."/>
            {predictions}
        }
    };
    view! {
        <div class="panel live-learn" data-learn-state=move || status.get().id()>
            <h2>"Train a tiny model yourself"</h2>
            <p>
                "The same code as the Tumbler, shrunk to two thin layers, starts from random weights \
                 and runs the five-step loop in this page, on your CPU. Each step reads a few windows \
                 of text, measures the loss, backpropagates it and lets AdamW nudge every weight. \
                 Watch the loss fall from “no idea” and the model's guesses after the prompt turn \
                 from noise into common words and then into Austen's own."
            </p>
            <EngineReady loading="The Tumbler's tokenizer is loading in the engine; the tiny model starts training as soon as it is ready." shown=shown>
                {body}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_engine::TopToken;
    use tumbler_model::gpt::TumblerConfig;

    fn sample(step: usize) -> LearnSample {
        LearnSample {
            step,
            continuation: " the".into(),
            next: vec![TopToken { id: 1, text: " the".into(), p: 0.5 }],
        }
    }

    fn run() -> LearnRun {
        LearnRun {
            config: TumblerConfig::toy(4096),
            params: 1,
            text_tokens: 1000,
            batch_size: 8,
            seq_len: 32,
            prompt: vec!["Emma".into()],
            sample: sample(0),
        }
    }

    #[test]
    fn the_log_keeps_steps_samples_and_speed() {
        let mut log = Log::start(run());
        assert_eq!(log.tokens_per_second(), None);
        log.step(1, 8.3, 100.0, None);
        log.step(2, 8.0, 300.0, Some(sample(2)));
        assert_eq!(log.losses, [(1, 8.3), (2, 8.0)]);
        assert_eq!(log.samples.len(), 2);
        // 512 tokens in 0.4 s.
        assert_eq!(log.tokens_per_second(), Some(1280.0));
        for i in 3..30 {
            log.step(i, 7.0, 50.0, None);
        }
        // Only the last ten steps count.
        assert_eq!(log.tokens_per_second(), Some(256.0 * 20.0));
        let svg = log.chart();
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
    }

    #[test]
    fn status_ids() {
        assert_eq!(Status::Idle.id(), "idle");
        assert_eq!(Status::Starting.id(), "running");
        assert_eq!(Status::Ended(DoneReason::Stopped).id(), "stopped");
        assert_eq!(Status::Ended(DoneReason::Length).id(), "done");
        assert_eq!(Status::Failed("x".into()).id(), "error");
    }
}
