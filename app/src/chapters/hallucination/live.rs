//! The fine-tuned Tumbler asked about names, some from its training text and some invented: its
//! answers, the probability of each chosen token, and two sampled answers for each name.

use leptos::prelude::*;

use crate::engine::chat::{self as engine_chat, ChatModelStatus, ChatReply};
use crate::engine::{ChatMessage, EngineReady, GenerateOptions, Model, Role, Stream};
use crate::url_state::text_param;
use crate::widgets::prob_tokens::{ProbToken, ProbTokens};

/// Tokens each answer may take at most.
const MAX_TOKENS: usize = 32;
/// The sampled answers per name: temperature 1, these seeds.
const SEEDS: [u64; 2] = [1, 2];

/// Names the pre-training text mentions dozens to hundreds of times (in its 42.9 MB training split:
/// "Moses" 581 times, "Captain Ahab" 62, "Abraham Lincoln" 38; the guide's invented "Orson Kovats"
/// 0 — counted with `grep -o` in the corpus `tumbler corpus` wrote).
const KNOWN: [&str; 3] = ["Moses", "Captain Ahab", "Abraham Lincoln"];

/// The two ways to ask: the form of most of its fine-tuning questions (WordNet's definitions),
/// and the guide's.
const FORMS: [Form; 2] = [Form::Means, Form::WhoIs];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Means,
    WhoIs,
}

impl Form {
    fn ask(self, name: &str) -> String {
        match self {
            Form::Means => format!("What does \"{name}\" mean?"),
            Form::WhoIs => format!("Who is {name}?"),
        }
    }
}

/// One name's answers: greedy, then one per seed.
#[derive(Clone, Copy)]
struct Row {
    /// A known name; `None` for the reader's invented one.
    name: Option<&'static str>,
    answers: [RwSignal<ChatReply>; 3],
}

fn tokens(reply: RwSignal<ChatReply>) -> Signal<Vec<ProbToken>> {
    Signal::derive(move || {
        reply.with(|r| {
            r.steps
                .iter()
                .map(|s| ProbToken { id: s.token.id, text: s.token.text.clone(), p: s.token.p })
                .collect()
        })
    })
}

fn mean(reply: RwSignal<ChatReply>) -> impl Fn() -> String {
    move || {
        reply.with(|r| {
            if r.steps.is_empty() {
                return String::new();
            }
            // How it ended, so a three-token answer reads as finished rather than cut off.
            let n = r.steps.len();
            let tokens = if n == 1 { "1 token".to_string() } else { format!("{n} tokens") };
            let ended = r.done.map_or("", engine_chat::ending_in_brief);
            format!("{tokens}{ended}; mean\u{a0}p\u{a0}{:.0}%", r.mean_p() * 100.0)
        })
    }
}

/// One answer in the table.
#[component]
fn AnswerCell(
    /// The answer as it streams in.
    reply: RwSignal<ChatReply>,
    /// How it was drawn, for `data-kind`.
    kind: &'static str,
) -> impl IntoView {
    view! {
        <td
            class="hallu-answer"
            aria-live="polite"
            aria-busy=move || reply.with(|r| r.running().to_string())
            data-kind=kind
            data-generated=move || reply.with(|r| r.text.clone())
            data-done=move || reply.with(|r| (!r.running()).to_string())
            data-mean-p=move || reply.with(|r| if r.steps.is_empty() { String::new() } else { r.mean_p().to_string() })
        >
            {move || reply.with(|r| r.error.clone())}
            <ProbTokens tokens=tokens(reply) label="The answer, token by token"/>
            <small class="hallu-mean">{mean(reply)}</small>
        </td>
    }
}

/// One name's row: the question, then its three answers.
fn row_view(row: Row, invented: RwSignal<String>, form: Form) -> impl IntoView {
    let [greedy, first, second] = row.answers;
    // Drawn when the names are asked: the invented one as it was then.
    let name = row.name.map_or_else(|| invented.get_untracked(), str::to_string);
    let label = view! { <span class="hallu-name">{form.ask(name.trim())}</span> };
    let kind = if row.name.is_some() { "in its training text" } else { "invented: nowhere in it" };
    view! {
        <tr class="hallu-row" data-known=row.name.is_some().to_string()>
            <th scope="row">{label}<small>{kind}</small></th>
            <AnswerCell reply=greedy kind="greedy"/>
            <AnswerCell reply=first kind="sampled at T\u{a0}=\u{a0}1, seed\u{a0}1"/>
            <AnswerCell reply=second kind="sampled at T\u{a0}=\u{a0}1, seed\u{a0}2"/>
        </tr>
    }
}

