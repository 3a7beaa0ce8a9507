//! Train on your own text: the reader pastes text or opens a file, picks a model size, and the
//! engine worker trains a tokenizer on the text and then a Tumbler of that size on it, with the
//! loss and the predictions updating live. Checkpoints go to the browser's private file system, so
//! a reload offers to resume; the saved model downloads as the files `tumbler sample` reads.

use leptos::prelude::*;
use tumbler_engine::opfs;
use tumbler_engine::{DoneReason, LearnSample, OwnProgress, OwnStart, OwnStep, Query};
use tumbler_model::own::{
    CONFIG_FILE, MAX_OWN_BYTES, OwnState, PRESETS, Preset, StepLoss, TOKENIZER_FILE, WEIGHTS_FILE,
};
use tumbler_model::tokenizer::train::LearnedMerge;
use wasm_bindgen::JsCast;

use crate::calc::expr::group_thousands;
use crate::engine::Run;
use crate::engine::RunStatus as Status;
use crate::widgets::attention_map::visible;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::token_chips::chip_label;
use crate::widgets::{Chart, Stepper};

/// Seed of the weights and batches: the same text and size train the same way.
const SEED: u64 = 42;
/// The source of text typed or pasted into the box.
const PASTED: &str = "pasted text";
/// Steps the speed is averaged over.
const SPEED_WINDOW: usize = 10;

fn grouped(n: usize) -> String {
    group_thousands(n as i128)
}

/// The reader's text and where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
struct Source {
    text: String,
    /// A file's name, or "pasted text".
    name: String,
}

/// Why a text cannot be trained on, for the reader; `None` when it can.
fn refusal(bytes: usize, blank: bool) -> Option<String> {
    if bytes > MAX_OWN_BYTES {
        return Some(format!(
            "That is {} bytes; the most a run learns from is {} bytes (4\u{a0}MB). Cut it down, or \
             open a smaller file.",
            grouped(bytes),
            grouped(MAX_OWN_BYTES)
        ));
    }
    blank.then(|| "Paste some text or open a text file first.".to_string())
}

/// One run's record, as the replies bring it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Log {
    start: Option<OwnStart>,
    /// Every step's loss, the saved run's first.
    losses: Vec<StepLoss>,
    /// Milliseconds of this session's steps.
    millis: Vec<f64>,
    samples: Vec<LearnSample>,
    /// The step of the newest checkpoint written.
    saved_step: Option<usize>,
    preparing: Option<String>,
}

impl Log {
    fn started(start: OwnStart) -> Self {
        Self {
            losses: start.state.history.clone(),
            samples: vec![start.sample.clone()],
            saved_step: start.resumed.then_some(start.state.step),
            start: Some(start),
            ..Self::default()
        }
    }

    fn step(&mut self, s: OwnStep) {
        self.losses.push(StepLoss { step: s.step, loss: s.loss });
        self.millis.push(s.millis);
        self.samples.extend(s.sample);
        if s.saved_millis.is_some() {
            self.saved_step = Some(s.step);
        }
    }

    /// Milliseconds per step over the last few steps.
    fn ms_per_step(&self) -> Option<f64> {
        let recent = &self.millis[self.millis.len().saturating_sub(SPEED_WINDOW)..];
        (!recent.is_empty()).then(|| recent.iter().sum::<f64>() / recent.len() as f64)
    }

    /// The loss per step against guessing uniformly, ln V.
    fn chart(&self) -> String {
        let Some(start) = &self.start else { return String::new() };
        loss_chart(&self.losses, start.config.vocab_size, start.total_steps)
    }
}

/// The loss curve of `losses` for a model of vocabulary `vocab` over `total` steps.
fn loss_chart(losses: &[StepLoss], vocab: usize, total: usize) -> String {
    let uniform = (vocab.max(2) as f64).ln();
    // A third above the highest point: the legend's room, clear of the curve and of ln V.
    let top = (losses.iter().map(|l| f64::from(l.loss)).fold(uniform, f64::max) * 1.3).ceil();
    let x_max = losses.last().map_or(total, |l| l.step).max(total) as f64;
    LineChart {
        x: Axis::linear(0.0, x_max),
        y: Axis::linear(0.0, top),
        x_label: "training step".into(),
        y_label: "loss (nats per token)".into(),
        series: vec![
            Series {
                label: "loss of each step's batch".into(),
                points: losses.iter().map(|l| (l.step as f64, f64::from(l.loss))).collect(),
                color: 0,
                markers: false,
            },
            Series::level("guessing uniformly, ln V", uniform, (0.0, x_max), 1),
        ],
        size: (640, 300),
    }
    // Upper right: the curve starts at the upper left and falls away from there.
    .svg_with(&[])
}

