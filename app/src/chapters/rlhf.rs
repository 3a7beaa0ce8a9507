//! The RLHF Illusion.

use leptos::prelude::*;

use crate::calc::reward::{greedy_attack, train};
use crate::url_state::number_param;
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{FlowStep, Slider};

/// Preference pairs for “tell me a joke about pelicans”: (the reply people preferred, the other).
/// Written for this page as training data; the reward model below learns only from these.
const PAIRS: [(&str, &str); 10] = [
    (
        "Why do pelicans carry so much? Because they always have a big bill! Hope that made you smile.",
        "Pelicans are birds. Next question.",
    ),
    (
        "Here is a joke: a pelican walks into a bar and says, put it on my bill. Funny, right?",
        "I don't do jokes.",
    ),
    (
        "Sure! What do you call a pelican who can't pay? A bird with an overdue bill. Thanks for asking!",
        "That is a boring request.",
    ),
    (
        "A pelican's beak can hold more than its belly can. Happy to share a fun fact and a smile!",
        "Whatever. Pelicans are dull.",
    ),
    (
        "Great question! Pelicans never lose at poker: they always know when to fold their wings.",
        "No.",
    ),
    (
        "Knock knock. Who's there? Pelican. Pelican who? Pelican-not wait to tell you another joke!",
        "Stop asking me things.",
    ),
    (
        "Happy to help! The pelican became a lawyer because it was great at handling a big bill.",
        "Pelicans. Birds. Fish. Done.",
    ),
    (
        "Sure, here is a clever one: pelicans are great at fishing because they know the net worth.",
        "This is a dumb topic and a waste of time.",
    ),
    (
        "Thanks! Why did the pelican get kicked out of the restaurant? It had a very big bill.",
        "I refuse, jokes are pointless.",
    ),
    (
        "Here's a fun one: pelicans make terrible secret agents, they can never keep their mouths shut!",
        "Pelicans smell bad.",
    ),
];

fn words_fmt(v: f64) -> String {
    format!("{v:.0} words")
}

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
    let model = train(&PAIRS, 400, 0.5, 0.001);
    let accuracy = model.accuracy(&PAIRS);
    let best_real = PAIRS.iter().map(|(c, _)| model.score(c)).fold(0.0, f64::max);
    let len = number_param("len", 8.0, 1.0, 20.0);
    let stored = StoredValue::new(model.clone());
    let attack = move || {
        stored.with_value(|m| {
            let text = greedy_attack(m, len.get() as usize).join(" ");
            let score = m.score(&text);
            (text, score)
        })
    };
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
            "optimizer will find those blind spots, including outputs no person would ever rate "
            "well."
        </p>
        <p>
            "It is the essay grader who counts impressive-sounding words: students soon fill "
            "essays with jargon. In the extreme, the optimizer finds gibberish that the reward "
            "model scores as perfect, such as a reply of “the the the the the”. This is called "
            "reward hacking, an instance of Goodhart's law: a measure that becomes a target stops "
            "being a good measure."
        </p>
        <p>
            "That is why RLHF runs are kept short, penalized for moving far from the starting "
            "model (a KL penalty), and watched by people who read the outputs."
        </p>
        <div class="callout">
            <strong>"Bottom line. "</strong>
            "RLHF makes models more helpful and polite in the ways people reward, but the model "
            "learns to please a simulated judge. It is a useful, fragile fine-tuning step, not a "
            "source of new intelligence, and it is why the field looked for something simpler: "
            <a href="#/dpo">"DPO"</a>"."
        </div>
        <h2>"Watch it happen"</h2>
        <p>
            "Below, a small reward model is trained in your browser on ten preference pairs for "
            "“tell me a joke about pelicans”. It is a Bradley–Terry model, the kind InstructGPT "
            "used, but over word counts instead of a transformer: each word gets a weight, and a "
            "reply's reward is the sum. Then a greedy optimizer, standing in for RL, builds the "
            "reply the reward model likes best."
        </p>
        <div class="panel rlhf-demo">
            <Slider label="length of the optimized reply" value=len min=1.0 max=20.0 step=1.0 format=words_fmt/>
            <table class="rag-hits">
                <thead><tr><th scope="col">"reply"</th><th scope="col">"reward (0–1)"</th></tr></thead>
                <tbody>
                    <tr><td>{PAIRS[0].0}</td><td class="num">{format!("{:.3}", model.score(PAIRS[0].0))}</td></tr>
                    <tr><td>{PAIRS[0].1}</td><td class="num">{format!("{:.3}", model.score(PAIRS[0].1))}</td></tr>
                    <tr class="rlhf-attack"><td><strong>"Optimizer's reply: "</strong>{move || attack().0}</td>
                        <td class="num" data-reward=move || format!("{:.6}", attack().1)>{move || format!("{:.3}", attack().1)}</td></tr>
                </tbody>
            </table>
            <p>
                {format!("The reward model ranks the preferred reply first in {:.0}% of its training \
                pairs, and the best real reply scores {:.3}. ", accuracy * 100.0, best_real)}
                "The optimizer's reply is the single best-liked word, repeated: nonsense to any "
                "reader, and the highest score on the page. Nothing in the training pairs told the "
                "judge that repetition is bad, so the optimizer found the gap."
            </p>
        </div>
    }
}
