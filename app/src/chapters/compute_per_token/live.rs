//! The compute-per-token chapter's live part: the Tumbler (the base model) scores the final
//! answer of 17 × 24 − 156 ÷ 3 straight after the question and after the worked steps, and the
//! page counts what each way costs in tokens and FLOPs from the loaded model's shape
//! (`tumbler_model::worked`; natively `tumbler answer-loss` and `tumbler next` on the same texts).

use leptos::prelude::*;
use tumbler_engine::{AnswerLosses, NextLogits};
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::worked::{Comparison, Problem, Way, compare};

use crate::engine::{self, EngineReady, Query, Shown};
use crate::widgets::plot::compact;
use crate::widgets::token_chips::group;

/// What one press of the button brings back.
#[derive(Clone, Debug, PartialEq)]
struct Scored {
    comparison: Comparison,
    /// The answer's token strings.
    answer_tokens: Vec<String>,
    /// The model's own most likely next token after each context, with its probability.
    top: [(String, f32); 2],
}

async fn score(problem: Problem, config: Option<TumblerConfig>) -> Result<Scored, String> {
    let config = config.ok_or("the Tumbler is not loaded yet")?;
    let contexts = problem.contexts();
    let scored = engine::ask::<AnswerLosses>(Query::AnswerLoss {
        contexts: contexts.to_vec(),
        answer: problem.answer(),
    })
    .await?;
    let mut top = Vec::new();
    for text in contexts {
        let next = engine::ask::<NextLogits>(Query::Next { text }).await?;
        let best = next.top.first().ok_or("the model named no next token")?;
        top.push((best.text.clone(), best.p));
    }
    let [bare, worked]: [(String, f32); 2] = top.try_into().map_err(|_| "two contexts")?;
    Ok(Scored {
        comparison: compare(&config, &scored)?,
        answer_tokens: scored.tokens,
        top: [bare, worked],
    })
}

/// A probability for people: a percentage, to two significant digits when small (0.0045%), and
/// in words below one in a billion.
fn chance(p: f64) -> String {
    if p >= 0.001 {
        format!("{:.1}%", p * 100.0)
    } else if p >= 1e-9 {
        let decimals = (1 - (p * 100.0).log10().floor() as i32).max(1) as usize;
        format!("{:.decimals$}%", p * 100.0)
    } else {
        "under one in a billion".to_string()
    }
}

/// The token as the reader should see it: quoted, spaces shown.
fn shown(token: &str) -> String {
    format!("“{}”", token.replace(' ', "␣").replace('\n', "↵"))
}

/// The text as shown: a space between two parts of a sum (digits and × − ÷ + =) cannot break, so a
/// phone's line ends between sums, never inside "156 ÷ 3".
fn unbroken_sums(text: &str) -> String {
    let maths = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || "×−÷+=".contains(c));
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let between = i > 0 && maths(Some(chars[i - 1])) && maths(chars.get(i + 1).copied());
            if c == ' ' && between { '\u{a0}' } else { c }
        })
        .collect()
}

