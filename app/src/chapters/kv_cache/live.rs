//! The Tumbler generating the same greedy text twice, with its KV cache and without, each step
//! timed in the engine worker, and the cache's bytes growing step by step.

use leptos::prelude::*;
use tumbler_engine::{DoneReason, TopToken};

use crate::calc::expr::{group_thousands, unbroken, unbroken_terms};
use crate::calc::kv_cache::{KvShape, human_bytes};
use crate::engine::{self, EngineReady, EngineState, Query, Shown, Stream};
use crate::url_state::text_param;
use crate::widgets::Chart;
use crate::widgets::attention_map::visible;
use crate::widgets::plot::{Axis, LineChart, Series};
use tumbler_engine::KvStep;

/// Tokens per run.
const MAX_TOKENS: usize = 48;

/// One timed step.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    token: TopToken,
    processed: usize,
    cache_bytes: u64,
    millis: f64,
}

/// The median of the steps after the first (which reads the whole prompt in both runs).
fn median_decode_ms(steps: &[Step]) -> Option<f64> {
    let mut ms: Vec<f64> = steps.iter().skip(1).map(|s| s.millis).collect();
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    Some(ms[ms.len() / 2])
}

fn chips(steps: &[Step]) -> impl IntoView + use<> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            view! {
                <span
                    class="chip chip-new"
                    data-step=i
                    data-token-id=s.token.id
                    title=format!("step {i}: {} token(s) through the model, {:.1}\u{a0}ms", s.processed, s.millis)
                >
                    {visible(&s.token.text)}
                </span>
            }
        })
        .collect_view()
}

