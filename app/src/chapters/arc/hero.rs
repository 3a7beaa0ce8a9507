//! The guide's first screen: the Tumbler writing after the reader's words, in this page. Each
//! token it picks is shown with the distribution it was drawn from and how long it took, so the
//! loop the whole guide explains (read everything so far, score every token, draw one, repeat)
//! is visible before a word of explanation.

use leptos::prelude::*;
use tumbler_engine::{Backend, DoneReason, GeneratedToken, TopToken};

use crate::engine::{self, EngineReady, EngineState, GenerateOptions, Query, Shown, Stream};
use crate::widgets::attention_map::{named_bytes, visible};
use crate::widgets::stepper::reduced_motion;
use crate::widgets::token_chips::{group, lead_and_ink};

const DEFAULT_PROMPT: &str = "Once upon a time, there was a little";
/// Tokens each run writes.
const MAX_TOKENS: usize = 32;
/// The sampler's settings: a little below 1, so the story stays on its feet.
const TEMPERATURE: f32 = 0.8;
const TOP_P: f32 = 0.95;
/// Candidates drawn as bars.
const BARS: usize = 6;
/// Milliseconds between two tokens appearing. The model is far faster (its real time per
/// token is printed under the text); the pace lets the eye follow the loop. Readers who ask
/// for reduced motion get every token at once.
const PACE_MS: u64 = 110;
/// Milliseconds of quiet after typing before the Tumbler writes again.
const TYPING_PAUSE_MS: u64 = 450;

/// One run: the steps received, how many are on screen, and how it ended.
#[derive(Clone, Debug, Default, PartialEq)]
struct Writing {
    /// Which run this is (each rewrite counts one), so that its chips are new elements.
    run: u32,
    prompt: String,
    steps: Vec<GeneratedToken>,
    shown: usize,
    end: Option<Result<DoneReason, String>>,
}

impl Writing {
    fn shown(&self) -> &[GeneratedToken] {
        &self.steps[..self.shown.min(self.steps.len())]
    }

    fn state(&self) -> Shown {
        match (&self.end, self.shown) {
            (Some(Err(_)), _) => Shown::Error,
            (_, 0) if matches!(self.end, Some(Ok(_))) => Shown::Result,
            (_, 0) => Shown::Working,
            _ => Shown::Result,
        }
    }

    fn finished(&self) -> bool {
        self.end.is_some() && self.shown >= self.steps.len()
    }
}

fn percent(p: f32) -> String {
    if p > 0.0 && p < 0.001 { "<0.1%".to_string() } else { format!("{:.1}%", p * 100.0) }
}

fn why_it_stopped(reason: &DoneReason) -> &'static str {
    match reason {
        DoneReason::Length => "",
        DoneReason::Context => " It stopped: its context is full.",
        DoneReason::EndOfText => " It stopped: it chose the end-of-text token.",
        DoneReason::EndOfTurn => " It stopped: it ended its turn.",
        DoneReason::Stopped => " Stopped.",
    }
}

/// What the model is and where it runs, from the loaded model's own numbers.
fn about(state: &EngineState) -> Option<String> {
    let EngineState::Ready { backend, config, params, opened, .. } = state else { return None };
    let name = opened.clone().unwrap_or_else(|| "The Tumbler".to_string());
    let place = match backend {
        Backend::Webgpu => "on this device's graphics chip (WebGPU)",
        Backend::Cpu => "on this device's processor (WebAssembly)",
    };
    Some(format!(
        "{name}: {} parameters in {} layers, a vocabulary of {} tokens, running {place}. \
         Nothing you type leaves this page.",
        group(*params),
        config.n_layers,
        group(config.vocab_size),
    ))
}

