//! DPO vs PPO, with the loss computed on the Tumbler's own chat and base models ([`live`]).

mod live;

use leptos::prelude::*;

use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{FlowStep, Math};

const PPO: &[FlowStep] = &[
    FlowStep { title: "Preference pairs", detail: "chosen vs rejected" },
    FlowStep { title: "Reward model", detail: "a whole extra network" },
    FlowStep { title: "Value network", detail: "PPO's critic" },
    FlowStep { title: "RL loop", detail: "sample, score, update" },
    FlowStep { title: "Aligned model", detail: "if it stayed stable" },
];

const PPO_EXPLAIN: &[&str] = &[
    "People (or an AI judge) mark which of two answers to a prompt is better.",
    "A reward model is trained on those pairs to score any answer.",
    "PPO also trains a value network to predict future reward, so there are four models in \
     memory: policy, reference, reward and value.",
    "The policy samples answers, the reward model scores them, and PPO updates the policy. It is \
     sensitive to hyperparameters and open to reward hacking; its cost is often put at roughly \
     three times that of supervised training.",
    "The result, when the run goes well.",
];

const DPO_STEPS: &[FlowStep] = &[
    FlowStep { title: "Preference pairs", detail: "chosen vs rejected" },
    FlowStep { title: "DPO loss", detail: "one supervised objective" },
    FlowStep { title: "Aligned model", detail: "trained like SFT" },
];

const DPO_EXPLAIN: &[&str] = &[
    "The same data as for PPO: a prompt, a chosen answer and a rejected one.",
    "The loss below raises the chosen answer's probability relative to a frozen reference copy \
     and lowers the rejected one's. No sampling, no reward model, no value network.",
    "Trained with ordinary gradient descent on batches of pairs, like supervised fine-tuning.",
];

const DPO_MATHML: [&str; 2] = [
    "<mrow><msub><mi>L</mi><mtext>DPO</mtext></msub><mo>=</mo><mo>−</mo><mi>log</mi><mi>σ</mi><mo>(</mo>\
<mi>β</mi><mi>log</mi><mfrac><mrow><msub><mi>π</mi><mi>θ</mi></msub><mo>(</mo><msub><mi>y</mi><mi>w</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow>\
<mrow><msub><mi>π</mi><mtext>ref</mtext></msub><mo>(</mo><msub><mi>y</mi><mi>w</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow></mfrac></mrow>",
    "<mrow><mo>−</mo><mi>β</mi><mi>log</mi><mfrac><mrow><msub><mi>π</mi><mi>θ</mi></msub><mo>(</mo><msub><mi>y</mi><mi>l</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow>\
<mrow><msub><mi>π</mi><mtext>ref</mtext></msub><mo>(</mo><msub><mi>y</mi><mi>l</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow></mfrac><mo>)</mo></mrow>",
];

/// The body of the `dpo` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "RLHF with PPO works, but it is heavy: a separate reward model, a value network, an "
            "unstable RL loop, and reward hacking to watch for. In 2023 Rafailov and colleagues "
            "showed that the same objective can be optimized directly, with one loss on "
            "preference pairs and no RL at all. They called it Direct Preference Optimization."
        </p>
        <h2>"Two pipelines"</h2>
        <h3>"PPO (RLHF): four models and a loop"</h3>
        <Walkthrough steps=PPO explain=PPO_EXPLAIN label="The PPO pipeline"/>
        <h3>"DPO: one loss"</h3>
        <Walkthrough steps=DPO_STEPS explain=DPO_EXPLAIN label="The DPO pipeline"/>
        <h2>"The loss"</h2>
        <Math parts=&DPO_MATHML joined=true label="L DPO equals minus log sigma of beta times log of pi theta of y w given x over pi ref of y w given x, minus beta times log of pi theta of y l given x over pi ref of y l given x"/>
        <p>
            "y"<sub>"w"</sub>" is the chosen (winning) answer, y"<sub>"l"</sub>" the rejected "
            "(losing) one, π"<sub>"θ"</sub>" the model being trained and π"<sub>"ref"</sub>" a "
            "frozen copy of where it started. Each log-ratio says how much more likely the model "
            "now finds an answer than it used to; β sets how far it may move. The paper shows this "
            "loss has the same optimum as RLHF's objective with a KL penalty, the reward model "
            "folded into the policy itself."
        </p>
        <live::LiveDpo/>
        <h2>"Variants"</h2>
        <ul>
            <li><strong>"IPO"</strong>": replaces the log-sigmoid with a squared target, so the margin cannot be pushed to infinity on pairs the model already gets right (over-optimization)."</li>
            <li><strong>"KTO"</strong>": learns from single answers marked good or bad, no pairs needed, with a loss shaped by prospect theory."</li>
            <li><strong>"ORPO"</strong>": folds preference into supervised fine-tuning with an odds-ratio term, so no reference model is kept."</li>
            <li><strong>"SimPO"</strong>": uses the length-normalized log-probability as the reward and drops the reference model, countering DPO's drift toward longer answers."</li>
        </ul>
        <p>
            "Open models have used both: Llama 3's post-training combined supervised fine-tuning, "
            "rejection sampling and DPO, while Gemma was aligned with RLHF against a learned "
            "reward model. Frontier labs have reportedly kept PPO-style RL with their own "
            "infrastructure."
        </p>
        <div class="callout">
            <strong>"The lesson. "</strong>
            "Much of “RL for LLMs” turned out to be optional. With the right loss, preference "
            "alignment is supervised learning."
        </div>
    }
}
