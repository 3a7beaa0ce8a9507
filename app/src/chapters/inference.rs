//! Inference: autoregressive generation, one token per step.

mod chat;

use leptos::prelude::*;

use crate::engine::{self, EngineReady, GenerateOptions, Query, Shown, Stream, when_ready};
use crate::url_state::{number_param, text_param};
use crate::widgets::attention_map::visible;
use crate::widgets::{Bar, Bars, Flow, FlowStep, Slider, Stepper};
use tumbler_engine::GeneratedToken;

const LOOP: &[FlowStep] = &[
    FlowStep { title: "Context", detail: "all tokens so far" },
    FlowStep { title: "Forward pass", detail: "one run of the network" },
    FlowStep { title: "Distribution", detail: "a probability per token" },
    FlowStep { title: "Sample", detail: "pick one token" },
    FlowStep { title: "Append", detail: "and go again" },
];

const SENTENCE: [&str; 7] = ["The", "cat", "sat", "on", "the", "mat", "."];
const PROMPT_LEN: usize = 4;

/// The body of the `inference` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let step = RwSignal::new(0usize);
    let steps = SENTENCE.len() - PROMPT_LEN + 1;
    view! {
        <p>
            "Once trained, the weights are fixed and the model is used to write. It cannot produce a \
             whole reply at once: it produces one token, appends it to the input, and runs again. \
             This is " <strong>"autoregressive"</strong> " generation, and it stops when the model emits \
             an end-of-text token or reaches a length limit."
        </p>
        <div class="panel">
            <Flow steps=LOOP active=Signal::derive(|| None) per_row=5 looped=true label="The generation loop"/>
            <h2>"Watch a sentence grow"</h2>
            <p class="gen-line" aria-live="polite" data-generated=move || SENTENCE[PROMPT_LEN..PROMPT_LEN + step.get()].join(" ")>
                {move || SENTENCE.iter().take(PROMPT_LEN + step.get()).enumerate().map(|(i, w)| {
                    let class = if i < PROMPT_LEN { "chip chip-prompt" } else if i + 1 == PROMPT_LEN + step.get() { "chip chip-new" } else { "chip chip-cached" };
                    view! { <span class=class>{*w}</span> }
                }).collect_view()}
            </p>
            <Stepper count=steps current=step label="Generation steps"/>
            <p class="small">"Words stand in for tokens here. Grey is the prompt; the highlighted token is the one just added, which becomes input for the next step."</p>
        </div>
        <h2>"Training versus inference"</h2>
        <table class="numbers">
            <thead><tr><th scope="col"></th><th scope="col">"Training"</th><th scope="col">"Inference"</th></tr></thead>
            <tbody>
                <tr><th scope="row">"Weights"</th><td>"change at every step"</td><td>"fixed"</td></tr>
                <tr><th scope="row">"Work"</th><td>"forward and backward passes over trillions of tokens"</td><td>"forward passes only, one per generated token"</td></tr>
                <tr><th scope="row">"Cost"</th><td>"paid once: thousands of GPUs for weeks or months"</td><td>"paid every time someone chats"</td></tr>
                <tr><th scope="row">"Parallelism"</th><td>"all positions of a sequence at once"</td><td>"one token after another (the prompt itself in one pass)"</td></tr>
            </tbody>
        </table>
        <p>
            "Because each step depends on the token chosen before it, generation is sequential, and \
             the KV cache is what keeps each step cheap."
        </p>
        <LiveGeneration/>
        <h2>"A chat is the same loop"</h2>
        <p>
            "A chat assistant runs exactly this loop. The program around the model writes the \
             conversation into a fixed template, ends it with the opening of the assistant's turn, \
             and lets the model generate until it writes the token that closes its turn."
        </p>
        <chat::LiveChat/>
    }
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// Tokens one run generates at most.
const MAX_TOKENS: usize = 32;
/// Tokens of the first run, written on the default prompt as soon as the model is ready: enough
/// to show the loop, short enough not to hold up the engine (seconds on an emulated GPU).
const FIRST_TOKENS: usize = 8;

/// One generated token and the distribution it was drawn from.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    token: tumbler_engine::TopToken,
    top: Vec<tumbler_engine::TopToken>,
    millis: f64,
}

