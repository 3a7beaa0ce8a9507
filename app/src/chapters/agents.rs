//! Agents: LLMs in a Loop.

use leptos::prelude::*;

use crate::calc::scaling::{all_succeed, max_steps_for};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{Chart, FlowStep, Slider};

const REACT: &[FlowStep] = &[
    FlowStep { title: "Think", detail: "“I need the pricing first”" },
    FlowStep { title: "Act", detail: "search_web(\"X\u{a0}pricing\")" },
    FlowStep { title: "Observe", detail: "“Result: $20/month”" },
    FlowStep { title: "Think again", detail: "“now compute the total”" },
];

const EXPLAIN: &[&str] = &[
    "The model writes its reasoning about what to do next, as ordinary tokens.",
    "It emits a tool call (see function calling); the harness runs it.",
    "The tool's output is appended to the context as an observation.",
    "The model reads the observation and decides the next step, until it declares the goal met or \
     a step limit stops it. Every turn of this loop is one full model call.",
];

fn pct(v: f64) -> String {
    if v >= 0.1 { format!("{:.1}%", v * 100.0) } else { format!("{:.2}%", v * 100.0) }
}

fn p_fmt(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn n_fmt(v: f64) -> String {
    format!("{v:.0}")
}

/// The body of the `agents` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let p = number_param("p", 0.95, 0.80, 0.999);
    let n = number_param("steps", 10.0, 1.0, 200.0);
    let chart = Signal::derive(move || {
        let pv = p.get();
        let curve = |q: f64| (0..=200).map(|k| (k as f64, all_succeed(q, k))).collect::<Vec<_>>();
        let mut series = vec![Series {
            label: format!("{} per step", p_fmt(pv)),
            points: curve(pv),
            color: 0,
            markers: false,
        }];
        if (pv - 0.99).abs() > 1e-9 {
            series.push(Series {
                label: format!("{} per step", p_fmt(0.99)),
                points: curve(0.99),
                color: 1,
                markers: false,
            });
        }
        series.push(Series {
            label: "your number of steps".into(),
            points: vec![(n.get(), all_succeed(pv, n.get() as u32))],
            color: 2,
            markers: true,
        });
        LineChart {
            x: Axis::linear(0.0, 200.0),
            y: Axis { min: 0.0, max: 1.0, log: false, format: |v| format!("{:.0}%", v * 100.0) },
            x_label: "steps".into(),
            y_label: "chance every step succeeds".into(),
            series,
            size: (680, 340),
        }
        .svg()
    });
    view! {
        <p>
            "A chatbot answers and stops. An agent plans, acts, looks at the result and plans again, "
            "over many turns and with tools, until a goal is reached. Coding assistants that edit "
            "files and run tests, and browsing assistants, are agents."
        </p>
        <h2>"The ReAct loop"</h2>
        <p>"“Reason + Act” (Yao et\u{a0}al., 2022): the model alternates between thinking and acting."</p>
        <Walkthrough steps=REACT explain=EXPLAIN looped=true per_row=4 label="The ReAct loop"/>
        <div class="agents-kinds">
            <section class="panel"><h3>"Single agent"</h3><p>"One model with tools, looping until done."</p></section>
            <section class="panel"><h3>"Multi-agent"</h3><p>"Planner, coder and critic hand work to each other. More expressive, harder to debug."</p></section>
            <section class="panel"><h3>"Tree search"</h3><p>"Try several branches, score each, keep the best, in the spirit of AlphaGo."</p></section>
        </div>
        <h2>"Why long tasks drift: errors compound"</h2>
        <p>
            "If each step succeeds with probability p, independently, all n steps succeed with "
            "probability pⁿ. It looks harmless per step and is brutal over many."
        </p>
        <div class="panel">
            <Slider label="success per step" value=p min=0.80 max=0.999 step=0.001 format=p_fmt/>
            <Slider label="steps" value=n min=1.0 max=200.0 step=1.0 format=n_fmt/>
            <p class="agents-result" data-compound=move || format!("{:.6}", all_succeed(p.get(), n.get() as u32))>
                {move || format!("{} per step over {} steps: {} of runs succeed end to end.",
                    p_fmt(p.get()), n.get(), pct(all_succeed(p.get(), n.get() as u32)))}
            </p>
            <ul class="agents-facts">
                <li>{move || format!("10 steps: {}", pct(all_succeed(p.get(), 10)))}</li>
                <li>{move || format!("100 steps: {}", pct(all_succeed(p.get(), 100)))}</li>
                <li>{move || match max_steps_for(p.get(), 0.5) {
                    Some(k) => format!("Longest task still finished at least half the time: {k} steps"),
                    None => "Every task finishes.".to_owned(),
                }}</li>
            </ul>
            <Chart svg=chart label="The chance that every step succeeds, falling with the number of steps, for the chosen per-step success rate and for 99%"
                caption=format!("Computed in the page: pⁿ for n from 0 to 200. At 95% per step this gives {} for 10 steps and {} for 100, the “60%” and “0.6%” often quoted.", pct(all_succeed(0.95, 10)), pct(all_succeed(0.95, 100)))/>
        </div>
        <h2>"Other ways agents drift"</h2>
        <ul>
            <li><strong>"Context bloat"</strong>": tool outputs pile up and crowd the prompt; the model gets distracted."</li>
            <li><strong>"Shallow planning"</strong>": the model improvises one step at a time, with no plan it can revise."</li>
            <li><strong>"Goal drift"</strong>": after many turns it loses track of why it started."</li>
        </ul>
        <p>
            "Real steps are not independent: an agent can notice a failed test and retry, which is "
            "why verifiers, sandboxes and checkpoints are where much of the progress happens."
        </p>
        <div class="callout">
            <strong>"The frontier. "</strong>
            "Making a chatbot a little smarter gives diminishing returns; making an agent that "
            "reliably finishes 50-step tasks does not. Much of the recent progress is in the "
            "harness around the model: memory, planners, verifiers."
        </div>
    }
}
