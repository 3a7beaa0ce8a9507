//! Distillation.

mod live;
mod students;

use leptos::prelude::*;

use crate::calc::distill::{entropy_bits, kl, one_hot_argmax, softmax_t};
use crate::url_state::number_param;
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{Bar, Bars, FlowStep, Math, Slider};

const FLOW: &[FlowStep] = &[
    FlowStep { title: "Teacher", detail: "e.g. 405B parameters" },
    FlowStep { title: "Generate", detail: "answers or distributions" },
    FlowStep { title: "Student", detail: "e.g. 8B parameters" },
    FlowStep { title: "Result", detail: "cheap, fast, most of the skill" },
];

const EXPLAIN: &[&str] = &[
    "A large, expensive model (a Llama 405B, a frontier model) that already does the task well.",
    "Run it on a large set of prompts and record what it produces: its answers (hard \
     distillation) or its whole next-token distribution at every position (soft distillation).",
    "Train a much smaller model to reproduce those outputs.",
    "The student keeps much of the teacher's ability at a fraction of the cost to run. How much \
     depends on the task and on the two sizes; there is no fixed share.",
];

const TOKENS: [&str; 5] = [" mat", " floor", " sofa", " bed", " roof"];
const TEACHER: [f64; 5] = [3.0, 1.5, 0.5, 0.0, -1.0];
const STUDENT: [f64; 5] = [2.0, 2.0, 0.0, 0.0, 0.0];

fn bars(p: &[f64]) -> Vec<Bar> {
    let top = p.iter().copied().fold(0.0, f64::max);
    TOKENS
        .iter()
        .zip(p)
        .map(|(t, &v)| Bar {
            label: format!("“{}”", crate::widgets::attention_map::visible(t)),
            fraction: v,
            text: format!("{:.1}%", v * 100.0),
            highlight: v == top,
        })
        .collect()
}

fn t_fmt(v: f64) -> String {
    format!("{v:.1}")
}

const KL_MATHML: [&str; 2] = [
    "<mrow><msub><mi>D</mi><mtext>KL</mtext></msub><mo>(</mo><mi>p</mi><mo>‖</mo><mi>q</mi><mo>)</mo><mo>=</mo>\
<munder><mo>∑</mo><mi>i</mi></munder><msub><mi>p</mi><mi>i</mi></msub><mi>ln</mi><mfrac><msub><mi>p</mi><mi>i</mi></msub><msub><mi>q</mi><mi>i</mi></msub></mfrac>\
<mo>,</mo></mrow>",
    "<mrow><msub><mi>p</mi><mi>i</mi></msub><mo>=</mo><mfrac><msup><mi>e</mi><mrow><msub><mi>z</mi><mi>i</mi></msub><mo>/</mo><mi>T</mi></mrow></msup>\
<mrow><munder><mo>∑</mo><mi>j</mi></munder><msup><mi>e</mi><mrow><msub><mi>z</mi><mi>j</mi></msub><mo>/</mo><mi>T</mi></mrow></msup></mrow></mfrac></mrow>",
];

