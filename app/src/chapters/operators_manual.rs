//! The Operator's Manual.

use leptos::prelude::*;

struct Rule {
    title: &'static str,
    because: &'static str,
    text: &'static str,
    bad: &'static str,
    good: &'static str,
    chapter: (&'static str, &'static str),
}

const RULES: [Rule; 3] = [
    Rule {
        title: "Rule 1 · Feed\u{a0}it, don't quiz\u{a0}it",
        because: "The weights are a blurry, lossy compression of the training text.",
        text: "Put the documents, data or code in the prompt and ask about them. Treat the model \
               as a sharp analyst who has not read the brief yet: hand over the brief.",
        bad: "What did the Q3 report say about revenue?",
        good: "Here is the Q3 report: […]. What does it say about revenue?",
        chapter: ("#/memory", "Vague recollection vs working memory"),
    },
    Rule {
        title: "Rule 2 · Make it show its work",
        because: "Each output token gets a fixed amount of computation.",
        text: "A one-word answer means one forward pass of thought. Ask for the reasoning first \
               and the verdict last, so the verdict is computed from many tokens of work.",
        bad: "Is this contract risky? Answer yes or no.",
        good: "Go through the contract clause by clause, explain the risk in each, then give an \
               overall assessment.",
        chapter: ("#/compute-per-token", "The token-compute limit"),
    },
    Rule {
        title: "Rule 3 · Tell\u{a0}it to use\u{a0}tools",
        because: "Tokens hide spelling; the architecture has no calculator.",
        text: "Counting letters, arithmetic, dates and today's facts need exact tools. Say so \
               when precision matters, and check that the tool was actually used.",
        bad: "How many r's are in “strawberry”?",
        good: "Use Python to count the r's in “strawberry”.",
        chapter: ("#/tools", "Cognitive prosthetics"),
    },
];

/// The body of the `operators-manual` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "These three rules are not tips and tricks. Each follows from a mechanism earlier "
            "chapters showed, which is why they keep working as models change."
        </p>
        {RULES.iter().map(|r| view! {
            <section class="panel rule">
                <h2>{r.title}</h2>
                <p class="rule-because"><em>{r.because}</em></p>
                <p>{r.text}</p>
                <div class="rule-pair">
                    <p class="rule-bad"><span aria-hidden="true">"✗ "</span><span class="sr-only">"Weak prompt: "</span>{r.bad}</p>
                    <p class="rule-good"><span aria-hidden="true">"✓ "</span><span class="sr-only">"Better prompt: "</span>{r.good}</p>
                </div>
                <p class="rule-link">"Why: "<a href=r.chapter.0>{r.chapter.1}</a></p>
            </section>
        }).collect_view()}
        <div class="callout">
            <strong>"In one line. "</strong>
            "Give it the facts, give it room to think, give it tools for exact work."
        </div>
    }
}