/// Known and unknown names asked of the chat model.
#[component]
pub fn NamesLive() -> impl IntoView {
    let invented = text_param("name", "Orson Kovats");
    let rows: Vec<Row> = KNOWN
        .iter()
        .map(|&name| Some(name))
        .chain([None])
        .map(|name| Row {
            name,
            answers: std::array::from_fn(|_| RwSignal::new(ChatReply::default())),
        })
        .collect();
    let rows = StoredValue::new(rows);
    let asked = RwSignal::new(None::<Form>);
    let form = RwSignal::new(Form::Means);
    // The answers run while their handles are kept: asking again (or leaving) stops them.
    let runs = StoredValue::new(Vec::<Stream>::new());
    let ask_now = move || {
        runs.set_value(Vec::new());
        let mut ids = Vec::new();
        for row in rows.get_value() {
            let name = row.name.map_or_else(|| invented.get_untracked(), str::to_string);
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let text = form.get_untracked().ask(name);
            let messages = vec![ChatMessage { role: Role::User, text }];
            for (i, answer) in row.answers.into_iter().enumerate() {
                // The first answer is greedy; the others are drawn at temperature 1, seeded.
                let (temperature, seed) = if i == 0 { (0.0, 0) } else { (1.0, SEEDS[i - 1]) };
                let options = GenerateOptions {
                    max_tokens: MAX_TOKENS,
                    temperature,
                    seed,
                    top_k: None,
                    top_p: 1.0,
                };
                ids.push(engine_chat::ask(Model::Chat, messages.clone(), options, answer));
            }
        }
        runs.set_value(ids);
        asked.set(Some(form.get_untracked()));
    };
    let ask = move |_| ask_now();
    // The names are asked as soon as the engine is ready.
    crate::engine::when_ready(ask_now);
    let shown = move || {
        rows.with_value(|rows| {
            let replies: Vec<ChatReply> =
                rows.iter().flat_map(|r| r.answers.iter().map(|a| a.get())).collect();
            ChatReply::shown(&replies)
        })
    };
    let body = move || {
        view! {
            <label class="hallu-invented">
                "Invented name: "
                <input
                    type="text"
                    maxlength="60"
                    aria-label="An invented name"
                    prop:value=move || invented.get()
                    on:input=move |ev| invented.set(event_target_value(&ev))
                />
            </label>
            <fieldset class="hallu-forms">
                <legend>"Ask"</legend>
                {FORMS.into_iter().map(|f| view! {
                    <label>
                        <input type="radio" name="hallu-form" prop:checked=move || form.get() == f on:change=move |_| form.set(f)/>
                        {f.ask("…")}
                    </label>
                }).collect_view()}
            </fieldset>
            <button type="button" class="generate hallu-ask" on:click=ask>"Ask the fine-tuned Tumbler"</button>
            <ChatModelStatus/>
            <Show when=move || asked.get().is_some()>
                <table class="numbers hallu-live">
                    <thead>
                        <tr>
                            <th scope="col">"Question"</th>
                            <th scope="col">"Greedy answer"</th>
                            <th scope="col">"Sampled (T\u{a0}=\u{a0}1, seed 1)"</th>
                            <th scope="col">"Sampled (T\u{a0}=\u{a0}1, seed 2)"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let form = asked.get().unwrap_or(Form::Means);
                            rows.get_value().into_iter().map(|row| row_view(row, invented, form)).collect_view()
                        }}
                    </tbody>
                </table>
            </Show>
        }
    };
    view! {
        <div class="panel live-hallucination">
            <h2>"The Tumbler's own reflex"</h2>
            <p>
                "Our fine-tuned model, asked about three names its pre-training text mentions \
                 dozens to hundreds of times and one that appears nowhere (the invented name below: change \
                 it to any name you like and ask again). Each \
                 token is shaded by the probability the model gave it when it chose it; the mean \
                 is under each answer."
            </p>
            <EngineReady loading="The Tumbler is loading; the names are asked here when it is ready." shown=shown>
                {body}
            </EngineReady>
            <p class="small">
                "What to look for. The Tumbler is far too small to have learned who anyone is, so \
                 it invents for every name, known or not: this shows the reflex, not the knowledge \
                 gap between famous and unknown people that a large model has. Asked in the form \
                 of most of its fine-tuning questions, it writes the learned frame of an answer \
                 (“… is a noun. It means …”) with probabilities near 100%, and the words that \
                 should carry facts with probabilities near 0%: the confidence is in the tone, not \
                 the content. Sampling twice gives two different inventions."
            </p>
        </div>
    }
}
