//! Multi-gate mixture of experts: shared experts, one gate per task.

mod live;

use leptos::prelude::*;

/// Where the architecture's boxes go, in SVG units.
struct Layout {
    /// The viewBox's width.
    w: f64,
    /// The four experts' centres and their boxes' width.
    experts: [f64; 4],
    expert_w: f64,
    /// The three tasks' centres and the width of their gate and tower boxes.
    tasks: [f64; 3],
    task_w: f64,
    /// The class that shows this drawing at its screen width (chapters-1.css).
    class: &'static str,
}

const DESKTOP: Layout = Layout {
    w: 640.0,
    experts: [70.0, 220.0, 370.0, 520.0],
    expert_w: 110.0,
    tasks: [110.0, 320.0, 530.0],
    task_w: 130.0,
    class: "mm-wide",
};

/// A phone's column, drawn near 1:1 so its 13-unit labels stay 13 px (the desktop's 640 units
/// would be halved, or scroll).
const PHONE: Layout = Layout {
    w: 320.0,
    experts: [42.0, 122.0, 202.0, 282.0],
    expert_w: 72.0,
    tasks: [53.0, 160.0, 267.0],
    task_w: 96.0,
    class: "mm-phone",
};

/// The architecture as SVG: input, four shared experts, three task gates and towers.
fn diagram_svg(at: &Layout) -> String {
    let mid = at.w / 2.0;
    let mut s = format!(
        "<svg viewBox=\"0 0 {} 310\" class=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
         <rect x=\"{}\" y=\"6\" width=\"140\" height=\"36\" rx=\"8\" class=\"mm-box\"/>\
         <text x=\"{mid}\" y=\"29\" text-anchor=\"middle\">Input features</text>",
        at.w,
        at.class,
        mid - 70.0,
    );
    let names = [("A", "Click rate"), ("B", "Watch time"), ("C", "Like rate")];
    for &x in &at.experts {
        s += &format!("<line x1=\"{mid}\" y1=\"42\" x2=\"{x}\" y2=\"90\" class=\"mm-link\"/>");
    }
    for (i, &x) in at.experts.iter().enumerate() {
        s += &format!(
            "<rect x=\"{}\" y=\"90\" width=\"{}\" height=\"40\" rx=\"8\" class=\"mm-box mm-expert\"/><text x=\"{x}\" y=\"115\" text-anchor=\"middle\">Expert {}</text>",
            x - at.expert_w / 2.0,
            at.expert_w,
            i + 1
        );
    }
    for (&x, (gate, name)) in at.tasks.iter().zip(names) {
        // Every gate reads every expert; how much, the gate learns (the live panel below).
        for &ex in &at.experts {
            s += &format!("<line x1=\"{ex}\" y1=\"130\" x2=\"{x}\" y2=\"190\" class=\"mm-link\"/>");
        }
        let left = x - at.task_w / 2.0;
        s += &format!(
            "<rect x=\"{left}\" y=\"190\" width=\"{w}\" height=\"36\" rx=\"8\" class=\"mm-box mm-gate\"/><text x=\"{x}\" y=\"213\" text-anchor=\"middle\">Gate {gate}</text>\
             <line x1=\"{x}\" y1=\"226\" x2=\"{x}\" y2=\"262\" class=\"mm-link\"/>\
             <rect x=\"{left}\" y=\"262\" width=\"{w}\" height=\"40\" rx=\"8\" class=\"mm-box\"/><text x=\"{x}\" y=\"287\" text-anchor=\"middle\">{name}</text>",
            w = at.task_w,
        );
    }
    s + "</svg>"
}

/// The body of the `mmoe` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Recommendation and ranking systems rarely predict one thing. A video feed wants to know \
             whether you will click, how long you will watch, and whether you will like it, all from \
             the same features. One shared network for all tasks suffers " <em>"negative transfer"</em>
            ": getting better at one task can make it worse at another. A plain mixture of experts \
             does not help much, since its single router cannot serve each task differently."
        </p>
        <p>
            <strong>"Multi-gate mixture of experts"</strong> " (MMoE, Ma et\u{a0}al., Google, KDD 2018) \
             keeps a pool of shared experts but gives " <em>"each task its own gate"</em> ": a softmax \
             over the experts that decides how much of each expert's output that task uses."
        </p>
        <figure class="panel">
            <div class="mm-diagram" role="img" aria-label="Input features feed four shared experts; three gates, one per task (click rate, watch time, like rate), each mix the experts' outputs for their own task tower" inner_html=diagram_svg(&DESKTOP) + &diagram_svg(&PHONE)></div>
            <figcaption>"The same experts, mixed differently by each task's gate."</figcaption>
        </figure>
        <h2>"Why it works"</h2>
        <p>
            "The idea: when two tasks agree (click-through and watch time both reward engaging \
             videos) their gates can draw on the same experts and share what those learn; when \
             tasks pull apart (clickbait earns clicks but loses watch time) the gates can give each \
             task its own mixture. Nobody decides which experts are shared: the gates learn it. In \
             the paper's synthetic experiments, MMoE's advantage over one shared network grows as \
             the tasks' correlation falls."
        </p>
        <table class="numbers stack">
            <thead><tr><th scope="col"></th><th scope="col">"Plain MoE"</th><th scope="col">"MMoE"</th></tr></thead>
            <tbody>
                <tr><th scope="row">"Routers"</th><td data-label="Plain MoE">"one"</td><td data-label="MMoE">"one per task"</td></tr>
                <tr><th scope="row">"Goal"</th><td data-label="Plain MoE">"cheaper computation per token"</td><td data-label="MMoE">"several objectives at once"</td></tr>
                <tr><th scope="row">"Experts used"</th><td data-label="Plain MoE">"top-k, sparse"</td><td data-label="MMoE">"usually all, mixed by weight"</td></tr>
                <tr><th scope="row">"Found in"</th><td data-label="Plain MoE">"Mixtral, DeepSeek and other LLMs"</td><td data-label="MMoE">"ranking and recommendation systems"</td></tr>
            </tbody>
        </table>
        <p>
            "Later designs such as CGC and PLE (Progressive Layered Extraction, Tencent 2020) add \
             experts reserved for each task next to the shared ones, so one task cannot take over the \
             shared pool. MMoE is not used in LLM pre-training, which has a single task, predicting \
             the next token, but this family is common in large industrial ranking systems."
        </p>
        <live::LiveMmoe/>
    }
}
