//! Benchmarks & Evaluation, with contamination measured on the Tumbler.

mod live;

use leptos::prelude::*;

const BENCHMARKS: [(&str, &str); 6] = [
    (
        "MMLU",
        "Multiple-choice questions in 57 subjects, up to college level: the “general knowledge” headline number.",
    ),
    (
        "HumanEval / MBPP",
        "Write a Python function from its docstring; graded by unit tests. Near saturation by mid-2024.",
    ),
    ("GSM8K / MATH", "Grade-school word problems and competition mathematics."),
    (
        "HellaSwag, ARC, TruthfulQA",
        "Commonsense completion, science reasoning, and resistance to popular misconceptions.",
    ),
    (
        "SWE-bench",
        "Real GitHub issues; the model must produce a patch that makes the project's tests pass.",
    ),
    (
        "Chatbot Arena",
        "People compare two anonymous answers to their own prompt and pick the better; the votes become an Elo-style rating.",
    ),
];

const PITFALLS: [(&str, &str); 5] = [
    (
        "Contamination",
        "Test questions leak into web-scale training data, so a score can measure memory rather than skill.",
    ),
    (
        "Format overfitting",
        "Training on lots of MMLU-style multiple choice raises MMLU without raising ability elsewhere.",
    ),
    (
        "Saturation",
        "When top models cluster within a few points near the ceiling, the differences are mostly noise.",
    ),
    (
        "Off-distribution failure",
        "A model that aces exam-style questions can stumble on oddly phrased real requests.",
    ),
    (
        "Selective reporting",
        "Announcements show the benchmarks a model wins and leave out the rest.",
    ),
];

/// The body of the `benchmarks` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "“Beats model X on MMLU” sounds precise, but a benchmark is a fixed set of questions "
            "with a scoring rule. It measures exactly those questions under that rule, and labs "
            "know which ones the press will quote."
        </p>
        <h2>"The usual suspects"</h2>
        <dl class="panel bench-list">
            {BENCHMARKS.iter().map(|(n, d)| view! { <dt>{*n}</dt><dd>{*d}</dd> }).collect_view()}
        </dl>
        <h2>"Why the leaderboard misleads"</h2>
        <ul class="bench-pitfalls">
            {PITFALLS.iter().map(|(n, d)| view! { <li><strong>{*n}": "</strong>{*d}</li> }).collect_view()}
        </ul>
        <live::LiveContamination/>
        <h2>"What to trust instead"</h2>
        <ul>
            <li><strong>"Blind human comparisons"</strong>" (Chatbot Arena): real prompts, anonymous models, hard to game, though it rewards style as well as substance."</li>
            <li><strong>"Your own evaluation set"</strong>": 50 to 100 prompts from your actual work, with answers you can check. The only benchmark about your use."</li>
            <li><strong>"Agentic, end-to-end tasks"</strong>" such as SWE-bench Verified, which saturate slowly."</li>
            <li><strong>"Long-context tests"</strong>" (needle in a haystack, RULER) that check whether an advertised context length is really usable."</li>
        </ul>
        <div class="callout">
            <strong>"Bottom line. "</strong>
            "Public benchmarks tell you which model a lab wants you to think is best; a private "
            "evaluation on your own workload tells you which one is. They correlate, but they "
            "are not the same thing."
        </div>
        <p>
            "This guide's own model is measured the honest way: its "
            <a href="#/loss">"loss"</a>" on text held out from training is reported in nats per token, as \
             above, and in bits per byte (which does not depend on the tokenizer) in "
            <a href="#/training">"the training chapter's record"</a>"."
        </p>
    }
}
