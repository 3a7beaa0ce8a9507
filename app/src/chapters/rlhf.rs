//! The RLHF Illusion.

mod live;

use leptos::prelude::*;

use crate::widgets::FlowStep;
use crate::widgets::walkthrough::Walkthrough;

const PIPELINE: &[FlowStep] = &[
    FlowStep { title: "1 · People rank", detail: "five pelican jokes, best to worst" },
    FlowStep { title: "2 · Reward model", detail: "learns to predict the ranking" },
    FlowStep { title: "3 · RL against it", detail: "the LLM chases a higher score" },
];

const EXPLAIN: &[&str] = &[
    "The model writes several replies to one prompt, say “write a joke about pelicans”. People \
     order them: joke 3 beats joke 1 beats joke 5 …",
    "A second network, usually a copy of the language model with a scoring head, is trained on \
     many thousands of these rankings to output a number: how much a person would like this reply.",
    "The language model is now trained with reinforcement learning (usually PPO), but the judge \
     is the reward model. The model writes, the reward model scores, the weights move toward \
     higher scores. A penalty for drifting far from the original model keeps it from running off.",
];

/// The body of the `rlhf` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "RL needs a checker. Maths has answers and code has tests, but “is this joke funny?” or "
            "“is this summary helpful?” has no formula. Reinforcement learning from human feedback "
            "(RLHF) fills the gap by training a network to imitate a human judge, then optimizing "
            "against that imitation."
        </p>
        <Walkthrough steps=PIPELINE explain=EXPLAIN per_row=3 label="The three-step RLHF pipeline"/>
        <h2>"The adversarial cliff"</h2>
        <p>
            "A reward model is not a person. It is another network, trained on a finite set of "
            "examples, with blind spots. Tell a strong optimizer to maximize its score and the "
            "optimizer will find those blind spots, including outputs no person would rate well."
        </p>
        <p>
            "It is the essay grader who is impressed by long, rare words: students soon fill essays "
            "with jargon. Pushed far enough, an optimizer can find gibberish the reward model scores "
            "higher than any real answer. This is called reward hacking (or reward "
            "over-optimization), an instance of Goodhart's law: a measure that becomes a target "
            "stops being a good measure. Gao et\u{a0}al. measured it on purpose: as best-of-n or RL "
            "pushes a learned reward up, the true quality first rises, then falls."
        </p>
        <p>
            "That is why RLHF penalizes the policy for moving far from the model it started as (a "
            "KL penalty), keeps runs short, and has people read the outputs."
        </p>
        <div class="callout">
            <strong>"Bottom line. "</strong>
            "RLHF makes models more helpful and polite in the ways people reward, but the model "
            "learns to please a simulated judge. It is a useful, fragile fine-tuning step, not a "
            "source of new intelligence, and it is why the field looked for something simpler: "
            <a href="#/dpo">"DPO"</a>"."
        </div>
        <live::LiveRlhf/>
        <p class="small muted">
            "On the defaults the Tumbler's run shows the cliff at toy scale: the reward model, "
            "trained on twelve biased pairs, learns “unusual words are good”, and best-of-n finds "
            "the chat model's replies made of invented words. We tried a fairer design first: with "
            "preferred replies that were longer and cheerful rather than in jargon, best-of-n "
            "picked longer replies whose share of English words rose, and the base model's "
            "log-probability per token moved by less than 0.3 nats, so there was no hacking to show; the biased "
            "pairs are what make the judge hackable, as in real preference data."
        </p>
    }
}