/// Greedy generation with and without the cache, timed.
#[component]
pub fn LiveKvCache() -> impl IntoView {
    let prompt = text_param("prompt", "The king said that");
    let cached = RwSignal::new(Vec::<Step>::new());
    let uncached = RwSignal::new(Vec::<Step>::new());
    // The run streams while its handle is kept; setting it to None stops it.
    let running = RwSignal::new(None::<Stream>);
    let outcome = RwSignal::new(String::new());
    let state = engine::state();
    let run_both = move || {
        if running.with_untracked(Option::is_some) {
            running.set(None);
            return;
        }
        cached.set(Vec::new());
        uncached.set(Vec::new());
        outcome.set(String::new());
        let text = prompt.get_untracked();
        let run = engine::stream(
            Query::KvCompare { prompt: text, max_tokens: MAX_TOKENS },
            move |kv: KvStep| {
                if kv.cached && kv.step == 0 {
                    // A comparison asked again after a lost GPU starts over.
                    cached.try_set(Vec::new());
                    uncached.try_set(Vec::new());
                }
                let KvStep { cached: with, token, processed, cache_bytes, millis, .. } = kv;
                let step = Step { token, processed, cache_bytes, millis };
                let run = if with { cached } else { uncached };
                run.try_update(|s| s.push(step));
            },
            move |end| {
                running.try_set(None);
                let why = match end {
                    Err(message) => message,
                    Ok(reason) => match reason {
                        DoneReason::Length => "Both runs reached the length limit.",
                        DoneReason::Context => "Both runs filled the context window.",
                        DoneReason::EndOfText => "The model produced its end-of-text token.",
                        DoneReason::EndOfTurn => "The model closed its turn (<|im_end|>).",
                        DoneReason::Stopped => "Stopped.",
                    }
                    .to_string(),
                };
                outcome.try_set(why);
            },
        );
        running.set(Some(run));
    };
    let go = move |_| run_both();
    // The first comparison on the default prompt as soon as the engine is ready: 2 × 48 tokens,
    // well under a second on the CPU.
    engine::when_ready(run_both);
    let shown = move || {
        if outcome.with(|o| !o.is_empty()) && cached.with(Vec::is_empty) {
            Shown::Error
        } else if cached.with(|c| !c.is_empty()) {
            Shown::Result
        } else {
            Shown::Working
        }
    };
    let chart = Signal::derive(move || {
        let points = |steps: &[Step]| -> Vec<(f64, f64)> {
            steps.iter().enumerate().map(|(i, s)| (i as f64, s.millis)).collect()
        };
        let with = cached.with(|s| points(s));
        let without = uncached.with(|s| points(s));
        let max_y = with.iter().chain(&without).map(|p| p.1).fold(1.0, f64::max) * 1.1;
        LineChart {
            x: Axis::linear(0.0, MAX_TOKENS as f64),
            y: Axis::linear(0.0, max_y),
            x_label: "step (generated token)".into(),
            y_label: "ms".into(),
            series: vec![
                Series { label: "with the KV cache".into(), points: with, color: 0, markers: true },
                Series { label: "without".into(), points: without, color: 2, markers: true },
            ],
            size: (640, 320),
        }
        .svg()
    });
    let summary = move |config: &tumbler_model::gpt::TumblerConfig| {
        let with = cached.get();
        let without = uncached.get();
        let shape = KvShape {
            layers: config.n_layers as u64,
            kv_heads: config.n_kv_heads as u64,
            head_dim: config.head_size() as u64,
            bytes: 4,
        };
        let last = with.last().cloned();
        let cache = last.map(|s| {
            // Tokens in the cache after the last step: the prompt plus every generated token
            // but the last (which would enter it at the next step).
            let cached_tokens = with[0].processed + with.len() - 1;
            let formula = shape.bytes_for(cached_tokens as u64);
            view! {
                <p class="kv-bytes" data-cache-bytes=s.cache_bytes data-formula-bytes=formula>
                    {format!(
                        "After the last step the cache holds {cached_tokens} tokens: {} bytes ({}), \
                         measured from its tensors. The formula: {}. Each step adds {}\u{a0}bytes.",
                        group_thousands(i128::from(s.cache_bytes)),
                        unbroken(&human_bytes(s.cache_bytes as f64)),
                        unbroken_terms(&format!(
                            "{} layers × {} KV heads × head size {} × 2 (K and V) × 4 bytes (f32) \
                             × {cached_tokens} tokens = {} bytes",
                            shape.layers,
                            shape.kv_heads,
                            shape.head_dim,
                            group_thousands(i128::from(formula)),
                        )),
                        group_thousands(i128::from(shape.bytes_per_token()))
                    )}
                </p>
            }
        });
        let rate = match (median_decode_ms(&with), median_decode_ms(&without)) {
            (Some(a), Some(b)) => Some(view! {
                <p class="kv-rate" data-cached-ms=a data-uncached-ms=b>
                    {format!(
                        "Median per generated token (after the first step, which reads the prompt in \
                         both runs): {a:.1}\u{a0}ms with the cache, {b:.1}\u{a0}ms without, {:.1}× as long. Without \
                         the cache, each step feeds the {} prompt tokens and every token written so far through \
                         the model again; with it, only the newest one.",
                        b / a.max(1e-9),
                        with.first().map_or(0, |s| s.processed)
                    )}
                </p>
            }),
            _ => None,
        };
        let same = (!with.is_empty() && with.len() == without.len()).then(|| {
            let equal = with.iter().zip(&without).all(|(a, b)| a.token.id == b.token.id);
            view! {
                <p class="kv-same" data-same=equal.to_string()>
                    {if equal {
                        "Both runs chose exactly the same tokens: the cache changes the cost, not the result."
                    } else {
                        "The two runs chose different tokens: rounding differences between the two paths tipped a near-tie."
                    }}
                </p>
            }
        });
        view! { {rate} {same} {cache} }
    };
    let body = move || {
        match state.get() {
        EngineState::Ready { config, backend, .. } => view! {
            <div class="controls">
                <button type="button" class="generate" on:click=go>
                    {move || if running.with(Option::is_some) { "Stop" } else { "Generate both ways" }}
                </button>
                <span class="small">
                    {format!(
                        "{MAX_TOKENS} greedy tokens each, on {}",
                        if backend == engine::Backend::Webgpu { "WebGPU" } else { "the CPU" }
                    )}
                </span>
            </div>
            <h3>"With the cache"</h3>
            <p class="gen-line kv-run" data-cached="true">{move || cached.with(|s| chips(s))}</p>
            <h3>"Without the cache"</h3>
            <p class="gen-line kv-run" data-cached="false">{move || uncached.with(|s| chips(s))}</p>
            <p class="small kv-outcome">{move || outcome.get()}</p>
            <Chart svg=chart label="Milliseconds per generated token, with and without the KV cache"/>
            {move || summary(&config)}
        }
        .into_any(),
        // Inside EngineReady: only a ready engine draws this.
        _ => ().into_any(),
    }
    };
    view! {
        <div class="panel live-kv">
            <h2>"The Tumbler with and without its cache"</h2>
            <p>
                "Our model continues your prompt greedily, twice: once keeping its keys and values, \
                 once recomputing everything at every step. Each step is timed in the engine, reading \
                 the result back included."
            </p>
            <textarea
                aria-label="Prompt"
                rows="1"
                maxlength="500"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <EngineReady loading="The Tumbler is loading; the timing runs here when it is ready." shown=shown>
                {body}
            </EngineReady>
        </div>
    }
}