/// What the saved run is, in a sentence.
fn saved_summary(s: &OwnState) -> String {
    let preset = Preset::named(&s.preset).map_or(s.preset.as_str(), |p| p.label);
    let loss = s.history.last().map(|l| format!(", last loss {:.3}", l.loss)).unwrap_or_default();
    let total = Preset::named(&s.preset).map_or(0, |p| p.steps);
    format!(
        "A run is saved in this browser: {preset}, trained on {} ({} bytes), stopped at step {} \
         of {total}{loss}.",
        s.source,
        grouped(s.text_bytes),
        s.step
    )
}

/// The merge `m` in words: “t” + “he” → “the”.
fn merge_text(m: &LearnedMerge) -> String {
    let whole = [m.left.as_slice(), &m.right].concat();
    format!("“{}” + “{}” → “{}”", chip_label(&m.left), chip_label(&m.right), chip_label(&whole))
}

/// Reads the file the reader picked in `input`: its text and name, or why not.
async fn read_file(input: web_sys::HtmlInputElement) -> Result<Source, String> {
    use js_sys::Reflect;
    let files = Reflect::get(&input, &"files".into()).map_err(|_| "no file list")?;
    let file = Reflect::get(&files, &0.into()).map_err(|_| "no file")?;
    if file.is_undefined() || file.is_null() {
        return Err("No file was chosen.".into());
    }
    let name = Reflect::get(&file, &"name".into()).ok().and_then(|n| n.as_string());
    let name = name.unwrap_or_else(|| "a file".into());
    let size = Reflect::get(&file, &"size".into()).ok().and_then(|s| s.as_f64()).unwrap_or(0.0);
    // Refused before reading: a huge file is never loaded into the page.
    if let Some(why) = refusal(size as usize, false) {
        return Err(format!("{name}: {why}"));
    }
    let text: js_sys::Function = Reflect::get(&file, &"text".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this browser cannot read files")?;
    let promise: js_sys::Promise =
        text.call0(&file).map_err(|_| "reading the file failed")?.unchecked_into();
    let text = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| format!("{name} could not be read"))?
        .as_string()
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err(format!("{name} is empty: there is no text in it to train on."));
    }
    if text.contains('\u{0}') {
        return Err(format!("{name} looks like a binary file, not text."));
    }
    Ok(Source { text, name })
}

/// Download links for the saved model's files.
async fn export_links() -> Result<Vec<(&'static str, String)>, String> {
    let (slot, _) = opfs::latest().await?.ok_or("there is no saved model yet")?;
    let mut links = Vec::new();
    for name in [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE] {
        let url = opfs::object_url(slot, name).await?.ok_or(format!("{name} is missing"))?;
        links.push((name, url));
    }
    Ok(links)
}

