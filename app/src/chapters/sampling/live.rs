//! The Tumbler's own next-token distribution reshaped by temperature, top-k and top-p, and the
//! same prompt generated under several settings with one seed.

use leptos::prelude::*;
use tumbler_engine::{DoneReason, NextLogits};
use tumbler_model::sampling::{
    SamplingConfig, SamplingError, filtered_distribution, softmax_with_temperature,
};

use crate::engine::live::next_logits;
use crate::engine::{self, EngineReady, GenerateOptions, Query, Shown, Stream};
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::attention_map::visible;
use tumbler_engine::GeneratedToken;

/// Candidates listed by name (the most likely ones; the rest are counted).
const ROWS: usize = 12;
/// Tokens each side-by-side run generates.
const MAX_TOKENS: usize = 24;
const DEFAULT_PROMPT: &str = "Once upon a time, there was a little";

/// One candidate next token, before and after reshaping.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Token id.
    pub id: u32,
    /// Its text.
    pub text: String,
    /// Its logit.
    pub logit: f32,
    /// Its probability at temperature 1, nothing cut.
    pub p: f32,
    /// Its probability at the chosen temperature, before top-k and top-p.
    pub tempered: f32,
    /// Its probability in what the sampler draws from (renormalised), if it is kept.
    pub kept: Option<f32>,
}

/// The reshaped distribution: the named candidates and the size of the kept set.
#[derive(Clone, Debug, PartialEq)]
pub struct Reshaped {
    /// The most likely candidates, most likely first.
    pub rows: Vec<Row>,
    /// How many tokens the sampler may draw from.
    pub kept: usize,
    /// The vocabulary size.
    pub vocab: usize,
    /// The probability mass (at the chosen temperature) of the kept tokens before renormalising.
    pub kept_mass: f64,
}

/// Applies `config` to the logits with the sampler's own code and lists the first `n` candidates.
pub fn reshape(
    next: &NextLogits,
    config: &SamplingConfig,
    n: usize,
) -> Result<Reshaped, SamplingError> {
    let kept = filtered_distribution(&next.logits, config)?;
    let shown_t = if config.temperature > 0.0 { config.temperature } else { 1.0 };
    let tempered = if config.temperature > 0.0 {
        softmax_with_temperature(&next.logits, shown_t)
    } else {
        // Greedy: all mass on the first maximum, which is what the sampler keeps.
        let mut p = vec![0.0; next.logits.len()];
        p[kept.ids[0] as usize] = 1.0;
        p
    };
    let kept_mass = kept.ids.iter().map(|&i| f64::from(tempered[i as usize])).sum();
    let rows = next
        .top
        .iter()
        .take(n)
        .map(|t| {
            let i = t.id as usize;
            Row {
                id: t.id,
                text: t.text.clone(),
                logit: next.logits[i],
                p: t.p,
                tempered: tempered[i],
                kept: kept.ids.contains(&t.id).then(|| kept.prob(t.id)),
            }
        })
        .collect();
    Ok(Reshaped { rows, kept: kept.ids.len(), vocab: next.logits.len(), kept_mass })
}

fn two(v: f64) -> String {
    format!("{v:.2}")
}

fn k_label(v: f64) -> String {
    if v < 0.5 { "off".to_owned() } else { format!("{v:.0}") }
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn percent(p: f32) -> String {
    if p > 0.0 && p < 0.001 { "<0.1%".to_string() } else { format!("{:.1}%", p * 100.0) }
}

/// One side-by-side generation.
#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    text: String,
    outcome: String,
    running: bool,
}

/// The fixed settings of the side-by-side runs; the last column uses the sliders.
const SETTINGS: [(&str, f32, Option<usize>, f32); 3] = [
    ("Greedy: T\u{a0}=\u{a0}0", 0.0, None, 1.0),
    ("Chat: T\u{a0}=\u{a0}0.7, top‑p 0.9", 0.7, None, 0.9),
    ("Wild: T\u{a0}=\u{a0}1.5", 1.5, None, 1.0),
];

