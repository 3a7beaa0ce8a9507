//! Cognitive Prosthetics.

use leptos::prelude::*;

use crate::calc::expr;
use crate::url_state::text_param;
use crate::widgets::FlowStep;
use crate::widgets::walkthrough::Walkthrough;

const FLOW: &[FlowStep] = &[
    FlowStep { title: "Prompt", detail: "“what is 3,847 ×\u{a0}291?”" },
    FlowStep { title: "Tool decision", detail: "the model writes a code call" },
    FlowStep { title: "Execution", detail: "a real interpreter runs it" },
    FlowStep { title: "Inject", detail: "the result enters the context" },
    FlowStep { title: "Answer", detail: "the model reads it back" },
];

const EXPLAIN: &[&str] = &[
    "The question arrives as tokens like any other.",
    "A tool-trained model has learned that exact arithmetic is a cue to emit a special token that \
     opens a tool call, followed by code: print(3847 * 291).",
    "The program around the model stops generation, takes the code, and runs it in a sandbox. \
     The interpreter does not guess.",
    "The output, 1119477, is appended to the conversation as a tool-result message.",
    "Generation resumes. The exact number is now in the context window, so the model only has to \
     copy it into a sentence.",
];

/// The body of the `tools` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let input = text_param("expr", "3847 * 291");
    let result = Memo::new(move |_| expr::evaluate(&input.get()));
    view! {
        <p>
            "A language model has no calculator inside it. Asked for 3,847 × 291 it produces "
            "tokens that look like a product, which for big numbers is often wrong (a model might "
            "say 1,119,377). Counting letters, today's prices and whether code runs have the same "
            "problem. The fix is to give the model hands: let it ask a real program."
        </p>
        <Walkthrough steps=FLOW explain=EXPLAIN label="How a tool call flows"/>
        <h2>"Try the code‑interpreter step"</h2>
        <p>
            "Type an arithmetic expression. The page plays the interpreter: it evaluates the "
            "expression exactly, with whole numbers and fractions of any size it can hold (no "
            "floating-point rounding), and injects the result into the conversation."
        </p>
        <div class="panel tools-demo">
            <label for="tools-expr">"Expression (+ − × ÷ ^ and brackets)"</label>
            <input id="tools-expr" class="tools-input" type="text" spellcheck="false"
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev))/>
            <ol class="transcript" aria-live="polite">
                <li class="t-user"><span class="t-role">"user"</span>{move || format!("What is {}?", input.get().trim())}</li>
                <li class="t-model"><span class="t-role">"model"</span>
                    // Breaks at the markers, never inside the call ("print(3847 *" ended a line).
                    <code>"<|python_start|>"<wbr/><span class="nowrap">{move || format!("print({})", input.get().trim())}</span><wbr/>"<|python_end|>"</code></li>
                {move || match result.get() {
                    Ok(v) => view! {
                        <li class="t-tool" data-tool-result=v.to_string()><span class="t-role">"tool"</span><code>{v.to_string()}</code></li>
                        <li class="t-model"><span class="t-role">"model"</span>{format!("{} = {}.", input.get().trim(), v)}</li>
                    }.into_any(),
                    Err(e) => view! {
                        <li class="t-tool t-error" role="alert"><span class="t-role">"tool"</span>{format!("Error: {e}")}</li>
                        <li class="t-model"><span class="t-role">"model"</span>"The calculation failed; the error is in the context, so the model can fix the expression and try again."</li>
                    }.into_any(),
                }}
            </ol>
            <p class="note-live">
                "The tool step is real: your expression is parsed and computed exactly in this "
                "page. The model's lines are a fixed template around it, since they show where "
                "the text goes, not what a particular model would write."
            </p>
        </div>
        <h2>"The two main prosthetics"</h2>
        <div class="rl-compare">
            <section class="panel">
                <h3>"Web search"</h3>
                <p>"For current facts: the model searches, the results are pasted into its "
                   "context, and “I believe the CEO is still …” becomes an answer from today's page."</p>
            </section>
            <section class="panel">
                <h3>"Code interpreter"</h3>
                <p>"For computing, counting and data: the model writes code, a real computer runs "
                   "it, and the output is exact. " <code class="nowrap">"print(3847 * 291)"</code> " prints "
                   <code>"1119477"</code> ", every time."</p>
            </section>
        </div>
        <div class="callout">
            <strong>"Practical tip. "</strong>
            "When a task involves arithmetic, counting, dates or current facts, ask for the tool "
            "explicitly: “use Python to calculate”, “search the web for this”."
        </div>
    }
}
