//! DPO vs PPO.

use leptos::prelude::*;

use crate::calc::dpo::{Pair, dpo};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{Chart, FlowStep, Math, Slider};

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
     sensitive to hyperparameters and open to reward hacking; the original guide puts its cost at \
     roughly three times supervised training.",
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

const DPO_MATHML: &str = "<mrow><msub><mi>L</mi><mtext>DPO</mtext></msub><mo>=</mo><mo>−</mo><mi>log</mi><mi>σ</mi><mo>(</mo>\
<mi>β</mi><mi>log</mi><mfrac><mrow><msub><mi>π</mi><mi>θ</mi></msub><mo>(</mo><msub><mi>y</mi><mi>w</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow>\
<mrow><msub><mi>π</mi><mtext>ref</mtext></msub><mo>(</mo><msub><mi>y</mi><mi>w</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow></mfrac>\
<mo>−</mo><mi>β</mi><mi>log</mi><mfrac><mrow><msub><mi>π</mi><mi>θ</mi></msub><mo>(</mo><msub><mi>y</mi><mi>l</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow>\
<mrow><msub><mi>π</mi><mtext>ref</mtext></msub><mo>(</mo><msub><mi>y</mi><mi>l</mi></msub><mo>|</mo><mi>x</mi><mo>)</mo></mrow></mfrac><mo>)</mo></mrow>";

fn nats(v: f64) -> String {
    format!("{v:.1}")
}

fn beta_fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// The body of the `dpo` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let beta = number_param("beta", 0.1, 0.01, 1.0);
    let pw = number_param("pw", -10.0, -40.0, 0.0);
    let rw = number_param("rw", -12.0, -40.0, 0.0);
    let pl = number_param("pl", -14.0, -40.0, 0.0);
    let rl = number_param("rl", -13.0, -40.0, 0.0);
    let terms = Memo::new(move |_| {
        dpo(
            Pair {
                policy_chosen: pw.get(),
                ref_chosen: rw.get(),
                policy_rejected: pl.get(),
                ref_rejected: rl.get(),
            },
            beta.get(),
        )
    });
    let chart = Signal::derive(move || {
        let t = terms.get();
        let b = beta.get();
        let curve: Vec<(f64, f64)> = (0..=120)
            .map(|i| {
                let m = -6.0 + 0.1 * i as f64;
                let p = Pair {
                    policy_chosen: m / b,
                    ref_chosen: 0.0,
                    policy_rejected: 0.0,
                    ref_rejected: 0.0,
                };
                (m, dpo(p, b).loss)
            })
            .collect();
        LineChart {
            x: Axis::linear(-6.0, 6.0),
            y: Axis::linear(0.0, 6.5),
            x_label: "margin β·(Δ chosen − Δ rejected)".into(),
            y_label: "loss (nats)".into(),
            series: vec![
                Series {
                    label: "−log σ(margin)".into(), points: curve, color: 0, markers: false
                },
                Series {
                    label: "this pair".into(),
                    points: vec![(t.margin.clamp(-6.0, 6.0), t.loss.min(6.5))],
                    color: 2,
                    markers: true,
                },
            ],
            size: (640, 320),
        }
        .svg()
    });
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
        <Walkthrough steps=DPO_STEPS explain=DPO_EXPLAIN per_row=3 label="The DPO pipeline"/>
        <h2>"The loss"</h2>
        <Math mathml=DPO_MATHML label="L DPO equals minus log sigma of beta times log of pi theta of y w given x over pi ref of y w given x, minus beta times log of pi theta of y l given x over pi ref of y l given x"/>
        <p>
            "y"<sub>"w"</sub>" is the chosen (winning) answer, y"<sub>"l"</sub>" the rejected "
            "(losing) one, π"<sub>"θ"</sub>" the model being trained and π"<sub>"ref"</sub>" a "
            "frozen copy of where it started. Each log-ratio says how much more likely the model "
            "now finds an answer than it used to; β sets how far it may move. The paper shows this "
            "loss has the same optimum as RLHF's objective with a KL penalty, the reward model "
            "folded into the policy itself."
        </p>
        <div class="panel dpo-calc">
            <h3>"Try it: one pair"</h3>
            <p>"Log-probabilities of the whole answer, in nats (sums over its tokens, so large negatives are normal)."</p>
            <div class="dpo-sliders">
                <Slider label="β" value=beta min=0.01 max=1.0 step=0.01 format=beta_fmt/>
                <Slider label="log π_θ(chosen)" value=pw min=-40.0 max=0.0 step=0.5 format=nats/>
                <Slider label="log π_ref(chosen)" value=rw min=-40.0 max=0.0 step=0.5 format=nats/>
                <Slider label="log π_θ(rejected)" value=pl min=-40.0 max=0.0 step=0.5 format=nats/>
                <Slider label="log π_ref(rejected)" value=rl min=-40.0 max=0.0 step=0.5 format=nats/>
            </div>
            <table class="dpo-table" data-dpo-loss=move || format!("{:.6}", terms.get().loss)>
                <tbody>
                    <tr><th scope="row">"implicit reward, chosen: β·(log π_θ − log π_ref)"</th>
                        <td>{move || format!("{:+.4}", terms.get().reward_chosen)}</td></tr>
                    <tr><th scope="row">"implicit reward, rejected"</th>
                        <td>{move || format!("{:+.4}", terms.get().reward_rejected)}</td></tr>
                    <tr><th scope="row">"margin"</th>
                        <td>{move || format!("{:+.4}", terms.get().margin)}</td></tr>
                    <tr><th scope="row">"σ(margin): implied P(chosen preferred)"</th>
                        <td>{move || format!("{:.4}", terms.get().p_prefer)}</td></tr>
                    <tr class="dpo-loss"><th scope="row">"loss = −log σ(margin)"</th>
                        <td>{move || format!("{:.4} nats", terms.get().loss)}</td></tr>
                    <tr><th scope="row">"gradient weight β·σ(−margin)"</th>
                        <td>{move || format!("{:.4}", terms.get().weight)}</td></tr>
                </tbody>
            </table>
            <Chart svg=chart label="The DPO loss against the margin, with the current pair marked"
                caption="With the policy equal to the reference the margin is 0 and the loss is ln 2 ≈ 0.693. Pairs already ranked well get small gradients; badly ranked ones get large ones."/>
        </div>
        <h2>"Variants"</h2>
        <ul>
            <li><strong>"IPO"</strong>": replaces the log-sigmoid with a squared target, so the margin cannot be pushed to infinity on pairs the model already gets right (over-optimization)."</li>
            <li><strong>"KTO"</strong>": learns from single answers marked good or bad, no pairs needed, with a loss shaped by prospect theory."</li>
            <li><strong>"ORPO"</strong>": folds preference into supervised fine-tuning with an odds-ratio term, so no reference model is kept."</li>
            <li><strong>"SimPO"</strong>": uses the length-normalized log-probability as the reward and drops the reference model, countering DPO's drift toward longer answers."</li>
        </ul>
        <p>
            "Open models such as Llama 3 and Gemma were aligned with DPO or its variants; the "
            "frontier labs have reportedly kept PPO-style RL with their own infrastructure."
        </p>
        <div class="callout">
            <strong>"The lesson. "</strong>
            "Much of “RL for LLMs” turned out to be optional. With the right loss, preference "
            "alignment is supervised learning."
        </div>
    }
}