/// The live panels of the `sampling` chapter.
#[component]
pub fn LiveSampling() -> impl IntoView {
    let prompt = text_param("prompt", DEFAULT_PROMPT);
    let t = number_param("temp", 0.8, 0.0, 2.0);
    let k = number_param("topk", 0.0, 0.0, 50.0);
    let p = number_param("topp", 0.9, 0.05, 1.0);
    let seed = number_param("seed", 1.0, 0.0, 99.0);
    let next = next_logits(prompt.into());
    let config = move || SamplingConfig {
        temperature: t.get() as f32,
        top_k: (k.get() >= 0.5).then(|| k.get() as usize),
        top_p: p.get() as f32,
    };
    let table = move || {
        next.answer.with(|a| match a {
            None => view! { <p class="note-live">"Running the Tumbler on your prompt…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            Some(Ok(answer)) => {
                let cfg = config();
                let shaped = match reshape(&answer.value, &cfg, ROWS) {
                    Ok(shaped) => shaped,
                    Err(e) => return view! { <p class="note-live" role="alert">{e.to_string()}</p> }.into_any(),
                };
                let n = answer.value.tokens.len();
                let cut = (answer.cut || answer.value.total_tokens > n).then(|| {
                    format!(" Your prompt is longer than the model reads at once; it read the last {n} tokens.")
                });
                // Bars against the largest row, as the column's heading says: against 100%, a
                // 7% top token was a stub and the rest slivers.
                let largest = shaped.rows.iter().map(|r| r.kept.unwrap_or(r.tempered)).fold(0.0, f32::max);
                let body = shaped.rows.iter().map(|r| {
                    let shown = r.kept.unwrap_or(r.tempered);
                    let width = format!("{:.2}%", (shown / largest.max(1e-12)).clamp(0.0, 1.0) * 100.0);
                    view! {
                        <tr
                            class:kept=r.kept.is_some()
                            data-token-id=r.id
                            data-p=r.p.to_string()
                            data-kept-p=r.kept.unwrap_or(0.0).to_string()
                        >
                            <th scope="row" class="token">{format!("“{}”", visible(&r.text))}</th>
                            <td data-label="logit">{format!("{:.3}", r.logit)}</td>
                            <td data-label="p at T\u{a0}=\u{a0}1">{percent(r.p)}</td>
                            <td data-label="p at T">{percent(r.tempered)}</td>
                            <td class="bar-cell"><span class="bar-track"><span class="bar-fill" style:width=width></span></span></td>
                            <td data-label="kept, renormalised">{r.kept.map_or("dropped".to_string(), percent)}</td>
                        </tr>
                    }
                }).collect_view();
                let summary = format!(
                    "{} of the {} tokens in the vocabulary stay in play, holding {:.1}% of the probability \
                     at T\u{a0}=\u{a0}{:.2} before renormalising. Forward pass: {:.0}\u{a0}ms.",
                    crate::calc::expr::group_thousands(shaped.kept as i128), crate::calc::expr::group_thousands(shaped.vocab as i128), shaped.kept_mass * 100.0, cfg.temperature, answer.value.millis
                );
                view! {
                    <table
                        class="numbers next-table"
                        data-kept-count=shaped.kept
                        data-vocab=shaped.vocab
                        data-temperature=cfg.temperature.to_string()
                        data-top-k=cfg.top_k.map_or(String::new(), |k| k.to_string())
                        data-top-p=cfg.top_p.to_string()
                        data-read=answer.value.tokens.concat()
                    >
                        <thead><tr>
                            <th scope="col">"next token"</th><th scope="col">"logit"</th>
                            <th scope="col">"p at T\u{a0}=\u{a0}1"</th><th scope="col">"p at T"</th>
                            <th scope="col" class="bar-cell">"bar: share against the top token"</th><th scope="col">"kept, renormalised"</th>
                        </tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                    <p class="small kept-summary">{summary}{cut}</p>
                }
                .into_any()
            }
        })
    };

    let runs: [RwSignal<Run>; 4] = std::array::from_fn(|_| RwSignal::new(Run::default()));
    // The runs stream while their handles are kept: Stop (or leaving the chapter) drops them.
    let streams = StoredValue::new(Vec::<Stream>::new());
    let settings = move |i: usize| -> (String, SamplingConfig) {
        match SETTINGS.get(i) {
            Some(&(name, temperature, top_k, top_p)) => {
                (name.to_string(), SamplingConfig { temperature, top_k, top_p })
            }
            None => {
                let c = config();
                let k = c.top_k.map_or("off".to_string(), |k| k.to_string());
                (
                    format!(
                        "Your sliders: T\u{a0}=\u{a0}{:.2}, top‑k {k}, top‑p {:.2}",
                        c.temperature, c.top_p
                    ),
                    c,
                )
            }
        }
    };
    let busy = move || runs.iter().any(|r| r.with(|r| r.running));
    let generate_now = move || {
        if busy() {
            streams.set_value(Vec::new());
            return;
        }
        let text = prompt.get_untracked();
        if text.trim().is_empty() {
            for run in runs {
                run.set(Run {
                    outcome: "There is no prompt to continue.".into(),
                    ..Run::default()
                });
            }
            return;
        }
        for (i, run) in runs.into_iter().enumerate() {
            let (_, c) = settings(i);
            let options = GenerateOptions {
                max_tokens: MAX_TOKENS,
                temperature: c.temperature,
                seed: seed.get_untracked() as u64,
                top_k: c.top_k,
                top_p: c.top_p,
            };
            let text = text.clone();
            run.set(Run { running: true, ..Run::default() });
            let stream = engine::stream(
                Query::Generate { prompt: text, options },
                move |token: GeneratedToken| {
                    run.try_update(|r| r.text = token.generated);
                },
                move |end| {
                    let why = match end {
                        Err(message) => message,
                        Ok(reason) => match reason {
                            DoneReason::Length => format!("{MAX_TOKENS} tokens"),
                            DoneReason::Context => "the context is full".to_string(),
                            DoneReason::EndOfText => "end of text".to_string(),
                            DoneReason::EndOfTurn => "end of turn".to_string(),
                            DoneReason::Stopped => "stopped".to_string(),
                        },
                    };
                    run.try_update(|r| {
                        r.running = false;
                        r.outcome = why;
                    });
                },
            );
            streams.update_value(|s| s.push(stream));
        }
    };
    let generate = move |_| generate_now();
    // The four columns are written once on the default prompt as soon as the engine is ready.
    engine::when_ready(generate_now);
    let columns = move || {
        (0..runs.len())
            .map(|i| {
                let run = runs[i];
                let (name, c) = settings(i);
                view! {
                    <section
                        class="sample-run"
                        data-temperature=c.temperature.to_string()
                        data-top-k=c.top_k.map_or(String::new(), |k| k.to_string())
                        data-top-p=c.top_p.to_string()
                        data-generated=move || run.with(|r| r.text.clone())
                        data-done=move || run.with(|r| (!r.running && !r.outcome.is_empty()).to_string())
                    >
                        <h3>{name}</h3>
                        <p class="gen-line" aria-live="polite" aria-busy=move || run.with(|r| r.running.to_string())>
                            <span class="prompt-echo">{move || prompt.get()}</span>
                            <span class="generated">{move || run.with(|r| r.text.clone())}</span>
                        </p>
                        <p class="small">{move || run.with(|r| r.outcome.clone())}</p>
                    </section>
                }
            })
            .collect_view()
    };
    let body = move || {
        view! {
            {table}
            <h3>"The same prompt, four settings, one seed"</h3>
            <p>
                "Each column continues your prompt for up to " {MAX_TOKENS} " tokens. The seed fixes \
                 the random draws: press Generate again with the same seed and every column repeats \
                 exactly; change the seed and the sampled columns change, while greedy never does."
            </p>
            <div class="controls">
                <Slider label="Seed" value=seed min=0.0 max=99.0 step=1.0 format=whole/>
                <button type="button" class="generate" on:click=generate>
                    {move || if busy() { "Stop" } else { "Generate" }}
                </button>
            </div>
            <div class="sample-runs">{columns}</div>
        }
    };
    view! {
        <div class="panel live-sampling">
            <h2>"The Tumbler's own distribution"</h2>
            <p>
                "Our small model reads your prompt in this page and scores every token of its \
                 vocabulary. The sliders reshape those real scores with the same code the sampler \
                 uses; the kept tokens are highlighted, with their renormalised share on the right."
            </p>
            <textarea
                aria-label="Prompt"
                rows="2"
                maxlength="2000"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <Slider label="Temperature (0 = greedy)" value=t min=0.0 max=2.0 step=0.05 format=two/>
                <Slider label="Top-k (0 = off)" value=k min=0.0 max=50.0 step=1.0 format=k_label/>
                <Slider label="Top-p" value=p min=0.05 max=1.0 step=0.05 format=two/>
                {move || next.pending.get().then(|| view! { <span class="muted" role="status">"updating…"</span> })}
            </div>
            <EngineReady
                loading="The Tumbler is loading; its own next-token distribution appears here when it is ready."
                shown=move || next.answer.with(Shown::of)
            >
                {body}
            </EngineReady>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_engine::top_tokens;

    fn next(logits: Vec<f32>) -> NextLogits {
        let probs = softmax_with_temperature(&logits, 1.0);
        NextLogits {
            ids: vec![1],
            tokens: vec!["x".into()],
            total_tokens: 1,
            top: top_tokens(&probs, 8, |id| format!("t{id}")),
            logits,
            millis: 0.0,
        }
    }

    #[test]
    fn the_kept_set_is_the_samplers() {
        let n = next(vec![1.0, 3.0, -2.0, 2.5, 0.0]);
        let config = SamplingConfig { temperature: 1.0, top_k: Some(2), top_p: 1.0 };
        let shaped = reshape(&n, &config, 4).unwrap();
        assert_eq!(shaped.kept, 2);
        assert_eq!(shaped.vocab, 5);
        let ids: Vec<u32> = shaped.rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 3, 0, 4]);
        let d = filtered_distribution(&n.logits, &config).unwrap();
        assert_eq!(shaped.rows[0].kept, Some(d.prob(1)));
        assert_eq!(shaped.rows[2].kept, None);
        // Kept shares renormalise to 1; the kept mass is what they held before.
        let total: f32 = shaped.rows.iter().filter_map(|r| r.kept).sum();
        assert!((total - 1.0).abs() < 1e-6);
        let p = softmax_with_temperature(&n.logits, 1.0);
        assert!((shaped.kept_mass - f64::from(p[1] + p[3])).abs() < 1e-6);
    }

    #[test]
    fn greedy_keeps_only_the_top_token() {
        let n = next(vec![0.5, 2.0, 1.0]);
        let shaped = reshape(&n, &SamplingConfig::greedy(), 3).unwrap();
        assert_eq!(shaped.kept, 1);
        assert_eq!(shaped.rows[0].kept, Some(1.0));
        assert_eq!(shaped.rows[0].tempered, 1.0);
        assert_eq!(shaped.rows[1].tempered, 0.0);
        assert_eq!(shaped.kept_mass, 1.0);
    }

    #[test]
    fn temperature_flattens_the_shown_probabilities() {
        let n = next(vec![0.0, 2.0]);
        let cold =
            reshape(&n, &SamplingConfig { temperature: 0.5, ..Default::default() }, 2).unwrap();
        let hot =
            reshape(&n, &SamplingConfig { temperature: 2.0, ..Default::default() }, 2).unwrap();
        assert!(cold.rows[0].tempered > hot.rows[0].tempered);
        // At T = 1 the shown probability is the plain softmax.
        let plain = reshape(&n, &SamplingConfig::default(), 2).unwrap();
        assert!((plain.rows[0].tempered - plain.rows[0].p).abs() < 1e-7);
    }

    #[test]
    fn bad_settings_are_reported() {
        let n = next(vec![0.0, 1.0]);
        let config = SamplingConfig { temperature: 1.0, top_k: None, top_p: 0.0 };
        assert_eq!(reshape(&n, &config, 2), Err(SamplingError::TopP(0.0)));
    }
}
