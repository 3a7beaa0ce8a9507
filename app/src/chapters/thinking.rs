//! The Emergence of Thinking Models.

use leptos::prelude::*;

use crate::url_state::number_param;
use crate::widgets::Slider;

/// The centres of `n` dots evenly round a circle of radius `r` about (`cx`, `cy`), the first at
/// the top.
fn ring(n: usize, r: f64, cx: f64, cy: f64) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// The picture the question asks about: two rings of dots, drawn from the reader's counts.
#[component]
fn Rings(outer: RwSignal<f64>, inner: RwSignal<f64>) -> impl IntoView {
    let dots = move || {
        let (o, i) = (outer.get() as usize, inner.get() as usize);
        ring(o, 88.0, 100.0, 100.0)
            .into_iter()
            .map(|p| (p, "outer"))
            .chain(ring(i, 58.0, 100.0, 100.0).into_iter().map(|p| (p, "inner")))
            .map(|((x, y), which)| {
                view! { <circle class=format!("think-dot think-{which}") cx=format!("{x:.1}") cy=format!("{y:.1}") r="4"/> }
            })
            .collect_view()
    };
    view! {
        <svg class="think-rings" viewBox="0 0 200 200" role="img"
            data-outer=move || outer.get() data-inner=move || inner.get()
            aria-label=move || format!("Two rings of dots: {} in the outer ring, {} in the inner", outer.get(), inner.get())>
            {dots}
        </svg>
    }
}

fn count_fmt(v: f64) -> String {
    format!("{v:.0}")
}

/// The body of the `thinking` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let show_trace = RwSignal::new(true);
    let outer = number_param("outer", 30.0, 3.0, 60.0);
    let inner = number_param("inner", 28.0, 3.0, 40.0);
    let total = move || outer.get() as usize + inner.get() as usize;
    view! {
        <p>
            "A standard chat model answers at once: the first plausible reply, one token after "
            "another, with no room set aside for working. Models trained heavily with "
            "reinforcement learning on checkable problems, such as DeepSeek-R1 and OpenAI's o1, "
            "behave differently. Before answering they write a long reasoning trace."
        </p>
        <p>
            "For DeepSeek-R1-Zero nobody wrote reasoning traces into training targets at all: RL "
            "started from the base model, and the reward only looked at the final answer (and the "
            "format). Longer, more careful traces simply led to more correct answers, so RL made "
            "them more likely. DeepSeek-R1 itself first had a small fine-tuning set of long worked "
            "solutions (its “cold start”) to make the traces readable, then the same RL (DeepSeek\u{2011}AI, "
            "2025)."
        </p>
        <div class="panel">
            <p><strong>"Question: "</strong>"How many dots are in the two rings of the picture?"</p>
            <div class="think-picture">
                <Rings outer inner/>
                <div>
                    <Slider label="outer ring" value=outer min=3.0 max=60.0 step=1.0 format=count_fmt/>
                    <Slider label="inner ring" value=inner min=3.0 max=40.0 step=1.0 format=count_fmt/>
                    <p class="result" data-dots=total>
                        {move || format!("Drawn by this page: {}\u{a0}+\u{a0}{}\u{a0}=\u{a0}{}\u{a0}dots.", outer.get(), inner.get(), total())}
                    </p>
                </div>
            </div>
            <p class="small">
                "The two answers below are illustrations written for this page, not the output of a \
                 model; the thinking trace follows the picture's real counts."
            </p>
            <div class="think-compare">
                <div class="think-fast">
                    <h3>"Fast model"</h3>
                    // An illustration of a confident near miss (a fast guess off by a few), not a model's output.
                    <p class="think-answer">{move || format!("“The answer is {} dots.”", total() + 4)}</p>
                    <p>"Jumps from question to answer. Sounds sure; on hard problems it is often wrong."</p>
                </div>
                <div class="think-slow">
                    <h3>"Thinking model"</h3>
                    <label class="think-toggle">
                        <input type="checkbox" prop:checked=move || show_trace.get()
                            on:change=move |ev| show_trace.set(event_target_checked(&ev))/>
                        " Show the thinking trace"
                    </label>
                    <Show when=move || show_trace.get()>
                        <pre class="think-trace">{move || {
                            let (o, i) = (outer.get(), inner.get());
                            // No-break spaces keep a count with the words before it: a narrow
                            // column left "30." alone on a line.
                            format!(
                                "<think>\nFirst, the outer ring: 1,\u{a0}2,\u{a0}3\u{a0}… that's\u{a0}{o}.\nNow the inner ring: 1,\u{a0}2,\u{a0}3\u{a0}…\u{a0}{i}.\nWait, let me recheck the inner ring\u{a0}…\u{a0}{i}.\nSo outer {o}, inner {i}: {o}\u{a0}+\u{a0}{i}\u{a0}=\u{a0}{}.\n</think>",
                                total()
                            )
                        }}</pre>
                    </Show>
                    <p class="think-answer" data-answer=total>{move || format!("“There are {} dots.”", total())}</p>
                    <p>"Works piece by piece, re-checks, then answers. Slower, far more reliable."</p>
                </div>
            </div>
        </div>
        <h2>"What emerged"</h2>
        <ul>
            <li><strong>"Backtracking"</strong>": “wait, let me recheck …” followed by a correction."</li>
            <li><strong>"Self-verification"</strong>": re-deriving a result a second way before committing."</li>
            <li><strong>"Decomposition"</strong>": splitting a problem into sub-steps, each small enough for a few tokens."</li>
        </ul>
        <p>
            "These are human problem-solving habits, and they appear because they pay. Each "
            "reasoning token is one more forward pass through the whole network (see "
            <a href="#/compute-per-token">"the token-compute limit"</a>"), so a longer trace buys "
            "more computation for the same question."
        </p>
        <div class="callout">
            <strong>"Key insight. "</strong>
            "Optimizing for correct outcomes rediscovered careful reasoning. More thinking tokens "
            "mean more compute at answer time, which opened a second axis for scaling: spend at "
            "inference, not only in training."
        </div>
        <p>
            "The trace is text the model produced, not a window onto its internals. It usually "
            "helps, but it can also contain steps that look right and are not; "
            <a href="#/chain-of-thought">"the next chapter"</a>" shows one."
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_place_their_dots_on_the_circle() {
        let dots = ring(30, 88.0, 100.0, 100.0);
        assert_eq!(dots.len(), 30);
        assert!(dots.iter().all(|(x, y)| ((x - 100.0).hypot(y - 100.0) - 88.0).abs() < 1e-9));
        assert!(
            (dots[0].0 - 100.0).abs() < 1e-9 && (dots[0].1 - 12.0).abs() < 1e-9,
            "first at the top"
        );
    }
}