/// The Tumbler generating from the reader's prompt, one step at a time, each step's distribution
/// on show.
#[component]
fn LiveGeneration() -> impl IntoView {
    let prompt = text_param("prompt", "Once upon a time");
    let temperature = number_param("t", 0.0, 0.0, 2.0);
    let seed = number_param("seed", 1.0, 0.0, 9999.0);
    let steps = RwSignal::new(Vec::<Step>::new());
    let generated = RwSignal::new(String::new());
    // The run streams while its handle is kept; setting it to None stops it.
    let running = RwSignal::new(None::<Stream>);
    let outcome = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<usize>);
    let failed = RwSignal::new(false);
    let run = move |max_tokens: usize| {
        steps.set(Vec::new());
        generated.set(String::new());
        outcome.set(String::new());
        failed.set(false);
        picked.set(None);
        let options = GenerateOptions {
            max_tokens,
            temperature: temperature.get_untracked() as f32,
            seed: seed.get_untracked() as u64,
            top_k: None,
            top_p: 1.0,
        };
        let text = prompt.get_untracked();
        let run = engine::stream(
            Query::Generate { prompt: text, options },
            // The chapter may be gone by the time a step comes: every write is a `try_`.
            move |GeneratedToken { token, top, generated: so_far, millis, .. }| {
                steps.try_update(|s| s.push(Step { token, top, millis }));
                generated.try_set(so_far);
            },
            move |end| {
                running.try_set(None);
                failed.try_set(end.is_err());
                let why = match end {
                    Err(message) => message,
                    Ok(tumbler_engine::DoneReason::Length) if max_tokens < MAX_TOKENS => format!(
                        "The model wrote these first {max_tokens} tokens as soon as it was ready; \
                         Generate writes up to {MAX_TOKENS} from your prompt."
                    ),
                    Ok(reason) => format!(
                        "The model {}.",
                        match reason {
                            tumbler_engine::DoneReason::Length => "reached the length limit",
                            tumbler_engine::DoneReason::Context => "filled the context window",
                            tumbler_engine::DoneReason::EndOfText =>
                                "produced its end-of-text token",
                            tumbler_engine::DoneReason::EndOfTurn => "closed its turn (<|im_end|>)",
                            tumbler_engine::DoneReason::Stopped => "was stopped",
                        }
                    ),
                };
                outcome.try_set(why);
            },
        );
        running.set(Some(run));
    };
    let go = move |_| {
        if running.with_untracked(Option::is_some) {
            running.set(None);
        } else {
            run(MAX_TOKENS);
        }
    };
    // A first result on the default prompt, like every live panel: no waiting for a click.
    when_ready(move || run(FIRST_TOKENS));
    // Working while a run streams, then its result (or the failure it ended on).
    let state = Signal::derive(move || {
        if failed.get() {
            Shown::Error
        } else if running.with(Option::is_some) || outcome.with(String::is_empty) {
            Shown::Working
        } else {
            Shown::Result
        }
    });
    let shown = move || picked.get().or_else(|| steps.with(|s| s.len().checked_sub(1)));
    let bars = Signal::derive(move || {
        let Some(i) = shown() else { return Vec::new() };
        steps.with(|s| {
            let step = &s[i];
            step.top
                .iter()
                .map(|t| Bar {
                    label: format!("“{}”", visible(&t.text)),
                    fraction: f64::from(t.p),
                    text: format!("{:.1}%", t.p * 100.0),
                    highlight: t.id == step.token.id,
                })
                .collect()
        })
    });
    let chips = move || {
        steps
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, step)| {
                view! {
                    <button
                        type="button"
                        class="chip chip-new"
                        class:picked=move || shown() == Some(i)
                        data-step=i
                        data-token-id=step.token.id
                        title=format!("step {}: p = {:.3}, {:.0}\u{a0}ms", i + 1, step.token.p, step.millis)
                        on:click=move |_| picked.set(Some(i))
                    >
                        {visible(&step.token.text)}
                    </button>
                }
            })
            .collect_view()
    };
    let body = move || {
        view! {
            <div class="controls">
                <Slider label="Temperature (0 = greedy)" value=temperature min=0.0 max=2.0 step=0.1/>
                <Slider label="Seed" value=seed min=0.0 max=99.0 step=1.0 format=whole/>
                <button type="button" class="generate" on:click=go>
                    {move || if running.with(Option::is_some) { "Stop" } else { "Generate" }}
                </button>
            </div>
            <p class="gen-line live-generated" aria-live="polite" data-generated=move || generated.get()>
                <span class="chip chip-prompt">{move || prompt.get()}</span>
                {chips}
            </p>
            <p class="small">{move || outcome.get()}</p>
            // Present before the first step: the heading's face is resolved when the panel appears,
            // not in the middle of a generation (a first use of a font size costs Chromium a
            // synchronous call to the browser process).
            {move || shown().map(|i| {
                // The text the step read: the prompt and every token before it.
                let before: String = steps.with(|s| s[..i].iter().map(|s| s.token.text.clone()).collect());
                let read = format!("{}{before}", prompt.get());
                let href = crate::route::fragment("why", &crate::url_codec::format_query(&[("prompt".to_string(), read)]));
                view! { <p class="small"><a class="why-link" href=href>{format!("Why this token? (step {}, in the why chapter)", i + 1)}</a></p> }
            })}
            <h3>{move || match shown() {
                Some(i) => format!("Step {}: the distribution the token was drawn from", i + 1),
                None => "Each step's distribution appears here".to_string(),
            }}</h3>
            <Bars rows=bars label="The most likely next tokens at this step"/>
        }
    };
    view! {
        <div class="panel live-generate">
            <h2>"The Tumbler writes, one token per step"</h2>
            <p>
                "Our own small model continues your prompt in this page. Each chip is one step; pick a \
                 chip to see the probabilities the model gave the candidates at that step."
            </p>
            <textarea
                aria-label="Prompt"
                rows="2"
                maxlength="500"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <EngineReady loading="The Tumbler is loading; it writes here when it is ready." shown=state>
                {body}
            </EngineReady>
        </div>
    }
}
