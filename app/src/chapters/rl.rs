//! Reinforcement Learning.

mod live;

use leptos::prelude::*;

use crate::calc::fib_programs::{self, TESTS};
use crate::widgets::FlowStep;
use crate::widgets::walkthrough::Walkthrough;

const LOOP: &[FlowStep] = &[
    FlowStep { title: "1 · Pick a problem", detail: "with a checkable answer" },
    FlowStep { title: "2 · Generate many", detail: "hundreds of attempts" },
    FlowStep { title: "3 · Grade each", detail: "run the checker" },
    FlowStep { title: "4 · Reward", detail: "+1 for pass, 0 for fail" },
    FlowStep { title: "5 · Update weights", detail: "passing paths likelier" },
];

const EXPLAIN: &[&str] = &[
    "A problem whose answer a program can check: solve x²\u{a0}−\u{a0}5x\u{a0}+\u{a0}6\u{a0}=\u{a0}0 (answer {2, 3}), or \
     write fib(n) that passes the tests.",
    "The model samples many complete attempts at a non-zero temperature, so they differ.",
    "An automatic checker grades each: compare the answer, or run the code against tests.",
    "Attempts that pass get a reward; the others get none. Only the outcome is scored, not how \
     the model got there.",
    "A gradient step raises the probability of every token in the rewarded attempts and lowers \
     it for the failures. Then the loop repeats with new problems, millions of times.",
];

/// The body of the `rl` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let graded: Vec<_> = fib_programs::candidates()
        .into_iter()
        .map(|c| {
            let (runs, reward) = fib_programs::grade(&c);
            let (_, calls20) = fib_programs::run(&c, 20);
            (c, runs, reward, calls20)
        })
        .collect();
    view! {
        <p>
            "After fine-tuning, a model can imitate experts, and imitation has a ceiling: the best "
            "examples in the data. Reinforcement learning removes it. The model tries, a checker "
            "grades, and what worked is made more likely, whether or not a person ever wrote it."
        </p>
        <div class="rl-compare">
            <section class="panel">
                <h2>"SFT: learning by imitation"</h2>
                <p>"A person writes “Q: What is 25 × 4? A: 100”; the model learns to copy the pattern."</p>
                <p><strong>"Ceiling: "</strong>"the best human example in the data."</p>
            </section>
            <section class="panel">
                <h2>"RL: learning by doing"</h2>
                <p>"The model tries many solutions to “solve x²\u{a0}−\u{a0}5x\u{a0}+\u{a0}6\u{a0}=\u{a0}0”; reward if the answer is {2, 3}."</p>
                <p><strong>"Ceiling: "</strong>"none in principle; it can find what no one showed it."</p>
            </section>
        </div>
        <h2>"The loop"</h2>
        <Walkthrough steps=LOOP explain=EXPLAIN looped=true label="The reinforcement learning loop"/>
        <live::LiveRl/>
        <h2>"Grading real attempts"</h2>
        <p>
            "The task: “write a Python function that returns the n-th Fibonacci number”. Below are "
            "five attempts a model might sample. They are not pictures of code: this page runs "
            "each one, in a small interpreter with Python's recursion limit of 1,000, against the "
            "grader's tests, and scores it as an RL run would: reward 1 only if every test passes."
        </p>
        <div class="rl-attempts">
            {graded.into_iter().map(|(c, runs, reward, calls20)| {
                let src = fib_programs::to_python(&c);
                let class = if reward == 1 { "panel rl-attempt pass" } else { "panel rl-attempt fail" };
                view! {
                    <article class=class data-reward=reward.to_string()>
                        <h3>{c.label}<span class="sr-only">": "</span><span class="rl-note">{c.note}</span></h3>
                        <pre class="rl-src"><code>{src}</code></pre>
                        <ul class="rl-tests">
                            {runs.into_iter().map(|t| {
                                let ok = t.passed();
                                let got = match &t.got { Ok(v) => crate::calc::expr::group_thousands(i128::from(*v)), Err(e) => e.to_string() };
                                view! {
                                    <li class:ok=ok class:bad={!ok}>
                                        <span aria-hidden="true">{if ok { "✓ " } else { "✗ " }}</span>
                                        {format!("fib({}) → {}", t.input, got)}
                                        {(!ok).then(|| format!(" (expected {})", crate::calc::expr::group_thousands(i128::from(t.expected))))}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="rl-reward">
                            <strong>{format!("Reward: {reward}")}</strong>
                            {if reward == 1 { " — these tokens are made more likely" } else { " — these tokens are made less likely" }}
                        </p>
                        {(reward == 1).then(|| view! {
                            <p class="rl-work">{format!("Work for fib(20): {} call{} of fib.", crate::calc::expr::group_thousands(i128::from(calls20)), if calls20 == 1 { "" } else { "s" })}</p>
                        })}
                    </article>
                }
            }).collect_view()}
        </div>
        <p>
            {format!("The tests: {}. ", TESTS.iter().map(|(n, f)| format!("fib({n})\u{a0}=\u{a0}{f}")).collect::<Vec<_>>().join(", "))}
            "Both correct versions earn the same reward from these tests; the iterative one does "
            "far less work. Add a time limit to the grader and the faster strategy is rewarded "
            "more often, which is how RL can discover efficiency that nobody asked for explicitly."
        </p>
        <p class="seed-note">
            "Attempt 1 has a base case (" <code class="nowrap">"if n <= 1: return 1"</code> "), so it really is \
             factorial and really returns 720 for fib(6); without one, "
            <code class="nowrap">"return n * fib(n-1)"</code> " would recurse forever."
        </p>
        <h2>"Why “verifiable” is the key word"</h2>
        <div class="rl-compare">
            <section class="panel">
                <h3>"Verifiable"</h3>
                <p>"Maths, code, logic puzzles, games such as chess and Go. A program can say right or wrong."</p>
            </section>
            <section class="panel">
                <h3>"Not verifiable"</h3>
                <p>"Poetry, humour, summaries, advice. No program can grade them, which is where "
                   <a href="#/rlhf">"RLHF"</a>" comes in, with its own problems."</p>
            </section>
        </div>
        <div class="callout">
            <strong>"The mechanism. "</strong>
            "By generating many attempts and reinforcing only the ones that work, the model finds "
            "out for itself which strategies succeed, including ones no person taught it."
        </div>
    }
}
