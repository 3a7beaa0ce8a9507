//! The benchmarks chapter's live part: contamination, measured. The chat model is scored on
//! questions it was fine-tuned on and on questions of the same kind held out of fine-tuning
//! (`contamination.json`, picked by `tumbler contamination --build` from its fine-tuning split).
//!
//! The worker scores every reply token ([`Query::Quiz`], computed by `Inspector::quiz` in the
//! model crate); the page sums up and draws.

use leptos::prelude::*;
use tumbler_engine::{QuizItem, QuizScores, QuizSets, QuizSummary, fetch, summarise};

use crate::calc::expr::group_thousands;
use crate::engine::{self, EngineReady, Query, Shown};

const SET_URL: &str = "public/model/contamination.json";

/// Both sets' scores, in the sets' order.
#[derive(Clone, Debug, PartialEq)]
struct Scored {
    trained: QuizScores,
    held_out: QuizScores,
}

async fn score(sets: QuizSets) -> Result<Scored, String> {
    let trained = engine::ask::<QuizScores>(Query::Quiz { items: sets.trained }).await?;
    let held_out = engine::ask::<QuizScores>(Query::Quiz { items: sets.held_out }).await?;
    Ok(Scored { trained, held_out })
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The live panel of the `benchmarks` chapter.
#[component]
pub fn LiveContamination() -> impl IntoView {
    let sets = RwSignal::new(None::<Result<QuizSets, String>>);
    let result = RwSignal::new(None::<Result<Scored, String>>);
    let running = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        let loaded = fetch::json::<QuizSets>(SET_URL).await.map_err(|e| format!("{SET_URL}: {e}"));
        sets.try_set(Some(loaded));
    });
    let score_now = move || {
        let Some(Ok(s)) = sets.get_untracked() else { return };
        running.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let scored = score(s).await;
            result.try_set(Some(scored));
            running.try_set(false);
        });
    };
    let run = move |_| score_now();
    // The first score as soon as both the engine and the question sets are in: a few seconds of
    // scoring, the panel's whole result.
    let ready = engine::state();
    let first = StoredValue::new(false);
    Effect::new(move |_| {
        let go = ready.with(|s| s.config().is_some()) && sets.with(|s| matches!(s, Some(Ok(_))));
        if go && !first.get_value() {
            first.set_value(true);
            untrack(score_now);
        }
    });
    let shown = move || match (sets.get(), result.get()) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => Shown::Error,
        (_, Some(Ok(_))) => Shown::Result,
        _ => Shown::Working,
    };
    view! {
        <div class="panel live-contamination" data-live="contamination">
            <h2>"Contamination, measured on the Tumbler"</h2>
            <p>
                "A benchmark is only fair if the model has not seen its questions. Here the "
                "Tumbler's chat model is scored on two sets of the same kind of question: ones it "
                "was fine-tuned on, and ones its fine-tuning held out. Each reply is read token by "
                "token after its question, and the page counts how surprised the model is (its "
                "loss, −ln p), how often the right token was its first choice, and whether it "
                "would have written the whole reply word for word."
            </p>
            {move || sets.with(|s| match s {
                None => view! { <p class="note-live">"Reading the quiz…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">"The quiz could not be read: " {e.clone()}</p> }.into_any(),
                Some(Ok(s)) => view! {
                    <p class="small">{format!("The questions: {}. {} the model was fine-tuned on and {} it was not; {}.", s.source, s.trained.len(), s.held_out.len(), s.split)}</p>
                }.into_any(),
            })}
            <EngineReady loading="The Tumbler is loading; it can take the quiz when it is ready." shown=shown>
                <button type="button" class="generate" on:click=run
                    disabled=move || running.get() || !matches!(sets.get(), Some(Ok(_)))>
                    {move || if running.get() { "Scoring…" } else { "Score both sets" }}
                </button>
            </EngineReady>
            {move || result.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(scored) => {
                    let items = sets.with_untracked(|s| s.as_ref().and_then(|s| s.as_ref().ok()).cloned());
                    view! { <QuizResult scored items/> }.into_any()
                }
            })}
        </div>
    }
}

