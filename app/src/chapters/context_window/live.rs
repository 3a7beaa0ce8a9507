//! The Tumbler's forward time against sequence length, measured in the engine worker.

use leptos::prelude::*;

use crate::engine::{self, EngineReady, EngineState, Query, Shown, Stream};
use crate::widgets::Chart;
use crate::widgets::plot::{Axis, LineChart, Series};
use tumbler_engine::ForwardTime;

/// Timed passes per length (after one untimed warm-up); the median is drawn.
const REPEATS: usize = 5;

/// Lengths from 8 tokens doubling up to the context, with the context itself last.
fn lengths(context: usize) -> Vec<usize> {
    let mut out: Vec<usize> =
        std::iter::successors(Some(8usize), |n| Some(n * 2)).take_while(|&n| n < context).collect();
    out.push(context);
    out
}

fn median(ms: &[f64]) -> f64 {
    let mut sorted = ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// One measured length.
#[derive(Clone, Debug, PartialEq)]
struct Timing {
    length: usize,
    millis: Vec<f64>,
}

/// Forward time against length, measured on the reader's machine.
#[component]
pub fn LiveTiming() -> impl IntoView {
    let timings = RwSignal::new(Vec::<Timing>::new());
    // The run streams while its handle is kept; setting it to None stops it.
    let running = RwSignal::new(None::<Stream>);
    let outcome = RwSignal::new(String::new());
    let state = engine::state();
    let go = move |context: usize| {
        if running.with_untracked(Option::is_some) {
            running.set(None);
            return;
        }
        timings.set(Vec::new());
        outcome.set(String::new());
        let run = engine::stream(
            Query::ForwardTimes { lengths: lengths(context), repeats: REPEATS },
            move |ForwardTime { length, millis }| {
                timings.try_update(|t| t.push(Timing { length, millis }));
            },
            move |end| {
                running.try_set(None);
                if let Err(message) = end {
                    outcome.try_set(message);
                }
            },
        );
        running.set(Some(run));
    };
    // The first measurement as soon as the engine is ready: the passes stream in one length
    // at a time, the shortest first.
    engine::when_ready(move || {
        if let Some(context) = state.with_untracked(|s| s.config().map(|c| c.context_length)) {
            go(context);
        }
    });
    let shown = move || {
        if outcome.with(|o| !o.is_empty()) && timings.with(Vec::is_empty) {
            Shown::Error
        } else if timings.with(|t| !t.is_empty()) {
            Shown::Result
        } else {
            Shown::Working
        }
    };
    let chart = move |context: usize| {
        Signal::derive(move || {
            let points: Vec<(f64, f64)> =
                timings.with(|t| t.iter().map(|t| (t.length as f64, median(&t.millis))).collect());
            let max_y = points.iter().map(|p| p.1).fold(1.0, f64::max) * 1.15;
            LineChart {
                x: Axis::linear(0.0, context as f64),
                y: Axis::linear(0.0, max_y),
                x_label: "tokens in the pass".into(),
                y_label: "ms (median)".into(),
                series: vec![Series {
                    label: "forward pass".into(),
                    points,
                    color: 0,
                    markers: true,
                }],
                size: (640, 320),
            }
            .svg()
        })
    };
    let table = move || {
        timings
            .get()
            .into_iter()
            .map(|t| {
                let m = median(&t.millis);
                let all = t.millis.iter().map(|v| format!("{v:.1}")).collect::<Vec<_>>().join(", ");
                view! {
                    <tr data-length=t.length data-median-ms=m>
                        <th scope="row" data-label="tokens">{t.length}</th>
                        <td data-label="median ms">{format!("{m:.1}")}</td>
                        <td data-label="ms per token">{format!("{:.3}", m / t.length as f64)}</td>
                        <td class="small" data-label="each pass, ms">{all}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let body = move || match state.get() {
        EngineState::Ready { config, backend, .. } => {
            let context = config.context_length;
            view! {
                <div class="controls">
                    <button type="button" class="measure" on:click=move |_| go(context)>
                        {move || if running.with(Option::is_some) { "Stop" } else { "Measure" }}
                    </button>
                    <span class="small">
                        {format!(
                            "lengths {} tokens, {REPEATS} timed passes each, on {}",
                            lengths(context).iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "),
                            if backend == engine::Backend::Webgpu { "WebGPU" } else { "the CPU" }
                        )}
                    </span>
                </div>
                <p class="small timing-outcome" role="status">
                    {move || {
                        let done = timings.with(Vec::len);
                        match (running.with(Option::is_some), outcome.get()) {
                            (_, message) if !message.is_empty() => message,
                            (true, _) => format!("Measuring… {done} of {} lengths done.", lengths(context).len()),
                            (false, _) if done > 0 => format!("Measured {done} lengths."),
                            _ => String::new(),
                        }
                    }}
                </p>
                <Chart svg=chart(context) label="Median forward-pass time against the number of tokens"/>
                <table class="numbers timing-table">
                    <thead><tr>
                        <th scope="col">"tokens"</th><th scope="col">"median ms"</th>
                        <th scope="col">"ms per token"</th><th scope="col">"each pass, ms"</th>
                    </tr></thead>
                    <tbody>{table}</tbody>
                </table>
            }
            .into_any()
        }
        // Inside EngineReady: only a ready engine draws this.
        _ => ().into_any(),
    };
    view! {
        <div class="panel live-timing">
            <h2>"The Tumbler's forward pass against length"</h2>
            <p>
                "Our model times one forward pass over more and more tokens, up to its whole \
                 context, on your machine (press Measure to run it again). At this size most of the time goes to the \
                 per-token matrix multiplications, which grow linearly; the attention scores grow \
                 with the square of the length and take over in longer contexts and larger models."
            </p>
            <EngineReady loading="The Tumbler is loading; the measurement runs here when it is ready." shown=shown>
                {body}
            </EngineReady>
        </div>
    }
}