/// The panel.
#[component]
pub fn OwnTraining() -> impl IntoView {
    let source = RwSignal::new(Source::default());
    let file_error = RwSignal::new(None::<String>);
    let preset = RwSignal::new(PRESETS[0].name.to_string());
    let saved = RwSignal::new(None::<Result<OwnState, String>>);
    let links = RwSignal::new(None::<Result<Vec<(&'static str, String)>, String>>);
    let run = Run::new();
    let status = run.status;
    let log = RwSignal::new(Log::default());

    let look_for_saved = move || {
        leptos::task::spawn_local(async move {
            let found = opfs::latest().await.map(|s| s.map(|(_, state)| state));
            match found {
                Ok(Some(state)) => saved.try_set(Some(Ok(state))),
                Ok(None) => saved.try_set(None),
                Err(e) => saved.try_set(Some(Err(e))),
            };
        });
    };
    look_for_saved();

    let on_progress = move |p: OwnProgress| match p {
        OwnProgress::Preparing(what) => {
            log.try_update(|l| l.preparing = Some(what));
        }
        OwnProgress::Start(start) => {
            log.try_set(Log::started(*start));
        }
        OwnProgress::Step(s) => {
            log.try_update(|l| l.step(s));
        }
    };
    let on_end = move |end: &Result<DoneReason, String>| {
        // The worker writes a checkpoint at the step it stopped on before it says Done.
        if matches!(end, Ok(DoneReason::Stopped)) {
            log.try_update(|l| l.saved_step = l.losses.last().map(|s| s.step).or(l.saved_step));
        }
        look_for_saved();
    };
    let start = move |_| {
        let s = source.get_untracked();
        if refusal(s.text.len(), s.text.trim().is_empty()).is_some() {
            return;
        }
        links.set(None);
        log.set(Log::default());
        let query = Query::OwnTrain {
            text: s.text,
            preset: preset.get_untracked(),
            source: s.name,
            seed: SEED,
        };
        run.start_then(query, on_progress, on_end);
    };
    let resume = move |_| {
        links.set(None);
        log.set(Log::default());
        run.start_then(Query::OwnResume, on_progress, on_end);
    };
    let stop = move |_| run.stop();
    let forget = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = opfs::clear().await {
                file_error.try_set(Some(format!("The saved run could not be deleted: {e}")));
            }
            links.try_set(None);
            look_for_saved();
        });
    };
    let export = move |_| {
        leptos::task::spawn_local(async move {
            links.try_set(Some(export_links().await));
        });
    };
    let busy = move || run.busy();
    let problem = move || source.with(|s| refusal(s.text.len(), s.text.trim().is_empty()));
    let has_saved = move || matches!(saved.get(), Some(Ok(_)));

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            match read_file(input).await {
                Ok(s) => {
                    file_error.try_set(None);
                    source.try_set(s);
                }
                Err(e) => {
                    file_error.try_set(Some(e));
                }
            }
        });
    };

    // A file's text is not put in the box: a few megabytes in a textarea make typing slow.
    let pasted =
        move || source.with(|s| if s.name == PASTED { s.text.clone() } else { String::new() });
    let text_box = move || {
        view! {
            <label class="own-text-label">
                "Your text "
                <textarea
                    class="own-text"
                    rows="6"
                    spellcheck="false"
                    placeholder="Paste a few pages of text here: notes, a story, a book from Project Gutenberg, code…"
                    prop:value=pasted
                    on:input=move |ev| {
                        file_error.set(None);
                        source.set(Source { text: event_target_value(&ev), name: PASTED.into() });
                    }
                ></textarea>
            </label>
        }
    };
    let text_note = move || {
        let (bytes, name) = source.with(|s| (s.text.len(), s.name.clone()));
        let error = file_error.get().or_else(|| (bytes > 0).then(problem).flatten());
        match error {
            Some(e) => view! { <p class="note-live own-error" role="alert">{e}</p> }.into_any(),
            None if bytes > 0 => view! {
                <p class="small own-source" data-text-bytes=bytes>
                    {format!("{} bytes of text from {name}.", grouped(bytes))}
                </p>
            }
            .into_any(),
            // Nothing yet: why Train is disabled, without an alert before the reader has begun.
            None => view! {
                <p class="small muted own-hint">"Paste some text or open a text file to train on."</p>
            }
            .into_any(),
        }
    };
    let preset_row = move || {
        view! {
            <label>
                "Model size "
                <select class="own-preset" prop:disabled=busy on:change=move |ev| preset.set(event_target_value(&ev))>
                    {PRESETS
                        .iter()
                        .map(|p| {
                            view! {
                                <option value=p.name selected=move || preset.get() == p.name>{p.label}</option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            // The size in numbers under the list, not in it: a select shows its option on one
            // line, and a phone cut “(about 140,000 parameters, …” off at its edge.
            <p class="small muted own-size">
                {move || Preset::named(&preset.get()).map(|p| format!(
                    "About {} parameters, with a vocabulary of up to {} tokens.",
                    grouped(p.config(p.vocab_size).param_count()),
                    grouped(p.vocab_size)
                ))}
            </p>
        }
    };
    let saved_view = move || {
        match saved.get() {
        Some(Ok(state)) if !busy() => Some(
            view! {
                <div class="own-saved callout" data-saved-step=state.step data-saved-preset=state.preset.clone()>
                    <p>{saved_summary(&state)}</p>
                    // Its curve, unless the run just stopped is on show below with its own.
                    {log.with_untracked(|l| l.start.is_none()).then(|| view! {
                        <Chart
                            svg=Signal::derive({
                                let state = state.clone();
                                move || {
                                    let total = Preset::named(&state.preset).map_or(0, |p| p.steps);
                                    loss_chart(&state.history, state.vocab_size, total)
                                }
                            })
                            label="The saved run's loss per step"
                        />
                    })}
                    <div class="preset-row">
                        <button type="button" class="own-resume" on:click=resume>"Resume training"</button>
                        <button type="button" class="own-export" on:click=export>"Download the model"</button>
                        <button type="button" class="own-forget" on:click=forget>"Delete the saved run"</button>
                    </div>
                </div>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(
            view! { <p class="muted own-no-storage">"Runs cannot be saved in this browser: " {e}</p> }
                .into_any(),
        ),
        _ => None,
    }
    };
    let links_view = move || {
        links.get().map(|l| match l {
            Ok(files) => view! {
                <p class="own-links">
                    "Save these three files in one folder, then "
                    <code>"tumbler sample --model FOLDER --prompt …"</code>
                    " or " <code>"tumbler eval --model FOLDER --text …"</code> " runs it: "
                    {files
                        .into_iter()
                        .map(|(name, url)| view! {
                            <a class="own-download" href=url download=name data-file=name>{name}</a>
                            " "
                        })
                        .collect_view()}
                </p>
            }
            .into_any(),
            Err(e) => {
                view! { <p class="note-live" role="alert">"No download: " {e}</p> }.into_any()
            }
        })
    };
    let chart = Signal::derive(move || log.with(Log::chart));
    let stats = move || {
        log.with(|l| {
            let start = l.start.as_ref()?;
            let last = l.losses.last().copied();
            let step = last.map_or(start.state.step, |s| s.step);
            let loss = last.map_or(f32::NAN, |s| s.loss);
            let first = l.losses.first().map_or(loss, |s| s.loss);
            let ms = l.ms_per_step();
            let saved = l.saved_step;
            Some(view! {
                <p
                    class="result own-stats"
                    data-step=step
                    data-loss=loss.to_string()
                    data-first-loss=first.to_string()
                    data-saved-step=saved.map(|s| s.to_string())
                    data-ms-per-step=ms.map(|m| format!("{m:.1}"))
                    data-points=l.losses.len()
                    data-resumed=start.resumed.to_string()
                    data-resumed-from=start.state.step
                    data-total-steps=start.total_steps
                >
                    {format!(
                        "Step {step} of {}\u{a0}· loss {loss:.3} (first step {first:.3})\u{a0}· {}\u{a0}· {}",
                        start.total_steps,
                        ms.map_or("timing the first steps…".to_string(), |m| format!("{m:.0}\u{a0}ms per step")),
                        saved.map_or("no checkpoint yet".to_string(), |s| format!("saved at step {s}")),
                    )}
                </p>
            })
        })
    };
    let about = move || {
        log.with(|l| {
            let s = l.start.as_ref()?;
            let c = &s.config;
            let how = if s.resumed {
                format!("Read back from the checkpoint at step {} in {:.0}\u{a0}ms.", s.state.step, s.prepare_millis)
            } else {
                format!("Tokenizer trained and text encoded in {:.0}\u{a0}ms.", s.prepare_millis)
            };
            Some(view! {
                <p
                    class="small own-about"
                    data-vocab-size=c.vocab_size
                    data-params=s.params
                    data-tokens-per-step=s.batch_size * s.seq_len
                >
                    {format!(
                        "A Tumbler of {} layers, width {}, {} heads, context {}, with a vocabulary \
                         of {} tokens trained on your text: {} parameters. It learns from {} tokens \
                         ({} bytes from {}), {} windows of {} tokens per step, with AdamW. {how}",
                        c.n_layers, c.d_model, c.n_heads, c.context_length,
                        grouped(c.vocab_size), grouped(s.params), grouped(s.text_tokens),
                        grouped(s.state.text_bytes), s.state.source, s.batch_size, s.seq_len
                    )}
                </p>
            })
        })
    };
    // Memos: the tokenizer's view and the chart are built once per run, not once per step (the
    // merges' animation keeps its place while the steps arrive).
    let merges = Memo::new(move |_| log.with(|l| l.start.as_ref().map(|s| s.state.merges.clone())));
    let started = Memo::new(move |_| log.with(|l| l.start.is_some()));
    let merges_view = move || {
        let merges = merges.get()?;
        if merges.is_empty() {
            return Some(view! { <p class="muted">"No pair repeats in the text: the tokenizer is its bytes."</p> }.into_any());
        }
        let count = merges.len();
        let current = RwSignal::new(0usize);
        let merges = StoredValue::new(merges);
        Some(view! {
            <div class="own-tokenizer" data-merges=count>
                <h3>"The tokenizer it learnt from your text"</h3>
                <p class="small">
                    "Before the model trains, a byte-level BPE is trained on the same text, as the \
                     tokens chapter shows: it counts every pair of neighbouring tokens and merges \
                     the most frequent pair into a new token, again and again. Its first merges, \
                     in order:"
                </p>
                <p class="bpe-caption" aria-live="polite">
                    {move || merges.with_value(|m| {
                        let i = current.get().min(m.len() - 1);
                        format!("Merge {} of the first {count}: {} (the pair occurred {} times).",
                                i + 1, merge_text(&m[i]), grouped(m[i].count as usize))
                    })}
                </p>
                <div class="token-chips own-merges">
                    {move || merges.with_value(|m| m.iter().take(current.get() + 1).enumerate().map(|(i, merge)| {
                        let whole = [merge.left.as_slice(), &merge.right].concat();
                        view! {
                            <span class=format!("chip chip-c{}", i % 5) data-token-id=merge.id data-rank=i>
                                <span class="chip-text">{chip_label(&whole)}</span>
                                <span class="chip-id">{merge.id.to_string()}</span>
                            </span>
                        }
                    }).collect_view())}
                </div>
                <Stepper count current label="Merges of your tokenizer" interval_ms=700/>
            </div>
        }.into_any())
    };
    let predictions = move || {
        log.with(|l| {
            let latest = l.samples.last()?;
            let prompt = l.start.as_ref()?.state.prompt.clone();
            // The first look (untrained, or where a resumed run stood) and the latest five.
            let recent = l.samples.len().saturating_sub(5).max(1);
            let history = l.samples[..1]
                .iter()
                .chain(&l.samples[recent..])
                .rev()
                .map(|s| {
                    view! {
                        <li data-sample-step=s.step data-continuation=s.continuation.clone()>
                            <span class="muted">{format!("step {}: ", s.step)}</span>
                            {prompt.clone()}<strong>{visible(&s.continuation)}</strong>
                        </li>
                    }
                })
                .collect_view();
            let next = latest
                .next
                .iter()
                .map(|t| format!("“{}” {:.1}%", visible(&t.text), t.p * 100.0))
                .collect::<Vec<_>>()
                .join(", ");
            Some(view! {
                <h3>{format!("What it writes after “{prompt}” at step {}", latest.step)}</h3>
                <p class="gen-line own-continuation" aria-live="polite" data-generated=latest.continuation.clone() data-prompt=prompt.clone()>
                    {prompt.clone()}<strong>{latest.continuation.clone()}</strong>
                </p>
                <p class="small">"Its most likely next tokens: " {next}</p>
                <ul class="learn-history">{history}</ul>
            })
        })
    };
    let note = move || {
        match status.get() {
        Status::Failed(message) => {
            Some(view! { <p class="note-live own-error" role="alert">{message}</p> }.into_any())
        }
        Status::Ended(DoneReason::Stopped) => Some(
            view! { <p class="muted">"Stopped and saved. Resume it, download it, or train a new one."</p> }
                .into_any(),
        ),
        Status::Ended(_) => Some(
            view! { <p class="muted">"Done: every step of the run is taken, and the model is saved."</p> }
                .into_any(),
        ),
        _ => None,
    }
    };
    let preparing = move || {
        (status.get() == Status::Starting).then(|| log.with(|l| l.preparing.clone())).flatten().map(
            |what| {
                view! {
                    <p class="own-preparing" role="status">
                        <progress aria-label=what.clone()></progress>
                        " " {what}
                    </p>
                }
            },
        )
    };
    view! {
        <div class="panel own-train" data-live="own-training" data-own-state=move || status.get().id()>
            <h2>"Train one on your own text"</h2>
            <p>
                "The same loop, on text you choose: paste it or open a text file (up to 4\u{a0}MB), \
                 pick a size, and a Tumbler learns it from scratch in this page. Its checkpoints \
                 stay in this browser, so a reload can resume where it stopped, and the model \
                 downloads as the three files the guide's own command-line tool reads."
            </p>
            <p class="small own-backend" data-own-backend="cpu">
                "It trains on your CPU, in the engine's worker, even where the rest of the page \
                 uses WebGPU: the page's GPU code can run a model but not train one, and the \
                 code that could would make the download about 15\u{a0}MB larger."
            </p>
            {saved_view}
            {links_view}
            {text_box}
            <label class="own-file-label">
                "or open a text file "
                <input type="file" class="own-file" accept=".txt,.md,.csv,.json,.rs,.py,text/*" on:change=on_file/>
            </label>
            {text_note}
            <div class="preset-row">
                {preset_row}
                <button
                    type="button"
                    class="own-start"
                    prop:disabled=move || busy() || problem().is_some()
                    on:click=start
                >
                    {move || if has_saved() { "Train a new model (replaces the saved one)" } else { "Train" }}
                </button>
                <button type="button" class="own-stop" prop:disabled=move || !busy() on:click=stop>
                    "Stop"
                </button>
            </div>
            {preparing}
            {note}
            {about}
            {stats}
            {move || started.get().then(|| view! {
                <Chart svg=chart label="Your model's training loss per step" caption="Loss of each step's batch on your text. The flat line is the loss of a model that gives every token the same probability."/>
            })}
            {merges_view}
            {predictions}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_engine::TopToken;
    use tumbler_model::gpt::TumblerConfig;

    fn state(step: usize) -> OwnState {
        OwnState {
            preset: "small".into(),
            step,
            seed: 1,
            history: (1..=step)
                .map(|s| StepLoss { step: s, loss: 7.0 - s as f32 * 0.01 })
                .collect(),
            text_bytes: 12345,
            prompt: "It was".into(),
            source: "notes.txt".into(),
            vocab_size: 512,
            merges: vec![LearnedMerge {
                left: b" t".to_vec(),
                right: b"he".to_vec(),
                id: 300,
                count: 42,
            }],
            param_ids: vec![],
        }
    }

    fn start(step: usize, resumed: bool) -> OwnStart {
        OwnStart {
            state: state(step),
            config: TumblerConfig::toy(512),
            params: 1,
            text_tokens: 3000,
            batch_size: 8,
            seq_len: 64,
            total_steps: 1000,
            prepare_millis: 10.0,
            resumed,
            sample: LearnSample {
                step,
                continuation: " the".into(),
                next: vec![TopToken { id: 1, text: "a".into(), p: 0.5 }],
            },
        }
    }

    #[test]
    fn a_resumed_log_starts_from_the_saved_curve() {
        let mut log = Log::started(start(50, true));
        assert_eq!(log.losses.len(), 50);
        assert_eq!(log.saved_step, Some(50));
        assert_eq!(log.ms_per_step(), None);
        log.step(OwnStep { step: 51, loss: 6.0, millis: 20.0, sample: None, saved_millis: None });
        log.step(OwnStep {
            step: 52,
            loss: 5.9,
            millis: 40.0,
            sample: None,
            saved_millis: Some(3.0),
        });
        assert_eq!(log.losses.last(), Some(&StepLoss { step: 52, loss: 5.9 }));
        assert_eq!(log.saved_step, Some(52));
        assert_eq!(log.ms_per_step(), Some(30.0));
        let svg = log.chart();
        assert!(svg.starts_with("<svg") && !svg.contains("Chart failed"), "{svg}");
        assert_eq!(Log::started(start(0, false)).saved_step, None);
    }

    #[test]
    fn refuses_too_much_or_no_text() {
        assert_eq!(refusal(10, false), None);
        assert!(refusal(MAX_OWN_BYTES + 1, false).unwrap().contains("4\u{a0}MB"));
        assert!(refusal(0, true).unwrap().contains("Paste"));
    }

    #[test]
    fn says_what_is_saved_and_what_a_merge_did() {
        let s = saved_summary(&state(150));
        assert!(
            s.contains("Small") && s.contains("notes.txt") && s.contains("12,345 bytes"),
            "{s}"
        );
        assert!(s.contains("step 150 of 1000") && s.contains("last loss 5.500"), "{s}");
        assert_eq!(merge_text(&state(1).merges[0]), "“␣t” + “he” → “␣the”");
    }
}