/// The body of the `distillation` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let t = number_param("T", 1.0, 0.5, 5.0);
    let teacher = Memo::new(move |_| softmax_t(&TEACHER, t.get()));
    let student = Memo::new(move |_| softmax_t(&STUDENT, t.get()));
    let hard = one_hot_argmax(&TEACHER);
    let hard_bars = bars(&hard);
    let ce_hard = move || -student.get()[0].ln();
    view! {
        <p>
            "Many small models were taught by bigger ones: trained to imitate a larger model's "
            "outputs or its next-token distributions, not only the raw web text. That is "
            "distillation, and part of why small models punch above their size."
        </p>
        <Walkthrough steps=FLOW explain=EXPLAIN per_row=4 label="Distillation from teacher to student"/>
        <div class="agents-kinds">
            <section class="panel"><h3>"Hard distillation"</h3><p>"Train on the teacher's final answers, exactly like SFT but with machine-written data."</p></section>
            <section class="panel"><h3>"Soft distillation"</h3><p>"Match the teacher's whole probability distribution at every token: not just what it said, but how sure it was of each alternative."</p></section>
            <section class="panel"><h3>"Task distillation"</h3><p>"Distil one narrow skill (maths, support tickets, code) into a model small enough for a phone."</p></section>
        </div>
        <h2>"Hard vs soft targets"</h2>
        <p>
            "Take one position: the teacher is completing “The cat sat on the”. The hard target "
            "says only “␣mat”. The soft target also says that “␣floor” was a fair second and “␣roof” "
            "unlikely, which tells the student how the teacher generalises. Hinton and colleagues "
            "(2015) called this the “dark knowledge” in the distribution, and raised the softmax "
            "temperature T to bring it out."
        </p>
        <Math parts=&KL_MATHML label="D KL of p and q equals the sum over i of p i times log of p i over q i, where p i is e to the z i over T divided by the sum over j of e to the z j over T"/>
        <div class="panel distill-demo">
            <Slider label="temperature T" value=t min=0.5 max=5.0 step=0.1 format=t_fmt/>
            <div class="distill-cols">
                <section>
                    <h3>"Hard target"</h3>
                    <Bars rows=Signal::derive(move || hard_bars.clone()) label="The hard target: all probability on the teacher's top token"/>
                    <p class="distill-stat">{format!("entropy {:.2} bits", entropy_bits(&hard))}</p>
                </section>
                <section>
                    <h3>"Teacher, soft (at T)"</h3>
                    <Bars rows=Signal::derive(move || bars(&teacher.get())) label="The teacher's distribution at temperature T"/>
                    <p class="distill-stat">{move || format!("entropy {:.2} bits", entropy_bits(&teacher.get()))}</p>
                </section>
                <section>
                    <h3>"Student (at T)"</h3>
                    <Bars rows=Signal::derive(move || bars(&student.get())) label="The student's distribution at temperature T"/>
                    <p class="distill-stat">{move || format!("entropy {:.2} bits", entropy_bits(&student.get()))}</p>
                </section>
            </div>
            <table class="dpo-table stack">
                <tbody>
                    <tr><th scope="row">"soft loss: KL(teacher ‖ student) at T"</th>
                        <td data-kl=move || format!("{:.6}", kl(&teacher.get(), &student.get()))>{move || format!("{:.4} nats", kl(&teacher.get(), &student.get()))}</td></tr>
                    <tr><th scope="row">"hard loss: −ln q(“␣mat”) at T"</th>
                        <td>{move || format!("{:.4} nats", ce_hard())}</td></tr>
                </tbody>
            </table>
            <p>
                {format!("At T\u{a0}=\u{a0}1 the teacher puts {:.1}% on “␣mat”. ", softmax_t(&TEACHER, 1.0)[0] * 100.0)}
                "Raise T and its runner-up choices grow, "
                "so the soft loss carries more of their information. The hard loss only asks the "
                "student to prefer “␣mat”; it cannot see that the student wrongly rates “␣floor” as "
                "high as “␣mat”, which the KL term penalises. In training the soft loss is "
                "multiplied by T² so its gradients keep their size as T changes."
            </p>
            <p class="small">
                "These five logits are an example chosen for this page, not model output; the panel \
                 below uses the Tumbler's real distribution as the teacher."
            </p>
        </div>
        <live::LiveTargets/>
        <students::TwoStudents/>
        <h2>"Why it works so well"</h2>
        <p>
            "Web text is noisy; teacher outputs are clean, on-task and consistent, and a soft "
            "target carries a whole distribution per token where a hard one carries a single "
            "id. The economics follow: train one giant, distil the rest."
        </p>
        <div class="callout">
            <strong>"The practical implication. "</strong>
            "A small model can carry some of a large sibling's skill. Llama 3.1 8B was still "
            "pre-trained on about 15\u{a0}trillion tokens of its own; the 405B model's outputs helped "
            "in its post-training (Meta's Llama 3 paper, 2024). Gemma 2's 2B and 9B models were "
            "pre-trained with distillation from a larger model, on its next-token distributions "
            "(Gemma Team, 2024)."
        </div>
    }
}
