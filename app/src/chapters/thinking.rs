//! The Emergence of Thinking Models.

use leptos::prelude::*;

/// The body of the `thinking` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let show_trace = RwSignal::new(true);
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
            "solutions (its “cold start”) to make the traces readable, then the same RL (DeepSeek-AI, "
            "2025)."
        </p>
        <div class="panel">
            <p><strong>"Question: "</strong>"How many dots are in the two rings of the picture?"</p>
            <div class="think-compare">
                <div class="think-fast">
                    <h3>"Fast model"</h3>
                    <p class="think-answer">"“The answer is 177 dots.”"</p>
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
                        <pre class="think-trace">"<think>\nFirst, the outer ring: 1, 2, 3 … that's 30.\nNow the inner ring: 1, 2, 3 … 28.\nWait, let me recheck the inner ring … 28.\nSo outer 30, inner 28: 30 + 28 = 58.\n</think>"</pre>
                    </Show>
                    <p class="think-answer">"“There are 58 dots.”"</p>
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