/// The bars of one step's distribution, its chosen token marked.
fn distribution(step: &GeneratedToken, index: usize) -> impl IntoView + use<> {
    let chosen = step.token.id;
    let shown: Vec<TopToken> = step.top.iter().take(BARS).cloned().collect();
    let named: f32 = shown.iter().map(|t| t.p).sum();
    let chosen_listed = shown.iter().any(|t| t.id == chosen);
    let rest = (1.0 - named).max(0.0);
    let caption = format!(
        "Token {}: it drew “{}”, which had a {} chance.",
        index + 1,
        visible(&step.token.text),
        percent(step.token.p)
    );
    let bars = shown
        .into_iter()
        .map(|t| {
            let width = format!("{:.1}%", (t.p.clamp(0.0, 1.0) * 100.0));
            let is_chosen = t.id == chosen;
            view! {
                <li class="hero-bar" class:chosen=is_chosen data-token-id=t.id data-p=t.p.to_string()>
                    <span class="hero-bar-token">{format!("“{}”", visible(&t.text))}</span>
                    <span class="hero-bar-track"><span class="hero-bar-fill" style:width=width></span></span>
                    <span class="hero-bar-p">{percent(t.p)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="hero-dist" data-step=index>
            <figcaption>{caption}</figcaption>
            <ol class="hero-bars">{bars}</ol>
            <p class="small muted">
                {format!("All other tokens together: {}.", percent(rest))}
                {(!chosen_listed).then_some(" The drawn token is among them: a less likely pick.")}
            </p>
        </figure>
    }
}

/// The first screen's live panel.
#[component]
pub fn Hero() -> impl IntoView {
    let engine = engine::use_engine();
    let prompt = RwSignal::new(DEFAULT_PROMPT.to_string());
    let seed = RwSignal::new(1u64);
    let writing = RwSignal::new(Writing::default());
    // The token whose distribution is drawn: the newest one unless the reader picked one.
    let picked = RwSignal::new(None::<usize>);
    let stream = StoredValue::new(None::<Stream>);
    let pacer = StoredValue::new(None::<IntervalHandle>);
    let typing = StoredValue::new(0u32);
    let instant = reduced_motion();

    let stop_pacer = move || {
        if let Some(h) = pacer.try_update_value(Option::take).flatten() {
            h.clear();
        }
    };
    let write = move || {
        stop_pacer();
        let text = prompt.get_untracked();
        picked.set(None);
        let run = writing.with_untracked(|w| w.run) + 1;
        if text.trim().is_empty() {
            stream.set_value(None);
            writing.set(Writing {
                run,
                end: Some(Err("There is nothing to continue: type a few words.".into())),
                ..Writing::default()
            });
            return;
        }
        writing.set(Writing { run, prompt: text.clone(), ..Writing::default() });
        let options = GenerateOptions {
            max_tokens: MAX_TOKENS,
            temperature: TEMPERATURE,
            seed: seed.get_untracked(),
            top_k: None,
            top_p: TOP_P,
        };
        let handle = engine::stream(
            Query::Generate { prompt: text, options },
            move |token: GeneratedToken| {
                writing.try_update(|w| {
                    w.steps.push(token);
                    if instant {
                        w.shown = w.steps.len();
                    }
                });
            },
            move |end| {
                writing.try_update(|w| {
                    w.end = Some(end);
                    if instant {
                        w.shown = w.steps.len();
                    }
                });
            },
        );
        stream.set_value(Some(handle));
        if !instant {
            let tick = move || {
                let done = writing
                    .try_update(|w| {
                        if w.shown < w.steps.len() {
                            w.shown += 1;
                        }
                        w.finished()
                    })
                    .unwrap_or(true);
                if done {
                    stop_pacer();
                }
            };
            if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_millis(PACE_MS))
            {
                pacer.set_value(Some(h));
            }
        }
    };
    on_cleanup(move || {
        stop_pacer();
        stream.set_value(None);
    });
    engine::when_ready(write);

    let on_input = move |ev| {
        prompt.set(event_target_value(&ev));
        let turn = typing.get_value().wrapping_add(1);
        typing.set_value(turn);
        set_timeout(
            move || {
                if typing.try_get_value() == Some(turn) {
                    write();
                }
            },
            std::time::Duration::from_millis(TYPING_PAUSE_MS),
        );
    };
    let again = move |_| {
        seed.update(|s| *s += 1);
        write();
    };

    // The chips on screen, keyed by run and position: each tick of the pace adds one element
    // rather than drawing the whole text again.
    let chips = move || {
        writing.with(|w| {
            w.shown()
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, step)| (w.run, i, step))
                .collect::<Vec<_>>()
        })
    };
    let chip = move |(_, i, step): (u32, usize, GeneratedToken)| {
        view! {
            <span
                class="hero-token"
                class:picked=move || picked.get() == Some(i)
                style=format!("--p: {:.3}", step.token.p.clamp(0.0, 1.0))
                data-token-id=step.token.id
                data-p=step.token.p.to_string()
                on:click=move |_| picked.set(Some(i))
            >
                {lead_and_ink(&named_bytes(&step.token.text))}
            </span>
        }
    };
    let writing_now =
        move || writing.with(|w| !w.finished() && w.end.as_ref().is_none_or(Result::is_ok));
    let text = move || {
        view! {
            <span class="hero-prompt">{move || writing.with(|w| w.prompt.clone())}</span>
            <For each=chips key=|(run, i, _)| (*run, *i) children=chip/>
            {move || writing_now().then(|| view! { <span class="hero-cursor" aria-hidden="true"></span> })}
        }
    };
    // The step drawn: the reader's pick, else the newest token.
    let current = move || {
        let len = writing.with(|w| w.shown().len());
        picked.get().filter(|&i| i < len).or(len.checked_sub(1))
    };
    let step_by = move |delta: isize| {
        let len = writing.with_untracked(|w| w.shown().len());
        if let Some(i) = current() {
            picked.set(Some(i.saturating_add_signed(delta).min(len.saturating_sub(1))));
        }
    };
    let dist = move || {
        let index = current()?;
        writing.with(|w| w.shown().get(index).map(|step| distribution(step, index)))
    };
    let meta = move || {
        writing.with(|w| match &w.end {
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            _ => {
                let shown = w.shown();
                if shown.is_empty() {
                    return view! { <p class="small muted">"Reading your words…"</p> }.into_any();
                }
                let ms: f64 = shown.iter().map(|s| s.millis).sum::<f64>() / shown.len() as f64;
                let stopped = match (&w.end, w.finished()) {
                    (Some(Ok(reason)), true) => why_it_stopped(reason),
                    _ => "",
                };
                let shipped = engine.state.with(|s| matches!(s, EngineState::Ready { opened: None, .. }));
                let caveat = if shipped {
                    " A model this small writes text that sounds like the old books it read and \
                     loses the thread: the shape of language comes long before sense."
                } else {
                    ""
                };
                let line = format!(
                    "{} of {MAX_TOKENS} tokens, {ms:.1}\u{a0}ms each to compute here (the slower pace is \
                     for your eyes).{stopped}{caveat}",
                    shown.len()
                );
                view! { <p class="small muted hero-meta">{line}</p> }.into_any()
            }
        })
    };
    let live = move || writing.with(Writing::state);

    view! {
        <section class="panel hero" data-live="hero" aria-labelledby="hero-title">
            <h2 id="hero-title">"A language model is running in this page"</h2>
            <p class="hero-about">
                {move || engine.state.with(about).unwrap_or_else(|| {
                    "The Tumbler, a small model trained for this guide, is loading into this page. \
                     Nothing you type will leave it.".to_string()
                })}
            </p>
            <label class="hero-label">
                "Start it off, and it writes the rest:"
                <textarea rows="2" maxlength="400" prop:value=move || prompt.get() on:input=on_input></textarea>
            </label>
            <EngineReady loading="Loading the Tumbler…" shown=Signal::derive(live)>
                <div class="hero-stage" data-generated=move || writing.with(|w| w.shown().last().map(|s| s.generated.clone()).unwrap_or_default())
                    data-done=move || writing.with(Writing::finished).to_string()>
                    // One Tab stop for the whole text: the arrow keys walk its tokens.
                    <p
                        class="hero-text"
                        tabindex="0"
                        data-arrow-keys=""
                        aria-live="polite"
                        aria-busy=move || (!writing.with(Writing::finished)).to_string()
                        on:keydown=move |ev| {
                            let delta = match ev.key().as_str() {
                                "ArrowLeft" => -1,
                                "ArrowRight" => 1,
                                _ => return,
                            };
                            ev.prevent_default();
                            step_by(delta);
                        }
                    >
                        {text}
                    </p>
                    <div class="hero-side">
                        {dist}
                        <p class="hero-steps">
                            <button type="button" aria-label="The token before" on:click=move |_| step_by(-1)
                                disabled=move || current().is_none_or(|i| i == 0)>"◀"</button>
                            <button type="button" aria-label="The token after" on:click=move |_| step_by(1)
                                disabled=move || current().is_none_or(|i| i + 1 >= writing.with(|w| w.shown().len()))>"▶"</button>
                        </p>
                    </div>
                </div>
                {meta}
                <p class="hero-actions">
                    <button type="button" on:click=again>"Write it again"</button>
                    <span class="small muted">
                        "Each token: read everything so far, score all the tokens it knows, draw one, repeat. "
                        "Pick a token (or use ◀\u{a0}▶, or the arrow keys in the text) to see what else it could have written. How: "
                        <a href="#/tokens">"tokens"</a> ", " <a href="#/attention">"attention"</a> ", "
                        <a href="#/sampling">"sampling"</a> "."
                    </span>
                </p>
            </EngineReady>
        </section>
    }
}