/// The live panel.
#[component]
pub fn AskedBothWays() -> impl IntoView {
    let problem = Problem::GUIDE;
    let [question, worked] = problem.contexts();
    let (question_attr, worked_attr) = (question.clone(), worked.clone());
    let result = RwSignal::new(None::<Result<Scored, String>>);
    let running = RwSignal::new(false);
    let state = engine::state();
    let score_now = move || {
        running.set(true);
        result.set(None);
        // The loaded model's shape, read here: the task below runs outside the component.
        let config = state.with_untracked(|s| s.config().cloned());
        leptos::task::spawn_local(async move {
            let scored = score(problem, config).await;
            result.try_set(Some(scored));
            running.try_set(false);
        });
    };
    let run = move |_| score_now();
    engine::when_ready(score_now);
    let attr = move |f: fn(&Scored) -> String| {
        move || result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map(f))
    };
    // `p_label` heads the answer's probability column (each cell's label on a phone).
    let row = |name: &'static str,
               class: &'static str,
               way: &Way,
               top: &(String, f32),
               p_label: &str| {
        view! {
            <tr class=class>
                <th scope="row">{name}</th>
                <td data-label="tokens written (forward passes)">{way.written_tokens}</td>
                <td data-label="FLOPs to write them">{group(way.flops as usize)}</td>
                <td data-label=p_label.to_string()>{chance(way.answer_p())}</td>
                <td data-label="its own top next token">{format!("{} ({})", shown(&top.0), chance(f64::from(top.1)))}</td>
            </tr>
        }
    };
    let table = move || {
        result.get().map(|r| match r {
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Ok(s) => {
                let c = &s.comparison;
                let ratio = c.step_by_step.flops as f64 / c.at_once.flops as f64;
                let params = engine::loaded_params().unwrap_or_default();
                let (p_once, p_steps) = (c.at_once.answer_p(), c.step_by_step.answer_p());
                // Judged by the answer's probability, not the top token: the Tumbler's digits
                // are single tokens after a separate space, so a space on top says nothing.
                let judged = if p_once.max(p_steps) < 0.01 {
                    format!(
                        "The {params}-parameter Tumbler gives the right answer a chance of {} straight after the question and {} after the steps: it does not do this sum, in one pass or reading the steps back. The count of passes is the point here, not its answer.",
                        chance(p_once),
                        chance(p_steps)
                    )
                } else {
                    format!(
                        "The {params}-parameter Tumbler gives the right answer a chance of {} straight after the question and {} after the steps.",
                        chance(p_once),
                        chance(p_steps)
                    )
                };
                let verdict = judged;
                let p_label = format!("p(“{}”)", problem.answer().trim());
                view! {
                    <div class="cpt-table-wrap">
                        <table class="numbers cpt-ways stack">
                            <caption>{format!(
                                "The final answer{} is {} token{} of the Tumbler's vocabulary: {}. Reading the question ({} tokens) costs {}\u{a0}FLOPs either way.",
                                problem.answer(),
                                c.at_once.answer_tokens,
                                if c.at_once.answer_tokens == 1 { "" } else { "s" },
                                s.answer_tokens.iter().map(|t| shown(t)).collect::<Vec<_>>().join(" "),
                                c.question_tokens,
                                compact(c.question_flops as f64),
                            )}</caption>
                            <thead>
                                <tr>
                                    <th></th>
                                    <th scope="col">"tokens written (forward passes)"</th>
                                    <th scope="col">"FLOPs to write them"</th>
                                    <th scope="col">{p_label.clone()}</th>
                                    <th scope="col">"its own top next token"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {row("answer at once", "cpt-at-once", &c.at_once, &s.top[0], &p_label)}
                                {row("steps written first", "cpt-steps", &c.step_by_step, &s.top[1], &p_label)}
                            </tbody>
                        </table>
                    </div>
                    <p class="result">{format!(
                        "Writing the steps costs {ratio:.1}× the forward passes' arithmetic of answering at once. {verdict}"
                    )}</p>
                }
                .into_any()
            }
        })
    };
    view! {
        <div
            class="panel live-compute"
            data-live="compute-per-token"
            data-question=question_attr
            data-worked=worked_attr
            data-answer=problem.answer()
            data-state=move || if running.get() { "running" } else if result.with(|r| r.is_some()) { "done" } else { "idle" }
            data-question-tokens=attr(|s| s.comparison.question_tokens.to_string())
            data-at-once-tokens=attr(|s| s.comparison.at_once.written_tokens.to_string())
            data-steps-tokens=attr(|s| s.comparison.step_by_step.written_tokens.to_string())
            data-at-once-flops=attr(|s| s.comparison.at_once.flops.to_string())
            data-steps-flops=attr(|s| s.comparison.step_by_step.flops.to_string())
            data-at-once-logprob=attr(|s| s.comparison.at_once.answer_logprob.to_string())
            data-steps-logprob=attr(|s| s.comparison.step_by_step.answer_logprob.to_string())
            data-at-once-top=attr(|s| s.top[0].0.clone())
            data-steps-top=attr(|s| s.top[1].0.clone())
        >
            <h2>"The Tumbler, asked both ways"</h2>
            <p>
                "Our base model is scored on the same final answer in two contexts: straight after \
                 the question, and after the steps written out. Each token it would write costs one \
                 forward pass, counted in FLOPs from its real shape."
            </p>
            <pre class="mono cpt-text">{unbroken_sums(&question)}</pre>
            <pre class="mono cpt-text">{unbroken_sums(&worked)}</pre>
            <EngineReady
                loading="The Tumbler is loading; it can score the answer when it is ready."
                shown=move || result.with(Shown::of)
            >
                <button type="button" class="generate cpt-run" on:click=run disabled=move || running.get()>
                    {move || if running.get() { "Scoring…" } else { "Score the answer both ways" }}
                </button>
            </EngineReady>
            {table}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_is_never_broken_and_small_chances_are_percentages() {
        assert_eq!(
            unbroken_sums("What is 17 × 24 − 156 ÷ 3? 156 ÷ 3 = 52. 408"),
            "What is 17\u{a0}×\u{a0}24\u{a0}−\u{a0}156\u{a0}÷\u{a0}3? 156\u{a0}÷\u{a0}3\u{a0}=\u{a0}52. 408"
        );
        assert_eq!(chance(0.25), "25.0%");
        assert_eq!(chance(4.5e-5), "0.0045%");
        assert_eq!(chance(1e-12), "under one in a billion");
    }
}