fn summary_row(
    label: &'static str,
    which: &'static str,
    s: QuizSummary,
    millis: f64,
) -> impl IntoView {
    view! {
        <tr data-set=which data-loss=format!("{:.4}", s.mean_loss) data-accuracy=format!("{:.4}", s.token_accuracy)
            data-exact=format!("{:.4}", s.exact_rate) data-items=s.items>
            <th scope="row">{label}</th>
            <td data-label="items">{s.items}</td>
            <td data-label="reply loss (nats/token)">{format!("{:.3}", s.mean_loss)}</td>
            <td data-label="perplexity">{format!("{:.1}", s.mean_loss.exp())}</td>
            <td data-label="first choice right">{pct(s.token_accuracy)}</td>
            <td data-label="recalled exactly">{format!("{} of {}", (s.exact_rate * s.items as f64).round(), s.items)}</td>
            <td data-label="time">{format!("{}\u{a0}ms", group_thousands(millis.round() as i128))}</td>
        </tr>
    }
}

fn item_rows(
    which: &'static str,
    items: &[QuizItem],
    scores: &QuizScores,
) -> impl IntoView + use<> {
    items
        .iter()
        .zip(&scores.scores)
        .map(|(item, s)| {
            view! {
                <li data-item=which data-item-loss=format!("{:.4}", s.mean_loss)>
                    <span class="quiz-q">{item.user.clone()}</span>" "
                    <span class="quiz-a">{item.assistant.clone()}</span>
                    <span class="quiz-score">{format!("loss {:.2}\u{a0}· {} of {} tokens first choice", s.mean_loss, s.hits, s.tokens)}</span>
                </li>
            }
        })
        .collect_view()
}

#[component]
fn QuizResult(scored: Scored, items: Option<QuizSets>) -> impl IntoView {
    let trained = summarise(&scored.trained.scores);
    let held = summarise(&scored.held_out.scores);
    let lower = 1.0 - trained.mean_loss / held.mean_loss;
    let verdict = if trained.mean_loss < held.mean_loss {
        format!(
            "On questions it trained on, the model's loss is {:.0}% lower ({:.3} against {:.3} nats \
             per token) and its first choice is right {} of the time against {}. A benchmark \
             built from its training data would flatter it by that much.",
            lower * 100.0,
            trained.mean_loss,
            held.mean_loss,
            pct(trained.token_accuracy),
            pct(held.token_accuracy)
        )
    } else {
        format!(
            "This time the trained-on questions did not score better ({:.3} against {:.3} nats per \
             token): the model kept too little of them to show.",
            trained.mean_loss, held.mean_loss
        )
    };
    let exact_note = format!(
        "Word for word it recalls {} of the trained-on replies and {} of the held‑out ones: a \
         model this small keeps traces of what it trained on, not copies. Large models memorise \
         far more, which is why contamination matters most for them.",
        (trained.exact_rate * trained.items as f64).round(),
        (held.exact_rate * held.items as f64).round()
    );
    view! {
        <table class="dpo-table quiz-table stack">
            <thead><tr>
                <th scope="col">"questions"</th><th scope="col">"items"</th>
                <th scope="col">"reply loss (nats/token)"</th><th scope="col">"perplexity"</th>
                <th scope="col">"first choice right"</th><th scope="col">"recalled exactly"</th>
                <th scope="col">"time"</th>
            </tr></thead>
            <tbody>
                {summary_row("fine-tuned on them", "trained", trained, scored.trained.millis)}
                {summary_row("held out", "held-out", held, scored.held_out.millis)}
            </tbody>
        </table>
        <p data-verdict="">{verdict}</p>
        <p>{exact_note}</p>
        {items.map(|s| view! {
            <details class="quiz-items">
                <summary>"Every question and its score"</summary>
                <h3>"Fine-tuned on"</h3>
                <ol>{item_rows("trained", &s.trained, &scored.trained)}</ol>
                <h3>"Held out"</h3>
                <ol>{item_rows("held-out", &s.held_out, &scored.held_out)}</ol>
            </details>
        })}
    }
}
